"""Ref and Fn::GetAtt of each resource type, read back through stack Outputs and checked against
the formats AWS's CloudFormation resource reference ("Return values") documents: names, ARNs,
URLs and ids. Also: a CloudFront distribution (and a key group) in a stack is updated in place,
its GetAtt values following the update."""

from __future__ import annotations

import io
import re
import time
import zipfile

from conftest import outputs, reasons, settled
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ACCOUNT = r"\d{12}"
REGION = r"[a-z]{2}(-[a-z]+)+-\d"

CORE = """
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  BucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {AWS: !Ref AWS::AccountId}, Action: s3:GetObject,
             Resource: !Sub "${Bucket.Arn}/*"}
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      BillingMode: PAY_PER_REQUEST
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Queue:
    Type: AWS::SQS::Queue
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: sns.amazonaws.com}, Action: sqs:SendMessage,
             Resource: !GetAtt Queue.Arn}
  Topic:
    Type: AWS::SNS::Topic
  Subscription:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Topic, Protocol: sqs, Endpoint: !GetAtt Queue.Arn}
  TopicPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Topic]
      PolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {AWS: !Ref AWS::AccountId}, Action: sns:Publish, Resource: !Ref Topic}
  Logs:
    Type: AWS::Logs::LogGroup
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Inline:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: inline
      Roles: [!Ref Role]
      PolicyDocument: {Statement: [{Effect: Allow, Action: sqs:*, Resource: "*"}]}
  Managed:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Roles: [!Ref Role]
      PolicyDocument: {Statement: [{Effect: Allow, Action: sns:*, Resource: "*"}]}
  Identity:
    Type: AWS::SES::EmailIdentity
    Properties: {EmailIdentity: returns.example.com}
  Mail:
    Type: AWS::SES::Template
    Properties:
      Template: {TemplateName: returns, SubjectPart: "Hi", TextPart: "Hello"}
Outputs:
  Bucket: {Value: !Ref Bucket}
  BucketArn: {Value: !GetAtt Bucket.Arn}
  BucketDomain: {Value: !GetAtt Bucket.DomainName}
  BucketDualStack: {Value: !GetAtt Bucket.DualStackDomainName}
  BucketRegional: {Value: !GetAtt Bucket.RegionalDomainName}
  BucketWebsite: {Value: !GetAtt Bucket.WebsiteURL}
  BucketPolicy: {Value: !Ref BucketPolicy}
  Table: {Value: !Ref Table}
  TableArn: {Value: !GetAtt Table.Arn}
  TableStream: {Value: !GetAtt Table.StreamArn}
  Queue: {Value: !Ref Queue}
  QueueArn: {Value: !GetAtt Queue.Arn}
  QueueName: {Value: !GetAtt Queue.QueueName}
  QueueUrl: {Value: !GetAtt Queue.QueueUrl}
  QueuePolicy: {Value: !Ref QueuePolicy}
  QueuePolicyId: {Value: !GetAtt QueuePolicy.Id}
  Topic: {Value: !Ref Topic}
  TopicArn: {Value: !GetAtt Topic.TopicArn}
  TopicName: {Value: !GetAtt Topic.TopicName}
  Subscription: {Value: !Ref Subscription}
  SubscriptionArn: {Value: !GetAtt Subscription.Arn}
  TopicPolicy: {Value: !Ref TopicPolicy}
  TopicPolicyId: {Value: !GetAtt TopicPolicy.Id}
  Logs: {Value: !Ref Logs}
  LogsArn: {Value: !GetAtt Logs.Arn}
  Role: {Value: !Ref Role}
  RoleArn: {Value: !GetAtt Role.Arn}
  RoleId: {Value: !GetAtt Role.RoleId}
  Inline: {Value: !Ref Inline}
  InlineId: {Value: !GetAtt Inline.Id}
  Managed: {Value: !Ref Managed}
  ManagedArn: {Value: !GetAtt Managed.PolicyArn}
  ManagedId: {Value: !GetAtt Managed.PolicyId}
  ManagedVersion: {Value: !GetAtt Managed.DefaultVersionId}
  ManagedAttachments: {Value: !GetAtt Managed.AttachmentCount}
  ManagedBoundaries: {Value: !GetAtt Managed.PermissionsBoundaryUsageCount}
  ManagedAttachable: {Value: !GetAtt Managed.IsAttachable}
  ManagedCreated: {Value: !GetAtt Managed.CreateDate}
  ManagedUpdated: {Value: !GetAtt Managed.UpdateDate}
  Identity: {Value: !Ref Identity}
  DkimName: {Value: !GetAtt Identity.DkimDNSTokenName1}
  DkimValue: {Value: !GetAtt Identity.DkimDNSTokenValue3}
  Mail: {Value: !Ref Mail}
  MailId: {Value: !GetAtt Mail.Id}
"""


