"""A WebSocket API from a CloudFormation template (Api, Integration, Routes, RouteResponse,
IntegrationResponse, Stage, Lambda permission), then a real WebSocket client talking to it."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from conftest import outputs, reasons
from websockets.sync.client import connect

TEMPLATE = """
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Echo:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          import json
          def handler(event, context):
              rc = event["requestContext"]
              if rc["eventType"] != "MESSAGE":
                  return {"statusCode": 200}
              return {"statusCode": 200, "body": json.dumps({"route": rc["routeKey"], "got": event["body"]})}
  Chat:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: cfn-chat
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: $request.body.action
  Backend:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Chat
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Echo.Arn}/invocations
  BackendResponse:
    Type: AWS::ApiGatewayV2::IntegrationResponse
    Properties:
      ApiId: !Ref Chat
      IntegrationId: !Ref Backend
      IntegrationResponseKey: $default
  Connect:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Chat, RouteKey: $connect, Target: !Sub "integrations/${Backend}"}
  Send:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Chat
      RouteKey: send
      Target: !Sub "integrations/${Backend}"
      RouteResponseSelectionExpression: $default
  SendResponse:
    Type: AWS::ApiGatewayV2::RouteResponse
    Properties: {ApiId: !Ref Chat, RouteId: !Ref Send, RouteResponseKey: $default}
  Prod:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Chat, StageName: prod, AutoDeploy: true}
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Echo
      Action: lambda:InvokeFunction
      Principal: apigateway.amazonaws.com
      SourceArn: !Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Chat}/*
Outputs:
  ApiId: {Value: !Ref Chat}
  Endpoint: {Value: !GetAtt Chat.ApiEndpoint}
  SendResponse: {Value: !Ref SendResponse}
  SendResponseId: {Value: !GetAtt SendResponse.RouteResponseId}
  BackendResponse: {Value: !Ref BackendResponse}
"""


def test_websocket_api_stack(cfn, deploy, client, endpoint):
    stack = deploy("ws-chat", TEMPLATE, Capabilities=["CAPABILITY_IAM"])
    assert stack["StackStatus"] == "CREATE_COMPLETE", reasons(cfn, "ws-chat")
    out = outputs(stack)
    assert out["Endpoint"].startswith(f"ws://{out['ApiId']}.execute-api.")
    assert out["SendResponse"] == out["SendResponseId"]
    apigw = client("apigatewayv2")
    send = next(r for r in apigw.get_routes(ApiId=out["ApiId"])["Items"] if r["RouteKey"] == "send")
    responses = apigw.get_route_responses(ApiId=out["ApiId"], RouteId=send["RouteId"])["Items"]
    assert [r["RouteResponseId"] for r in responses] == [out["SendResponse"]]

    port = urlsplit(endpoint).port
    with connect(f"ws://127.0.0.1:{port}/_aws/execute-api/{out['ApiId']}/prod") as ws:
        ws.send(json.dumps({"action": "send", "text": "hi"}))
        assert json.loads(ws.recv(timeout=15)) == {"route": "send", "got": '{"action": "send", "text": "hi"}'}

    cfn.delete_stack(StackName="ws-chat")
    assert out["ApiId"] not in {api["ApiId"] for api in apigw.get_apis()["Items"]}
