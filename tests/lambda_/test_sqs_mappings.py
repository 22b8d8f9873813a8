"""SQS event source mappings: lifecycle, delivery, partial batch failures, filters, FIFO order."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

# Forwards every record it gets to the queue named in the environment (through cloudlet's SQS,
# with boto3, as a real handler would), then fails the records whose body asks for it.
FORWARDER = '''
import json, os
import boto3
sqs = boto3.client("sqs")
def handler(event, context):
    failures = []
    for record in event["Records"]:
        body = record["body"]
        sqs.send_message(QueueUrl=os.environ["SINK"], MessageBody=json.dumps({
            "body": body, "source": record["eventSource"], "arn": record["eventSourceARN"],
            "group": record["attributes"].get("MessageGroupId"), "attrs": record["messageAttributes"],
            "size": len(event["Records"])}))
        if "fail" in body:
            failures.append({"itemIdentifier": record["messageId"]})
        if "crash" in body:
            raise RuntimeError("crash")
    return {"batchItemFailures": failures}
'''


@pytest.fixture(scope="module")
def sink(sqs):
    return sqs.create_queue(QueueName="sink")["QueueUrl"]


@pytest.fixture(scope="module")
def forwarder(create, sink):
    create("forwarder", FORWARDER, Environment={"Variables": {"SINK": sink}}, Timeout=10)
    return "forwarder"


def make_source(sqs, name: str, **attributes) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def test_lifecycle_and_delivery(lam, sqs, sink, forwarder, drain, wait_state):
    url, arn = make_source(sqs, "orders")
    created = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=forwarder, BatchSize=5)
    assert created["State"] == "Creating" and created["BatchSize"] == 5
    assert created["FunctionArn"].endswith(":function:forwarder")
    assert created["EventSourceMappingArn"].endswith(f":event-source-mapping:{created['UUID']}")
    wait_state(lam, created["UUID"], "Enabled")
    sqs.send_message(QueueUrl=url, MessageBody="hello", MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "greeting"}})
    [seen] = drain(sqs, sink, 1)
    assert seen["body"] == "hello" and seen["source"] == "aws:sqs" and seen["arn"] == arn
    assert seen["attrs"]["kind"] == {"stringValue": "greeting", "stringListValues": [], "binaryListValues": [],
                                     "dataType": "String"}
    # Processed messages are deleted.
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"][
        "ApproximateNumberOfMessagesNotVisible"] == "0"

    with pytest.raises(ClientError) as exc:
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=forwarder)
    assert exc.value.response["Error"]["Code"] == "ResourceConflictException"
    listed = lam.list_event_source_mappings(FunctionName=forwarder)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [created["UUID"]]
    assert lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"][0]["UUID"] == created["UUID"]

    disabled = lam.update_event_source_mapping(UUID=created["UUID"], Enabled=False)
    assert disabled["State"] == "Disabling"
    wait_state(lam, created["UUID"], "Disabled")
    sqs.send_message(QueueUrl=url, MessageBody="while disabled")
    assert not drain(sqs, sink, 1, timeout=1.0)
    lam.update_event_source_mapping(UUID=created["UUID"], Enabled=True)
    wait_state(lam, created["UUID"], "Enabled")
    assert [m["body"] for m in drain(sqs, sink, 1)] == ["while disabled"]

    deleted = lam.delete_event_source_mapping(UUID=created["UUID"])
    assert deleted["State"] == "Deleting"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            lam.get_event_source_mapping(UUID=created["UUID"])
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ResourceNotFoundException"
            break
        time.sleep(0.02)
    else:
        raise AssertionError("the mapping was never removed")


def test_partial_batch_failure_keeps_only_failed_messages(lam, sqs, sink, forwarder, drain, wait_state, server):
    url, arn = make_source(sqs, "partial", VisibilityTimeout="30")
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "1", "MessageBody": "ok-1"}, {"Id": "2", "MessageBody": "fail-2"}, {"Id": "3", "MessageBody": "ok-3"}])
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=forwarder, BatchSize=10,
                                           MaximumBatchingWindowInSeconds=1,
                                           FunctionResponseTypes=["ReportBatchItemFailures"])["UUID"]
    first = drain(sqs, sink, 3)
    assert sorted(m["body"] for m in first) == ["fail-2", "ok-1", "ok-3"]
    assert {m["size"] for m in first} == {3}  # one batch, thanks to the batching window
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"
    server.advance_clock(31)  # the failed message becomes visible again and is retried
    assert [m["body"] for m in drain(sqs, sink, 1)] == ["fail-2"]
    lam.delete_event_source_mapping(UUID=uuid)


def test_function_error_deletes_nothing(lam, sqs, sink, forwarder, drain, wait_state, server):
    url, arn = make_source(sqs, "crashing", VisibilityTimeout="30")
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=forwarder)["UUID"]
    wait_state(lam, uuid, "Enabled")
    lam.update_event_source_mapping(UUID=uuid, BatchSize=1)
    wait_state(lam, uuid, "Enabled")
    sqs.send_message(QueueUrl=url, MessageBody="crash")
    assert [m["body"] for m in drain(sqs, sink, 1)] == ["crash"]
    lam.update_event_source_mapping(UUID=uuid, Enabled=False)
    wait_state(lam, uuid, "Disabled")
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"  # kept for a retry
    lam.delete_event_source_mapping(UUID=uuid)


def test_filter_criteria_drop_and_delete_unmatched(lam, sqs, sink, forwarder, drain, wait_state):
    url, arn = make_source(sqs, "filtered")
    pattern = {"body": {"kind": ["order"], "total": [{"numeric": [">", 10]}]}}
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=forwarder,
                                           FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]})["UUID"]
    wait_state(lam, uuid, "Enabled")
    for body in ({"kind": "order", "total": 5}, {"kind": "refund", "total": 50}, "plain text",
                 {"kind": "order", "total": 50}):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body) if isinstance(body, dict) else body)
    [seen] = drain(sqs, sink, 1)
    assert json.loads(seen["body"]) == {"kind": "order", "total": 50}
    assert not drain(sqs, sink, 1, timeout=0.5)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
    lam.delete_event_source_mapping(UUID=uuid)


def test_fifo_keeps_order_per_group(lam, sqs, sink, forwarder, drain, wait_state):
    url, arn = make_source(sqs, "jobs.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    for n in range(6):
        sqs.send_message(QueueUrl=url, MessageBody=f"{'ab'[n % 2]}{n}", MessageGroupId="ab"[n % 2])
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=forwarder, BatchSize=2)["UUID"]
    seen = drain(sqs, sink, 6)
    for group in "ab":
        bodies = [m["body"] for m in seen if m["group"] == group]
        assert bodies == sorted(bodies) and len(bodies) == 3
    lam.delete_event_source_mapping(UUID=uuid)


def test_bad_requests(lam, sqs, forwarder):
    _, arn = make_source(sqs, "bad-requests")
    cases = [
        ({"EventSourceArn": arn, "FunctionName": "nope"}, "ResourceNotFoundException"),
        ({"EventSourceArn": arn + "-missing", "FunctionName": forwarder}, "InvalidParameterValueException"),
        ({"EventSourceArn": arn, "FunctionName": forwarder, "BatchSize": 50}, "InvalidParameterValueException"),
        ({"EventSourceArn": arn, "FunctionName": forwarder, "StartingPosition": "LATEST"},
         "InvalidParameterValueException"),
        ({"EventSourceArn": arn, "FunctionName": forwarder,
          "FilterCriteria": {"Filters": [{"Pattern": "{\"body\": \"not a list\"}"}]}}, "InvalidParameterValueException"),
    ]
    for params, code in cases:
        with pytest.raises(ClientError) as exc:
            lam.create_event_source_mapping(**params)
        assert exc.value.response["Error"]["Code"] == code, params
    with pytest.raises(ClientError) as exc:
        lam.get_event_source_mapping(UUID="00000000-0000-0000-0000-000000000000")
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
