"""EventBridge fixtures: clients, uniquely named queues that let EventBridge send to them, and a
queue's next messages."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable

import pytest

from cloudlet.testing.packages import zip_files as zipped

_names = itertools.count()


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_names)}"


@pytest.fixture(name="unique")
def unique_fixture() -> Callable[[str], str]:
    return unique


@pytest.fixture(scope="module")
def events(client):
    return client("events")


@pytest.fixture(scope="module")
def sqs(client):
    return client("sqs")


@pytest.fixture(scope="module")
def sns(client):
    return client("sns")


def allow_events(sqs, url: str, arn: str) -> None:
    """The queue policy AWS requires before EventBridge may send to a queue."""
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": arn}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})


@pytest.fixture
def queue(sqs) -> Callable[..., tuple[str, str]]:
    """queue(fifo=False, allow=True) -> (url, arn) of a new queue EventBridge may send to."""

    def create(fifo: bool = False, allow: bool = True) -> tuple[str, str]:
        name = unique("queue") + (".fifo" if fifo else "")
        url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"} if fifo else {})["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        if allow:
            allow_events(sqs, url, arn)
        return url, arn

    return create


def receive_from(sqs, url: str, count: int = 1, wait: int = 5) -> list[dict]:
    """The next `count` messages (deleted once received); fails when they do not come."""
    messages: list[dict] = []
    for _ in range(count * 3):
        reply = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(10, count - len(messages)),
                                    WaitTimeSeconds=wait, MessageAttributeNames=["All"], AttributeNames=["All"])
        for message in reply.get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            messages.append(message)
        if len(messages) >= count:
            return messages
    raise AssertionError(f"expected {count} messages on {url}, got {len(messages)}")


@pytest.fixture
def receive(sqs) -> Callable[..., list[dict]]:
    return lambda url, count=1, wait=5: receive_from(sqs, url, count, wait)


@pytest.fixture
def nothing_on(sqs) -> Callable[[str], None]:
    """nothing_on(url): no message arrives within a second (what should not be delivered is not)."""

    def check(url: str, wait: int = 1) -> None:
        reply = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait)
        assert reply.get("Messages") is None, reply["Messages"][0]["Body"]

    return check


@pytest.fixture
def routed(events, queue) -> Callable[..., tuple[str, str]]:
    """routed(pattern, bus="default", **target) -> (queue url, rule name): a rule sending what
    matches `pattern` to a new queue."""

    def create(pattern: dict, bus: str = "default", **target) -> tuple[str, str]:
        url, arn = queue()
        name = unique("rule")
        events.put_rule(Name=name, EventPattern=json.dumps(pattern), EventBusName=bus)
        answer = events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "queue", "Arn": arn, **target}])
        assert answer["FailedEntryCount"] == 0
        return url, name

    return create


ROLE = "arn:aws:iam::000000000000:role/lambda-role"


@pytest.fixture(scope="module")
def lam(client):
    return client("lambda")


@pytest.fixture
def function(lam) -> Callable[..., str]:
    """function(code, **config) -> the ARN of a new Python function whose handler is app.handler."""

    def create(code: str, **config) -> str:
        return lam.create_function(FunctionName=unique("fn"), Role=ROLE, Runtime="python3.11", Handler="app.handler",
                                   Code={"ZipFile": zipped({"app.py": code})}, **config)["FunctionArn"]

    return create
