"""Non-proxy integrations: Velocity mapping templates, integration responses chosen by selection
pattern, MOCK, HTTP to a real origin, and request validators with JSON-schema models."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

FUNCTION = """
def handler(event, context):
    if event.get("id") == "missing":
        raise Exception("NotFound: no post missing")
    if event.get("id") == "odd":
        raise Exception("something else")
    return {"received": event}
"""

REQUEST_TEMPLATE = """#set($body = $input.path('$'))
{
  "id": "$input.params('id')",
  "q": "$input.params('q')",
  "title": $input.json('$.title'),
  "tags": $input.json('$.tags'),
  "count": $body.tags.size(),
  "stage": "$context.stage",
  "resourcePath": "$context.resourcePath",
  "table": "$stageVariables.table",
  "escaped": "$util.escapeJavaScript($body.title)",
  "b64": "$util.base64Encode('hi')",
  "parsed": $util.parseJson('{"a": 1}').a
}"""


class Origin(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        status = 404 if "missing" in self.path else 200
        payload = json.dumps(
            {"method": self.command, "path": self.path, "body": body, "trace": self.headers.get("X-Trace")}
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Origin", "yes")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def origin():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def mapped(apigw, function, uri_of, rest_api, add_path, origin):
    arn = function("apigw-mapped", FUNCTION)
    api_id, root = rest_api("mapped")
    post = add_path(api_id, root, "/posts/{id}")
    apigw.put_method(restApiId=api_id, resourceId=post, httpMethod="POST", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id,
        resourceId=post,
        httpMethod="POST",
        type="AWS",
        integrationHttpMethod="POST",
        uri=uri_of(arn),
        requestTemplates={"application/json": REQUEST_TEMPLATE},
        passthroughBehavior="NEVER",
    )
    for status, pattern, template in (
        ("200", None, "$input.json('$.received')"),
        ("404", "NotFound.*", '{"error": "$input.path(\'$.errorMessage\')"}'),
    ):
        apigw.put_method_response(
            restApiId=api_id,
            resourceId=post,
            httpMethod="POST",
            statusCode=status,
            responseParameters={"method.response.header.X-Kind": False},
        )
        kwargs = {"selectionPattern": pattern} if pattern else {}
        apigw.put_integration_response(
            restApiId=api_id,
            resourceId=post,
            httpMethod="POST",
            statusCode=status,
            responseTemplates={"application/json": template},
            responseParameters={"method.response.header.X-Kind": f"'{status}'"},
            **kwargs,
        )
    mock = add_path(api_id, root, "/mock")
    apigw.put_method(restApiId=api_id, resourceId=mock, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id,
        resourceId=mock,
        httpMethod="GET",
        type="MOCK",
        requestTemplates={
            "application/json": '{"statusCode": #if($input.params("fail") == "yes")500#{else}200#end}'
        },
    )
    for status, pattern, body in (
        ("200", None, '{"mock": "$context.requestId"}'),
        ("500", "5\\d{2}", '{"down": 1}'),
    ):
        apigw.put_method_response(restApiId=api_id, resourceId=mock, httpMethod="GET", statusCode=status)
        kwargs = {"selectionPattern": pattern} if pattern else {}
        apigw.put_integration_response(
            restApiId=api_id,
            resourceId=mock,
            httpMethod="GET",
            statusCode=status,
            responseTemplates={"application/json": body},
            **kwargs,
        )
    backend = add_path(api_id, root, "/backend/{name}")
    apigw.put_method(
        restApiId=api_id,
        resourceId=backend,
        httpMethod="PUT",
        authorizationType="NONE",
        requestParameters={"method.request.path.name": True, "method.request.header.X-Trace": False},
    )
    apigw.put_integration(
        restApiId=api_id,
        resourceId=backend,
        httpMethod="PUT",
        type="HTTP",
        integrationHttpMethod="POST",
        uri=origin + "/things/{name}",
        requestParameters={
            "integration.request.path.name": "method.request.path.name",
            "integration.request.header.X-Trace": "method.request.header.X-Trace",
            "integration.request.querystring.src": "'gateway'",
        },
        requestTemplates={"application/json": "{\"wrapped\": $input.json('$')}"},
    )
    for status, pattern in (("200", None), ("404", "4\\d{2}")):
        apigw.put_method_response(
            restApiId=api_id,
            resourceId=backend,
            httpMethod="PUT",
            statusCode=status,
            responseParameters={"method.response.header.X-Origin": False},
        )
        kwargs = {"selectionPattern": pattern} if pattern else {}
        apigw.put_integration_response(
            restApiId=api_id,
            resourceId=backend,
            httpMethod="PUT",
            statusCode=status,
            responseParameters={"method.response.header.X-Origin": "integration.response.header.X-Origin"},
            **kwargs,
        )
    proxy = add_path(api_id, root, "/site/{proxy+}")
    apigw.put_method(
        restApiId=api_id,
        resourceId=proxy,
        httpMethod="ANY",
        authorizationType="NONE",
        requestParameters={"method.request.path.proxy": True},
    )
    apigw.put_integration(
        restApiId=api_id,
        resourceId=proxy,
        httpMethod="ANY",
        type="HTTP_PROXY",
        integrationHttpMethod="ANY",
        uri="${stageVariables.origin}/{proxy}",
        requestParameters={"integration.request.path.proxy": "method.request.path.proxy"},
    )
    apigw.create_deployment(
        restApiId=api_id, stageName="prod", variables={"table": "posts", "origin": origin}
    )
    return api_id


def test_lambda_request_and_response_templates(http, mapped):
    reply = http.post(
        f"/{mapped}/prod/posts/7", params={"q": "x"}, json={"title": 'He said "hi"', "tags": ["a", "b"]}
    )
    assert reply.status_code == 200 and reply.headers["x-kind"] == "200"
    assert reply.json() == {
        "id": "7",
        "q": "x",
        "title": 'He said "hi"',
        "tags": ["a", "b"],
        "count": 2,
        "stage": "prod",
        "resourcePath": "/posts/{id}",
        "table": "posts",
        "escaped": 'He said "hi"',
        "b64": "aGk=",
        "parsed": 1,
    }


def test_lambda_errors_select_integration_responses(http, mapped):
    reply = http.post(f"/{mapped}/prod/posts/missing", json={"title": "t", "tags": []})
    assert reply.status_code == 404 and reply.headers["x-kind"] == "404"
    assert reply.json() == {"error": "NotFound: no post missing"}
    # no pattern matches: the default response, as AWS answers (200 with the error mapped)
    odd = http.post(f"/{mapped}/prod/posts/odd", json={"title": "t", "tags": []})
    assert odd.status_code == 200


def test_passthrough_never_refuses_unmapped_content_types(http, mapped):
    reply = http.post(f"/{mapped}/prod/posts/1", content=b"a=b", headers={"Content-Type": "text/plain"})
    assert (reply.status_code, reply.json()) == (415, {"message": "Unsupported Media Type"})


def test_mock_integration_selects_by_status(http, mapped):
    ok = http.get(f"/{mapped}/prod/mock")
    assert ok.status_code == 200 and ok.json()["mock"] == ok.headers["x-amzn-requestid"]
    down = http.get(f"/{mapped}/prod/mock", params={"fail": "yes"})
    assert (down.status_code, down.json()) == (500, {"down": 1})


def test_http_integration_maps_parameters_and_body(http, mapped):
    reply = http.put(f"/{mapped}/prod/backend/lamp", json={"watts": 40}, headers={"X-Trace": "t-1"})
    assert reply.status_code == 200 and reply.headers["x-origin"] == "yes"
    seen = reply.json()
    assert seen["method"] == "POST" and seen["path"] == "/things/lamp?src=gateway"
    assert json.loads(seen["body"]) == {"wrapped": {"watts": 40}} and seen["trace"] == "t-1"
    missing = http.put(f"/{mapped}/prod/backend/missing", json={})
    assert missing.status_code == 404


def test_http_proxy_with_stage_variable_uri(http, mapped):
    reply = http.get(f"/{mapped}/prod/site/a/b.html", params={"v": "1"}, headers={"X-Trace": "p"})
    assert reply.status_code == 200
    assert reply.json() == {"method": "GET", "path": "/a/b.html?v=1", "body": "", "trace": "p"}
    assert http.get(f"/{mapped}/prod/site/missing").status_code == 404


@pytest.fixture(scope="module")
def validated(apigw, rest_api, add_path):
    api_id, root = rest_api("validated")
    apigw.create_model(
        restApiId=api_id,
        name="Post",
        contentType="application/json",
        schema=json.dumps(
            {
                "$schema": "http://json-schema.org/draft-04/schema#",
                "type": "object",
                "required": ["title"],
                "properties": {"title": {"type": "string"}},
            }
        ),
    )
    validator = apigw.create_request_validator(
        restApiId=api_id, name="all", validateRequestBody=True, validateRequestParameters=True
    )
    resource = add_path(api_id, root, "/posts")
    apigw.put_method(
        restApiId=api_id,
        resourceId=resource,
        httpMethod="POST",
        authorizationType="NONE",
        requestValidatorId=validator["id"],
        requestModels={"application/json": "Post"},
        requestParameters={"method.request.querystring.lang": True},
    )
    apigw.put_integration(
        restApiId=api_id,
        resourceId=resource,
        httpMethod="POST",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    apigw.put_method_response(restApiId=api_id, resourceId=resource, httpMethod="POST", statusCode="200")
    apigw.put_integration_response(
        restApiId=api_id,
        resourceId=resource,
        httpMethod="POST",
        statusCode="200",
        responseTemplates={"application/json": '{"created": true}'},
    )
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    return api_id


def test_request_validation(http, validated):
    missing = http.post(f"/{validated}/prod/posts", json={"title": "x"})
    assert (missing.status_code, missing.json()) == (
        400,
        {"message": "Missing required request parameters: [lang]"},
    )
    invalid = http.post(f"/{validated}/prod/posts", params={"lang": "en"}, json={"title": 5})
    assert (invalid.status_code, invalid.json()) == (400, {"message": "Invalid request body"})
    ok = http.post(f"/{validated}/prod/posts", params={"lang": "en"}, json={"title": "x"})
    assert (ok.status_code, ok.json()) == (200, {"created": True})


def test_models_and_validators_control_plane(apigw, validated):
    assert apigw.get_model(restApiId=validated, modelName="Post")["contentType"] == "application/json"
    assert [v["name"] for v in apigw.get_request_validators(restApiId=validated)["items"]] == ["all"]
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as info:
        apigw.get_model(restApiId=validated, modelName="Nope")
    assert info.value.response["Error"]["Code"] == "NotFoundException"
    with pytest.raises(ClientError) as info:
        apigw.create_model(
            restApiId=validated, name="Broken", contentType="application/json", schema="{not json"
        )
    assert info.value.response["Error"]["Code"] == "BadRequestException"


FLIP = """
import base64
def handler(event, context):
    return base64.b64encode(base64.b64decode(event["data"])[::-1]).decode()
"""


def test_binary_payloads_through_a_lambda_integration(apigw, http, function, uri_of, rest_api):
    arn = function("apigw-flip", FLIP)
    api_id, root = rest_api("binary", binaryMediaTypes=["application/octet-stream"])
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="POST", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id,
        resourceId=root,
        httpMethod="POST",
        type="AWS",
        integrationHttpMethod="POST",
        uri=uri_of(arn),
        requestTemplates={"application/octet-stream": '{"data": "$input.body"}'},
    )
    apigw.put_method_response(restApiId=api_id, resourceId=root, httpMethod="POST", statusCode="200")
    apigw.put_integration_response(
        restApiId=api_id,
        resourceId=root,
        httpMethod="POST",
        statusCode="200",
        contentHandling="CONVERT_TO_BINARY",
        responseParameters={"method.response.header.Content-Type": "'application/octet-stream'"},
    )
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    reply = http.post(
        f"/{api_id}/prod/",
        content=b"\x00\x01\xff",
        headers={"Content-Type": "application/octet-stream", "Accept": "application/octet-stream"},
    )
    assert reply.status_code == 200
    assert reply.content == b"\xff\x01\x00"
