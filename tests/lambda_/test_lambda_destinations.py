"""Async invocation settings: MaximumRetryAttempts, MaximumEventAgeInSeconds, on-success and
on-failure destinations (SQS, SNS) and the function's dead-letter queue, through a real server."""

from __future__ import annotations

import json
import time

import pytest

from cloudlet.testing.sink import SINK_RECORD

HANDLER = SINK_RECORD + '''
def handler(event, context):
    if event.get("sink"):
        record(event["sink"], "ran")
    if event.get("fail"):
        raise ValueError("no thanks")
    return {"done": event["n"]}
'''


@pytest.fixture(scope="module")
def sqs(client):
    return client("sqs")


@pytest.fixture(scope="module")
def sns(client):
    return client("sns")


@pytest.fixture
def queue(sqs):
    made = iter(range(1000))

    def create(name: str) -> tuple[str, str]:
        url = sqs.create_queue(QueueName=f"{name}-{next(made)}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    return create


def test_success_and_failure_records_reach_their_queues(lam, create, queue, sqs, drain):
    ok_url, ok_arn = queue("on-success")
    failed_url, failed_arn = queue("on-failure")
    create("destined", HANDLER)
    lam.put_function_event_invoke_config(
        FunctionName="destined", MaximumRetryAttempts=0,
        DestinationConfig={"OnSuccess": {"Destination": ok_arn}, "OnFailure": {"Destination": failed_arn}})
    config = lam.get_function_event_invoke_config(FunctionName="destined")
    assert config["MaximumRetryAttempts"] == 0 and config["DestinationConfig"]["OnFailure"]["Destination"] == failed_arn

    good = lam.invoke(FunctionName="destined", InvocationType="Event", Payload=json.dumps({"n": 1}))
    [success] = drain(sqs, ok_url, 1)
    assert success["requestContext"]["requestId"] == good["ResponseMetadata"]["RequestId"]
    assert success["requestContext"]["condition"] == "Success"
    assert success["requestContext"]["functionArn"].endswith(":function:destined:$LATEST")
    assert success["requestPayload"] == {"n": 1} and success["responsePayload"] == {"done": 1}

    bad = lam.invoke(FunctionName="destined", InvocationType="Event", Payload=json.dumps({"n": 2, "fail": True}))
    [failure] = drain(sqs, failed_url, 1)  # MaximumRetryAttempts=0: no retry, so no clock to advance
    assert failure["requestContext"]["requestId"] == bad["ResponseMetadata"]["RequestId"]
    assert failure["requestContext"]["condition"] == "RetriesExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 1
    assert failure["responseContext"]["functionError"] == "Unhandled"
    assert failure["responsePayload"]["errorMessage"] == "no thanks"


def test_dead_letter_queue_gets_the_event_with_aws_attributes(lam, create, queue, sqs):
    dlq_url, dlq_arn = queue("function-dlq")
    create("dead-lettered", HANDLER, DeadLetterConfig={"TargetArn": dlq_arn})
    lam.put_function_event_invoke_config(FunctionName="dead-lettered", MaximumRetryAttempts=0)
    reply = lam.invoke(FunctionName="dead-lettered", InvocationType="Event", Payload=json.dumps({"n": 3, "fail": 1}))
    messages = []
    for _ in range(20):
        messages = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1,
                                       MessageAttributeNames=["All"]).get("Messages", [])
        if messages:
            break
    [message] = messages
    assert json.loads(message["Body"]) == {"n": 3, "fail": 1}
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes == {"RequestID": reply["ResponseMetadata"]["RequestId"], "ErrorCode": "200",
                          "ErrorMessage": "no thanks"}


def test_events_older_than_the_maximum_age_are_given_up(lam, create, queue, sqs, drain, server, reports):
    failed_url, failed_arn = queue("too-old")
    create("ageing", HANDLER)
    lam.put_function_event_invoke_config(FunctionName="ageing", MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60,
                                         DestinationConfig={"OnFailure": {"Destination": failed_arn}})
    runs = reports.url_for("ageing-runs")
    lam.invoke(FunctionName="ageing", InvocationType="Event", Payload=json.dumps({"n": 4, "fail": True, "sink": runs}))
    reports.wait("ageing-runs", 1, timeout=15)
    time.sleep(0.5)  # the failed attempt's retry is scheduled in the server after the handler returns
    server.advance_clock(120)  # the retry is due, but the event is now past its maximum age
    [failure] = drain(sqs, failed_url, 1)
    assert failure["requestContext"]["condition"] == "EventAgeExceeded"
    assert failure["requestContext"]["approximateInvokeCount"] == 1
    assert len(reports.records("ageing-runs")) == 1  # it was not run again


def test_failure_record_to_an_sns_topic(lam, create, queue, sqs, sns, drain):
    url, queue_arn = queue("from-topic")
    topic = sns.create_topic(Name="lambda-failures")["TopicArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]})})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    create("to-topic", HANDLER)
    lam.put_function_event_invoke_config(FunctionName="to-topic", MaximumRetryAttempts=0,
                                         DestinationConfig={"OnFailure": {"Destination": topic}})
    lam.invoke(FunctionName="to-topic", InvocationType="Event", Payload=json.dumps({"n": 5, "fail": True}))
    [failure] = drain(sqs, url, 1)
    assert failure["requestContext"]["condition"] == "RetriesExhausted"
    assert failure["requestPayload"] == {"n": 5, "fail": True}
