"""Stack lifecycle: create, describe, update (in place, replacement, removal), rollback of a
failed update, deletion policies, exports and imports, termination protection."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from conftest import outputs, reasons, settled

APP = """
Description: two queues and a topic
Parameters:
  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Secret: {Type: String, Default: hush, NoEcho: true}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Dead:
    Type: AWS::SQS::Queue
  Work:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: !If [IsProd, 120, 60]
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dead.Arn, maxReceiveCount: 3}
      Tags: [{Key: team, Value: core}]
  Alerts:
    Type: AWS::SNS::Topic
    Condition: IsProd
Outputs:
  WorkUrl: {Value: !Ref Work, Export: {Name: !Sub "${AWS::StackName}-work"}}
  WorkArn: {Value: !GetAtt Work.Arn}
  Where: {Value: !Sub "${AWS::Region}/${AWS::AccountId}/${AWS::StackName}"}
"""


def _create_describe_and_outputs(cfn, client, deploy):
    stack = deploy("app", APP, Tags=[{"Key": "owner", "Value": "me"}])
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert stack["Description"] == "two queues and a topic"
    assert {"ParameterKey": "Secret", "ParameterValue": "****"} in stack["Parameters"]
    out = outputs(stack)
    assert out["Where"] == "us-east-1/000000000000/app"
    sqs = client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=out["WorkUrl"], AttributeNames=["All"])["Attributes"]
    assert attributes["QueueArn"] == out["WorkArn"]
    assert attributes["VisibilityTimeout"] == "60"
    assert (
        '"maxReceiveCount": 3' in attributes["RedrivePolicy"]
        or '"maxReceiveCount":3' in attributes["RedrivePolicy"]
    )
    assert sqs.list_queue_tags(QueueUrl=out["WorkUrl"])["Tags"] == {"team": "core", "owner": "me"}
    resources = {
        r["LogicalResourceId"]: r for r in cfn.describe_stack_resources(StackName="app")["StackResources"]
    }
    assert set(resources) == {"Dead", "Work"}  # Alerts' condition is false
    assert resources["Work"]["PhysicalResourceId"] == out["WorkUrl"]
    assert resources["Work"]["ResourceStatus"] == "CREATE_COMPLETE"
    detail = cfn.describe_stack_resource(StackName="app", LogicalResourceId="Dead")["StackResourceDetail"]
    assert detail["ResourceType"] == "AWS::SQS::Queue"
    by_physical = cfn.describe_stack_resources(PhysicalResourceId=out["WorkUrl"])["StackResources"]
    assert {r["StackName"] for r in by_physical} == {"app"}
    summaries = cfn.list_stack_resources(StackName="app")["StackResourceSummaries"]
    assert sorted(s["LogicalResourceId"] for s in summaries) == ["Dead", "Work"]
    assert cfn.get_template(StackName="app")["TemplateBody"] == APP
    assert cfn.list_exports()["Exports"] == [
        {"ExportingStackId": stack["StackId"], "Name": "app-work", "Value": out["WorkUrl"]}
    ]
    assert [
        s["StackName"] for s in cfn.list_stacks(StackStatusFilter=["CREATE_COMPLETE"])["StackSummaries"]
    ] == ["app"]


def _update_in_place_and_condition(cfn, client):
    before = outputs(settled(cfn, "app"))
    cfn.update_stack(
        StackName="app",
        UsePreviousTemplate=True,
        Parameters=[
            {"ParameterKey": "Env", "ParameterValue": "prod"},
            {"ParameterKey": "Secret", "UsePreviousValue": True},
        ],
    )
    stack = settled(cfn, "app")
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    after = outputs(stack)
    assert after["WorkUrl"] == before["WorkUrl"]  # updated in place
    attributes = client("sqs").get_queue_attributes(
        QueueUrl=after["WorkUrl"], AttributeNames=["VisibilityTimeout"]
    )
    assert attributes["Attributes"]["VisibilityTimeout"] == "120"
    kinds = {r["LogicalResourceId"] for r in cfn.describe_stack_resources(StackName="app")["StackResources"]}
    assert kinds == {"Dead", "Work", "Alerts"}
    with pytest.raises(ClientError) as caught:
        cfn.update_stack(
            StackName="app",
            UsePreviousTemplate=True,
            Parameters=[
                {"ParameterKey": "Env", "UsePreviousValue": True},
                {"ParameterKey": "Secret", "UsePreviousValue": True},
            ],
        )
    assert caught.value.response["Error"]["Message"] == "No updates are to be performed."


def _replacement_and_removal(cfn, client):
    sqs = client("sqs")
    old_url = outputs(settled(cfn, "app"))["WorkUrl"]
    body = (
        APP.replace(
            "      VisibilityTimeout: !If [IsProd, 120, 60]\n",
            "      VisibilityTimeout: 10\n      FifoQueue: true\n",
        )
        .replace(
            "  Dead:\n    Type: AWS::SQS::Queue\n",
            "  Dead:\n    Type: AWS::SQS::Queue\n    Properties: {FifoQueue: true}\n",
        )
        .replace("  Alerts:\n    Type: AWS::SNS::Topic\n    Condition: IsProd\n", "")
    )
    cfn.update_stack(
        StackName="app", TemplateBody=body, Parameters=[{"ParameterKey": "Env", "ParameterValue": "dev"}]
    )
    stack = settled(cfn, "app")
    assert stack["StackStatus"] == "UPDATE_COMPLETE", [e for e in reasons(cfn, "app") if "FAILED" in e[1]]
    new_url = outputs(stack)["WorkUrl"]
    assert new_url != old_url and new_url.endswith(".fifo")
    events = reasons(cfn, "app")
    assert (
        "Work",
        "UPDATE_IN_PROGRESS",
        "Requested update requires the creation of a new physical resource; hence creating one.",
    ) in events
    assert ("app", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "") in events
    urls = sqs.list_queues(QueueNamePrefix="app-Work").get("QueueUrls", [])
    assert urls == [new_url]  # the old queue went in cleanup
    assert "Alerts" not in {
        r["LogicalResourceId"] for r in cfn.describe_stack_resources(StackName="app")["StackResources"]
    }
    assert not [t for t in client("sns").list_topics()["Topics"] if ":app-Alerts-" in t["TopicArn"]]


def _failed_update_rolls_back(cfn, client):
    before = settled(cfn, "app")
    template = cfn.get_template(StackName="app")["TemplateBody"]
    url = outputs(before)["WorkUrl"]
    body = APP.replace("VisibilityTimeout: !If [IsProd, 120, 60]", "VisibilityTimeout: 45").replace(
        "Outputs:",
        "  Broken:\n    Type: AWS::SQS::Queue\n    DependsOn: Work\n    Properties: {DelaySeconds: 901}\n"
        "  Extra:\n    Type: AWS::SNS::Topic\nOutputs:",
    )
    cfn.update_stack(StackName="app", TemplateBody=body)
    stack = settled(cfn, "app")
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    statuses = [e for e in reasons(cfn, "app") if e[0] == "app"]
    assert statuses[-4:] == [
        ("app", "UPDATE_IN_PROGRESS", "User Initiated"),
        ("app", "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to update: [Broken]."),
        ("app", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", ""),
        ("app", "UPDATE_ROLLBACK_COMPLETE", ""),
    ]
    # The template, the replaced queue and its settings are what they were before the update.
    assert cfn.get_template(StackName="app")["TemplateBody"] == template
    assert outputs(stack)["WorkUrl"] == url
    attributes = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    assert attributes["Attributes"]["VisibilityTimeout"] == "10"
    assert not [t for t in client("sns").list_topics()["Topics"] if ":app-Extra-" in t["TopicArn"]]
    resources = {
        r["LogicalResourceId"] for r in cfn.describe_stack_resources(StackName="app")["StackResources"]
    }
    assert resources == {"Dead", "Work"}


IMPORTER = """
Resources:
  Sub:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      QueueName: !Join ["-", [imported, !Select [4, !Split ["/", !ImportValue exp-work]]]]
