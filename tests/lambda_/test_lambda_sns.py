"""SNS topics deliver to Lambda subscribers asynchronously, with AWS's SNS event record."""

from __future__ import annotations

import json

from cloudlet.testing.sink import SINK_RECORD

HANDLER = SINK_RECORD + '''
import json, os
def handler(event, context):
    record(os.environ["OUT"], json.dumps(event))
'''


def test_publish_invokes_the_subscribed_function_with_the_sns_record(lam, create, client, reports):
    sns = client("sns")
    out = reports.url_for("events")
    fn = create("sns-subscriber", HANDLER, Environment={"Variables": {"OUT": out}})["FunctionArn"]
    topic = sns.create_topic(Name="to-lambda")["TopicArn"]
    lam.add_permission(FunctionName="sns-subscriber", StatementId="sns", Action="lambda:InvokeFunction",
                       Principal="sns.amazonaws.com", SourceArn=topic)
    sub = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)["SubscriptionArn"]
    assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["PendingConfirmation"] == "false"

    message_id = sns.publish(TopicArn=topic, Message="hello function", Subject="Greeting",
                             MessageAttributes={"kind": {"DataType": "String", "StringValue": "test"}})["MessageId"]
    [event] = map(json.loads, reports.wait("events", 1, timeout=15))
    [record] = event["Records"]
    assert record["EventSource"] == "aws:sns" and record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == sub
    sns_part = record["Sns"]
    assert sns_part["Type"] == "Notification" and sns_part["MessageId"] == message_id
    assert sns_part["TopicArn"] == topic and sns_part["Subject"] == "Greeting"
    assert sns_part["Message"] == "hello function"
    assert sns_part["MessageAttributes"] == {"kind": {"Type": "String", "Value": "test"}}
    assert sns_part["Signature"] and sns_part["SigningCertUrl"] and "Action=Unsubscribe" in sns_part["UnsubscribeUrl"]


def test_per_protocol_message_for_lambda(lam, create, client, reports):
    sns = client("sns")
    out = reports.url_for("structured")
    fn = create("sns-structured", HANDLER, Environment={"Variables": {"OUT": out}})["FunctionArn"]
    topic = sns.create_topic(Name="structured-to-lambda")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)
    sns.publish(TopicArn=topic, MessageStructure="json",
                Message=json.dumps({"default": "for everyone", "lambda": "for functions"}))
    [event] = map(json.loads, reports.wait("structured", 1, timeout=15))
    assert event["Records"][0]["Sns"]["Message"] == "for functions"
