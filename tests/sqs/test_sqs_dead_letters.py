"""Dead-letter queues: redrive after maxReceiveCount, allow policies, sources, move tasks."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError


def _code(exc_info) -> str:
    error = exc_info.value.response["Error"]
    return error.get("QueryErrorCode") or error["Code"]


def _arn(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


@pytest.fixture
def pair(sqs, name):
    dlq = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": _arn(sqs, dlq), "maxReceiveCount": 2})
    source = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": policy})["QueueUrl"]
    return source, dlq


def test_message_moves_after_max_receive_count(sqs, pair, server):
    source, dlq = pair
    sent = sqs.send_message(QueueUrl=source, MessageBody="poison")
    for _ in range(2):
        assert sqs.receive_message(QueueUrl=source, VisibilityTimeout=1)["Messages"][0]["Body"] == "poison"
        server.advance_clock(2)
    assert "Messages" not in sqs.receive_message(QueueUrl=source)
    moved = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"][0]
    assert moved["MessageId"] == sent["MessageId"]
    assert moved["Attributes"]["DeadLetterQueueSourceArn"] == _arn(sqs, source)


def test_redrive_policy_is_stored_and_validated(sqs, pair, name):
    source, dlq = pair
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["RedrivePolicy"])[
        "Attributes"]["RedrivePolicy"])
    assert policy == {"deadLetterTargetArn": _arn(sqs, dlq), "maxReceiveCount": 2}
    for bad in ({"maxReceiveCount": 2}, {"deadLetterTargetArn": _arn(sqs, dlq), "maxReceiveCount": 0},
                {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:missing", "maxReceiveCount": 1}):
        with pytest.raises(ClientError) as exc:
            sqs.set_queue_attributes(QueueUrl=source, Attributes={"RedrivePolicy": json.dumps(bad)})
        assert _code(exc) == "InvalidParameterValue"
    sqs.set_queue_attributes(QueueUrl=source, Attributes={"RedrivePolicy": ""})
    assert "RedrivePolicy" not in sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["All"])["Attributes"]


def test_redrive_allow_policy(sqs, name):
    dlq = sqs.create_queue(QueueName=name + "-dlq", Attributes={
        "RedriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"})})["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": _arn(sqs, dlq), "maxReceiveCount": 3})
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": policy})
    assert _code(exc) == "InvalidParameterValue"
    source_arn = f"arn:aws:sqs:us-east-1:000000000000:{name}"
    sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": json.dumps(
        {"redrivePermission": "byQueue", "sourceQueueArns": [source_arn]})})
    sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": policy})
    with pytest.raises(ClientError):
        sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": json.dumps(
            {"redrivePermission": "byQueue"})})


def test_list_dead_letter_source_queues(sqs, pair, name):
    source, dlq = pair
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [source]
    assert sqs.list_dead_letter_source_queues(QueueUrl=source)["queueUrls"] == []


def _wait_for_task(sqs, arn, status="COMPLETED"):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        tasks = sqs.list_message_move_tasks(SourceArn=arn)["Results"]
        if tasks and tasks[0]["Status"] == status:
            return tasks[0]
        time.sleep(0.02)
    raise AssertionError(f"task did not reach {status}: {tasks}")


def test_message_move_task_redrives_to_the_source(sqs, pair, server):
    source, dlq = pair
    sqs.send_message_batch(QueueUrl=source, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(3)])
    for _ in range(2):
        sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, VisibilityTimeout=1)
        server.advance_clock(2)
    assert "Messages" not in sqs.receive_message(QueueUrl=source)  # all three move to the DLQ now
    dlq_arn = _arn(sqs, dlq)
    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    task = _wait_for_task(sqs, dlq_arn)
    assert task["ApproximateNumberOfMessagesMoved"] == 3
    assert task["ApproximateNumberOfMessagesToMove"] == 3
    assert "TaskHandle" not in task and handle
    bodies = sorted(m["Body"] for m in sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10)["Messages"])
    assert bodies == ["0", "1", "2"]


def test_message_move_task_to_a_destination_and_cancel(sqs, pair, name, server):
    _, dlq = pair
    other = sqs.create_queue(QueueName=name + "-other")["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody="direct")
    dlq_arn = _arn(sqs, dlq)
    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=_arn(sqs, other))
    _wait_for_task(sqs, dlq_arn)
    assert sqs.receive_message(QueueUrl=other)["Messages"][0]["Body"] == "direct"

    sqs.send_message_batch(QueueUrl=dlq, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(5)])
    handle = sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=_arn(sqs, other),
                                         MaxNumberOfMessagesPerSecond=1)["TaskHandle"]
    with pytest.raises(ClientError):  # one running task per source
        sqs.start_message_move_task(SourceArn=dlq_arn)
    running = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]
    assert running[0]["Status"] == "RUNNING" and running[0]["TaskHandle"] == handle
    assert len(running) == 2 and running[1]["Status"] == "COMPLETED"
    sqs.cancel_message_move_task(TaskHandle=handle)
    assert sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]["Status"] == "CANCELLED"
    server.advance_clock(10)
    remaining = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    assert int(remaining["Attributes"]["ApproximateNumberOfMessages"]) >= 3  # it stopped moving


def test_move_task_needs_a_dead_letter_queue(sqs, queue):
    with pytest.raises(ClientError) as exc:
        sqs.start_message_move_task(SourceArn=_arn(sqs, queue))
    assert _code(exc) == "InvalidParameterValue"
    with pytest.raises(sqs.exceptions.ResourceNotFoundException):
        sqs.start_message_move_task(SourceArn="arn:aws:sqs:us-east-1:000000000000:nope")