Outputs:
  Name: {Value: !GetAtt Sub.QueueName}
"""


def test_exports_imports_and_protection(cfn, deploy):
    exporter = (
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {FifoQueue: true}\nOutputs:\n"
        "  U: {Value: !Ref Q, Export: {Name: exp-work}}\n"
    )
    assert deploy("exp", exporter)["StackStatus"] == "CREATE_COMPLETE"
    stack = deploy("importer", IMPORTER)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert outputs(stack)["Name"].startswith("imported-exp-Q-")
    assert cfn.list_imports(ExportName="exp-work")["Imports"] == ["importer"]
    cfn.delete_stack(StackName="exp")
    failed = settled(cfn, "exp")
    assert failed["StackStatus"] == "DELETE_FAILED"
    assert failed["StackStatusReason"] == "Export exp-work cannot be deleted as it is in use by importer"
    cfn.update_termination_protection(StackName="importer", EnableTerminationProtection=True)
    with pytest.raises(ClientError) as caught:
        cfn.delete_stack(StackName="importer")
    assert caught.value.response["Error"]["Message"] == (
        "Stack [importer] cannot be deleted while TerminationProtection is enabled"
    )
    cfn.update_termination_protection(StackName="importer", EnableTerminationProtection=False)
    cfn.delete_stack(StackName="importer")
    cfn.delete_stack(StackName="exp")
    assert not [s for s in cfn.describe_stacks()["Stacks"] if s["StackName"] in ("exp", "importer")]
    assert "exp-work" not in [e["Name"] for e in cfn.list_exports().get("Exports", [])]


def test_deletion_policies(cfn, client, deploy):
    body = """
Resources:
  Kept:
    Type: AWS::SQS::Queue
    DeletionPolicy: Retain
    Properties: {QueueName: retained-queue}
  Swapped:
    Type: AWS::SQS::Queue
    UpdateReplacePolicy: Retain
    Properties: {QueueName: swap-one}
  Gone:
    Type: AWS::SNS::Topic
    Properties: {TopicName: deleted-topic}
