"""HTTP API -> Lambda proxy integrations: the events of payload formats 2.0 and 1.0, how the
function's answer becomes HTTP, both invoke URL forms, and the gateway's errors."""

from __future__ import annotations

import base64
import json

import pytest

APP = """
import base64, json, time

def handler(event, context):
    query = event.get("queryStringParameters") or {}
    mode = query.get("mode", "echo")
    if mode == "echo":
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(event)}
    if mode == "inferred":
        return {"hello": "world", "n": 1}
    if mode == "string":
        return "just text"
    if mode == "cookies":
        return {"statusCode": 201, "cookies": ["a=1; Path=/", "b=2"], "headers": {"X-Custom": "yes"},
                "body": "made"}
    if mode == "binary":
        return {"statusCode": 200, "headers": {"Content-Type": "image/png"}, "isBase64Encoded": True,
                "body": base64.b64encode(bytes([137, 80, 78, 71, 0, 1, 255])).decode()}
    if mode == "multi":
        return {"statusCode": 202, "headers": {"X-Single": "s"},
                "multiValueHeaders": {"X-Multi": ["a", "b"], "Set-Cookie": ["c=3", "d=4"]}, "body": "m"}
    if mode == "fail":
        raise RuntimeError("boom")
    if mode == "malformed":
        return {"statusCode": "not a number"}
    if mode == "slow":
        time.sleep(1.5)
        return {"statusCode": 200, "body": "late"}
    return {"statusCode": 400, "body": "unknown mode"}
"""


@pytest.fixture(scope="module")
def app(function):
    return function("gw-app", APP, Timeout=5)


@pytest.fixture(scope="module")
def quick(apigw, app):
    """A quick-created API: $default route and auto-deployed $default stage, payload format 2.0."""
    return apigw.create_api(Name="quick", ProtocolType="HTTP", Target=app)


def _routes_api(apigw, app, version: str) -> str:
    api_id = apigw.create_api(Name=f"routes-{version}", ProtocolType="HTTP")["ApiId"]
    integration = apigw.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=app, PayloadFormatVersion=version
    )["IntegrationId"]
    for key in (
        "GET /items/{id}",
        "GET /items/special",
        "ANY /items/{id}",
        "GET /files/{proxy+}",
        "POST /items",
        "$default",
    ):
        apigw.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integration}")
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    return api_id


@pytest.fixture(scope="module")
def v2_api(apigw, app):
    return _routes_api(apigw, app, "2.0")


@pytest.fixture(scope="module")
def v1_api(apigw, app):
    return _routes_api(apigw, app, "1.0")


def test_quick_create_makes_route_integration_and_auto_deployed_stage(apigw, quick, app):
    api_id = quick["ApiId"]
    assert quick["ProtocolType"] == "HTTP"
    assert quick["ApiEndpoint"].startswith(f"http://{api_id}.execute-api.localhost:")
    assert quick["RouteSelectionExpression"] == "$request.method $request.path"
    [route] = apigw.get_routes(ApiId=api_id)["Items"]
    assert route["RouteKey"] == "$default" and route["ApiGatewayManaged"] is True
    [integration] = apigw.get_integrations(ApiId=api_id)["Items"]
    assert route["Target"] == f"integrations/{integration['IntegrationId']}"
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["IntegrationUri"] == app
    [stage] = apigw.get_stages(ApiId=api_id)["Items"]
    assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True
    assert apigw.get_deployment(ApiId=api_id, DeploymentId=stage["DeploymentId"])["AutoDeployed"] is True


