"""Each resource type deployed by a template, checked through its own service's API."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from conftest import outputs, reasons, settled

from cloudlet.testing.packages import zip_files as zipped

STORAGE = """
Resources:
  Inbox:
    Type: AWS::SQS::Queue
  InboxPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Inbox]
      PolicyDocument:
        Version: 2012-10-17
        Statement:
          - {Effect: Allow, Principal: {Service: s3.amazonaws.com}, Action: sqs:SendMessage, Resource: !GetAtt Inbox.Arn}
  Site:
    Type: AWS::S3::Bucket
    DependsOn: InboxPolicy
    Properties:
      VersioningConfiguration: {Status: Enabled}
      WebsiteConfiguration: {IndexDocument: index.html, ErrorDocument: error.html}
      CorsConfiguration:
        CorsRules: [{AllowedMethods: [GET], AllowedOrigins: ["*"], MaxAge: 300, Id: web}]
      LifecycleConfiguration:
        Rules: [{Id: old, Status: Enabled, Prefix: tmp/, ExpirationInDays: 7}]
      NotificationConfiguration:
        QueueConfigurations:
          - Event: s3:ObjectCreated:*
            Queue: !GetAtt Inbox.Arn
            Filter: {S3Key: {Rules: [{Name: prefix, Value: uploads/}]}}
  SitePolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Site
      PolicyDocument:
        Statement:
          - {Effect: Allow, Principal: "*", Action: s3:GetObject, Resource: !Sub "${Site.Arn}/*"}
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
        - {AttributeName: sk, AttributeType: S}
        - {AttributeName: email, AttributeType: S}
      KeySchema: [{AttributeName: pk, KeyType: HASH}, {AttributeName: sk, KeyType: RANGE}]
      BillingMode: PAY_PER_REQUEST
      GlobalSecondaryIndexes:
        - {IndexName: byEmail, KeySchema: [{AttributeName: email, KeyType: HASH}], Projection: {ProjectionType: ALL}}
      LocalSecondaryIndexes:
        - IndexName: byEmailLocal
          KeySchema: [{AttributeName: pk, KeyType: HASH}, {AttributeName: email, KeyType: RANGE}]
          Projection: {ProjectionType: KEYS_ONLY}
      StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
      TimeToLiveSpecification: {AttributeName: expires, Enabled: true}
  Topic:
    Type: AWS::SNS::Topic
    Properties: {DisplayName: news, Subscription: [{Protocol: sqs, Endpoint: !GetAtt Inbox.Arn}]}
  TopicPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Topic]
      PolicyDocument: {Statement: [{Effect: Allow, Principal: "*", Action: sns:Publish, Resource: !Ref Topic}]}
Outputs:
  Bucket: {Value: !Ref Site}
  Website: {Value: !GetAtt Site.WebsiteURL}
  Domain: {Value: !GetAtt Site.RegionalDomainName}
  Queue: {Value: !Ref Inbox}
  Table: {Value: !Ref Table}
  Stream: {Value: !GetAtt Table.StreamArn}
  Topic: {Value: !Ref Topic}
  TopicName: {Value: !GetAtt Topic.TopicName}
