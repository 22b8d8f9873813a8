"""FIFO ReceiveRequestAttemptId, a receive with VisibilityTimeout=0, and QueueDeletedRecently."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def fifo(sqs, name) -> str:
    url = sqs.create_queue(QueueName=name + ".fifo", Attributes={"FifoQueue": "true",
                                                                 "ContentBasedDeduplication": "true"})["QueueUrl"]
    for body in ("a1", "a2", "b1"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=body[0])
    return url


def _receive(sqs, url: str, attempt: str | None = None, **kwargs) -> list[dict]:
    if attempt is not None:
        kwargs["ReceiveRequestAttemptId"] = attempt
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, **kwargs).get("Messages", [])


def _handles(messages: list[dict]) -> list[tuple[str, str]]:
    return [(m["Body"], m["ReceiptHandle"]) for m in messages]


def test_a_repeated_attempt_returns_the_same_messages_and_handles(sqs, fifo, server):
    first = _receive(sqs, fifo, "try-1", VisibilityTimeout=30, AttributeNames=["ApproximateReceiveCount"])
    assert [m["Body"] for m in first] == ["a1", "a2", "b1"]
    server.advance_clock(20)
    again = _receive(sqs, fifo, "try-1", VisibilityTimeout=30, AttributeNames=["ApproximateReceiveCount"])
    assert _handles(again) == _handles(first)
    assert {m["Attributes"]["ApproximateReceiveCount"] for m in again} == {"1"}  # not a new receive
    assert _receive(sqs, fifo, "try-2") == []  # every group is in flight
    # The repeat restarted the visibility timeout: 20 s later (40 s after the first) still hidden.
    server.advance_clock(20)
    assert _receive(sqs, fifo) == []
    sqs.delete_message(QueueUrl=fifo, ReceiptHandle=again[0]["ReceiptHandle"])  # the handles work


def test_a_changed_message_makes_the_attempt_a_new_receive(sqs, fifo, server):
    first = _receive(sqs, fifo, "try", VisibilityTimeout=30)
    sqs.delete_message(QueueUrl=fifo, ReceiptHandle=first[0]["ReceiptHandle"])
    assert _receive(sqs, fifo, "try") == []  # the rest are still in flight: nothing new to take
    server.advance_clock(31)
    assert [m["Body"] for m in _receive(sqs, fifo, "try")] == ["a2", "b1"]


def test_an_attempt_is_remembered_for_five_minutes(sqs, fifo, server):
    first = _receive(sqs, fifo, "old", VisibilityTimeout=600)
    server.advance_clock(301)
    assert _receive(sqs, fifo, "old") == []  # forgotten: a new receive, and the groups are in flight
    assert len(first) == 3


def test_a_bad_attempt_id_is_refused(sqs, fifo):
    with pytest.raises(ClientError) as exc:
        _receive(sqs, fifo, "not allowed: spaces\u00e9")
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_standard_queues_ignore_the_attempt_id(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="x")
    assert len(_receive(sqs, queue, "same", VisibilityTimeout=60)) == 1
    assert _receive(sqs, queue, "same") == []


def test_visibility_zero_receives_each_message_once_per_call(sqs, queue):
    for body in ("1", "2"):
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    assert sorted(m["Body"] for m in _receive(sqs, queue, VisibilityTimeout=0)) == ["1", "2"]
    assert sorted(m["Body"] for m in _receive(sqs, queue, VisibilityTimeout=0)) == ["1", "2"]


def test_a_deleted_name_is_held_for_sixty_seconds(sqs, name, server):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDeletedRecently) as exc:
        sqs.create_queue(QueueName=name)
    assert exc.value.response["Error"]["Message"] == (
        "You must wait 60 seconds after deleting a queue before you can create another with the same name.")
    assert exc.value.response["Error"]["Code"] == "AWS.SimpleQueueService.QueueDeletedRecently"
    server.advance_clock(61)
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == url
