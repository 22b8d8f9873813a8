"""AWS::ApiGatewayV2::* written out resource by resource (as CDK and hand-written templates
do, rather than SAM's OpenAPI Body): Api, Integration, Route, Stage, Deployment, Authorizer;
their Ref and GetAtt values, an update in place, and deletion."""

from __future__ import annotations

import httpx
from conftest import outputs, reasons, settled

TEMPLATE = """
Parameters:
  Greeting: {Type: String, Default: hello}
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
      Environment: {Variables: {GREETING: !Ref Greeting}}
      Code:
        ZipFile: |
          import json, os
          def handler(event, context):
              return {"statusCode": 200, "body": json.dumps({"say": os.environ["GREETING"],
                                                             "route": event["routeKey"]})}
  Http:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: handmade, ProtocolType: HTTP, Tags: {team: web}}
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Http
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt Fn.Arn
      PayloadFormatVersion: "2.0"
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Http
      RouteKey: GET /ping
      Target: !Sub integrations/${Integration}
  Jwt:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Http
      Name: jwt
      AuthorizerType: JWT
      IdentitySource: [$request.header.Authorization]
      JwtConfiguration: {Audience: [app], Issuer: "https://issuer.example.com"}
  Default:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Http, StageName: $default, AutoDeploy: true}
  Snapshot:
    Type: AWS::ApiGatewayV2::Deployment
    DependsOn: Route
    Properties: {ApiId: !Ref Http, Description: first}
  Fixed:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Http, StageName: v1, DeploymentId: !Ref Snapshot}
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Http}/*
Outputs:
  Api: {Value: !Ref Http}
  ApiId: {Value: !GetAtt Http.ApiId}
  Endpoint: {Value: !GetAtt Http.ApiEndpoint}
  Integration: {Value: !Ref Integration}
  Route: {Value: !Ref Route}
  Authorizer: {Value: !Ref Jwt}
  Stage: {Value: !Ref Fixed}
  Deployment: {Value: !Ref Snapshot}
"""


def test_http_api_from_its_parts(cfn, client, endpoint):
    cfn.create_stack(StackName="v2", TemplateBody=TEMPLATE, Capabilities=["CAPABILITY_IAM"])
    stack = settled(cfn, "v2")
    assert stack["StackStatus"] == "CREATE_COMPLETE", [e for e in reasons(cfn, "v2") if "FAILED" in e[1]]
    out = outputs(stack)
    v2 = client("apigatewayv2")
    api = v2.get_api(ApiId=out["Api"])
    assert out["ApiId"] == out["Api"] and out["Endpoint"] == api["ApiEndpoint"]
    assert api["Name"] == "handmade" and api["Tags"]["team"] == "web"
    assert (
        v2.get_integration(ApiId=out["Api"], IntegrationId=out["Integration"])["IntegrationType"]
        == "AWS_PROXY"
    )
    route = v2.get_route(ApiId=out["Api"], RouteId=out["Route"])
    assert route["RouteKey"] == "GET /ping" and route["Target"] == f"integrations/{out['Integration']}"
    assert v2.get_authorizer(ApiId=out["Api"], AuthorizerId=out["Authorizer"])["AuthorizerType"] == "JWT"
    assert out["Stage"] == "v1"
    assert v2.get_stage(ApiId=out["Api"], StageName="v1")["DeploymentId"] == out["Deployment"]

    port = endpoint.rsplit(":", 1)[1]
    host = {"Host": f"{out['Api']}.execute-api.localhost:{port}"}
    answer = httpx.get(f"{endpoint}/ping", headers=host, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"say": "hello", "route": "GET /ping"}
    assert httpx.get(f"{endpoint}/v1/ping", headers=host, timeout=30).json()["route"] == "GET /ping"

    # An update in place: the route moves, the API and its id stay.
    changed = TEMPLATE.replace("RouteKey: GET /ping", "RouteKey: GET /pong")
    cfn.update_stack(StackName="v2", TemplateBody=changed, Capabilities=["CAPABILITY_IAM"])
    stack = settled(cfn, "v2")
    assert stack["StackStatus"] == "UPDATE_COMPLETE", [e for e in reasons(cfn, "v2") if "FAILED" in e[1]]
    assert outputs(stack)["Route"] == out["Route"]
    assert httpx.get(f"{endpoint}/pong", headers=host, timeout=30).json()["route"] == "GET /pong"
    assert httpx.get(f"{endpoint}/ping", headers=host, timeout=30).status_code == 404

    cfn.delete_stack(StackName="v2")
    cfn.get_waiter("stack_delete_complete").wait(StackName="v2", WaiterConfig={"Delay": 1})
    assert out["Api"] not in {item["ApiId"] for item in v2.get_apis()["Items"]}
