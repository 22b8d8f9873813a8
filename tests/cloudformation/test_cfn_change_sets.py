"""Change sets: CREATE (what `aws cloudformation deploy` sends first), UPDATE previews with
replacement, no-change sets, execution, deletion and listing."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from conftest import outputs, settled

BODY = """
Parameters:
  Delay: {Type: Number, Default: 0}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {DelaySeconds: !Ref Delay}
  Topic:
    Type: AWS::SNS::Topic
  Sub:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Topic, Protocol: sqs, Endpoint: !GetAtt Queue.Arn}
Outputs:
  Url: {Value: !Ref Queue}
"""


def _create_type_change_set(cfn):
    created = cfn.create_change_set(
        StackName="cs",
        ChangeSetName="first",
        ChangeSetType="CREATE",
        TemplateBody=BODY,
        Description="initial",
    )
    stack = cfn.describe_stacks(StackName="cs")["Stacks"][0]
    assert stack["StackStatus"] == "REVIEW_IN_PROGRESS" and stack["StackId"] == created["StackId"]
    described = cfn.describe_change_set(ChangeSetName="first", StackName="cs")
    assert described["Status"] == "CREATE_COMPLETE" and described["ExecutionStatus"] == "AVAILABLE"
    assert described["Description"] == "initial"
    assert sorted(
        (c["ResourceChange"]["Action"], c["ResourceChange"]["LogicalResourceId"])
        for c in described["Changes"]
    ) == [("Add", "Queue"), ("Add", "Sub"), ("Add", "Topic")]
    assert [s["ChangeSetName"] for s in cfn.list_change_sets(StackName="cs")["Summaries"]] == ["first"]
    cfn.execute_change_set(ChangeSetName=created["Id"])
    stack = settled(cfn, "cs")
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert stack["ChangeSetId"] == created["Id"]
    assert cfn.describe_change_set(ChangeSetName=created["Id"])["ExecutionStatus"] == "EXECUTE_COMPLETE"
    cfn.get_waiter("stack_create_complete").wait(StackName="cs", WaiterConfig={"Delay": 1, "MaxAttempts": 5})


def _update_preview_and_execute(cfn, client):
    url = outputs(settled(cfn, "cs"))["Url"]
    changed = BODY.replace(
        "  Topic:\n    Type: AWS::SNS::Topic\n",
        "  Topic:\n    Type: AWS::SNS::Topic\n    Properties: {FifoTopic: false, DisplayName: x}\n",
    )
    created = cfn.create_change_set(
        StackName="cs",
        ChangeSetName="second",
        TemplateBody=changed,
        Parameters=[{"ParameterKey": "Delay", "ParameterValue": "5"}],
    )
    described = cfn.describe_change_set(ChangeSetName=created["Id"])
    changes = {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"] for c in described["Changes"]}
    assert changes["Queue"]["Action"] == "Modify" and changes["Queue"]["Replacement"] == "False"
    assert changes["Queue"]["Details"][0]["Target"] == {
        "Attribute": "Properties",
        "Name": "DelaySeconds",
        "RequiresRecreation": "Never",
    }
    assert changes["Topic"]["Replacement"] == "True"  # FifoTopic can only be set by replacing
    assert "Sub" not in changes or changes["Sub"]["Action"] == "Modify"
    assert {"ParameterKey": "Delay", "ParameterValue": "5"} in described["Parameters"]
    cfn.execute_change_set(ChangeSetName="second", StackName="cs")
    stack = settled(cfn, "cs")
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert outputs(stack)["Url"] == url
    delay = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])["Attributes"]
    assert delay == {"DelaySeconds": "5"}
    assert cfn.list_change_sets(StackName="cs")["Summaries"][0]["ExecutionStatus"] == "EXECUTE_COMPLETE"


def _no_changes_fails_the_change_set(cfn):
    current = cfn.get_template(StackName="cs")["TemplateBody"]
    created = cfn.create_change_set(
        StackName="cs",
        ChangeSetName="same",
        TemplateBody=current,
        Parameters=[{"ParameterKey": "Delay", "UsePreviousValue": True}],
    )
    described = cfn.describe_change_set(ChangeSetName=created["Id"])
    assert described["Status"] == "FAILED" and described["ExecutionStatus"] == "UNAVAILABLE"
    assert described["StatusReason"] == (
        "The submitted information didn't contain changes. Submit different"
        " information to create a change set."
    )
    with pytest.raises(ClientError) as caught:
        cfn.execute_change_set(ChangeSetName=created["Id"])
    assert caught.value.response["Error"]["Code"] == "InvalidChangeSetStatus"
    cfn.delete_change_set(ChangeSetName=created["Id"])
    with pytest.raises(ClientError) as caught:
        cfn.describe_change_set(ChangeSetName="same", StackName="cs")
    assert caught.value.response["Error"]["Code"] == "ChangeSetNotFound"


def _change_set_errors(cfn):
    with pytest.raises(ClientError) as caught:
        cfn.create_change_set(StackName="nostack", ChangeSetName="x", TemplateBody=BODY)
    assert caught.value.response["Error"]["Message"] == "Stack [nostack] does not exist"
    with pytest.raises(ClientError) as caught:
        cfn.create_change_set(StackName="cs", ChangeSetName="x", ChangeSetType="CREATE", TemplateBody=BODY)
    assert caught.value.response["Error"]["Code"] == "AlreadyExistsException"
    cfn.create_change_set(
        StackName="cs", ChangeSetName="dup", TemplateBody=BODY.replace("Default: 0", "Default: 1")
    )
    with pytest.raises(ClientError) as caught:
        cfn.create_change_set(StackName="cs", ChangeSetName="dup", TemplateBody=BODY)
    assert caught.value.response["Error"]["Code"] == "AlreadyExistsException"


def test_change_sets_through_a_stack_life(cfn, client):
    """Create, preview and run an update, then refuse what cannot be done; each step builds on the last."""
    _create_type_change_set(cfn)
    _update_preview_and_execute(cfn, client)
    _no_changes_fails_the_change_set(cfn)
    _change_set_errors(cfn)


def test_review_stack_can_be_deleted(cfn):
    cfn.create_change_set(StackName="review", ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=BODY)
    cfn.delete_stack(StackName="review")
    with pytest.raises(ClientError):
        cfn.describe_stacks(StackName="review")


def test_template_url_from_s3(cfn, client, endpoint):
    s3 = client("s3")
    s3.create_bucket(Bucket="templates")
    s3.put_object(Bucket="templates", Key="queue.yaml", Body=b"Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    cfn.create_stack(StackName="from-url", TemplateURL=f"{endpoint}/templates/queue.yaml")
    assert settled(cfn, "from-url")["StackStatus"] == "CREATE_COMPLETE"
    summary = cfn.get_template_summary(TemplateURL="https://templates.s3.us-east-1.amazonaws.com/queue.yaml")
    assert summary["ResourceTypes"] == ["AWS::SQS::Queue"]
    with pytest.raises(ClientError) as caught:
        cfn.validate_template(TemplateURL="https://s3.amazonaws.com/templates/missing.yaml")
    assert caught.value.response["Error"]["Code"] == "ValidationError"
