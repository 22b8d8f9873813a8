"""Messages: send, receive, delete, visibility, delays, retention, attributes, limits, batches."""

from __future__ import annotations

import hashlib

import pytest
from botocore.exceptions import ClientError


def _code(exc_info) -> str:
    error = exc_info.value.response["Error"]
    return error.get("QueryErrorCode") or error["Code"]


def test_send_receive_delete(sqs, queue):
    sent = sqs.send_message(QueueUrl=queue, MessageBody="hello")
    assert sent["MD5OfMessageBody"] == hashlib.md5(b"hello").hexdigest()
    received = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert [(m["MessageId"], m["Body"]) for m in received] == [(sent["MessageId"], "hello")]
    assert received[0]["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)  # in flight now
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=received[0]["ReceiptHandle"])
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=received[0]["ReceiptHandle"])  # again: still fine


def test_message_attributes_and_their_md5(sqs, queue):
    attributes = {
        "text": {"DataType": "String", "StringValue": "héllo"},
        "count": {"DataType": "Number", "StringValue": "42.5"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xffdata"},
        "custom": {"DataType": "String.custom", "StringValue": "v"},
        "order.id": {"DataType": "Number.int", "StringValue": "7"},
    }
    # boto3 checks MD5OfMessageAttributes of both answers against its own computation.
    sent = sqs.send_message(QueueUrl=queue, MessageBody="m", MessageAttributes=attributes)
    assert len(sent["MD5OfMessageAttributes"]) == 32
    message = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"])["Messages"][0]
    assert message["MessageAttributes"] == attributes
    assert message["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    some = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["text", "order.*"])["Messages"][0]
    assert set(some["MessageAttributes"]) == {"text", "order.id"}
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=some["ReceiptHandle"], VisibilityTimeout=0)
    none = sqs.receive_message(QueueUrl=queue)["Messages"][0]
    assert "MessageAttributes" not in none and "MD5OfMessageAttributes" not in none


def test_system_attributes(sqs, queue, server):
    sqs.send_message(QueueUrl=queue, MessageBody="x",
                     MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String",
                                                                  "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}})
    first = sqs.receive_message(QueueUrl=queue, MessageSystemAttributeNames=["All"], VisibilityTimeout=1)["Messages"][0]
    attributes = first["Attributes"]
    assert attributes["SenderId"] == "000000000000"
    assert attributes["ApproximateReceiveCount"] == "1"
    assert attributes["AWSTraceHeader"].startswith("Root=1-")
    assert int(attributes["ApproximateFirstReceiveTimestamp"]) >= int(attributes["SentTimestamp"])
    server.advance_clock(2)
    second = sqs.receive_message(QueueUrl=queue, AttributeNames=["ApproximateReceiveCount", "SentTimestamp"])
    assert second["Messages"][0]["Attributes"] == {"ApproximateReceiveCount": "2",
                                                   "SentTimestamp": attributes["SentTimestamp"]}


def test_visibility_timeout_returns_the_message(sqs, queue, server):
    sqs.send_message(QueueUrl=queue, MessageBody="again")
    sqs.receive_message(QueueUrl=queue, VisibilityTimeout=10)
    server.advance_clock(9)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    server.advance_clock(2)
    assert sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"] == "again"


def test_change_message_visibility(sqs, queue, server):
    sqs.send_message(QueueUrl=queue, MessageBody="m")
    handle = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=5)["Messages"][0]["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=handle, VisibilityTimeout=100)
    server.advance_clock(50)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=handle, VisibilityTimeout=0)
    message = sqs.receive_message(QueueUrl=queue)["Messages"][0]
    with pytest.raises(ClientError) as exc:  # the older receipt no longer names this receive
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=handle, VisibilityTimeout=10)
    assert _code(exc) == "InvalidParameterValue"
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=43201)
    assert _code(exc) == "InvalidParameterValue"
    server.advance_clock(31)
    with pytest.raises(ClientError) as exc:
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=10)
    assert _code(exc) == "MessageNotInflight"


def test_delay_seconds_message_and_queue(sqs, name, server):
    url = sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "20"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="queue delay")
    sqs.send_message(QueueUrl=url, MessageBody="own delay", DelaySeconds=5)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    server.advance_clock(6)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["own delay"]
    server.advance_clock(15)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["queue delay"]
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901)
    assert _code(exc) == "InvalidParameterValue"


def test_retention_deletes_messages(sqs, name, server):
    url = sqs.create_queue(QueueName=name, Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="old")
    server.advance_clock(30)
    sqs.send_message(QueueUrl=url, MessageBody="new")
    server.advance_clock(31)
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "1"
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["new"]


def test_size_limits(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x" * 262_144)
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x" * 262_145)
    assert _code(exc) == "InvalidParameterValue"
    assert "Message must be shorter than 262144 bytes" in exc.value.response["Error"]["Message"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "1024"})
    with pytest.raises(ClientError):  # attributes count towards the size
        sqs.send_message(QueueUrl=url, MessageBody="x" * 1000,
                         MessageAttributes={"a" * 10: {"DataType": "String", "StringValue": "y" * 20}})


