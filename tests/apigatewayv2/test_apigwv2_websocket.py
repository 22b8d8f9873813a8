"""WebSocket APIs end to end: boto3 builds the API, the `websockets` library connects, a Lambda
function (recording every event it gets in S3) answers and pushes back through boto3's
apigatewaymanagementapi client. Last, a connection ends with its server: after a restart
(graceful or a crash) it is gone and its $disconnect route has run."""

from __future__ import annotations

import io
import json
import shutil
import socket
import time
import zipfile
from urllib.parse import urlsplit

import botocore.exceptions
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server

BUCKET = "ws-events"

# Records each event under EVENTTYPE/CONNECTIONID/REQUESTID; answers by the message's action.
HANDLER = """
import json, os, boto3

s3 = boto3.client("s3")

def handler(event, context):
    rc = event["requestContext"]
    s3.put_object(Bucket="ws-events", Key=f"{rc['eventType']}/{rc['connectionId']}/{rc['requestId']}",
                  Body=json.dumps(event))
    query = event.get("queryStringParameters") or {}
    if rc["eventType"] == "CONNECT":
        if query.get("deny"):
            return {"statusCode": 403}
        if query.get("protocol"):
            return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": query["protocol"]}}
        return {"statusCode": 200}
    if rc["eventType"] != "MESSAGE":
        return {"statusCode": 200}
    try:
        message = json.loads(event["body"])
    except ValueError:
        message = {}
    action = message.get("action") if isinstance(message, dict) else None
    if action == "push":
        endpoint = "http://" + rc["domainName"] + "/" + rc["stage"]
        client = boto3.client("apigatewaymanagementapi", endpoint_url=endpoint)
        client.post_to_connection(ConnectionId=rc["connectionId"], Data=message["data"].encode())
        return {"statusCode": 200}
    if action == "whoami":
        return {"statusCode": 200, "body": json.dumps({"connectionId": rc["connectionId"],
                                                        "authorizer": rc.get("authorizer")})}
    if action == "fail":
        raise RuntimeError("the handler failed")
    return {"statusCode": 200, "body": "echo:" + event["body"]}
"""

AUTHORIZER = """
def handler(event, context):
    token = event["queryStringParameters"]["token"]
    effect = "Allow" if token == "good" else "Deny"
    return {
        "principalId": "user-" + token,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]},
        "context": {"tier": "gold"},
    }
"""


@pytest.fixture(scope="module")
def s3(client):
    s3 = client("s3")
    s3.create_bucket(Bucket=BUCKET)
    return s3


@pytest.fixture(scope="module")
def port(endpoint):
    return urlsplit(endpoint).port


@pytest.fixture(scope="module")
def backend(function, s3):
    return function("ws-backend", HANDLER, Timeout=10)


def build_api(apigw, backend, routes=("$connect", "$disconnect", "$default", "push", "whoami", "fail"),
              two_way=("$default", "whoami", "fail")):
    api = apigw.create_api(Name="chat", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action")
    api_id = api["ApiId"]
    integration = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=backend)
    for key in routes:
        extra = {"RouteResponseSelectionExpression": "$default"} if key in two_way else {}
        route = apigw.create_route(
            ApiId=api_id, RouteKey=key, Target=f"integrations/{integration['IntegrationId']}", **extra
        )
        if key in two_way:
            apigw.create_route_response(ApiId=api_id, RouteId=route["RouteId"], RouteResponseKey="$default")
    apigw.create_stage(ApiId=api_id, StageName="prod", AutoDeploy=True)
    return api


@pytest.fixture(scope="module")
def chat(apigw, backend):
    return build_api(apigw, backend)


def path_url(port, api_id, stage="prod", query=""):
    return f"ws://127.0.0.1:{port}/_aws/execute-api/{api_id}/{stage}" + (f"?{query}" if query else "")


def host_connect(port, api_id, stage="prod", **kwargs):
    """Connects by the API's host name, which the test machine's resolver may not know."""
    sock = socket.create_connection(("127.0.0.1", port))
    return connect(f"ws://{api_id}.execute-api.localhost:{port}/{stage}", sock=sock, **kwargs)


def management(endpoint, api_id, stage="prod"):
    """The @connections API at the stage's URL, as a backend builds it from its event."""
    return make_client(f"{endpoint}/_aws/execute-api/{api_id}/{stage}", "apigatewaymanagementapi")


