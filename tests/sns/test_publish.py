"""Publish and PublishBatch: validation with AWS's errors, FIFO ids and deduplication."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


def error_of(exc: pytest.ExceptionInfo) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


@pytest.mark.parametrize(("kwargs", "code", "message"), [
    ({"Message": ""}, "InvalidParameter", "Invalid parameter: Empty message"),
    ({"Message": "x" * 262145}, "InvalidParameter", "Invalid parameter: Message too long"),
    ({"Message": "x", "Subject": "two\nlines"}, "InvalidParameter", "Invalid parameter: Subject"),
    ({"Message": "not json", "MessageStructure": "json"}, "InvalidParameter",
     "Invalid parameter: Message Structure - No JSON message body is parseable"),
    ({"Message": '{"sqs": "x"}', "MessageStructure": "json"}, "InvalidParameter",
     "Invalid parameter: Message Structure - No default entry in JSON message body"),
    ({"Message": "x", "MessageAttributes": {"a": {"DataType": "Text", "StringValue": "v"}}},
     "ParameterValueInvalid", "The message attribute 'a' has an invalid message attribute type, the set of"
     " supported type prefixes is Binary, Number, and String."),
    ({"Message": "x", "MessageAttributes": {"a": {"DataType": "Number", "StringValue": "ten"}}},
     "ParameterValueInvalid", "Could not cast message attribute 'a' value to number."),
    ({"Message": "x", "MessageAttributes": {"a": {"DataType": "String", "StringValue": ""}}},
     "ParameterValueInvalid", "The message attribute 'a' must contain non-empty message attribute value for"
     " message attribute type 'String'."),
    ({"Message": "x", "MessageDeduplicationId": "d"}, "InvalidParameter",
     "Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter"
     " that is not valid for this topic type"),
])
def test_publish_validation(sns, topic, kwargs, code, message):
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=topic(), **kwargs)
    assert error_of(exc) == (code, message)


def test_fifo_publish_needs_group_and_dedup(sns, topic):
    arn = topic(fifo=True)
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=arn, Message="x")
    assert error_of(exc) == ("InvalidParameter", "Invalid parameter: The MessageGroupId parameter is required for"
                                                 " FIFO topics")
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=arn, Message="x", MessageGroupId="g")
    assert error_of(exc) == ("InvalidParameter", "Invalid parameter: The topic should either have"
                                                 " ContentBasedDeduplication enabled or MessageDeduplicationId"
                                                 " provided explicitly")


def test_fifo_deduplication_window(sns, topic, server):
    arn = topic(fifo=True)
    first = sns.publish(TopicArn=arn, Message="x", MessageGroupId="g", MessageDeduplicationId="d1")
    again = sns.publish(TopicArn=arn, Message="y", MessageGroupId="g", MessageDeduplicationId="d1")
    assert again["MessageId"] == first["MessageId"] and again["SequenceNumber"] == first["SequenceNumber"]
    later = sns.publish(TopicArn=arn, Message="z", MessageGroupId="g", MessageDeduplicationId="d2")
    assert int(later["SequenceNumber"]) > int(first["SequenceNumber"])
    server.advance_clock(301)
    after_window = sns.publish(TopicArn=arn, Message="x", MessageGroupId="g", MessageDeduplicationId="d1")
    assert after_window["MessageId"] != first["MessageId"]


def test_content_based_deduplication(sns, topic):
    arn = topic(fifo=True, ContentBasedDeduplication="true")
    first = sns.publish(TopicArn=arn, Message="same", MessageGroupId="g")
    assert sns.publish(TopicArn=arn, Message="same", MessageGroupId="other")["MessageId"] == first["MessageId"]
    assert sns.publish(TopicArn=arn, Message="different", MessageGroupId="g")["MessageId"] != first["MessageId"]


def test_publish_batch(sns, topic):
    arn = topic()
    reply = sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
        {"Id": "ok", "Message": "hello"},
        {"Id": "bad", "Message": "x", "MessageStructure": "json"},
    ])
    assert [entry["Id"] for entry in reply["Successful"]] == ["ok"]
    assert reply["Successful"][0]["MessageId"]
    assert reply["Failed"] == [{"Id": "bad", "Code": "InvalidParameter", "SenderFault": True,
                                "Message": "Invalid parameter: Message Structure - No JSON message body is"
                                           " parseable"}]


@pytest.mark.parametrize(("entries", "code"), [
    ([], "EmptyBatchRequest"),
    ([{"Id": str(i), "Message": "x"} for i in range(11)], "TooManyEntriesInBatchRequest"),
    ([{"Id": "a", "Message": "x"}, {"Id": "a", "Message": "y"}], "BatchEntryIdsNotDistinct"),
    ([{"Id": "no spaces", "Message": "x"}], "InvalidBatchEntryId"),
    ([{"Id": str(i), "Message": "x" * 30000} for i in range(10)], "BatchRequestTooLong"),
])
def test_publish_batch_errors(sns, topic, entries, code):
    with pytest.raises(ClientError) as exc:
        sns.publish_batch(TopicArn=topic(), PublishBatchRequestEntries=entries)
    assert exc.value.response["Error"]["Code"] == code


def test_publish_with_the_aws_cli(endpoint, sns, topic, queue, receive):
    import os
    import subprocess
    import sys

    arn, (url, queue_arn) = topic(), queue()
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1"}
    cli = [sys.executable, "-m", "awscli", "--endpoint-url", endpoint, "--output", "json", "sns"]
    out = subprocess.run([*cli, "publish", "--topic-arn", arn, "--message", "from the cli",
                          "--message-attributes", '{"kind":{"DataType":"String","StringValue":"cli"}}'],
                         env=env, capture_output=True, text=True, check=True, timeout=60)
    message_id = json.loads(out.stdout)["MessageId"]
    message = receive(url)[0]
    assert message["Body"] == "from the cli"
    assert message["MessageAttributes"]["kind"]["StringValue"] == "cli"
    assert message_id
