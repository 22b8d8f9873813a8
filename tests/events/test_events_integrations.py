"""Other services publishing to EventBridge: Lambda's on-success and on-failure destinations,
S3 buckets with EventBridge notifications, and the AWS CLI's put-events."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import unique

HANDLER = """
def handler(event, context):
    if event.get("fail"):
        raise ValueError("refused " + str(event["n"]))
    return {"done": event["n"]}
"""


def test_lambda_destinations_put_invocation_records_on_a_bus(events, lam, function, routed, receive):
    bus = events.create_event_bus(Name=unique("results"))["EventBusArn"]
    ok_url, _ = routed({"source": ["lambda"], "detail-type": ["Lambda Function Invocation Result - Success"]}, bus=bus)
    failed_url, _ = routed({"source": ["lambda"], "detail-type": ["Lambda Function Invocation Result - Failure"]},
                           bus=bus)
    arn = function(HANDLER)
    lam.put_function_event_invoke_config(FunctionName=arn, MaximumRetryAttempts=0, DestinationConfig={
        "OnSuccess": {"Destination": bus}, "OnFailure": {"Destination": bus}})

    good = lam.invoke(FunctionName=arn, InvocationType="Event", Payload=json.dumps({"n": 1}))
    success = json.loads(receive(ok_url, wait=10)[0]["Body"])
    assert success["source"] == "lambda" and success["resources"] == [arn, bus]
    record = success["detail"]
    assert record["requestContext"]["requestId"] == good["ResponseMetadata"]["RequestId"]
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestPayload"] == {"n": 1} and record["responsePayload"] == {"done": 1}

    bad = lam.invoke(FunctionName=arn, InvocationType="Event", Payload=json.dumps({"n": 2, "fail": True}))
    failure = json.loads(receive(failed_url, wait=10)[0]["Body"])
    assert failure["detail-type"] == "Lambda Function Invocation Result - Failure"
    assert failure["detail"]["requestContext"]["requestId"] == bad["ResponseMetadata"]["RequestId"]
    assert failure["detail"]["requestContext"]["condition"] == "RetriesExhausted"
    assert failure["detail"]["responsePayload"]["errorMessage"] == "refused 2"


def test_s3_eventbridge_notifications_arrive_through_a_rule(events, client, routed, receive):
    s3 = client("s3")
    bucket = unique("eb-bucket")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}})
    url, _ = routed({"source": ["aws.s3"], "detail": {"bucket": {"name": [bucket]}}})

    put = s3.put_object(Bucket=bucket, Key="photos/a b.jpg", Body=b"hello")
    created = json.loads(receive(url)[0]["Body"])
    assert (created["source"], created["detail-type"]) == ("aws.s3", "Object Created")
    assert created["resources"] == [f"arn:aws:s3:::{bucket}"] and created["account"] == "000000000000"
    detail = created["detail"]
    assert detail["version"] == "0" and detail["bucket"] == {"name": bucket}
    assert detail["object"]["key"] == "photos/a b.jpg" and detail["object"]["size"] == 5
    assert detail["object"]["etag"] == put["ETag"].strip('"') and detail["object"]["sequencer"]
    assert "version-id" not in detail["object"]
    assert detail["reason"] == "PutObject" and detail["requester"] == "000000000000"
    assert detail["request-id"] == put["ResponseMetadata"]["RequestId"] and detail["source-ip-address"]

    s3.delete_object(Bucket=bucket, Key="photos/a b.jpg")
    deleted = json.loads(receive(url)[0]["Body"])
    assert deleted["detail-type"] == "Object Deleted"
    assert deleted["detail"]["reason"] == "DeleteObject"
    assert deleted["detail"]["deletion-type"] == "Permanently Deleted"
    assert deleted["detail"]["object"]["sequencer"] > detail["object"]["sequencer"]


def test_aws_cli_put_events(events, endpoint, routed, receive):
    url, _ = routed({"source": ["cli"]})
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}
    entries = json.dumps([{"Source": "cli", "DetailType": "From CLI", "Detail": json.dumps({"via": "aws"})}])
    out = subprocess.run([sys.executable, "-m", "awscli", "--endpoint-url", endpoint, "--output", "json", "events",
                          "put-events", "--entries", entries], env=env, capture_output=True, text=True, check=True,
                         timeout=60)
    answer = json.loads(out.stdout)
    assert answer["FailedEntryCount"] == 0
    body = json.loads(receive(url)[0]["Body"])
    assert body["id"] == answer["Entries"][0]["EventId"] and body["detail"] == {"via": "aws"}