"""


@pytest.fixture(scope="module")
def storage(deploy):
    stack = deploy("storage", STORAGE)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    return outputs(stack)


def test_bucket_settings_and_notifications(storage, client):
    s3, bucket = client("s3"), storage["Bucket"]
    assert storage["Website"] == f"http://{bucket}.s3-website-us-east-1.amazonaws.com"
    assert storage["Domain"] == f"{bucket}.s3.us-east-1.amazonaws.com"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_bucket_website(Bucket=bucket)["IndexDocument"] == {"Suffix": "index.html"}
    rule = s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]
    assert rule["MaxAgeSeconds"] == 300 and rule["ID"] == "web"
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]
    assert lifecycle["Expiration"] == {"Days": 7} and lifecycle["ID"] == "old"
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert policy["Statement"][0]["Resource"] == f"arn:aws:s3:::{bucket}/*"
    s3.put_object(Bucket=bucket, Key="uploads/a.txt", Body=b"x")
    sqs = client("sqs")
    records = []
    for _ in range(10):
        for message in sqs.receive_message(QueueUrl=storage["Queue"], WaitTimeSeconds=1).get("Messages", []):
            body = json.loads(message["Body"])
            records += [r["s3"]["object"]["key"] for r in body.get("Records", [])]
        if records:
            break
    assert records == ["uploads/a.txt"]


def test_table_indexes_stream_ttl(storage, client):
    ddb = client("dynamodb")
    table = ddb.describe_table(TableName=storage["Table"])["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["byEmail"]
    assert [i["IndexName"] for i in table["LocalSecondaryIndexes"]] == ["byEmailLocal"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["LatestStreamArn"] == storage["Stream"]
    ttl = ddb.describe_time_to_live(TableName=storage["Table"])["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}


def test_topic_subscription_and_policy(storage, client):
    sns = client("sns")
    attributes = sns.get_topic_attributes(TopicArn=storage["Topic"])["Attributes"]
    assert attributes["DisplayName"] == "news"
    assert json.loads(attributes["Policy"])["Statement"][0]["Action"] == "sns:Publish"
    assert storage["Topic"].endswith(":" + storage["TopicName"])
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=storage["Topic"])["Subscriptions"]
    assert [s["Protocol"] for s in subscriptions] == ["sqs"]


def test_update_table_and_bucket(cfn, storage, client):
    body = (
        STORAGE.replace("      TimeToLiveSpecification: {AttributeName: expires, Enabled: true}\n", "")
        .replace(
            "      VersioningConfiguration: {Status: Enabled}\n",
            "      VersioningConfiguration: {Status: Suspended}\n",
        )
        .replace("        - {IndexName: byEmail,", "        - {IndexName: byMail,")
    )
    cfn.update_stack(StackName="storage", TemplateBody=body)
    stack = settled(cfn, "storage")
    assert stack["StackStatus"] == "UPDATE_COMPLETE", [e for e in reasons(cfn, "storage") if "FAILED" in e[1]]
    ddb = client("dynamodb")
    table = ddb.describe_table(TableName=storage["Table"])["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["byMail"]
    assert ddb.describe_time_to_live(TableName=storage["Table"])["TimeToLiveDescription"][
        "TimeToLiveStatus"
    ] in ("DISABLED", "DISABLING")
    assert client("s3").get_bucket_versioning(Bucket=storage["Bucket"])["Status"] == "Suspended"


def test_delete_stack_with_a_full_bucket_fails_then_succeeds(cfn, storage, client):
    s3 = client("s3")
    s3.put_object(Bucket=storage["Bucket"], Key="left/behind.txt", Body=b"x")
    cfn.delete_stack(StackName="storage")
    stack = settled(cfn, "storage")
    assert stack["StackStatus"] == "DELETE_FAILED"  # S3 refuses to delete a bucket with objects
    assert any(
        e[0] == "Site" and e[1] == "DELETE_FAILED" and "not empty" in e[2] for e in reasons(cfn, "storage")
    )
    for version in s3.list_object_versions(Bucket=storage["Bucket"]).get("Versions", []):
        s3.delete_object(Bucket=storage["Bucket"], Key=version["Key"], VersionId=version["VersionId"])
    for marker in s3.list_object_versions(Bucket=storage["Bucket"]).get("DeleteMarkers", []):
        s3.delete_object(Bucket=storage["Bucket"], Key=marker["Key"], VersionId=marker["VersionId"])
    cfn.delete_stack(StackName="storage")
    assert settled(cfn, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    with pytest.raises(ClientError):
        s3.head_bucket(Bucket=storage["Bucket"])
    with pytest.raises(ClientError):
        client("dynamodb").describe_table(TableName=storage["Table"])


FUNCTIONS = """
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
      Policies: [{PolicyName: all, PolicyDocument: {Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}}]
  Managed:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Roles: [!Ref Role]
      PolicyDocument: {Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]}
  Inline:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref Role]
      PolicyDocument: {Statement: [{Effect: Allow, Action: "sqs:*", Resource: "*"}]}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Environment: {Variables: {WHO: inline}}
      Code:
        ZipFile: |
          import os
          def handler(event, context):
              return {"who": os.environ["WHO"], "got": event}
  FromS3:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      Role: !GetAtt Role.Arn
      Code: {S3Bucket: code-bucket, S3Key: app.zip}
  Version:
    Type: AWS::Lambda::Version
    Properties: {FunctionName: !Ref Fn, Description: v1}
  Live:
    Type: AWS::Lambda::Alias
    Properties: {FunctionName: !Ref Fn, FunctionVersion: !GetAtt Version.Version, Name: live}
  Invoke:
    Type: AWS::Lambda::Permission
    Properties: {FunctionName: !Ref Fn, Action: lambda:InvokeFunction, Principal: sns.amazonaws.com}
  Jobs:
    Type: AWS::SQS::Queue
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {FunctionName: !Ref FromS3, EventSourceArn: !GetAtt Jobs.Arn, BatchSize: 5, Enabled: false}
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: !Sub "/aws/lambda/${Fn}", RetentionInDays: 7}
  Identity:
    Type: AWS::SES::EmailIdentity
    Properties: {EmailIdentity: example.com}
  Welcome:
    Type: AWS::SES::Template
    Properties:
      Template: {TemplateName: welcome, SubjectPart: "Hi {{name}}", TextPart: "Welcome {{name}}"}