@pytest.mark.parametrize("form", ["host", "path"])
def test_payload_2_event_shape(invoke, quick, form):
    api_id = quick["ApiId"]
    reply = invoke.call(
        form,
        api_id,
        "POST",
        "/some/path?b=2&a=1&a=3",
        headers={"Cookie": "c1=v1; c2=v2", "X-Twice": "one", "Content-Type": "text/plain"},
        content=b"hello body",
    )
    assert reply.status_code == 200
    assert reply.headers["apigw-requestid"]
    event = reply.json()
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/some/path"
    assert event["rawQueryString"] == "b=2&a=1&a=3"
    assert event["queryStringParameters"] == {"b": "2", "a": "1,3"}
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-twice"] == "one"
    assert all(name == name.lower() for name in event["headers"])
    assert event["body"] == "hello body" and event["isBase64Encoded"] is False
    assert "pathParameters" not in event and "stageVariables" not in event
    context = event["requestContext"]
    assert context["apiId"] == api_id and context["accountId"] == "000000000000"
    assert context["stage"] == "$default" and context["routeKey"] == "$default"
    assert context["http"]["method"] == "POST" and context["http"]["path"] == "/some/path"
    assert context["http"]["protocol"] == "HTTP/1.1" and context["http"]["sourceIp"]
    assert context["domainName"] == f"{api_id}.execute-api.localhost"
    assert context["domainPrefix"] == api_id
    assert context["requestId"] == reply.headers["apigw-requestid"]
    assert isinstance(context["timeEpoch"], int)
    assert "authorizer" not in context


def test_binary_request_body_arrives_base64_encoded(invoke, quick):
    data = bytes(range(256))
    reply = invoke.host(
        quick["ApiId"], "PUT", "/upload", content=data, headers={"Content-Type": "application/octet-stream"}
    )
    event = reply.json()
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == data


def test_response_without_status_code_is_inferred_as_json(invoke, quick):
    reply = invoke.host(quick["ApiId"], "GET", "/?mode=inferred")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/json"
    assert reply.json() == {"hello": "world", "n": 1}
    text = invoke.host(quick["ApiId"], "GET", "/?mode=string")
    assert text.status_code == 200 and text.text == "just text"


def test_cookies_headers_and_status_of_a_2_0_response(invoke, quick):
    reply = invoke.host(quick["ApiId"], "GET", "/?mode=cookies")
    assert reply.status_code == 201
    assert reply.text == "made"
    assert reply.headers["x-custom"] == "yes"
    assert reply.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2"]


def test_base64_response_body_is_decoded(invoke, quick):
    reply = invoke.host(quick["ApiId"], "GET", "/?mode=binary")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "image/png"
    assert reply.content == bytes([137, 80, 78, 71, 0, 1, 255])


@pytest.mark.parametrize("mode", ["fail", "malformed"])
def test_function_error_or_malformed_answer_is_502(invoke, quick, mode):
    reply = invoke.host(quick["ApiId"], "GET", f"/?mode={mode}")
    assert reply.status_code == 502
    assert reply.json() == {"message": "Internal Server Error"}


@pytest.mark.parametrize(
    ("method", "path", "route", "params"),
    [
        ("GET", "/items/special", "GET /items/special", None),
        ("GET", "/items/42", "GET /items/{id}", {"id": "42"}),
        ("DELETE", "/items/42", "ANY /items/{id}", {"id": "42"}),
        ("GET", "/files/a/b/c.txt", "GET /files/{proxy+}", {"proxy": "a/b/c.txt"}),
        ("POST", "/items", "POST /items", None),
        ("GET", "/items", "$default", None),
        ("GET", "/files", "$default", None),
        ("PATCH", "/elsewhere/x", "$default", None),
    ],
)
def test_route_selection_precedence(invoke, v2_api, method, path, route, params):
    event = invoke.path(v2_api, method, path).json()
    assert event["routeKey"] == route
    assert event.get("pathParameters") == params


def test_path_parameters_are_decoded(invoke, v2_api):
    event = invoke.host(v2_api, "GET", "/items/a%20b").json()
    assert event["pathParameters"] == {"id": "a b"}


def test_no_route_and_no_default_is_404(apigw, invoke, app):
    api_id = apigw.create_api(Name="no-default", ProtocolType="HTTP", Target=app, RouteKey="GET /only")[
        "ApiId"
    ]
    assert invoke.host(api_id, "GET", "/only").status_code == 200
    for method, path in (("GET", "/other"), ("POST", "/only")):
        reply = invoke.host(api_id, method, path)
        assert reply.status_code == 404
        assert reply.json() == {"message": "Not Found"}


