"""The real SAM CLI (aws-sam-cli from PyPI), unchanged: `sam build` then `sam deploy` with
AWS_ENDPOINT_URL at cloudlet, on an app with two functions, an HTTP API, a table and an
S3-triggered function; then the deployed API answers and the trigger fires.

aws-sam-cli pins its own boto3 and friends, so it lives in a venv of its own, made once per
version under the user's cache directory (~1 minute the first time) and reused after."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import outputs

SAM_VERSION = "1.170.0"

TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: cloudlet sam cli test app
Globals:
  Function:
    Runtime: python3.11
    Timeout: 10
    Environment: {Variables: {TABLE: !Ref Items}}
Resources:
  Items:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Uploads:
    Type: AWS::S3::Bucket
  Api:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: api/
      Handler: app.handler
      Policies: [{DynamoDBCrudPolicy: {TableName: !Ref Items}}]
      Events:
        Put: {Type: HttpApi, Properties: {Path: "/items/{id}", Method: PUT}}
        Get: {Type: HttpApi, Properties: {Path: "/items/{id}", Method: GET}}
  OnUpload:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: upload/
      Handler: app.handler
      Policies: [{DynamoDBCrudPolicy: {TableName: !Ref Items}}]
      Events:
        Created: {Type: S3, Properties: {Bucket: !Ref Uploads, Events: s3:ObjectCreated:*}}
Outputs:
  ApiId: {Value: !Ref ServerlessHttpApi}
  ApiUrl: {Value: !Sub "https://${ServerlessHttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"}
  Bucket: {Value: !Ref Uploads}
  Table: {Value: !Ref Items}
"""

API = """
import json, os
import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])

def handler(event, context):
    key = event["pathParameters"]["id"]
    if event["requestContext"]["http"]["method"] == "PUT":
        table.put_item(Item={"id": key, "body": event.get("body") or ""})
        return {"statusCode": 201, "body": json.dumps({"stored": key})}
    item = table.get_item(Key={"id": key}).get("Item")
    if item is None:
        return {"statusCode": 404, "body": json.dumps({"missing": key})}
    return {"statusCode": 200, "body": json.dumps(item)}
"""

UPLOAD = """
import os
import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])

def handler(event, context):
    for record in event["Records"]:
        key = record["s3"]["object"]["key"]
        table.put_item(Item={"id": "upload:" + key, "bucket": record["s3"]["bucket"]["name"]})
"""


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return (
        Path(base)
        / "cloudlet-tests"
        / f"aws-sam-cli-{SAM_VERSION}-py{sys.version_info[0]}{sys.version_info[1]}"
    )


