"""SNS topics deliver to Lambda subscribers asynchronously, with AWS's SNS event record."""

from __future__ import annotations

import json
import os
import time

HANDLER = '''
import json, os
def handler(event, context):
    with open(os.environ["OUT"], "a") as fh:
        fh.write(json.dumps(event) + "\\n")
'''


def _events(path: str, count: int, timeout: float = 15.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as fh:
                lines = [json.loads(line) for line in fh if line.strip()]
            if len(lines) >= count:
                return lines
        time.sleep(0.02)  # the function runs in another process: nothing to await
    raise AssertionError(f"{path} did not get {count} events")


def test_publish_invokes_the_subscribed_function_with_the_sns_record(lam, create, client, tmp_path):
    sns = client("sns")
    out = str(tmp_path / "events")
    fn = create("sns-subscriber", HANDLER, Environment={"Variables": {"OUT": out}})["FunctionArn"]
    topic = sns.create_topic(Name="to-lambda")["TopicArn"]
    lam.add_permission(FunctionName="sns-subscriber", StatementId="sns", Action="lambda:InvokeFunction",
                       Principal="sns.amazonaws.com", SourceArn=topic)
    sub = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)["SubscriptionArn"]
    assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["PendingConfirmation"] == "false"

    message_id = sns.publish(TopicArn=topic, Message="hello function", Subject="Greeting",
                             MessageAttributes={"kind": {"DataType": "String", "StringValue": "test"}})["MessageId"]
    [event] = _events(out, 1)
    [record] = event["Records"]
    assert record["EventSource"] == "aws:sns" and record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == sub
    sns_part = record["Sns"]
    assert sns_part["Type"] == "Notification" and sns_part["MessageId"] == message_id
    assert sns_part["TopicArn"] == topic and sns_part["Subject"] == "Greeting"
    assert sns_part["Message"] == "hello function"
    assert sns_part["MessageAttributes"] == {"kind": {"Type": "String", "Value": "test"}}
    assert sns_part["Signature"] and sns_part["SigningCertUrl"] and "Action=Unsubscribe" in sns_part["UnsubscribeUrl"]


def test_per_protocol_message_for_lambda(lam, create, client, tmp_path):
    sns = client("sns")
    out = str(tmp_path / "structured")
    fn = create("sns-structured", HANDLER, Environment={"Variables": {"OUT": out}})["FunctionArn"]
    topic = sns.create_topic(Name="structured-to-lambda")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)
    sns.publish(TopicArn=topic, MessageStructure="json",
                Message=json.dumps({"default": "for everyone", "lambda": "for functions"}))
    [event] = _events(out, 1)
    assert event["Records"][0]["Sns"]["Message"] == "for functions"