def test_a_send_sees_queue_changes_made_just_before_it(sqs, name):
    """Sends skip the queue lookup for a second; a change made through the server ends that at once."""
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="first")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "900"})
    sqs.send_message(QueueUrl=url, MessageBody="delayed")
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert bodies == ["first"]
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=url, MessageBody="gone")


@pytest.mark.parametrize(("attributes", "expected"), [
    ({"AWS.bad": {"DataType": "String", "StringValue": "x"}}, "InvalidParameterValue"),
    ({"a..b": {"DataType": "String", "StringValue": "x"}}, "InvalidParameterValue"),
    ({"n": {"DataType": "Number", "StringValue": "abc"}}, "InvalidParameterValue"),
    ({"n": {"DataType": "Float", "StringValue": "1"}}, "InvalidParameterValue"),
    ({"n": {"DataType": "String", "StringValue": ""}}, "InvalidParameterValue"),
    ({f"k{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)}, "InvalidParameterValue"),
])
def test_bad_message_attributes(sqs, queue, attributes, expected):
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=queue, MessageBody="x", MessageAttributes=attributes)
    assert _code(exc) == expected


def test_bad_bodies(sqs, queue):
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=queue, MessageBody="bell \x07")
    assert _code(exc) == "InvalidMessageContents"
    assert "#x7" in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=queue, MessageBody="")
    assert _code(exc) == "MissingParameter"


def test_receipt_handles_are_checked(sqs, queue, name):
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid) as exc:
        sqs.delete_message(QueueUrl=queue, ReceiptHandle="not-a-handle")
    assert exc.value.response["Error"]["Message"] == (
        'The input receipt handle "not-a-handle" is not a valid receipt handle.')
    other = sqs.create_queue(QueueName=name + "-other")["QueueUrl"]
    sqs.send_message(QueueUrl=other, MessageBody="x")
    handle = sqs.receive_message(QueueUrl=other)["Messages"][0]["ReceiptHandle"]
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=handle)


def test_receive_parameters_are_checked(sqs, queue):
    for kwargs in ({"MaxNumberOfMessages": 11}, {"MaxNumberOfMessages": 0}, {"WaitTimeSeconds": 21},
                   {"VisibilityTimeout": 43201}):
        with pytest.raises(ClientError) as exc:
            sqs.receive_message(QueueUrl=queue, **kwargs)
        assert _code(exc) == "InvalidParameterValue"


def test_send_message_batch(sqs, queue):
    result = sqs.send_message_batch(QueueUrl=queue, Entries=[
        {"Id": "a", "MessageBody": "one", "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}},
        {"Id": "b", "MessageBody": "two", "DelaySeconds": 1000},
        {"Id": "c", "MessageBody": "three"},
    ])
    assert [entry["Id"] for entry in result["Successful"]] == ["a", "c"]
    assert result["Successful"][0]["MD5OfMessageBody"] == hashlib.md5(b"one").hexdigest()
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in result["Failed"]] == [("b", "InvalidParameterValue", True)]
    bodies = sorted(m["Body"] for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"])
    assert bodies == ["one", "three"]


def test_batch_request_errors(sqs, queue):
    with pytest.raises(sqs.exceptions.EmptyBatchRequest):
        sqs.send_message_batch(QueueUrl=queue, Entries=[])
    with pytest.raises(sqs.exceptions.TooManyEntriesInBatchRequest):
        sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)])
    with pytest.raises(sqs.exceptions.BatchEntryIdsNotDistinct):
        sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": "x", "MessageBody": "x"}] * 2)
    with pytest.raises(sqs.exceptions.InvalidBatchEntryId):
        sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": "bad id", "MessageBody": "x"}])
    with pytest.raises(sqs.exceptions.BatchRequestTooLong):
        sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": "x" * 30_000}
                                                        for i in range(10)])


def test_delete_and_change_visibility_batches(sqs, queue, server):
    sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(4)])
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=30)["Messages"]
    assert len(messages) == 4
    changed = sqs.change_message_visibility_batch(QueueUrl=queue, Entries=[
        {"Id": "m0", "ReceiptHandle": messages[0]["ReceiptHandle"], "VisibilityTimeout": 0},
        {"Id": "bad", "ReceiptHandle": "garbage", "VisibilityTimeout": 0},
    ])
    assert [e["Id"] for e in changed["Successful"]] == ["m0"]
    assert [(e["Id"], e["Code"]) for e in changed["Failed"]] == [("bad", "ReceiptHandleIsInvalid")]
    deleted = sqs.delete_message_batch(QueueUrl=queue, Entries=[
        {"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages[1:])])
    assert len(deleted["Successful"]) == 3 and not deleted["Failed"]
    server.advance_clock(31)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]] == [
        messages[0]["Body"]]
