"""Templates CloudFormation refuses, and resources that fail mid-stack: AWS's errors and states."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from conftest import reasons, settled


def error(call, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


QUEUE = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {a: [1, 2}\n",
            "Template format error: YAML not well-formed. (line 4, column 26)",
        ),
        (
            '{"Resources": {"Q": {"Type": "AWS::SQS::Queue",}}}',
            "Template format error: JSON not well-formed. (line 1, column 48)",
        ),
        ("Resources: {}\n", "Template format error: At least one Resources member must be defined."),
        (
            "Resources:\n  Q:\n    Type: AWS::Nope::Thing\n  R:\n    Type: AWS::Other::Thing\n",
            "Template format error: Unrecognized resource types: [AWS::Nope::Thing, AWS::Other::Thing]",
        ),
        (
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: {'Fn::Shout': x}\n",
            "Template format error: Encountered unsupported function: Fn::Shout Supported functions are: [Fn::And,"
            " Fn::Base64, Fn::Cidr, Fn::Equals, Fn::FindInMap, Fn::GetAZs, Fn::GetAtt, Fn::If, Fn::ImportValue,"
            " Fn::Join, Fn::Length, Fn::Not, Fn::Or, Fn::Select, Fn::Split, Fn::Sub, Fn::ToJsonString, Ref]",
        ),
        (
            "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !GetAtt B.QueueName}\n"
            "  B:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !Ref A}\n",
            "Circular dependency between resources: [A, B]",
        ),
        (
            "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !Ref Missing}\n",
            "Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template",
        ),
        (
            "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    DependsOn: Ghost\n",
            "Template format error: Unresolved resource dependencies [Ghost] in the Resources block of the template",
        ),
        (
            "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: !GetAtt A2.Arn}\n",
            "Template error: instance of Fn::GetAtt references undefined resource A2",
        ),
        (
            "Resources:\n  A:\n    Type: AWS::SQS::Queue\nOutputs:\n  X: {Value: !GetAtt A.Colour}\n",
            "Template error: resource A does not support attribute type Colour in Fn::GetAtt",
        ),
        (
            "Parameters:\n  Size: {Type: String}\n  Name: {Type: String}\n" + QUEUE,
            "Parameters: [Size, Name] must have values",
        ),
        ("Bogus: 1\n" + QUEUE, "Template format error: Invalid template property or properties [Bogus]"),
    ],
)
def test_template_refused_before_any_resource(cfn, body, message):
    assert error(cfn.create_stack, StackName="bad", TemplateBody=body) == ("ValidationError", message)
    assert error(cfn.describe_stacks, StackName="bad") == (
        "ValidationError",
        "Stack with id bad does not exist",
    )


def test_parameter_values_checked(cfn):
    body = (
        "Parameters:\n  Env: {Type: String, AllowedValues: [dev, prod]}\n  N: {Type: Number, MaxValue: 5}\n"
        + QUEUE
    )
    assert error(
        cfn.create_stack,
        StackName="p",
        TemplateBody=body,
        Parameters=[
            {"ParameterKey": "Env", "ParameterValue": "test"},
            {"ParameterKey": "N", "ParameterValue": "1"},
        ],
    ) == ("ValidationError", "Parameter 'Env' must be one of AllowedValues")
    assert error(
        cfn.create_stack,
        StackName="p",
        TemplateBody=body,
        Parameters=[
            {"ParameterKey": "Env", "ParameterValue": "dev"},
            {"ParameterKey": "N", "ParameterValue": "x"},
        ],
    ) == ("ValidationError", "Parameter 'N' must be a number.")
    assert error(
        cfn.create_stack,
        StackName="p",
        TemplateBody=QUEUE,
        Parameters=[{"ParameterKey": "Extra", "ParameterValue": "1"}],
    ) == ("ValidationError", "Parameters: [Extra] do not exist in the template")


def test_iam_needs_capabilities(cfn):
    body = "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n"
    assert error(cfn.create_stack, StackName="iam", TemplateBody=body) == (
        "InsufficientCapabilitiesException",
        "Requires capabilities : [CAPABILITY_IAM]",
    )
    named = body + "      RoleName: fixed\n"
    assert error(cfn.create_stack, StackName="iam", TemplateBody=named, Capabilities=["CAPABILITY_IAM"]) == (
        "InsufficientCapabilitiesException",
        "Requires capabilities : [CAPABILITY_NAMED_IAM]",
    )


def test_validate_template(cfn):
    body = "Description: d\nParameters:\n  P: {Type: String, Default: x, NoEcho: true}\n" + QUEUE
    reply = cfn.validate_template(TemplateBody=body)
    assert reply["Description"] == "d"
    assert reply["Parameters"] == [{"ParameterKey": "P", "DefaultValue": "x", "NoEcho": True}]
    code, message = error(cfn.validate_template, TemplateBody="Resources:\n  A: [")
    assert code == "ValidationError" and message.startswith("Template format error: YAML not well-formed.")


def test_resource_failing_mid_stack_rolls_back_everything(cfn, client):
    body = """