@pytest.fixture(scope="session")
def sam_bin() -> Path:
    """The `sam` executable of aws-sam-cli SAM_VERSION, in its own venv (made once, locked
    against other test workers doing the same)."""
    venv = _cache_dir()
    sam = venv / "bin" / "sam"
    ready = venv / ".installed"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{venv}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, timeout=120)
            done = subprocess.run(
                [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", f"aws-sam-cli=={SAM_VERSION}"],
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert done.returncode == 0, f"pip install aws-sam-cli failed:\n{done.stdout}\n{done.stderr}"
            ready.write_text(SAM_VERSION)
    return sam


@pytest.fixture(scope="module")
def sam(sam_bin, endpoint, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("samapp")
    for folder, code in (("api", API), ("upload", UPLOAD)):
        (workdir / folder).mkdir()
        (workdir / folder / "app.py").write_text(code)
        (workdir / folder / "requirements.txt").write_text("")
    (workdir / "template.yaml").write_text(TEMPLATE)
    # `sam build` (no container) needs python3.11 on PATH: this interpreter's own directory has it.
    path = os.pathsep.join([os.path.dirname(sys.executable), str(sam_bin.parent), os.environ.get("PATH", "")])
    env = dict(
        os.environ,
        PATH=path,
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        SAM_CLI_TELEMETRY="0",
        SAM_CLI_BETA_FEATURES="0",
    )
    env.pop("VIRTUAL_ENV", None)

    def run(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(sam_bin), *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"sam {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done

    run.workdir = workdir
    return run


def _wait_for(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


DEPLOY = (
    "deploy",
    "--stack-name",
    "samcli-app",
    "--resolve-s3",
    "--capabilities",
    "CAPABILITY_IAM",
    "--no-confirm-changeset",
    "--no-fail-on-empty-changeset",
    "--region",
    "us-east-1",
    "--tags",
    "owner=sam-test",
)


def test_sam_build_and_deploy(sam, client, endpoint):
    # --resolve-s3, SAM's default: it deploys its managed stack (aws-sam-cli-managed-default),
    # whose bucket policy denies aws:SecureTransport false; cloudlet counts requests as TLS.
    built = sam("build")
    assert "Build Succeeded" in built.stdout
    deployed = sam(*DEPLOY)
    assert "Successfully created/updated stack - samcli-app" in deployed.stdout, deployed.stdout

    cfn = client("cloudformation")
    stack = cfn.describe_stacks(StackName="samcli-app")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    managed = cfn.describe_stacks(StackName="aws-sam-cli-managed-default")["Stacks"][0]
    assert managed["StackStatus"] == "CREATE_COMPLETE"
    found = outputs(stack)
    assert found["ApiUrl"] == f"https://{found['ApiId']}.execute-api.us-east-1.amazonaws.com/"
    # sam deploy --tags: stack tags, which CloudFormation passes on to what takes tags.
    assert {"Key": "owner", "Value": "sam-test"} in stack["Tags"]
    table_arn = client("dynamodb").describe_table(TableName=found["Table"])["Table"]["TableArn"]
    table_tags = client("dynamodb").list_tags_of_resource(ResourceArn=table_arn)["Tags"]
    assert {"Key": "owner", "Value": "sam-test"} in table_tags

    port = endpoint.rsplit(":", 1)[1]
    http = httpx.Client(
        base_url=endpoint, headers={"Host": f"{found['ApiId']}.execute-api.localhost:{port}"}, timeout=30
    )
    put = http.put("/items/a1", content=b"hello")
    assert put.status_code == 201, put.text
    assert put.json() == {"stored": "a1"}
    got = http.get("/items/a1")
    assert got.status_code == 200, got.text
    assert got.json() == {"id": "a1", "body": "hello"}
    assert http.get("/items/none").status_code == 404

    client("s3").put_object(Bucket=found["Bucket"], Key="photo.jpg", Body=b"...")
    item = _wait_for(
        lambda: (
            client("dynamodb")
            .get_item(TableName=found["Table"], Key={"id": {"S": "upload:photo.jpg"}})
            .get("Item")
        )
    )
    assert item == {"id": {"S": "upload:photo.jpg"}, "bucket": {"S": found["Bucket"]}}
    # And through the API the trigger wrote through.
    assert http.get("/items/upload:photo.jpg").json()["bucket"] == found["Bucket"]

    # A code change: build and deploy again update the stack in place (a change set on an
    # existing stack); the API answers with the new code under the same id.
    app = sam.workdir / "api" / "app.py"
    app.write_text(API.replace('{"stored": key}', '{"stored": key, "v": 2}'))
    sam("build")
    sam(*DEPLOY)
    stack = cfn.describe_stacks(StackName="samcli-app")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert outputs(stack)["ApiId"] == found["ApiId"]
    assert http.put("/items/a2").json() == {"stored": "a2", "v": 2}

    # Deploying the same build again: SAM's empty change set, reported as nothing to do.
    again = sam(*DEPLOY)
    assert "No changes to deploy. Stack samcli-app is up to date" in again.stdout, again.stdout

    # As on AWS, a bucket with objects in it fails to delete: empty it first.
    client("s3").delete_object(Bucket=found["Bucket"], Key="photo.jpg")
    sam("delete", "--stack-name", "samcli-app", "--no-prompts", "--region", "us-east-1")
    assert found["ApiId"] not in {a["ApiId"] for a in client("apigatewayv2").get_apis()["Items"]}
    assert found["Table"] not in client("dynamodb").list_tables()["TableNames"]