Outputs:
  Fn: {Value: !Ref Fn}
  FnArn: {Value: !GetAtt Fn.Arn}
  FromS3: {Value: !Ref FromS3}
  RoleArn: {Value: !GetAtt Role.Arn}
  RoleName: {Value: !Ref Role}
  PolicyArn: {Value: !Ref Managed}
  VersionArn: {Value: !Ref Version}
  AliasArn: {Value: !Ref Live}
  Mapping: {Value: !Ref Mapping}
  LogGroupArn: {Value: !GetAtt Logs.Arn}
  Dkim: {Value: !GetAtt Identity.DkimDNSTokenName1}
"""


@pytest.fixture(scope="module")
def functions(client, deploy):
    s3 = client("s3")
    s3.create_bucket(Bucket="code-bucket")
    s3.put_object(
        Bucket="code-bucket",
        Key="app.zip",
        Body=zipped({"app.py": "def handler(event, context):\n    return 'from s3'\n"}),
    )
    stack = deploy("functions", FUNCTIONS, Capabilities=["CAPABILITY_IAM"])
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    return outputs(stack)


def test_functions_run(functions, client):
    lam = client("lambda")
    reply = lam.invoke(FunctionName=functions["Fn"], Payload=b'{"a": 1}')
    assert json.loads(reply["Payload"].read()) == {"who": "inline", "got": {"a": 1}}
    reply = lam.invoke(FunctionName=functions["FromS3"], Payload=b"{}")
    assert json.loads(reply["Payload"].read()) == "from s3"
    config = lam.get_function_configuration(FunctionName=functions["Fn"])
    assert config["Role"] == functions["RoleArn"] and config["FunctionArn"] == functions["FnArn"]
    assert functions["RoleArn"] == f"arn:aws:iam::000000000000:role/{functions['RoleName']}"
    assert functions["PolicyArn"].startswith("arn:aws:iam::000000000000:policy/functions-Managed-")


def test_versions_aliases_permissions_mappings(functions, client):
    lam = client("lambda")
    assert functions["VersionArn"] == functions["FnArn"] + ":1"
    alias = lam.get_alias(FunctionName=functions["Fn"], Name="live")
    assert alias["FunctionVersion"] == "1" and alias["AliasArn"] == functions["AliasArn"]
    statement = json.loads(lam.get_policy(FunctionName=functions["Fn"])["Policy"])["Statement"][0]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    mapping = lam.get_event_source_mapping(UUID=functions["Mapping"])
    assert mapping["BatchSize"] == 5 and mapping["State"] in ("Disabled", "Disabling")


def test_logs_and_ses(functions, client):
    groups = client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{functions['Fn']}")[
        "logGroups"
    ]
    assert [g.get("retentionInDays") for g in groups] == [7]
    assert (
        functions["LogGroupArn"]
        == f"arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/{functions['Fn']}:*"
    )
    assert client("sesv2").get_email_identity(EmailIdentity="example.com")["IdentityType"] == "DOMAIN"
    assert functions["Dkim"].endswith("._domainkey.example.com")
    assert client("ses").get_template(TemplateName="welcome")["Template"]["SubjectPart"] == "Hi {{name}}"


def test_update_function_and_delete_everything(cfn, functions, client):
    body = FUNCTIONS.replace("WHO: inline", "WHO: updated").replace('"Hi {{name}}"', '"Hello {{name}}"')
    cfn.update_stack(StackName="functions", TemplateBody=body, Capabilities=["CAPABILITY_IAM"])
    stack = settled(cfn, "functions")
    assert stack["StackStatus"] == "UPDATE_COMPLETE", [
        e for e in reasons(cfn, "functions") if "FAILED" in e[1]
    ]
    lam = client("lambda")
    reply = lam.invoke(FunctionName=functions["Fn"], Payload=b"{}")
    assert json.loads(reply["Payload"].read())["who"] == "updated"
    assert client("ses").get_template(TemplateName="welcome")["Template"]["SubjectPart"] == "Hello {{name}}"
    cfn.delete_stack(StackName="functions")
    assert settled(cfn, stack["StackId"])["StackStatus"] == "DELETE_COMPLETE"
    with pytest.raises(ClientError):
        lam.get_function(FunctionName=functions["Fn"])
    assert lam.list_event_source_mappings().get("EventSourceMappings", []) == []
    # The template's group went; the one Lambda made itself for FromS3's logs stays, as on AWS.
    groups = client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{functions['Fn']}")[
        "logGroups"
    ]
    assert groups == []