"""
    assert deploy("policies", body)["StackStatus"] == "CREATE_COMPLETE"
    cfn.update_stack(StackName="policies", TemplateBody=body.replace("swap-one", "swap-two"))
    assert settled(cfn, "policies")["StackStatus"] == "UPDATE_COMPLETE"
    sqs = client("sqs")
    assert sqs.list_queues(QueueNamePrefix="swap-one").get("QueueUrls")  # replaced but retained
    cfn.delete_stack(StackName="policies")
    events = reasons(cfn, settled_id(cfn, "policies"))
    assert ("Kept", "DELETE_SKIPPED", "") in events
    assert sqs.list_queues(QueueNamePrefix="retained-queue").get("QueueUrls")
    assert not sqs.list_queues(QueueNamePrefix="swap-two").get("QueueUrls")
    assert not [t for t in client("sns").list_topics()["Topics"] if t["TopicArn"].endswith(":deleted-topic")]


def settled_id(cfn, name: str) -> str:
    return next(s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == name)["StackId"]


def test_custom_named_resource_cannot_be_replaced_in_place(cfn, deploy):
    body = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: fixed-name, FifoQueue: %s}\n"
    assert deploy("named", body % "false")["StackStatus"] == "CREATE_COMPLETE"
    cfn.update_stack(StackName="named", TemplateBody=body % "true")
    assert settled(cfn, "named")["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert (
        "Q",
        "UPDATE_FAILED",
        "CloudFormation cannot update a stack when a custom-named resource requires"
        " replacing. Rename fixed-name and update the stack again.",
    ) in reasons(cfn, "named")


def test_stack_policy_and_summary(cfn):
    cfn.create_stack(StackName="pol", TemplateBody="Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    policy = '{"Statement": [{"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"}]}'
    cfn.set_stack_policy(StackName="pol", StackPolicyBody=policy)
    assert cfn.get_stack_policy(StackName="pol")["StackPolicyBody"] == policy
    summary = cfn.get_template_summary(StackName="pol")
    assert summary["ResourceTypes"] == ["AWS::SQS::Queue"]


def test_language_extensions_for_each(cfn, client, deploy):
    body = """
Transform: AWS::LanguageExtensions
Parameters:
  Names: {Type: CommaDelimitedList, Default: "red,blue"}
Resources:
  Fn::ForEach::Queues:
    - Colour
    - !Ref Names
    - Queue${Colour}:
        Type: AWS::SQS::Queue
        Properties: {QueueName: !Sub "loop-${Colour}", Tags: [{Key: colour, Value: !Ref Colour}]}
Outputs:
  Count: {Value: !Length [a, b, c]}
  Json: {Value: !ToJsonString {k: v}}
"""
    stack = deploy("loops", body, Capabilities=["CAPABILITY_AUTO_EXPAND"])
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert outputs(stack) == {"Count": "3", "Json": '{"k":"v"}'}
    logical = {
        r["LogicalResourceId"] for r in cfn.describe_stack_resources(StackName="loops")["StackResources"]
    }
    assert logical == {"Queuered", "Queueblue"}
    url = client("sqs").get_queue_url(QueueName="loop-blue")["QueueUrl"]
    assert client("sqs").list_queue_tags(QueueUrl=url)["Tags"] == {"colour": "blue"}


def test_stack_tags_reach_resources_on_update(cfn, client, deploy):
    body = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: tagged-queue}\n"
    deploy("tagged", body, Tags=[{"Key": "team", "Value": "a"}, {"Key": "old", "Value": "x"}])
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName="tagged-queue")["QueueUrl"]
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a", "old": "x"}
    cfn.update_stack(StackName="tagged", UsePreviousTemplate=True, Tags=[{"Key": "team", "Value": "b"}])
    assert settled(cfn, "tagged")["StackStatus"] == "UPDATE_COMPLETE"
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "b"}


def test_events_go_to_notification_topics(cfn, client, deploy):
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name="stack-events")["TopicArn"]
    url = sqs.create_queue(QueueName="stack-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    deploy("noisy", "Resources:\n  T:\n    Type: AWS::SNS::Topic\n", NotificationARNs=[topic])
    bodies: list[str] = []
    while not any(
        "ResourceStatus='CREATE_COMPLETE'\nResourceStatusReason=''\nResourceType='AWS::CloudFormation::Stack'"
        in body
        for body in bodies
    ):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2).get(
            "Messages", []
        )
        assert messages, bodies
        bodies += [m["Body"] for m in messages]
    first = bodies[0]
    assert first.startswith("StackId='arn:aws:cloudformation:us-east-1:000000000000:stack/noisy/")
    assert "LogicalResourceId='noisy'\n" in first and "ResourceStatus='CREATE_IN_PROGRESS'\n" in first
    assert any(
        "LogicalResourceId='T'\n" in body and "ResourceStatus='CREATE_COMPLETE'" in body for body in bodies
    )