def recorded(s3, event_type, connection_id, timeout=10.0):
    """The events of one type the function recorded for a connection (waiting for the first)."""
    deadline = time.monotonic() + timeout
    while True:
        listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{event_type}/{connection_id}/")
        keys = [item["Key"] for item in listing.get("Contents", [])]
        if keys or time.monotonic() > deadline:
            return [json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()) for key in keys]
        time.sleep(0.05)


def whoami(ws):
    ws.send(json.dumps({"action": "whoami"}))
    return json.loads(ws.recv(timeout=10))


# -- control plane -------------------------------------------------------------------------------


def test_websocket_api_shape(apigw, chat, port):
    got = apigw.get_api(ApiId=chat["ApiId"])
    assert got["ProtocolType"] == "WEBSOCKET"
    assert got["RouteSelectionExpression"] == "$request.body.action"
    assert got["ApiKeySelectionExpression"] == "$request.header.x-api-key"
    assert got["ApiEndpoint"] == f"ws://{chat['ApiId']}.execute-api.localhost:{port}"
    keys = {route["RouteKey"] for route in apigw.get_routes(ApiId=chat["ApiId"])["Items"]}
    assert keys == {"$connect", "$disconnect", "$default", "push", "whoami", "fail"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {},  # no route selection expression
        {"RouteSelectionExpression": "$request.body.action", "CorsConfiguration": {"AllowOrigins": ["*"]}},
        {"RouteSelectionExpression": "$request.body.action", "Target": "http://example.com"},
    ],
)
def test_create_websocket_api_refuses(apigw, kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        apigw.create_api(Name="bad", ProtocolType="WEBSOCKET", **kwargs)
    assert caught.value.response["Error"]["Code"] == "BadRequestException"


def test_route_rules(apigw, chat):
    api_id = chat["ApiId"]
    for kwargs in (
        {"RouteKey": "$nope"},
        {"RouteKey": "send", "AuthorizationType": "AWS_IAM"},  # authorization only on $connect
        {"RouteKey": "send", "AuthorizationType": "JWT"},
    ):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            apigw.create_route(ApiId=api_id, **kwargs)
        assert caught.value.response["Error"]["Code"] == "BadRequestException", kwargs
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        apigw.create_route(ApiId=api_id, RouteKey="push")
    assert caught.value.response["Error"]["Code"] == "ConflictException"


def test_integration_and_authorizer_rules(apigw, chat, backend):
    api_id = chat["ApiId"]
    mock = apigw.create_integration(ApiId=api_id, IntegrationType="MOCK")
    assert mock["PayloadFormatVersion"] == "1.0" and mock["TimeoutInMillis"] == 29000
    for kwargs in (
        {"IntegrationType": "AWS_PROXY", "IntegrationUri": backend, "PayloadFormatVersion": "2.0"},
        {"IntegrationType": "AWS_PROXY", "IntegrationUri": backend, "TimeoutInMillis": 30000},
        {"IntegrationType": "HTTP_PROXY", "IntegrationUri": "ftp://example.com"},
        {"IntegrationType": "VPC_LINK", "IntegrationUri": backend},
    ):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            apigw.create_integration(ApiId=api_id, **kwargs)
        assert caught.value.response["Error"]["Code"] == "BadRequestException", kwargs
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        apigw.create_authorizer(ApiId=api_id, Name="jwt", AuthorizerType="JWT",
                                IdentitySource=["route.request.header.Authorization"],
                                JwtConfiguration={"Issuer": "https://x", "Audience": ["a"]})
    assert caught.value.response["Error"]["Code"] == "BadRequestException"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        apigw.create_authorizer(ApiId=api_id, Name="lam", AuthorizerType="REQUEST",
                                AuthorizerUri=backend, IdentitySource=["$request.header.Auth"])
    assert caught.value.response["Error"]["Code"] == "BadRequestException"


def test_openapi_export_and_reimport_are_http_only(apigw, chat):
    body = '{"openapi": "3.0.1", "info": {"title": "x", "version": "1"}, "paths": {}}'
    for call in (
        lambda: apigw.export_api(ApiId=chat["ApiId"], OutputType="JSON", Specification="OAS30"),
        lambda: apigw.reimport_api(ApiId=chat["ApiId"], Body=body),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == "BadRequestException"
    assert apigw.get_api(ApiId=chat["ApiId"])["RouteSelectionExpression"] == "$request.body.action"


def test_route_and_integration_responses_crud(apigw, chat):
    api_id = chat["ApiId"]
    route = next(r for r in apigw.get_routes(ApiId=api_id)["Items"] if r["RouteKey"] == "whoami")
    listed = apigw.get_route_responses(ApiId=api_id, RouteId=route["RouteId"])["Items"]
    assert [r["RouteResponseKey"] for r in listed] == ["$default"]
    response_id = listed[0]["RouteResponseId"]
    updated = apigw.update_route_response(ApiId=api_id, RouteId=route["RouteId"], RouteResponseId=response_id,
                                          ModelSelectionExpression="$default")
    assert updated["ModelSelectionExpression"] == "$default"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        apigw.create_route_response(ApiId=api_id, RouteId=route["RouteId"], RouteResponseKey="$default")
    assert caught.value.response["Error"]["Code"] == "ConflictException"

    integration_id = route["Target"].removeprefix("integrations/")
    made = apigw.create_integration_response(ApiId=api_id, IntegrationId=integration_id,
                                             IntegrationResponseKey="/4\\d{2}/")
    got = apigw.get_integration_response(ApiId=api_id, IntegrationId=integration_id,
                                         IntegrationResponseId=made["IntegrationResponseId"])
    assert got["IntegrationResponseKey"] == "/4\\d{2}/"
    apigw.delete_integration_response(ApiId=api_id, IntegrationId=integration_id,
                                      IntegrationResponseId=made["IntegrationResponseId"])
    assert apigw.get_integration_responses(ApiId=api_id, IntegrationId=integration_id)["Items"] == []

    http_api = apigw.create_api(Name="plain", ProtocolType="HTTP")
    http_route = apigw.create_route(ApiId=http_api["ApiId"], RouteKey="GET /x")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        apigw.create_route_response(ApiId=http_api["ApiId"], RouteId=http_route["RouteId"],
                                    RouteResponseKey="$default")
    assert caught.value.response["Error"]["Code"] == "BadRequestException"


# -- data plane ----------------------------------------------------------------------------------


def test_connect_message_and_disconnect_events(chat, port, s3):
    with connect(path_url(port, chat["ApiId"], query="room=blue"), user_agent_header="chat-test/1") as ws:
        me = whoami(ws)
        connection_id = me["connectionId"]
        ws.send("plain text")
        assert ws.recv(timeout=10) == "echo:plain text"  # not JSON: the $default route
        ws.send(json.dumps({"action": "unknown-action"}))
        assert ws.recv(timeout=10) == 'echo:{"action": "unknown-action"}'  # no such route: $default
    (connected,) = recorded(s3, "CONNECT", connection_id)
    context = connected["requestContext"]
    assert context["routeKey"] == "$connect" and context["eventType"] == "CONNECT"
    assert context["apiId"] == chat["ApiId"] and context["stage"] == "prod"
    assert context["messageDirection"] == "IN"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "chat-test/1"
    assert connected["queryStringParameters"] == {"room": "blue"}
    assert connected["headers"]["sec-websocket-version"] == "13"
    assert connected["headers"]["X-Forwarded-For"] == "127.0.0.1"
    messages = recorded(s3, "MESSAGE", connection_id)
    assert len(messages) == 3
    keys = sorted(m["requestContext"]["routeKey"] for m in messages)
    assert keys == ["$default", "$default", "whoami"]
    assert all(m["requestContext"]["messageId"] for m in messages)
    assert "plain text" in {m["body"] for m in messages}
    (gone,) = recorded(s3, "DISCONNECT", connection_id)
    assert gone["requestContext"]["routeKey"] == "$disconnect"
    assert gone["requestContext"]["disconnectStatusCode"] == 1000
    assert gone["requestContext"]["connectedAt"] == context["connectedAt"]


def test_lambda_pushes_through_management_api_host_form(chat, port):
    # Connected by the API's host name, the function's domainName is that host: its boto3 client
    # reaches the @connections API there (function processes resolve *.localhost to loopback).
    with host_connect(port, chat["ApiId"]) as ws:
        ws.send(json.dumps({"action": "push", "data": "pushed to you"}))
        assert ws.recv(timeout=10) == "pushed to you"


def test_lambda_pushes_through_management_api_path_form(chat, port):
    with connect(path_url(port, chat["ApiId"])) as ws:
        ws.send(json.dumps({"action": "push", "data": "again"}))
        assert ws.recv(timeout=10) == "again"


def test_management_api_from_boto3(chat, port, client, endpoint, s3):
    api_id = chat["ApiId"]
    manage = management(endpoint, api_id)
    with connect(path_url(port, api_id), user_agent_header="agent/7") as ws:
        connection_id = whoami(ws)["connectionId"]
        manage.post_to_connection(ConnectionId=connection_id, Data=b"hello from the backend")
        assert ws.recv(timeout=10) == "hello from the backend"
        manage.post_to_connection(ConnectionId=connection_id, Data=b"\xff\x00binary")
        assert ws.recv(timeout=10) == b"\xff\x00binary"
        info = manage.get_connection(ConnectionId=connection_id)
        assert info["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "agent/7"}
        assert info["LastActiveAt"] >= info["ConnectedAt"]
        # At cloudlet's own endpoint (a client built from AWS_ENDPOINT_URL alone) too.
        plain = client("apigatewaymanagementapi")
        plain.post_to_connection(ConnectionId=connection_id, Data=b"plain endpoint")
        assert ws.recv(timeout=10) == "plain endpoint"
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            manage.post_to_connection(ConnectionId=connection_id, Data=b"x" * (128 * 1024 + 1))
        assert caught.value.response["Error"]["Code"] == "PayloadTooLargeException"
        manage.delete_connection(ConnectionId=connection_id)
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)
    assert recorded(s3, "DISCONNECT", connection_id)
    for call in (
        lambda: manage.post_to_connection(ConnectionId=connection_id, Data=b"late"),
        lambda: manage.get_connection(ConnectionId=connection_id),
        lambda: manage.delete_connection(ConnectionId=connection_id),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == "GoneException"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410


def test_management_api_of_another_api_does_not_reach_the_connection(apigw, chat, port, client, endpoint, backend):
    other = apigw.create_api(Name="other", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.a")
    with connect(path_url(port, chat["ApiId"])) as ws:
        connection_id = whoami(ws)["connectionId"]
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            management(endpoint, other["ApiId"]).post_to_connection(ConnectionId=connection_id, Data=b"x")
        assert caught.value.response["Error"]["Code"] == "GoneException"


def test_management_api_needs_a_signature(chat, endpoint):
    import httpx

    reply = httpx.post(f"{endpoint}/_aws/execute-api/{chat['ApiId']}/prod/@connections/abc", content=b"x")
    assert reply.status_code in (400, 403)
    assert "missing Authentication Token" in reply.json()["message"]


def test_connect_refused_by_integration(chat, port, s3):
    with pytest.raises(InvalidStatus) as caught:
        connect(path_url(port, chat["ApiId"], query="deny=1"))
    assert caught.value.response.status_code == 403


def test_subprotocol_chosen_by_connect_integration(chat, port):
    url = path_url(port, chat["ApiId"], query="protocol=chat.v2")
    with connect(url, subprotocols=["chat.v1", "chat.v2"]) as ws:
        assert ws.subprotocol == "chat.v2"


def test_unknown_stage_and_api_refused(chat, port):
    for url in (path_url(port, chat["ApiId"], stage="nostage"), path_url(port, "nosuchapi")):
        with pytest.raises(InvalidStatus) as caught:
            connect(url)
        assert caught.value.response.status_code in (403, 404)


def test_integration_failure_and_no_route(apigw, chat, backend, port):
    with connect(path_url(port, chat["ApiId"])) as ws:
        ws.send(json.dumps({"action": "fail"}))
        failure = json.loads(ws.recv(timeout=10))
        assert failure["message"] == "Internal server error"
        assert failure["connectionId"] and failure["requestId"]
    strict = build_api(apigw, backend, routes=("whoami",), two_way=("whoami",))
    with connect(path_url(port, strict["ApiId"])) as ws:
        ws.send(json.dumps({"action": "nothing-matches"}))
        refusal = json.loads(ws.recv(timeout=10))
        assert refusal["message"] == "Forbidden"
        assert whoami(ws)["connectionId"] == refusal["connectionId"]


def test_message_too_large_closes_with_1009(chat, port):
    with connect(path_url(port, chat["ApiId"]), max_size=None) as ws:
        ws.send("x" * (128 * 1024 + 1))
        with pytest.raises(ConnectionClosed) as caught:
            ws.recv(timeout=10)
        assert caught.value.rcvd is not None and caught.value.rcvd.code == 1009


def test_connect_authorizer(apigw, function, backend, port, s3):
    authorizer_arn = function("ws-authorizer", AUTHORIZER)
    api = apigw.create_api(Name="secure", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action")
    api_id = api["ApiId"]
    authorizer = apigw.create_authorizer(
        ApiId=api_id, Name="token", AuthorizerType="REQUEST", IdentitySource=["route.request.querystring.token"],
        AuthorizerUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{authorizer_arn}/invocations",
    )
    integration = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=backend)
    target = f"integrations/{integration['IntegrationId']}"
    apigw.create_route(ApiId=api_id, RouteKey="$connect", Target=target, AuthorizationType="CUSTOM",
                       AuthorizerId=authorizer["AuthorizerId"])
    route = apigw.create_route(ApiId=api_id, RouteKey="whoami", Target=target,
                               RouteResponseSelectionExpression="$default")
    apigw.create_route_response(ApiId=api_id, RouteId=route["RouteId"], RouteResponseKey="$default")
    apigw.create_stage(ApiId=api_id, StageName="prod", AutoDeploy=True)

    for query, status in (("", 401), ("token=bad", 403)):
        with pytest.raises(InvalidStatus) as caught:
            connect(path_url(port, api_id, query=query))
        assert caught.value.response.status_code == status
    with connect(path_url(port, api_id, query="token=good")) as ws:
        me = whoami(ws)
    assert me["authorizer"]["principalId"] == "user-good"
    assert me["authorizer"]["tier"] == "gold"
    (connected,) = recorded(s3, "CONNECT", me["connectionId"])
    assert connected["requestContext"]["authorizer"]["principalId"] == "user-good"


def test_connect_with_iam_authorization(apigw, backend, port, endpoint):
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    api = apigw.create_api(Name="iam", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action")
    api_id = api["ApiId"]
    apigw.create_route(ApiId=api_id, RouteKey="$connect", AuthorizationType="AWS_IAM")
    apigw.create_stage(ApiId=api_id, StageName="prod", AutoDeploy=True)
    url = f"http://127.0.0.1:{port}/_aws/execute-api/{api_id}/prod"
    with pytest.raises(InvalidStatus) as caught:
        connect(url.replace("http://", "ws://"))
    assert caught.value.response.status_code == 403
    request = AWSRequest(method="GET", url=url)
    SigV4QueryAuth(Credentials("test", "test"), "execute-api", "us-east-1").add_auth(request)
    with connect(request.url.replace("http://", "ws://")) as ws:
        ws.ping().wait(5)


def test_idle_connection_times_out(chat, port, server, s3):
    with connect(path_url(port, chat["ApiId"])) as ws:
        connection_id = whoami(ws)["connectionId"]
        server.advance_clock(601)
        with pytest.raises(ConnectionClosed) as caught:
            ws.recv(timeout=10)
        assert caught.value.rcvd is not None and caught.value.rcvd.code == 1001
    (gone,) = recorded(s3, "DISCONNECT", connection_id)
    assert gone["requestContext"]["disconnectStatusCode"] == 1001


def test_http_request_to_websocket_stage_is_refused(chat, invoke):
    reply = invoke.path(chat["ApiId"], "GET", "/prod")
    assert reply.status_code == 403
    assert reply.json() == {"message": "Forbidden"}


def _zip(code: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", code)
    return buffer.getvalue()


@pytest.mark.parametrize("kill", [False, True], ids=["graceful", "crash"])
def test_restart_ends_connections_and_runs_disconnect(tmp_path, kill):
    data_dir = str(tmp_path / "data")
    server = start_server(data_dir)
    try:
        port = int(server.endpoint.rsplit(":", 1)[1])
        s3 = make_client(server.endpoint, "s3")
        s3.create_bucket(Bucket=BUCKET)
        lam = make_client(server.endpoint, "lambda")
        arn = lam.create_function(FunctionName="ws-backend", Runtime="python3.12", Handler="app.handler",
                                  Role="arn:aws:iam::000000000000:role/ws", Code={"ZipFile": _zip(HANDLER)})["FunctionArn"]
        lam.add_permission(FunctionName="ws-backend", StatementId="gw", Action="lambda:InvokeFunction",
                           Principal="apigateway.amazonaws.com")
        api = build_api(make_client(server.endpoint, "apigatewayv2"), arn)
        with connect(path_url(port, api["ApiId"])) as ws:
            connection_id = whoami(ws)["connectionId"]
            server.stop(kill=kill)
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=10)

        server = start_server(data_dir, port=port)
        s3 = make_client(server.endpoint, "s3")
        events = recorded(s3, "DISCONNECT", connection_id, timeout=20)
        assert len(events) == 1, server.log()
        (gone,) = events
        assert gone["requestContext"]["connectionId"] == connection_id
        manage = make_client(f"{server.endpoint}/_aws/execute-api/{api['ApiId']}/prod", "apigatewaymanagementapi")
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            manage.get_connection(ConnectionId=connection_id)
        assert caught.value.response["Error"]["Code"] == "GoneException"
        # The API itself survived: a new connection works at once.
        with connect(path_url(port, api["ApiId"])) as again:
            again.send(json.dumps({"action": "whoami"}))
            assert json.loads(again.recv(timeout=10))["connectionId"] != connection_id
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