def test_storage_messaging_iam_and_ses_return_values(cfn, deploy):
    stack = deploy("rv-core", CORE, Capabilities=["CAPABILITY_IAM"])
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons(cfn, "rv-core")
    out = outputs(stack)

    bucket = out["Bucket"]
    assert re.fullmatch(r"rv-core-bucket-[a-z0-9]{12}", bucket)
    assert out["BucketArn"] == f"arn:aws:s3:::{bucket}"
    assert out["BucketDomain"] == f"{bucket}.s3.amazonaws.com"
    assert re.fullmatch(rf"{bucket}\.s3\.dualstack\.{REGION}\.amazonaws\.com", out["BucketDualStack"])
    assert re.fullmatch(rf"{bucket}\.s3\.{REGION}\.amazonaws\.com", out["BucketRegional"])
    region = out["BucketRegional"].split(".")[2]
    separator = "-" if region in ("us-east-1", "us-west-1", "us-west-2", "eu-west-1") else "."
    assert out["BucketWebsite"] == f"http://{bucket}.s3-website{separator}{region}.amazonaws.com"
    assert out["BucketPolicy"] == bucket  # Ref: the bucket the policy is on

    table = out["Table"]
    assert re.fullmatch(rf"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}", out["TableArn"])
    assert re.fullmatch(rf"{re.escape(out['TableArn'])}/stream/\S+", out["TableStream"])

    name = out["QueueName"]
    assert out["Queue"] == out["QueueUrl"] and re.fullmatch(rf"https?://\S+/{ACCOUNT}/{name}", out["Queue"])
    assert re.fullmatch(rf"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}", out["QueueArn"])
    assert out["QueuePolicy"] == out["QueuePolicyId"] and out["QueuePolicy"]

    topic = out["Topic"]
    assert topic == out["TopicArn"] and topic.endswith(f":{out['TopicName']}")
    assert re.fullmatch(rf"arn:aws:sns:{REGION}:{ACCOUNT}:rv-core-Topic-\w+", topic)
    assert out["Subscription"] == out["SubscriptionArn"]
    assert re.fullmatch(rf"{re.escape(topic)}:[0-9a-f-]{{36}}", out["Subscription"])
    assert out["TopicPolicy"] == out["TopicPolicyId"] and out["TopicPolicy"]

    assert re.fullmatch(rf"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{re.escape(out['Logs'])}:\*", out["LogsArn"])

    role = out["Role"]
    assert re.fullmatch(rf"arn:aws:iam::{ACCOUNT}:role/{role}", out["RoleArn"])
    assert re.fullmatch(r"AROA[A-Z0-9]{17}", out["RoleId"])
    assert out["Inline"] == out["InlineId"] and out["Inline"].startswith("rv-core-")

    managed = out["Managed"]
    assert managed == out["ManagedArn"] and re.fullmatch(rf"arn:aws:iam::{ACCOUNT}:policy/\S+", managed)
    assert re.fullmatch(r"ANPA[A-Z0-9]{17}", out["ManagedId"])
    assert out["ManagedVersion"] == "v1" and out["ManagedAttachments"] == "1"
    assert out["ManagedBoundaries"] == "0" and out["ManagedAttachable"] == "true"
    for date in (out["ManagedCreated"], out["ManagedUpdated"]):  # ISO 8601, as IAM gives dates
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", date), date

    assert out["Identity"] == "returns.example.com"
    assert out["DkimName"].endswith("._domainkey.returns.example.com")
    assert out["DkimValue"].endswith(".dkim.amazonses.com")
    assert out["Mail"] == out["MailId"] == "returns"


