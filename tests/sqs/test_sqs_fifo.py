"""FIFO queues: order per group, one batch in flight per group, deduplication, sequence numbers."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError


def _code(exc_info) -> str:
    error = exc_info.value.response["Error"]
    return error.get("QueryErrorCode") or error["Code"]


@pytest.fixture
def fifo(sqs):
    def create(**attributes):
        name = f"f-{uuid.uuid4().hex[:10]}.fifo"
        return sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true", **attributes})["QueueUrl"]
    return create


def _bodies(answer):
    return [m["Body"] for m in answer.get("Messages", [])]


def test_order_within_a_group_and_sequence_numbers(sqs, fifo):
    url = fifo()
    sequences = []
    for i in range(5):
        sent = sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageGroupId="g", MessageDeduplicationId=f"d{i}")
        sequences.append(int(sent["SequenceNumber"]))
    assert sequences == sorted(sequences) and len(set(sequences)) == 5
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in received] == ["m0", "m1", "m2"]
    attributes = received[0]["Attributes"]
    assert attributes["MessageGroupId"] == "g"
    assert attributes["MessageDeduplicationId"] == "d0"
    assert int(attributes["SequenceNumber"]) == sequences[0]


def test_one_batch_in_flight_per_group(sqs, fifo, server):
    url = fifo()
    for i, group in enumerate(["a", "a", "b", "a", "b"]):
        sqs.send_message(QueueUrl=url, MessageBody=f"{group}{i}", MessageGroupId=group, MessageDeduplicationId=str(i))
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=30)
    assert _bodies(first) == ["a0", "a1"]
    # Group a is in flight: its later message waits; group b goes on.
    second = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)
    assert _bodies(second) == ["b2", "b4"]
    assert _bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)) == []
    # a0 deleted, a1 times out: a1 comes back before a3, keeping the group's order.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["Messages"][0]["ReceiptHandle"])
    server.advance_clock(31)
    assert _bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)) == ["a1", "a3", "b2", "b4"]


def test_explicit_deduplication_for_five_minutes(sqs, fifo, server):
    url = fifo()
    first = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="same")
    again = sqs.send_message(QueueUrl=url, MessageBody="y", MessageGroupId="g", MessageDeduplicationId="same")
    assert again["MessageId"] == first["MessageId"]
    assert again["SequenceNumber"] == first["SequenceNumber"]
    server.advance_clock(301)
    later = sqs.send_message(QueueUrl=url, MessageBody="z", MessageGroupId="g", MessageDeduplicationId="same")
    assert later["MessageId"] != first["MessageId"]
    assert _bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)) == ["x", "z"]


def test_content_based_deduplication(sqs, fifo):
    url = fifo(ContentBasedDeduplication="true")
    a = sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="g1")
    b = sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="g2")
    assert a["MessageId"] == b["MessageId"]
    message = sqs.receive_message(QueueUrl=url, AttributeNames=["MessageDeduplicationId"])["Messages"][0]
    import hashlib
    assert message["Attributes"]["MessageDeduplicationId"] == hashlib.sha256(b"same body").hexdigest()


def test_deduplication_scope_message_group(sqs, fifo):
    url = fifo(DeduplicationScope="messageGroup", FifoThroughputLimit="perMessageGroupId")
    a = sqs.send_message(QueueUrl=url, MessageBody="1", MessageGroupId="g1", MessageDeduplicationId="d")
    b = sqs.send_message(QueueUrl=url, MessageBody="2", MessageGroupId="g2", MessageDeduplicationId="d")
    assert a["MessageId"] != b["MessageId"]


def test_fifo_send_errors(sqs, fifo, queue):
    url = fifo()
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    assert _code(exc) == "MissingParameter"
    assert exc.value.response["Error"]["Message"] == "The request must contain the parameter MessageGroupId."
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g")
    assert _code(exc) == "InvalidParameterValue"
    assert "ContentBasedDeduplication" in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d",
                         DelaySeconds=5)
    assert _code(exc) == "InvalidParameterValue"
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=queue, MessageBody="x", MessageDeduplicationId="d")
    assert _code(exc) == "InvalidParameterValue"


def test_fifo_batch_keeps_order(sqs, fifo):
    url = fifo(ContentBasedDeduplication="true")
    result = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": f"b{i}", "MessageGroupId": "g"} for i in range(10)])
    assert len(result["Successful"]) == 10
    sequences = [int(e["SequenceNumber"]) for e in result["Successful"]]
    assert sequences == sorted(sequences)
    assert _bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)) == [f"b{i}" for i in range(10)]


def test_expired_fifo_receipt_cannot_delete(sqs, fifo, server):
    url = fifo(ContentBasedDeduplication="true")
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g")
    handle = sqs.receive_message(QueueUrl=url, VisibilityTimeout=5)["Messages"][0]["ReceiptHandle"]
    server.advance_clock(6)
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
