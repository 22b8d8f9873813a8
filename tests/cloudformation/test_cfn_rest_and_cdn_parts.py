"""The API Gateway (REST) and CloudFront types the blueprints do not reach, written out as
CDK and hand-written templates do: RestApi/Resource/Method/Deployment/Stage with an API key
and usage plan, served with and without the key; CloudFront's PublicKey, KeyGroup and
CloudFrontOriginAccessIdentity with their Ref and GetAtt values."""

from __future__ import annotations

import httpx
from conftest import outputs, reasons, settled
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

REST = """
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          def handler(event, context):
              return {"statusCode": 200, "body": "rest:" + event["path"]}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: parts}
  Hello:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: hello}
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Hello
      HttpMethod: GET
      AuthorizationType: NONE
      ApiKeyRequired: true
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*
  Snapshot:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Get
    Properties: {RestApiId: !Ref Api}
  Prod:
    Type: AWS::ApiGateway::Stage
    Properties: {RestApiId: !Ref Api, StageName: prod, DeploymentId: !Ref Snapshot}
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Enabled: true, Value: abcdefghijklmnopqrstuvwxyz0123}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    DependsOn: Prod
    Properties:
      ApiStages: [{ApiId: !Ref Api, Stage: prod}]
      Throttle: {RateLimit: 100, BurstLimit: 10}
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
Outputs:
  Api: {Value: !Ref Api}
  Root: {Value: !GetAtt Api.RootResourceId}
  Hello: {Value: !Ref Hello}
  Stage: {Value: !Ref Prod}
  Deployment: {Value: !Ref Snapshot}
  Key: {Value: !Ref Key}
  KeyId: {Value: !GetAtt Key.APIKeyId}
  Plan: {Value: !Ref Plan}
"""

CDN = """
Parameters:
  Pem: {Type: String}
Resources:
  Signer:
    Type: AWS::CloudFront::PublicKey
    Properties:
      PublicKeyConfig: {CallerReference: signer-1, Name: signer, EncodedKey: !Ref Pem}
  Signers:
    Type: AWS::CloudFront::KeyGroup
    Properties:
      KeyGroupConfig: {Name: signers, Items: [!Ref Signer]}
  Identity:
    Type: AWS::CloudFront::CloudFrontOriginAccessIdentity
    Properties:
      CloudFrontOriginAccessIdentityConfig: {Comment: old style}
Outputs:
  Key: {Value: !Ref Signer}
  Group: {Value: !Ref Signers}
  Identity: {Value: !Ref Identity}
  Canonical: {Value: !GetAtt Identity.S3CanonicalUserId}
"""


def _failures(cfn, name: str) -> list:
    return [e for e in reasons(cfn, name) if "FAILED" in e[1]]


def test_rest_api_from_its_parts(cfn, client, endpoint):
    cfn.create_stack(StackName="rest", TemplateBody=REST, Capabilities=["CAPABILITY_IAM"])
    stack = settled(cfn, "rest")
    assert stack["StackStatus"] == "CREATE_COMPLETE", _failures(cfn, "rest")
    out = outputs(stack)
    apigw = client("apigateway")
    assert apigw.get_rest_api(restApiId=out["Api"])["rootResourceId"] == out["Root"]
    assert apigw.get_resource(restApiId=out["Api"], resourceId=out["Hello"])["path"] == "/hello"
    assert out["Stage"] == "prod"
    assert apigw.get_stage(restApiId=out["Api"], stageName="prod")["deploymentId"] == out["Deployment"]
    assert out["Key"] == out["KeyId"]
    keys = apigw.get_usage_plan_keys(usagePlanId=out["Plan"])["items"]
    assert [k["id"] for k in keys] == [out["Key"]]

    port = endpoint.rsplit(":", 1)[1]
    host = {"Host": f"{out['Api']}.execute-api.localhost:{port}"}
    assert httpx.get(f"{endpoint}/prod/hello", headers=host, timeout=30).status_code == 403
    keyed = httpx.get(
        f"{endpoint}/prod/hello", headers={**host, "x-api-key": "abcdefghijklmnopqrstuvwxyz0123"}, timeout=30
    )
    assert keyed.status_code == 200, keyed.text
    assert keyed.text == "rest:/hello"

    cfn.delete_stack(StackName="rest")
    cfn.get_waiter("stack_delete_complete").wait(StackName="rest", WaiterConfig={"Delay": 1})
    assert out["Api"] not in {api["id"] for api in apigw.get_rest_apis()["items"]}
    assert out["Key"] not in {key["id"] for key in apigw.get_api_keys()["items"]}


def test_cloudfront_keys_and_origin_access_identity(cfn, client):
    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    cfn.create_stack(
        StackName="cdn", TemplateBody=CDN, Parameters=[{"ParameterKey": "Pem", "ParameterValue": pem}]
    )
    stack = settled(cfn, "cdn")
    assert stack["StackStatus"] == "CREATE_COMPLETE", _failures(cfn, "cdn")
    out = outputs(stack)
    cloudfront = client("cloudfront")
    key = cloudfront.get_public_key(Id=out["Key"])["PublicKey"]
    assert key["PublicKeyConfig"]["Name"] == "signer"
    group = cloudfront.get_key_group(Id=out["Group"])["KeyGroup"]
    assert group["KeyGroupConfig"]["Items"] == [out["Key"]]
    identity = cloudfront.get_cloud_front_origin_access_identity(Id=out["Identity"])
    assert identity["CloudFrontOriginAccessIdentity"]["S3CanonicalUserId"] == out["Canonical"]

    cfn.delete_stack(StackName="cdn")
    cfn.get_waiter("stack_delete_complete").wait(StackName="cdn", WaiterConfig={"Delay": 1})
    assert out["Key"] not in {
        k["Id"] for k in cloudfront.list_public_keys()["PublicKeyList"].get("Items", [])
    }
