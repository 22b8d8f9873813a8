"""SNS fixtures: clients, uniquely named topics and queues, and a queue's next message."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

_names = itertools.count()


@pytest.fixture(scope="module")
def sns(client):
    return client("sns")


@pytest.fixture(scope="module")
def sqs(client):
    return client("sqs")


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_names)}"


@pytest.fixture(name="unique")
def unique_fixture() -> Callable[[str], str]:
    """unique(prefix) -> a name no other test of the module uses."""
    return unique


@pytest.fixture
def topic(sns) -> Callable[..., str]:
    """topic(fifo=False, **attributes) -> a new topic's ARN."""

    def create(fifo: bool = False, **attributes: str) -> str:
        name = unique("topic") + (".fifo" if fifo else "")
        if fifo:
            attributes["FifoTopic"] = "true"
        return sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]

    return create


@pytest.fixture
def queue(sqs) -> Callable[..., tuple[str, str]]:
    """queue(fifo=False) -> (url, arn) of a new queue."""

    def create(fifo: bool = False) -> tuple[str, str]:
        name = unique("queue") + (".fifo" if fifo else "")
        attributes = {"FifoQueue": "true"} if fifo else {}
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    return create


@pytest.fixture
def receive(sqs) -> Callable[..., list[dict]]:
    """receive(url, count=1) -> the next `count` messages (long polls; fails when they do not come)."""

    def get(url: str, count: int = 1, wait: int = 5) -> list[dict]:
        messages: list[dict] = []
        for _ in range(count * 2):
            reply = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(10, count - len(messages)),
                                        WaitTimeSeconds=wait, MessageAttributeNames=["All"],
                                        AttributeNames=["All"])
            for message in reply.get("Messages", []):
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                messages.append(message)
            if len(messages) >= count:
                return messages
        raise AssertionError(f"expected {count} messages on {url}, got {len(messages)}")

    return get
