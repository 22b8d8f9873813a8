"""Event notifications end to end with real SQS queues and SNS topics: destination validation,
the s3:TestEvent, the event JSON, and the queue policy deciding what S3 may deliver."""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest
from botocore.exceptions import ClientError


def _queue(sqs, name: str, bucket: str | None) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if bucket is not None:
        sqs.set_queue_attributes(
            QueueUrl=url,
            Attributes={
                "Policy": json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "s3.amazonaws.com"},
                                "Action": "sqs:SendMessage",
                                "Resource": arn,
                                "Condition": {
                                    "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"},
                                    "StringEquals": {"aws:SourceAccount": "000000000000"},
                                },
                            }
                        ],
                    }
                )
            },
        )
    return url, arn


def _drain(sqs, url: str, until, timeout: float = 10.0) -> list[dict]:
    bodies: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not until(bodies):
        reply = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        bodies += [json.loads(m["Body"]) for m in reply.get("Messages", [])]
    return bodies


def _records(bodies: list[dict]) -> list[dict]:
    return [r for b in bodies for r in b.get("Records", [])]


@pytest.fixture
def sqs(client):
    return client("sqs")


def test_destinations_are_validated(s3, sqs, bucket):
    config = {
        "QueueConfigurations": [
            {"QueueArn": "arn:aws:sqs:us-east-1:000000000000:no-such-queue", "Events": ["s3:ObjectCreated:*"]}
        ]
    }
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    error = exc.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidArgument",
        "Unable to validate the following destination configurations",
    )
    _, arn = _queue(sqs, f"{bucket}-closed", None)  # no policy: S3 may not send
    config["QueueConfigurations"][0]["QueueArn"] = arn
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    assert exc.value.response["Error"]["Code"] == "InvalidArgument"
    assert (
        b"Permissions on the destination queue do not allow S3"
        in exc.value.response["Error"].get("ArgumentValue", "").encode()
    )
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=config, SkipDestinationValidation=True
    )


def test_events_reach_a_queue_whose_policy_allows_the_bucket(s3, sqs, bucket):
    url, arn = _queue(sqs, f"{bucket}-events", bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "Id": "uploads",
                    "QueueArn": arn,
                    "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
                    "Filter": {
                        "Key": {
                            "FilterRules": [
                                {"Name": "prefix", "Value": "in/"},
                                {"Name": "suffix", "Value": ".jpg"},
                            ]
                        }
                    },
                }
            ]
        },
    )
    test_event = _drain(sqs, url, lambda b: any(x.get("Event") == "s3:TestEvent" for x in b))
    assert next(b for b in test_event if b.get("Event") == "s3:TestEvent")["Bucket"] == bucket
    s3.put_object(Bucket=bucket, Key="in/skip.txt", Body=b"x")
    etag = s3.put_object(Bucket=bucket, Key="in/photo one.jpg", Body=b"jpeg")["ETag"].strip('"')
    s3.delete_object(Bucket=bucket, Key="in/photo one.jpg")
    records = _records(_drain(sqs, url, lambda b: len(_records(b)) >= 2))
    assert [r["eventName"] for r in records] == ["ObjectCreated:Put", "ObjectRemoved:Delete"]
    record = records[0]
    assert record["eventVersion"] == "2.1" and record["eventSource"] == "aws:s3"
    assert record["s3"]["configurationId"] == "uploads"
    assert record["s3"]["bucket"] == {
        "name": bucket,
        "ownerIdentity": {"principalId": "000000000000"},
        "arn": f"arn:aws:s3:::{bucket}",
    }
    obj = record["s3"]["object"]
    assert obj["key"] == "in/photo+one.jpg" and obj["size"] == 4 and obj["eTag"] == etag
    assert len(obj["sequencer"]) == 16 and records[1]["s3"]["object"]["sequencer"] > obj["sequencer"]


def test_a_queue_policy_naming_another_bucket_gets_nothing(s3, sqs, bucket):
    url, arn = _queue(sqs, f"{bucket}-other", "some-other-bucket")
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        SkipDestinationValidation=True,
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    s3.put_object(Bucket=bucket, Key="a", Body=b"a")
    # A marker the queue does accept, sent after: once it arrives, S3's event would have too.
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"marker": True}))
    bodies = _drain(sqs, url, lambda b: any(x.get("marker") for x in b))
    assert _records(bodies) == [] and not any(b.get("Event") for b in bodies)


def test_events_reach_an_sns_topic_and_its_queue(s3, sqs, client, bucket):
    sns = client("sns")
    topic = sns.create_topic(Name=f"{bucket}-topic")["TopicArn"]
    config = {"TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:Put"]}]}
    with pytest.raises(ClientError):  # the default topic policy does not let S3 publish
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    sns.set_topic_attributes(
        TopicArn=topic,
        AttributeName="Policy",
        AttributeValue=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "s3.amazonaws.com"},
                        "Action": "SNS:Publish",
                        "Resource": topic,
                        "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}},
                    }
                ],
            }
        ),
    )
    url, queue_arn = _queue(sqs, f"{bucket}-fanout", None)
    sqs.set_queue_attributes(
        QueueUrl=url,
        Attributes={
            "Policy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "sns.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": queue_arn,
                        }
                    ],
                }
            )
        },
    )
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
    )
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    s3.put_object(Bucket=bucket, Key="t.txt", Body=b"t")
    records = _records(_drain(sqs, url, lambda b: len(_records(b)) >= 1))
    assert records[0]["eventName"] == "ObjectCreated:Put" and records[0]["s3"]["object"]["key"] == "t.txt"


RELAY = """
import json, os
import boto3

def handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(event))
"""


def _zip(code: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", code)
    return buffer.getvalue()


def test_events_invoke_a_lambda_function_its_policy_allows(s3, sqs, client, bucket):
    lam = client("lambda")
    url, _ = _queue(sqs, f"{bucket}-relay", None)
    name = f"{bucket}-thumbnailer"
    arn = lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Handler="app.handler",
        Role="arn:aws:iam::000000000000:role/lambda-role",
        Code={"ZipFile": _zip(RELAY)},
        Environment={"Variables": {"QUEUE_URL": url}},
    )["FunctionArn"]
    config = {
        "LambdaFunctionConfigurations": [
            {
                "LambdaFunctionArn": arn,
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".jpg"}]}},
            }
        ]
    }
    with pytest.raises(ClientError) as exc:  # no resource policy lets S3 invoke it yet
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    assert exc.value.response["Error"]["Code"] == "InvalidArgument"
    lam.add_permission(
        FunctionName=name,
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{bucket}",
        SourceAccount="000000000000",
    )
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    s3.put_object(Bucket=bucket, Key="photos/cat.jpg", Body=b"meow")
    bodies = _drain(sqs, url, lambda b: len(_records(b)) >= 1, timeout=30)
    record = _records(bodies)[0]
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["object"]["key"] == "photos/cat.jpg" and record["s3"]["bucket"]["name"] == bucket
