"""SAM templates (Transform: AWS::Serverless-2016-10-31) deployed through the API: functions
triggered by SQS and S3, a SimpleTable, all expanded by AWS's own SAM translator."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError
from conftest import outputs, reasons, settled

SAM = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: python3.11, Timeout: 10}
Resources:
  Done:
    Type: AWS::SQS::Queue
  Jobs:
    Type: AWS::SQS::Queue
  Uploads:
    Type: AWS::S3::Bucket
  Items:
    Type: AWS::Serverless::SimpleTable
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Environment: {Variables: {TABLE: !Ref Items, DONE: !Ref Done}}
      Policies: [{DynamoDBCrudPolicy: {TableName: !Ref Items}}, {SQSSendMessagePolicy: {QueueName: !GetAtt Done.QueueName}}]
      InlineCode: |
        import boto3, os
        def handler(event, context):
            for record in event["Records"]:
                boto3.resource("dynamodb").Table(os.environ["TABLE"]).put_item(Item={"id": record["body"]})
                boto3.client("sqs").send_message(QueueUrl=os.environ["DONE"], MessageBody="job:" + record["body"])
      Events:
        FromJobs: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 1}}
  OnUpload:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Environment: {Variables: {DONE: !Ref Done}}
      InlineCode: |
        import boto3, os
        def handler(event, context):
            for record in event["Records"]:
                boto3.client("sqs").send_message(QueueUrl=os.environ["DONE"],
                                                 MessageBody="upload:" + record["s3"]["object"]["key"])
      Events:
        Put: {Type: S3, Properties: {Bucket: !Ref Uploads, Events: s3:ObjectCreated:*}}
Outputs:
  Jobs: {Value: !Ref Jobs}
  Done: {Value: !Ref Done}
  Bucket: {Value: !Ref Uploads}
  Table: {Value: !Ref Items}
"""


def receive(sqs, url: str, count: int, timeout: float = 30.0) -> list[str]:
    found: list[str] = []
    deadline = time.monotonic() + timeout
    while len(found) < count and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []):
            found.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


@pytest.fixture(scope="module")
def app(cfn):
    created = cfn.create_change_set(
        StackName="sam",
        ChangeSetName="init",
        ChangeSetType="CREATE",
        TemplateBody=SAM,
        Capabilities=["CAPABILITY_IAM"],
    )
    types = {
        c["ResourceChange"]["ResourceType"]
        for c in cfn.describe_change_set(ChangeSetName=created["Id"])["Changes"]
    }
    assert {
        "AWS::Lambda::Function",
        "AWS::IAM::Role",
        "AWS::Lambda::EventSourceMapping",
        "AWS::Lambda::Permission",
        "AWS::DynamoDB::Table",
    } <= types
    cfn.execute_change_set(ChangeSetName=created["Id"])
    stack = settled(cfn, "sam")
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    return outputs(stack)


def test_sqs_event_writes_to_simple_table(app, client):
    sqs = client("sqs")
    sqs.send_message(QueueUrl=app["Jobs"], MessageBody="job-1")
    assert receive(sqs, app["Done"], 1) == ["job:job-1"]
    items = client("dynamodb").scan(TableName=app["Table"])["Items"]
    assert items == [{"id": {"S": "job-1"}}]


def test_s3_event_triggers_function(app, client):
    client("s3").put_object(Bucket=app["Bucket"], Key="photo.jpg", Body=b"...")
    assert receive(client("sqs"), app["Done"], 1) == ["upload:photo.jpg"]


def test_templates_original_and_processed(cfn, app):
    assert cfn.get_template(StackName="sam")["TemplateBody"] == SAM
    # botocore decodes a JSON TemplateBody into a dict itself.
    processed = cfn.get_template(StackName="sam", TemplateStage="Processed")["TemplateBody"]
    assert processed["Resources"]["Worker"]["Type"] == "AWS::Lambda::Function"
    summary = cfn.get_template_summary(TemplateBody=SAM)
    assert summary["DeclaredTransforms"] == ["AWS::Serverless-2016-10-31"]


def test_invalid_sam_document(cfn):
    bad = (
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {Runtime: python3.11, Handler: a.b, InlineCode: x, Events: {E: {Type: Bogus}}}\n"
    )
    with pytest.raises(ClientError) as caught:
        cfn.create_stack(
            StackName="badsam", TemplateBody=bad, Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
        )
    message = caught.value.response["Error"]["Message"]
    assert message.startswith(
        "Transform AWS::Serverless-2016-10-31 failed with: Invalid Serverless Application"
        " Specification document."
    )
    assert "Bogus" in message


