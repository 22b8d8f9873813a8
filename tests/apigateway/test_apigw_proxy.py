"""REST API data plane: resource matching, the Lambda proxy event and response, HTTP_PROXY, errors."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

ECHO = """
import json
def handler(event, context):
    if event.get("queryStringParameters") and event["queryStringParameters"].get("mode") == "crash":
        raise ValueError("boom")
    if event.get("queryStringParameters") and event["queryStringParameters"].get("mode") == "malformed":
        return {"statusCode": 200, "unexpected": True}
    if event.get("queryStringParameters") and event["queryStringParameters"].get("mode") == "object-body":
        return {"statusCode": 200, "body": {"not": "a string"}}
    if event.get("queryStringParameters") and event["queryStringParameters"].get("mode") == "no-status":
        return {"body": "x"}
    if event.get("queryStringParameters") and event["queryStringParameters"].get("mode") == "binary":
        return {"statusCode": 200, "headers": {"Content-Type": "image/png"}, "isBase64Encoded": True,
                "body": "iVBORw0K"}
    return {"statusCode": 201, "headers": {"X-Echo": "yes"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": json.dumps(event)}
"""


@pytest.fixture(scope="module")
def api(apigw, function, uri_of, rest_api, add_path):
    arn = function("apigw-echo", ECHO)
    api_id, root = rest_api("proxy", binaryMediaTypes=["image/png"])
    for path, verb in [
        ("/posts", "GET"),
        ("/posts/{id}", "GET"),
        ("/posts/{id}", "ANY"),
        ("/posts/latest", "GET"),
        ("/files/{proxy+}", "ANY"),
    ]:
        resource = add_path(api_id, root, path)
        apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod=verb, authorizationType="NONE")
        apigw.put_integration(
            restApiId=api_id,
            resourceId=resource,
            httpMethod=verb,
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=uri_of(arn),
        )
    apigw.create_deployment(restApiId=api_id, stageName="prod", variables={"table": "posts"})
    return api_id


def test_lambda_proxy_event_is_the_rest_format(http, api):
    reply = http.get(f"/{api}/prod/posts/42", params=[("tag", "a"), ("tag", "b")], headers={"X-Trace": "t1"})
    assert reply.status_code == 201
    assert reply.headers["x-echo"] == "yes"
    assert reply.headers.get_list("set-cookie") == ["a=1", "b=2"]
    event = reply.json()
    assert "version" not in event
    assert (
        event["resource"] == "/posts/{id}" and event["path"] == "/posts/42" and event["httpMethod"] == "GET"
    )
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    assert {k.lower(): v for k, v in event["headers"].items()}["x-trace"] == "t1"
    assert {k.lower(): v for k, v in event["multiValueHeaders"].items()}["x-trace"] == ["t1"]
    assert event["stageVariables"] == {"table": "posts"}
    assert event["body"] is None and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["stage"] == "prod" and context["resourcePath"] == "/posts/{id}"
    assert (
        context["httpMethod"] == "GET" and context["apiId"] == api and context["accountId"] == "000000000000"
    )
    assert context["path"] == "/prod/posts/42" and context["resourceId"]
    assert context["identity"]["sourceIp"] and "userAgent" in context["identity"]
    assert context["requestId"] == reply.headers["x-amzn-requestid"]


def test_literal_beats_variable_and_method_beats_any(http, api):
    assert http.get(f"/{api}/prod/posts/latest").json()["resource"] == "/posts/latest"
    assert http.get(f"/{api}/prod/posts/7").json()["resource"] == "/posts/{id}"
    deleted = http.delete(f"/{api}/prod/posts/7").json()
    assert deleted["resource"] == "/posts/{id}" and deleted["httpMethod"] == "DELETE"
    assert http.post(f"/{api}/prod/posts/latest", content=b"x").status_code == 201  # ANY on /posts/{id}


def test_greedy_proxy_and_body(http, api):
    reply = http.put(f"/{api}/prod/files/a/b/c.txt", json={"k": "v"})
    event = reply.json()
    assert event["resource"] == "/files/{proxy+}" and event["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert json.loads(event["body"]) == {"k": "v"} and event["isBase64Encoded"] is False
    binary = http.post(
        f"/{api}/prod/files/pic", content=b"\x89PNG\x00", headers={"Content-Type": "image/png"}
    )
    event = binary.json()
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x89PNG\x00"


def test_binary_response_needs_a_binary_media_type(http, api):
    text = http.get(f"/{api}/prod/posts", params={"mode": "binary"})
    assert text.content == b"iVBORw0K"
    raw = http.get(f"/{api}/prod/posts", params={"mode": "binary"}, headers={"Accept": "image/png"})
    assert raw.content == base64.b64decode("iVBORw0K")


def test_unknown_paths_methods_and_stages(http, api):
    for reply in (
        http.get(f"/{api}/prod/nothing"),
        http.post(f"/{api}/prod/posts"),
        http.get(f"/{api}/prod/files"),
    ):
        assert reply.status_code == 403
        assert reply.json() == {"message": "Missing Authentication Token"}
        assert reply.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    reply = http.get(f"/{api}/staging/posts")
    assert (reply.status_code, reply.json()) == (403, {"message": "Forbidden"})


def test_lambda_errors_are_502(http, api):
    for mode in ("crash", "malformed", "object-body", "no-status"):
        reply = http.get(f"/{api}/prod/posts", params={"mode": mode})
        assert reply.status_code == 502
        assert reply.json() == {"message": "Internal server error"}


def test_host_form_of_the_invoke_url(endpoint, api):
    port = endpoint.rsplit(":", 1)[1]
    reply = httpx.get(f"{endpoint}/prod/posts/9", headers={"Host": f"{api}.execute-api.localhost:{port}"})
    assert reply.status_code == 201
    event = reply.json()
    assert (
        event["path"] == "/posts/9"
        and event["requestContext"]["domainName"] == f"{api}.execute-api.localhost"
    )


def test_changes_need_a_deployment(apigw, http, api, add_path, uri_of):
    root = next(r for r in apigw.get_resources(restApiId=api)["items"] if r["path"] == "/")["id"]
    resource = add_path(api, root, "/later")
    apigw.put_method(restApiId=api, resourceId=resource, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api,
        resourceId=resource,
        httpMethod="GET",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    apigw.put_method_response(restApiId=api, resourceId=resource, httpMethod="GET", statusCode="200")
    apigw.put_integration_response(
        restApiId=api,
        resourceId=resource,
        httpMethod="GET",
        statusCode="200",
        responseTemplates={"application/json": '{"later": true}'},
    )
    assert http.get(f"/{api}/prod/later").status_code == 403
    apigw.create_deployment(restApiId=api, stageName="prod")
    reply = http.get(f"/{api}/prod/later")
    assert (reply.status_code, reply.json()) == (200, {"later": True})


def test_cors_preflight_through_a_mock_options_method(apigw, http, api):
    resource = next(r for r in apigw.get_resources(restApiId=api)["items"] if r["path"] == "/posts")["id"]
    allow = {"Headers": "'Content-Type,X-Api-Key'", "Methods": "'GET,OPTIONS'", "Origin": "'*'"}
    apigw.put_method(restApiId=api, resourceId=resource, httpMethod="OPTIONS", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api,
        resourceId=resource,
        httpMethod="OPTIONS",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    apigw.put_method_response(
        restApiId=api,
        resourceId=resource,
        httpMethod="OPTIONS",
        statusCode="200",
        responseParameters={f"method.response.header.Access-Control-Allow-{k}": False for k in allow},
    )
    apigw.put_integration_response(
        restApiId=api,
        resourceId=resource,
        httpMethod="OPTIONS",
        statusCode="200",
        responseTemplates={"application/json": ""},
        responseParameters={f"method.response.header.Access-Control-Allow-{k}": v for k, v in allow.items()},
    )
    apigw.create_deployment(restApiId=api, stageName="prod")
    reply = http.options(
        f"/{api}/prod/posts",
        headers={"Origin": "http://blog.localhost", "Access-Control-Request-Method": "GET"},
    )
    assert reply.status_code == 200 and reply.content == b""
    assert reply.headers["access-control-allow-origin"] == "*"
    assert reply.headers["access-control-allow-methods"] == "GET,OPTIONS"
    assert reply.headers["access-control-allow-headers"] == "Content-Type,X-Api-Key"
