"""AWS::Events::EventBus and AWS::Events::Rule in CloudFormation (Ref, GetAtt, updates, deletes),
and SAM functions with EventBridgeRule and Schedule events, deployed and working."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError
from conftest import receive_from

DONE = ("_COMPLETE", "_FAILED")

TEMPLATE = """
Parameters:
  Kind: {Type: String, Default: order}
Resources:
  Bus:
    Type: AWS::Events::EventBus
    Properties: {Name: cfn-orders, Description: from a stack}
  Inbox:
    Type: AWS::SQS::Queue
  InboxPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Inbox]
      PolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: events.amazonaws.com}, Action: sqs:SendMessage,
             Resource: !GetAtt Inbox.Arn}
  OnBus:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      EventPattern: {source: [cfn], detail: {kind: [!Ref Kind]}}
      Targets:
        - Id: inbox
          Arn: !GetAtt Inbox.Arn
          RetryPolicy: {MaximumRetryAttempts: "3"}
          InputTransformer:
            InputPathsMap: {kind: $.detail.kind}
            InputTemplate: '{"got": <kind>}'
  OnDefault:
    Type: AWS::Events::Rule
    Properties:
      Name: cfn-default-rule
      State: DISABLED
      ScheduleExpression: rate(1 hour)
Outputs:
  BusRef: {Value: !Ref Bus}
  BusArn: {Value: !GetAtt Bus.Arn}
  BusName: {Value: !GetAtt Bus.Name}
  RuleRef: {Value: !Ref OnBus}
  RuleArn: {Value: !GetAtt OnBus.Arn}
  DefaultRuleRef: {Value: !Ref OnDefault}
  Inbox: {Value: !Ref Inbox}
"""


@pytest.fixture(scope="module")
def cfn(client):
    return client("cloudformation")


def settled(cfn, stack: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        found = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        if found["StackStatus"].endswith(DONE) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)  # as the CLI's waiters poll


def outputs(stack: dict) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def test_bus_and_rules_from_a_template(cfn, events, sqs):
    cfn.create_stack(StackName="eb", TemplateBody=TEMPLATE)
    stack = settled(cfn, "eb")
    assert stack["StackStatus"] == "CREATE_COMPLETE", cfn.describe_stack_events(StackName="eb")["StackEvents"]
    out = outputs(stack)
    assert out["BusRef"] == out["BusName"] == "cfn-orders"
    assert out["BusArn"] == "arn:aws:events:us-east-1:000000000000:event-bus/cfn-orders"
    rule_name = out["RuleArn"].rsplit("/", 1)[1]
    assert out["RuleRef"] == f"cfn-orders|{rule_name}" and rule_name.startswith("eb-OnBus-")
    assert out["DefaultRuleRef"] == "cfn-default-rule"
    assert events.describe_rule(Name="cfn-default-rule")["State"] == "DISABLED"
    assert json.loads(events.describe_rule(Name=rule_name, EventBusName="cfn-orders")["EventPattern"]) == {
        "source": ["cfn"], "detail": {"kind": ["order"]}}
    [target] = events.list_targets_by_rule(Rule=rule_name, EventBusName="cfn-orders")["Targets"]
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 3}

    put = {"Source": "cfn", "DetailType": "t", "EventBusName": "cfn-orders"}
    events.put_events(Entries=[{**put, "Detail": json.dumps({"kind": "order"})}])
    assert receive_from(sqs, out["Inbox"])[0]["Body"] == '{"got": "order"}'

    cfn.update_stack(StackName="eb", TemplateBody=TEMPLATE, Parameters=[{"ParameterKey": "Kind", "ParameterValue": "refund"}])
    assert settled(cfn, "eb")["StackStatus"] == "UPDATE_COMPLETE"
    events.put_events(Entries=[{**put, "Detail": json.dumps({"kind": "order"})},
                               {**put, "Detail": json.dumps({"kind": "refund"})}])
    assert [m["Body"] for m in receive_from(sqs, out["Inbox"])] == ['{"got": "refund"}']

    cfn.delete_stack(StackName="eb")
    cfn.get_waiter("stack_delete_complete").wait(StackName="eb", WaiterConfig={"Delay": 1})
    with pytest.raises(ClientError) as caught:
        events.describe_event_bus(Name="cfn-orders")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError):
        events.describe_rule(Name="cfn-default-rule")


SAM = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Seen:
    Type: AWS::SQS::Queue
  Watcher:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      Environment: {Variables: {SEEN: !Ref Seen}}
      Policies: [{SQSSendMessagePolicy: {QueueName: !GetAtt Seen.QueueName}}]
      InlineCode: |
        import boto3, json, os
        def handler(event, context):
            boto3.client("sqs").send_message(QueueUrl=os.environ["SEEN"], MessageBody=json.dumps(event))
      Events:
        Orders:
          Type: EventBridgeRule
          Properties:
            Pattern: {source: [sam-shop], detail-type: [Order Placed]}
        Tick:
          Type: Schedule
          Properties: {Schedule: rate(1 hour)}
Outputs:
  Seen: {Value: !Ref Seen}
  Function: {Value: !GetAtt Watcher.Arn}
"""


def test_sam_function_with_eventbridge_rule_and_schedule_events(cfn, events, sqs, client, server):
    cfn.create_stack(StackName="sam-eb", TemplateBody=SAM, Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    stack = settled(cfn, "sam-eb")
    assert stack["StackStatus"] == "CREATE_COMPLETE", cfn.describe_stack_events(StackName="sam-eb")["StackEvents"]
    out = outputs(stack)
    types = {r["ResourceType"] for r in cfn.describe_stack_resources(StackName="sam-eb")["StackResources"]}
    assert {"AWS::Events::Rule", "AWS::Lambda::Permission"} <= types
    policy = json.loads(client("lambda").get_policy(FunctionName=out["Function"])["Policy"])
    assert {s["Principal"]["Service"] for s in policy["Statement"]} == {"events.amazonaws.com"}

    event_id = events.put_events(Entries=[{"Source": "sam-shop", "DetailType": "Order Placed", "Detail": "{}"}])[
        "Entries"][0]["EventId"]
    got = json.loads(receive_from(sqs, out["Seen"], wait=10)[0]["Body"])
    assert got["id"] == event_id

    server.advance_clock(3601)
    tick = json.loads(receive_from(sqs, out["Seen"], wait=10)[0]["Body"])
    assert tick["detail-type"] == "Scheduled Event" and tick["source"] == "aws.events"