FUNCTIONS = """
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
              return event
  Invoke:
    Type: AWS::Lambda::Permission
    Properties: {FunctionName: !Ref Fn, Action: lambda:InvokeFunction, Principal: sns.amazonaws.com}
  Version:
    Type: AWS::Lambda::Version
    Properties: {FunctionName: !Ref Fn}
  Live:
    Type: AWS::Lambda::Alias
    Properties: {FunctionName: !Ref Fn, FunctionVersion: !GetAtt Version.Version, Name: live}
  Async:
    Type: AWS::Lambda::EventInvokeConfig
    Properties: {FunctionName: !Ref Fn, Qualifier: $LATEST, MaximumRetryAttempts: 0}
  Web:
    Type: AWS::Lambda::Url
    Properties: {TargetFunctionArn: !GetAtt Fn.Arn, AuthType: NONE}
  Jobs:
    Type: AWS::SQS::Queue
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {FunctionName: !Ref Fn, EventSourceArn: !GetAtt Jobs.Arn, Enabled: false}
Outputs:
  Fn: {Value: !Ref Fn}
  FnArn: {Value: !GetAtt Fn.Arn}
  SnapApplyOn: {Value: !GetAtt Fn.SnapStartResponse.ApplyOn}
  SnapStatus: {Value: !GetAtt Fn.SnapStartResponse.OptimizationStatus}
  Invoke: {Value: !Ref Invoke}
  InvokeId: {Value: !GetAtt Invoke.Id}
  Version: {Value: !Ref Version}
  VersionArn: {Value: !GetAtt Version.FunctionArn}
  VersionNumber: {Value: !GetAtt Version.Version}
  Live: {Value: !Ref Live}
  LiveArn: {Value: !GetAtt Live.AliasArn}
  Async: {Value: !Ref Async}
  Web: {Value: !Ref Web}
  WebArn: {Value: !GetAtt Web.FunctionArn}
  WebUrl: {Value: !GetAtt Web.FunctionUrl}
  Mapping: {Value: !Ref Mapping}
  MappingId: {Value: !GetAtt Mapping.Id}
  MappingArn: {Value: !GetAtt Mapping.EventSourceMappingArn}
"""