Resources:
  Good:
    Type: AWS::SQS::Queue
    Properties: {QueueName: survivor-check}
  Topic:
    Type: AWS::SNS::Topic
  Bad:
    Type: AWS::SQS::Queue
    DependsOn: Good
    Properties: {QueueName: bad-queue, VisibilityTimeout: 999999}
  After:
    Type: AWS::SQS::Queue
    DependsOn: Bad
"""
    cfn.create_stack(StackName="mid", TemplateBody=body)
    stack = settled(cfn, "mid")
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    events = reasons(cfn, "mid")
    failed = [e for e in events if e[1] == "CREATE_FAILED"]
    assert [e[0] for e in failed] == ["Bad"]
    assert "VisibilityTimeout" in failed[0][2] or "Invalid" in failed[0][2]
    assert (
        "mid",
        "ROLLBACK_IN_PROGRESS",
        "The following resource(s) failed to create: [Bad]. Rollback requested by user.",
    ) in events
    assert ("Good", "DELETE_COMPLETE", "") in events
    assert not [e for e in events if e[0] == "After"]  # never started
    assert [e[1] for e in events if e[0] == "mid"][-1] == "ROLLBACK_COMPLETE"
    sqs, sns = client("sqs"), client("sns")
    assert not sqs.list_queues(QueueNamePrefix="survivor-check").get("QueueUrls")
    assert not [t for t in sns.list_topics()["Topics"] if ":mid-Topic-" in t["TopicArn"]]
    # A stack in ROLLBACK_COMPLETE can only be deleted.
    assert error(cfn.update_stack, StackName="mid", TemplateBody=QUEUE)[1].endswith(
        "is in ROLLBACK_COMPLETE state and can not be updated."
    )
    cfn.delete_stack(StackName="mid")
    assert error(cfn.describe_stacks, StackName="mid")[0] == "ValidationError"


def test_disable_rollback_keeps_what_was_made(cfn, client):
    body = """
Resources:
  Kept:
    Type: AWS::SQS::Queue
    Properties: {QueueName: kept-after-failure}
  Bad:
    Type: AWS::SQS::Queue
    DependsOn: Kept
    Properties: {DelaySeconds: 5000}
"""
    cfn.create_stack(StackName="keep", TemplateBody=body, DisableRollback=True)
    assert settled(cfn, "keep")["StackStatus"] == "CREATE_FAILED"
    assert client("sqs").list_queues(QueueNamePrefix="kept-after-failure")["QueueUrls"]
    assert error(cfn.continue_update_rollback, StackName="keep")[1].endswith(
        "can not continue the update rollback."
    )
    cfn.rollback_stack(StackName="keep")
    assert settled(cfn, "keep")["StackStatus"] == "ROLLBACK_COMPLETE"
    assert not client("sqs").list_queues(QueueNamePrefix="kept-after-failure").get("QueueUrls")
    cfn.delete_stack(StackName="keep")
    assert settled(cfn, settled_id(cfn, "keep"))["StackStatus"] == "DELETE_COMPLETE"


def settled_id(cfn, name: str) -> str:
    return next(s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == name)["StackId"]


def test_unknown_stack_and_duplicates(cfn):
    assert error(cfn.describe_stack_events, StackName="ghost") == (
        "ValidationError",
        "Stack with id ghost does not exist",
    )
    cfn.create_stack(StackName="twice", TemplateBody=QUEUE)
    assert error(cfn.create_stack, StackName="twice", TemplateBody=QUEUE) == (
        "AlreadyExistsException",
        "Stack [twice] already exists",
    )
    code, message = error(cfn.create_stack, StackName="1bad", TemplateBody=QUEUE)
    assert code == "ValidationError" and "stackName" in message
    cfn.delete_stack(StackName="ghost")  # deleting what is not there succeeds, as on AWS


def test_rules_check_parameters(cfn):
    body = (
        """
Parameters:
  Env: {Type: String}
  Size: {Type: String}
Rules:
  ProdIsBig:
    RuleCondition: !Equals [!Ref Env, prod]
    Assertions:
      - Assert: {"Fn::Contains": [[large, xlarge], !Ref Size]}
        AssertDescription: Production needs a large size
"""
        + QUEUE
    )
    params = [
        {"ParameterKey": "Env", "ParameterValue": "prod"},
        {"ParameterKey": "Size", "ParameterValue": "small"},
    ]
    assert error(cfn.create_stack, StackName="rules", TemplateBody=body, Parameters=params) == (
        "ValidationError",
        "Production needs a large size",
    )
    params[0]["ParameterValue"] = "dev"
    cfn.create_stack(StackName="rules", TemplateBody=body, Parameters=params)
    assert settled(cfn, "rules")["StackStatus"] == "CREATE_COMPLETE"


def test_missing_required_property_fails_the_resource(cfn):
    body = "Resources:\n  P:\n    Type: AWS::SQS::QueuePolicy\n    Properties: {PolicyDocument: {}}\n"
    cfn.create_stack(StackName="noprop", TemplateBody=body)
    assert settled(cfn, "noprop")["StackStatus"] == "ROLLBACK_COMPLETE"
    assert (
        "P",
        "CREATE_FAILED",
        "Properties validation failed for resource with message: #: required key [Queues] not found",
    ) in reasons(cfn, "noprop")
