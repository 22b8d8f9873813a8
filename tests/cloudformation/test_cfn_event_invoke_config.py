"""AWS::Lambda::EventInvokeConfig as SAM emits it for a function's EventInvokeConfig: an
asynchronous invocation's result reaches the OnSuccess queue."""

from __future__ import annotations

import json
import time

from conftest import outputs, reasons, settled

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Done:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            return {"doubled": event["n"] * 2}
      EventInvokeConfig:
        MaximumRetryAttempts: 0
        MaximumEventAgeInSeconds: 60
        DestinationConfig:
          OnSuccess: {Type: SQS, Destination: !GetAtt Done.Arn}
Outputs:
  Worker: {Value: !Ref Worker}
  Done: {Value: !Ref Done}
"""


def test_async_result_goes_to_on_success_queue(cfn, client):
    cfn.create_stack(
        StackName="invokecfg",
        TemplateBody=TEMPLATE,
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    stack = settled(cfn, "invokecfg")
    assert stack["StackStatus"] == "CREATE_COMPLETE", [
        e for e in reasons(cfn, "invokecfg") if "FAILED" in e[1]
    ]
    out = outputs(stack)
    lam, sqs = client("lambda"), client("sqs")
    config = lam.get_function_event_invoke_config(FunctionName=out["Worker"], Qualifier="$LATEST")
    assert config["MaximumRetryAttempts"] == 0 and config["MaximumEventAgeInSeconds"] == 60
    lam.invoke(FunctionName=out["Worker"], InvocationType="Event", Payload=json.dumps({"n": 21}))
    deadline, messages = time.monotonic() + 30, []
    while not messages and time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=out["Done"], WaitTimeSeconds=1).get("Messages", [])
    assert messages, "no OnSuccess record arrived"
    record = json.loads(messages[0]["Body"])
    assert record["responsePayload"] == {"doubled": 42}
    assert record["requestContext"]["condition"] == "Success"