def test_lambda_return_values(cfn, deploy, client):
    stack = deploy("rv-lambda", FUNCTIONS, Capabilities=["CAPABILITY_IAM"])
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons(cfn, "rv-lambda")
    out = outputs(stack)

    fn = out["Fn"]
    assert re.fullmatch(r"rv-lambda-Fn-[A-Z0-9]{12}", fn)
    function_arn = out["FnArn"]
    assert re.fullmatch(rf"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{fn}", function_arn)
    assert (out["SnapApplyOn"], out["SnapStatus"]) == ("None", "Off")  # no SnapStart configured

    assert out["Invoke"] == out["InvokeId"] and out["Invoke"].startswith("rv-lambda-Invoke-")

    # Ref and GetAtt FunctionArn: the version's ARN; GetAtt Version: its number
    assert out["Version"] == out["VersionArn"] == f"{function_arn}:1" and out["VersionNumber"] == "1"
    assert out["Live"] == out["LiveArn"] == f"{function_arn}:live"
    assert out["Async"]  # "a unique identifier for this resource"

    assert out["Web"] == out["WebArn"] == function_arn
    assert re.fullmatch(r"https?://\S+/", out["WebUrl"])

    assert out["Mapping"] == out["MappingId"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", out["Mapping"])
    assert re.fullmatch(
        rf"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:{out['Mapping']}", out["MappingArn"]
    )
    # the version's ARN names the published version
    found = client("lambda").get_function_configuration(FunctionName=out["VersionArn"])
    assert (found["FunctionArn"], found["Version"]) == (out["VersionArn"], "1")


APIS = """
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: returns}
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
      Integration: {Type: MOCK, RequestTemplates: {application/json: '{"statusCode": 200}'}}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Get
    Properties: {RestApiId: !Ref Api}
  Prod:
    Type: AWS::ApiGateway::Stage
    Properties: {RestApiId: !Ref Api, DeploymentId: !Ref Deployment, StageName: prod}
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Enabled: true}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    DependsOn: Prod
    Properties:
      ApiStages: [{ApiId: !Ref Api, Stage: prod}]
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
  Http:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: returns-http, ProtocolType: HTTP}
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Http
      IntegrationType: HTTP_PROXY
      IntegrationMethod: GET
      IntegrationUri: https://example.com
      PayloadFormatVersion: "1.0"
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Http, RouteKey: GET /ping, Target: !Sub "integrations/${Integration}"}
  Jwt:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Http
      Name: jwt
      AuthorizerType: JWT
      IdentitySource: [$request.header.Authorization]
      JwtConfiguration: {Audience: [app], Issuer: "https://issuer.example.com"}
  Snapshot:
    Type: AWS::ApiGatewayV2::Deployment
    DependsOn: Route
    Properties: {ApiId: !Ref Http}
  V1:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Http, StageName: v1, DeploymentId: !Ref Snapshot}
  Control:
    Type: AWS::CloudFront::OriginAccessControl
    Properties:
      OriginAccessControlConfig:
        Name: returns-oac
        OriginAccessControlOriginType: s3
        SigningBehavior: always
        SigningProtocol: sigv4
  Identity:
    Type: AWS::CloudFront::CloudFrontOriginAccessIdentity
    Properties:
      CloudFrontOriginAccessIdentityConfig: {Comment: returns}
Outputs:
  Api: {Value: !Ref Api}
  ApiId: {Value: !GetAtt Api.RestApiId}
  Root: {Value: !GetAtt Api.RootResourceId}
  Hello: {Value: !Ref Hello}
  HelloId: {Value: !GetAtt Hello.ResourceId}
  Get: {Value: !Ref Get}
  Deployment: {Value: !Ref Deployment}
  DeploymentId: {Value: !GetAtt Deployment.DeploymentId}
  Prod: {Value: !Ref Prod}
  Key: {Value: !Ref Key}
  KeyId: {Value: !GetAtt Key.APIKeyId}
  Plan: {Value: !Ref Plan}
  PlanId: {Value: !GetAtt Plan.Id}
  PlanKey: {Value: !Ref PlanKey}
  PlanKeyId: {Value: !GetAtt PlanKey.Id}
  Http: {Value: !Ref Http}
  HttpId: {Value: !GetAtt Http.ApiId}
  HttpEndpoint: {Value: !GetAtt Http.ApiEndpoint}
  Integration: {Value: !Ref Integration}
  IntegrationId: {Value: !GetAtt Integration.IntegrationId}
  Route: {Value: !Ref Route}
  RouteId: {Value: !GetAtt Route.RouteId}
  Jwt: {Value: !Ref Jwt}
  JwtId: {Value: !GetAtt Jwt.AuthorizerId}
  Snapshot: {Value: !Ref Snapshot}
  SnapshotId: {Value: !GetAtt Snapshot.DeploymentId}
  V1: {Value: !Ref V1}
  Control: {Value: !Ref Control}
  ControlId: {Value: !GetAtt Control.Id}
  Identity: {Value: !Ref Identity}
  IdentityId: {Value: !GetAtt Identity.Id}
  CanonicalUser: {Value: !GetAtt Identity.S3CanonicalUserId}
"""

ID = r"[a-z0-9]{6,10}"  # API Gateway ids: RestApi 10 characters, resources 6


def test_api_gateway_and_cloudfront_return_values(cfn, deploy, client):
    stack = deploy("rv-apis", APIS)
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons(cfn, "rv-apis")
    out = outputs(stack)

    api = out["Api"]
    assert api == out["ApiId"] and re.fullmatch(ID, api)
    assert re.fullmatch(ID, out["Root"]) and out["Root"] != out["Hello"]
    assert out["Hello"] == out["HelloId"] and re.fullmatch(ID, out["Hello"])
    assert out["Get"].startswith("rv-apis-Get-")  # "the method ID, such as mysta-metho-01234b567890example"
    assert out["Deployment"] == out["DeploymentId"] and re.fullmatch(ID, out["Deployment"])
    assert out["Prod"] == "prod"
    assert out["Key"] == out["KeyId"] and out["Key"]
    assert out["Plan"] == out["PlanId"] and out["Plan"]
    # "the ID of the key and ID of the usage plan combined with a ':'"; GetAtt Id, the type's
    # primary identifier, is the same value
    assert out["PlanKey"] == out["PlanKeyId"] == f"{out['Key']}:{out['Plan']}"
    keys = client("apigateway").get_usage_plan_keys(usagePlanId=out["Plan"])["items"]
    assert [key["id"] for key in keys] == [out["Key"]]

    http = out["Http"]
    assert http == out["HttpId"] and re.fullmatch(ID, http)
    assert re.fullmatch(rf"https?://{http}\.\S+", out["HttpEndpoint"])
    for name, attribute in (("Integration", "IntegrationId"), ("Route", "RouteId"), ("Jwt", "JwtId"),
                            ("Snapshot", "SnapshotId")):
        assert out[name] == out[attribute] and re.fullmatch(r"[a-z0-9]+", out[name]), name
    assert out["V1"] == "v1"

    assert out["Control"] == out["ControlId"] and re.fullmatch(r"E[A-Z0-9]+", out["Control"])
    assert out["Identity"] == out["IdentityId"] and re.fullmatch(r"E[A-Z0-9]+", out["Identity"])
    assert re.fullmatch(r"[0-9a-f]{96}", out["CanonicalUser"])


DISTRIBUTION = """
Resources:
  Site:
    Type: AWS::S3::Bucket
  Cdn:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Comment: COMMENT
        Enabled: true
        DefaultRootObject: ROOT
        Origins:
          - Id: site
            DomainName: !GetAtt Site.RegionalDomainName
            S3OriginConfig: {OriginAccessIdentity: ""}
        DefaultCacheBehavior:
          TargetOriginId: site
          ViewerProtocolPolicy: allow-all
          CachePolicyId: 658327ea-f89d-4fab-a63d-7e88639e58f6
Outputs:
  Cdn: {Value: !Ref Cdn}
  CdnId: {Value: !GetAtt Cdn.Id}
  Domain: {Value: !GetAtt Cdn.DomainName}
"""


def test_distribution_return_values_and_update_in_place(cfn, deploy, client):
    first = DISTRIBUTION.replace("COMMENT", "first").replace("ROOT", "index.html")
    stack = deploy("rv-cdn", first)
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons(cfn, "rv-cdn")
    out = outputs(stack)
    distribution = out["Cdn"]
    assert distribution == out["CdnId"] and re.fullmatch(r"E[A-Z0-9]+", distribution)
    assert re.fullmatch(r"[a-z0-9]+\.cloudfront\.net", out["Domain"])

    second = DISTRIBUTION.replace("COMMENT", "second").replace("ROOT", "home.html")
    cfn.update_stack(StackName="rv-cdn", TemplateBody=second)
    updated = settled(cfn, "rv-cdn")
    assert updated["StackStatus"] == "UPDATE_COMPLETE", reasons(cfn, "rv-cdn")
    assert outputs(updated) == out  # same distribution: updated in place, not replaced

    cloudfront = client("cloudfront")
    config = cloudfront.get_distribution_config(Id=distribution)["DistributionConfig"]
    assert (config["Comment"], config["DefaultRootObject"]) == ("second", "home.html")
    assert [d["Id"] for d in cloudfront.list_distributions()["DistributionList"].get("Items", [])].count(
        distribution
    ) == 1
    statuses = [status for logical, status, _ in reasons(cfn, "rv-cdn") if logical == "Cdn"]
    assert "UPDATE_COMPLETE" in statuses and statuses.count("CREATE_COMPLETE") == 1


KEYS_AND_LAYERS = """
Parameters:
  Pem: {Type: String}
  GroupComment: {Type: String, Default: first}
Resources:
  Layer:
    Type: AWS::Lambda::LayerVersion
    Properties:
      Content: {S3Bucket: rv-layer-code, S3Key: layer.zip}
      CompatibleRuntimes: [python3.11]
  Signer:
    Type: AWS::CloudFront::PublicKey
    Properties:
      PublicKeyConfig: {CallerReference: rv-signer, Name: rv-signer, EncodedKey: !Ref Pem}
  Signers:
    Type: AWS::CloudFront::KeyGroup
    Properties:
      KeyGroupConfig: {Name: rv-signers, Comment: !Ref GroupComment, Items: [!Ref Signer]}
Outputs:
  Layer: {Value: !Ref Layer}
  LayerArn: {Value: !GetAtt Layer.LayerVersionArn}
  Signer: {Value: !Ref Signer}
  SignerId: {Value: !GetAtt Signer.Id}
  SignerCreated: {Value: !GetAtt Signer.CreatedTime}
  Signers: {Value: !Ref Signers}
  SignersId: {Value: !GetAtt Signers.Id}
  SignersModified: {Value: !GetAtt Signers.LastModifiedTime}
"""


def test_layer_public_key_and_key_group_return_values(cfn, deploy, client):
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("python/words.py", "WORD = 'layer'\n")
    s3 = client("s3")
    s3.create_bucket(Bucket="rv-layer-code")
    s3.put_object(Bucket="rv-layer-code", Key="layer.zip", Body=code.getvalue())
    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    parameters = [{"ParameterKey": "Pem", "ParameterValue": pem}]
    stack = deploy("rv-keys", KEYS_AND_LAYERS, Parameters=parameters)
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons(cfn, "rv-keys")
    out = outputs(stack)

    assert out["Layer"] == out["LayerArn"]
    assert re.fullmatch(rf"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:rv-keys-Layer-\w+:1", out["Layer"])
    assert out["Signer"] == out["SignerId"] and re.fullmatch(r"K[A-Z0-9]+", out["Signer"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", out["SignerCreated"])
    assert out["Signers"] == out["SignersId"] and re.fullmatch(r"[0-9a-f-]{36}", out["Signers"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", out["SignersModified"])

    time.sleep(1.1)  # LastModifiedTime has second resolution
    cfn.update_stack(
        StackName="rv-keys",
        TemplateBody=KEYS_AND_LAYERS,
        Parameters=[*parameters, {"ParameterKey": "GroupComment", "ParameterValue": "second"}],
    )
    updated = settled(cfn, "rv-keys")
    assert updated["StackStatus"] == "UPDATE_COMPLETE", reasons(cfn, "rv-keys")
    after = outputs(updated)
    assert after["Signers"] == out["Signers"]  # updated in place
    assert after["SignersModified"] != out["SignersModified"]  # GetAtt follows the update
