"""`aws cloudformation package` and `deploy` (awscli v1), unchanged, against cloudlet."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import outputs, settled

AWS = os.path.join(os.path.dirname(sys.executable), "aws")

TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting: {Type: String, Default: hi}
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.11
      Environment: {Variables: {GREETING: !Ref Greeting}}
Outputs:
  Function: {Value: !Ref Hello}
"""

CODE = """
import os
def handler(event, context):
    return os.environ["GREETING"] + " " + event.get("name", "")
"""


@pytest.fixture(scope="module")
def aws(endpoint, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("app")
    (workdir / "src").mkdir()
    (workdir / "src" / "app.py").write_text(CODE)
    (workdir / "template.yaml").write_text(TEMPLATE)
    env = dict(
        os.environ,
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )

    def aws(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([AWS, *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=120)

    aws.workdir = workdir
    return aws


@pytest.fixture(scope="module")
def packaged(aws, client) -> subprocess.CompletedProcess:
    client("s3").create_bucket(Bucket="artifacts")
    return aws(
        "cloudformation",
        "package",
        "--template-file",
        "template.yaml",
        "--s3-bucket",
        "artifacts",
        "--output-template-file",
        "packaged.yaml",
    )


def test_package_uploads_code_and_rewrites_code_uri(aws, client, packaged):
    assert packaged.returncode == 0, packaged.stderr
    keys = [o["Key"] for o in client("s3").list_objects_v2(Bucket="artifacts")["Contents"]]
    assert len(keys) == 1
    validated = aws("cloudformation", "validate-template", "--template-body", "file://packaged.yaml")
    assert validated.returncode == 0, validated.stderr
    assert f"s3://artifacts/{keys[0]}" in (aws.workdir / "packaged.yaml").read_text()


def test_deploy_creates_then_updates(aws, cfn, client, packaged):
    done = aws(
        "cloudformation",
        "deploy",
        "--template-file",
        "packaged.yaml",
        "--stack-name",
        "cli-app",
        "--capabilities",
        "CAPABILITY_IAM",
        "--parameter-overrides",
        "Greeting=hello",
    )
    assert done.returncode == 0, done.stderr
    assert "Successfully created/updated stack - cli-app" in done.stdout
    stack = settled(cfn, "cli-app")
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    function = outputs(stack)["Function"]
    reply = client("lambda").invoke(FunctionName=function, Payload=b'{"name": "you"}')
    assert json.loads(reply["Payload"].read()) == "hello you"

    again = aws(
        "cloudformation",
        "deploy",
        "--template-file",
        "packaged.yaml",
        "--stack-name",
        "cli-app",
        "--capabilities",
        "CAPABILITY_IAM",
        "--no-fail-on-empty-changeset",
    )
    assert again.returncode == 0, again.stderr
    assert "No changes to deploy" in again.stdout
    # As on AWS, the empty change set stays behind, FAILED; the CLI names change sets by the
    # second, so a redeploy within the same second would collide with it unless it is removed.
    empty = [s for s in cfn.list_change_sets(StackName="cli-app")["Summaries"] if s["Status"] == "FAILED"]
    assert len(empty) == 1
    assert "didn't contain changes" in empty[0]["StatusReason"]
    cfn.delete_change_set(StackName="cli-app", ChangeSetName=empty[0]["ChangeSetName"])

    update = aws(
        "cloudformation",
        "deploy",
        "--template-file",
        "packaged.yaml",
        "--stack-name",
        "cli-app",
        "--capabilities",
        "CAPABILITY_IAM",
        "--parameter-overrides",
        "Greeting=bye",
    )
    assert update.returncode == 0, update.stderr
    assert settled(cfn, "cli-app")["StackStatus"] == "UPDATE_COMPLETE"
    reply = client("lambda").invoke(FunctionName=function, Payload=b'{"name": "you"}')
    assert json.loads(reply["Payload"].read()) == "bye you"


def test_deploy_reports_a_failing_stack(aws, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {DelaySeconds: 100000}\n")
    done = aws("cloudformation", "deploy", "--template-file", str(bad), "--stack-name", "cli-bad")
    assert done.returncode != 0
    assert "Failed to create/update the stack" in done.stderr
    events = aws("cloudformation", "describe-stack-events", "--stack-name", "cli-bad")
    statuses = [e["ResourceStatus"] for e in json.loads(events.stdout)["StackEvents"]]
    assert statuses[0] == "ROLLBACK_COMPLETE" and "CREATE_FAILED" in statuses