def test_create_stack_with_sam_needs_auto_expand(cfn):
    with pytest.raises(ClientError) as caught:
        cfn.create_stack(StackName="expand", TemplateBody=SAM, Capabilities=["CAPABILITY_IAM"])
    assert caught.value.response["Error"]["Message"] == "Requires capabilities : [CAPABILITY_AUTO_EXPAND]"


HTTP_API = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      InlineCode: |
        import json
        def handler(event, context):
            return {"statusCode": 200, "body": json.dumps({"path": event["rawPath"],
                                                           "name": event["pathParameters"]["name"]})}
      Events:
        Get: {Type: HttpApi, Properties: {Path: "/hello/{name}", Method: GET}}
Outputs:
  Api: {Value: !Ref ServerlessHttpApi}
  Url: {Value: !GetAtt ServerlessHttpApi.ApiEndpoint}
"""


def test_http_api_event_serves_function(cfn, client, endpoint):
    import httpx

    cfn.create_stack(
        StackName="samhttp",
        TemplateBody=HTTP_API,
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    stack = settled(cfn, "samhttp")
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons(cfn, "samhttp")
    found = outputs(stack)
    resources = {
        r["LogicalResourceId"]: r["ResourceType"]
        for r in cfn.describe_stack_resources(StackName="samhttp")["StackResources"]
    }
    assert resources["ServerlessHttpApi"] == "AWS::ApiGatewayV2::Api"
    assert "AWS::ApiGatewayV2::Stage" in resources.values()
    api = client("apigatewayv2").get_api(ApiId=found["Api"])
    assert found["Url"] == api["ApiEndpoint"]
    port = endpoint.rsplit(":", 1)[1]
    answer = httpx.get(
        f"{endpoint}/hello/world",
        headers={"Host": f"{found['Api']}.execute-api.localhost:{port}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"path": "/hello/world", "name": "world"}
    cfn.delete_stack(StackName="samhttp")
    cfn.get_waiter("stack_delete_complete").wait(StackName="samhttp", WaiterConfig={"Delay": 1})
    assert found["Api"] not in {a["ApiId"] for a in client("apigatewayv2").get_apis()["Items"]}


NAMED_HTTP_API = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: prod
      CorsConfiguration: {AllowOrigins: ["https://example.com"], AllowMethods: [GET]}
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            IdentitySource: $request.header.Authorization
            JwtConfiguration: {issuer: "https://issuer.example.com", audience: [app]}
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            return {"statusCode": 200, "body": "hi"}
      Events:
        Get: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /hello, Method: GET}}
        Open: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /open, Method: GET, Auth: {Authorizer: NONE}}}
Outputs:
  Api: {Value: !Ref Api}
  Stage: {Value: !Ref ApiprodStage}
"""


def test_http_api_with_stage_cors_and_jwt_authorizer(cfn, client, endpoint):
    import httpx

    cfn.create_stack(
        StackName="samhttp2",
        TemplateBody=NAMED_HTTP_API,
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    stack = settled(cfn, "samhttp2")
    assert stack["StackStatus"] == "CREATE_COMPLETE", [
        e for e in reasons(cfn, "samhttp2") if "FAILED" in e[1]
    ]
    found = outputs(stack)
    assert found["Stage"] == "prod"
    v2 = client("apigatewayv2")
    api = v2.get_api(ApiId=found["Api"])
    assert api["CorsConfiguration"]["AllowOrigins"] == ["https://example.com"]
    [authorizer] = v2.get_authorizers(ApiId=found["Api"])["Items"]
    assert authorizer["AuthorizerType"] == "JWT"
    assert authorizer["JwtConfiguration"] == {"Audience": ["app"], "Issuer": "https://issuer.example.com"}
    routes = {r["RouteKey"]: r for r in v2.get_routes(ApiId=found["Api"])["Items"]}
    assert routes["GET /hello"]["AuthorizationType"] == "JWT"
    assert routes["GET /open"]["AuthorizationType"] == "NONE"
    port = endpoint.rsplit(":", 1)[1]
    host = {"Host": f"{found['Api']}.execute-api.localhost:{port}"}
    assert httpx.get(f"{endpoint}/prod/open", headers=host, timeout=30).text == "hi"
    assert httpx.get(f"{endpoint}/prod/hello", headers=host, timeout=30).status_code == 401