def test_unknown_api_is_404(invoke):
    for form in ("host", "path"):
        reply = invoke.call(form, "nosuchapi1", "GET", "/x")
        assert reply.status_code == 404 and reply.json() == {"message": "Not Found"}


def test_payload_1_event_shape(invoke, v1_api):
    reply = invoke.host(v1_api, "GET", "/items/7?x=1&x=2&y=3", headers={"X-Twice": "one", "Cookie": "k=v"})
    event = reply.json()
    assert event["version"] == "1.0"
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/7"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "7"}
    assert event["queryStringParameters"] == {"x": "2", "y": "3"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": ["3"]}
    headers = {k.lower(): v for k, v in event["headers"].items()}
    assert headers["x-twice"] == "one" and headers["cookie"] == "k=v"
    assert {k.lower(): v for k, v in event["multiValueHeaders"].items()}["x-twice"] == ["one"]
    assert event["body"] is None and event["isBase64Encoded"] is False
    assert event["stageVariables"] is None
    context = event["requestContext"]
    assert context["httpMethod"] == "GET" and context["resourcePath"] == "/items/{id}"
    assert context["stage"] == "$default" and context["apiId"] == v1_api
    assert context["identity"]["sourceIp"]
    assert context["authorizer"] == {"claims": None, "scopes": None}


def test_payload_1_response_with_multi_value_headers(invoke, v1_api):
    reply = invoke.host(v1_api, "GET", "/items/7?mode=multi")
    assert reply.status_code == 202
    assert reply.headers["x-single"] == "s"
    assert reply.headers.get_list("x-multi") == ["a", "b"]
    assert reply.headers.get_list("set-cookie") == ["c=3", "d=4"]


def test_payload_1_requires_a_status_code_shaped_answer(invoke, v1_api):
    reply = invoke.host(v1_api, "GET", "/items/7?mode=inferred")
    assert reply.status_code == 502
    assert reply.json() == {"message": "Internal Server Error"}


def test_integration_timeout_is_504(apigw, invoke, app):
    api_id = apigw.create_api(Name="slow", ProtocolType="HTTP")["ApiId"]
    integration = apigw.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=app,
        PayloadFormatVersion="2.0",
        TimeoutInMillis=200,
    )["IntegrationId"]
    apigw.create_route(ApiId=api_id, RouteKey="$default", Target=f"integrations/{integration}")
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    reply = invoke.host(api_id, "GET", "/?mode=slow")
    assert reply.status_code == 504
    assert reply.json() == {"message": "Endpoint request timed out"}


def test_function_without_permission_for_api_gateway_is_500(apigw, invoke, function):
    arn = function("gw-no-permission", APP, permit=False)
    api_id = apigw.create_api(Name="no-permission", ProtocolType="HTTP", Target=arn)["ApiId"]
    reply = invoke.host(api_id, "GET", "/")
    assert reply.status_code == 500
    assert reply.json() == {"message": "Internal Server Error"}


def test_integration_with_credentials_needs_no_resource_policy(apigw, invoke, function):
    arn = function("gw-with-role", APP, permit=False)
    api_id = apigw.create_api(
        Name="with-role",
        ProtocolType="HTTP",
        Target=arn,
        CredentialsArn="arn:aws:iam::000000000000:role/apigw-invoke",
    )["ApiId"]
    assert invoke.host(api_id, "GET", "/?mode=inferred").json() == {"hello": "world", "n": 1}


def test_missing_function_is_500(apigw, invoke):
    arn = "arn:aws:lambda:us-east-1:000000000000:function:gw-does-not-exist"
    api_id = apigw.create_api(
        Name="missing-function",
        ProtocolType="HTTP",
        Target=arn,
        CredentialsArn="arn:aws:iam::000000000000:role/apigw-invoke",
    )["ApiId"]
    reply = invoke.host(api_id, "GET", "/")
    assert reply.status_code == 500
    assert json.loads(reply.content) == {"message": "Internal Server Error"}
