"""Function URLs: configuration CRUD, and HTTP calls with the 2.0 event, auth types and CORS."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

ECHO = """
import base64, json
def handler(event, context):
    path = event["rawPath"]
    if path == "/plain":
        return {"hello": "world"}
    if path == "/text":
        return "just text"
    if path == "/fail":
        raise RuntimeError("boom")
    if path == "/shaped":
        return {"statusCode": 201, "headers": {"X-Made": "yes", "Access-Control-Allow-Origin": "evil"},
                "cookies": ["a=1", "b=2"], "body": "created"}
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}
"""


@pytest.fixture(scope="module")
def echo(create):
    create("url-echo", ECHO)
    return "url-echo"


def public(lam, name: str, sid: str = "public-url", **extra) -> None:
    lam.add_permission(
        FunctionName=name,
        StatementId=sid,
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
        **extra,
    )


def call(
    endpoint: str, url: str, method: str = "GET", path: str = "/", *, via_path: bool = False, **kwargs
) -> httpx.Response:
    """Calls a function URL on the test server: by its *.localhost host, or by the path form."""
    host = urlsplit(url).hostname
    if via_path:
        return httpx.request(method, f"{endpoint}/_aws/lambda-url/{host.split('.')[0]}{path}", **kwargs)
    headers = dict(kwargs.pop("headers", {}), Host=f"{host}:{urlsplit(endpoint).port}")
    return httpx.request(method, f"{endpoint}{path}", headers=headers, **kwargs)


def test_config_lifecycle(lam, echo):
    created = lam.create_function_url_config(
        FunctionName=echo, AuthType="NONE", Cors={"AllowOrigins": ["https://example.com"]}
    )
    assert created["FunctionArn"].endswith(":function:url-echo") and created["AuthType"] == "NONE"
    assert created["InvokeMode"] == "BUFFERED" and created["CreationTime"]
    host = urlsplit(created["FunctionUrl"]).hostname
    assert host.endswith(".lambda-url.us-east-1.localhost") and len(host.split(".")[0]) == 32
    with pytest.raises(ClientError) as exc:
        lam.create_function_url_config(FunctionName=echo, AuthType="NONE")
    assert exc.value.response["Error"]["Code"] == "ResourceConflictException"
    got = lam.get_function_url_config(FunctionName=echo)
    assert got["FunctionUrl"] == created["FunctionUrl"] and got["Cors"] == {
        "AllowOrigins": ["https://example.com"]
    }
    updated = lam.update_function_url_config(FunctionName=echo, AuthType="AWS_IAM", Cors={})
    assert updated["AuthType"] == "AWS_IAM" and updated["LastModifiedTime"] >= got["LastModifiedTime"]
    listed = lam.list_function_url_configs(FunctionName=echo)["FunctionUrlConfigs"]
    assert [c["FunctionUrl"] for c in listed] == [created["FunctionUrl"]]
    lam.delete_function_url_config(FunctionName=echo)
    for operation in (lam.get_function_url_config, lam.delete_function_url_config):
        with pytest.raises(ClientError) as exc:
            operation(FunctionName=echo)
        assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        lam.create_function_url_config(FunctionName="no-such-function", AuthType="NONE")
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_alias_urls_and_version_numbers(lam, create, endpoint):
    create("url-aliased", "def handler(e, c):\n    return {'v': 'one'}\n", Publish=True)
    lam.create_alias(FunctionName="url-aliased", Name="live", FunctionVersion="1")
    config = lam.create_function_url_config(FunctionName="url-aliased", Qualifier="live", AuthType="NONE")
    assert config["FunctionArn"].endswith(":function:url-aliased:live")
    with pytest.raises(ClientError) as exc:
        lam.create_function_url_config(FunctionName="url-aliased", Qualifier="1", AuthType="NONE")
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    public(lam, "url-aliased", Qualifier="live")
    assert call(endpoint, config["FunctionUrl"]).json() == {"v": "one"}


def test_auth_none_needs_a_public_permission(lam, create, endpoint):
    create("url-private", ECHO)
    url = lam.create_function_url_config(FunctionName="url-private", AuthType="NONE")["FunctionUrl"]
    denied = call(endpoint, url, path="/plain")
    assert denied.status_code == 403 and denied.json() == {"Message": "Forbidden"}
    public(lam, "url-private")
    assert call(endpoint, url, path="/plain").json() == {"hello": "world"}


@pytest.fixture(scope="module")
def open_url(lam, echo):
    url = lam.create_function_url_config(
        FunctionName=echo,
        AuthType="NONE",
        Cors={
            "AllowOrigins": ["https://app.example"],
            "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["x-custom"],
            "ExposeHeaders": ["x-made"],
            "MaxAge": 300,
            "AllowCredentials": True,
        },
    )["FunctionUrl"]
    public(lam, echo)
    return url


@pytest.mark.parametrize("via_path", [False, True])
def test_event_is_payload_format_2(endpoint, open_url, via_path):
    reply = call(
        endpoint,
        open_url,
        "POST",
        "/items/7?a=1&a=2&b=x",
        via_path=via_path,
        content="hello",
        headers={"Cookie": "c1=v1; c2=v2", "Content-Type": "text/plain", "X-Custom": "yes"},
    )
    assert reply.status_code == 200, reply.text
    event = reply.json()
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/items/7" and event["rawQueryString"] == "a=1&a=2&b=x"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x"}
    assert event["cookies"] == ["c1=v1", "c2=v2"] and event["headers"]["x-custom"] == "yes"
    assert event["body"] == "hello" and event["isBase64Encoded"] is False
    context = event["requestContext"]
    url_id = urlsplit(open_url).hostname.split(".")[0]
    assert context["apiId"] == url_id and context["domainPrefix"] == url_id
    assert context["domainName"] == f"{url_id}.lambda-url.us-east-1.localhost"
    assert context["http"]["method"] == "POST" and context["http"]["path"] == "/items/7"
    assert context["stage"] == "$default" and context["accountId"] == "anonymous"
    assert event["pathParameters"] is None and event["stageVariables"] is None
    assert reply.headers["x-amzn-requestid"] == context["requestId"]


def test_binary_body_is_base64(endpoint, open_url):
    event = call(
        endpoint,
        open_url,
        "PUT",
        "/bin",
        content=b"\x00\xff",
        headers={"Content-Type": "application/octet-stream"},
    ).json()
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x00\xff"


def test_response_inference(endpoint, open_url):
    plain = call(endpoint, open_url, path="/plain")
    assert plain.status_code == 200 and plain.headers["content-type"] == "application/json"
    assert plain.json() == {"hello": "world"}
    assert call(endpoint, open_url, path="/text").text == "just text"
    shaped = call(endpoint, open_url, path="/shaped")
    assert shaped.status_code == 201 and shaped.text == "created" and shaped.headers["x-made"] == "yes"
    assert shaped.headers.get_list("set-cookie") == ["a=1", "b=2"]
    failed = call(endpoint, open_url, path="/fail")
    assert failed.status_code == 502 and failed.text == "Internal Server Error"


def test_cors_from_the_configuration(endpoint, open_url):
    preflight = call(
        endpoint,
        open_url,
        "OPTIONS",
        "/plain",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    assert preflight.headers["access-control-allow-methods"] == "GET,POST"
    assert preflight.headers["access-control-allow-headers"] == "x-custom"
    assert preflight.headers["access-control-max-age"] == "300"
    assert preflight.headers["access-control-allow-credentials"] == "true"
    shaped = call(endpoint, open_url, path="/shaped", headers={"Origin": "https://app.example"})
    assert shaped.headers["access-control-allow-origin"] == "https://app.example"  # not the function's "evil"
    assert shaped.headers["access-control-expose-headers"] == "x-made"
    stranger = call(endpoint, open_url, path="/shaped", headers={"Origin": "https://other.example"})
    assert "access-control-allow-origin" not in stranger.headers


def signed(endpoint: str, url: str, path: str, key: str = "test", secret: str = "test") -> httpx.Response:
    host = f"{urlsplit(url).hostname}:{urlsplit(endpoint).port}"
    request = AWSRequest("GET", f"http://{host}{path}", headers={"Host": host})
    SigV4Auth(Credentials(key, secret), "lambda", "us-east-1").add_auth(request)
    return httpx.get(f"{endpoint}{path}", headers=dict(request.headers))


def test_aws_iam_urls_need_a_signature(lam, create, endpoint):
    create("url-iam", ECHO)
    url = lam.create_function_url_config(FunctionName="url-iam", AuthType="AWS_IAM")["FunctionUrl"]
    assert call(endpoint, url, path="/").status_code == 403
    assert signed(endpoint, url, "/", secret="wrong").status_code == 403
    reply = signed(endpoint, url, "/anything")
    assert reply.status_code == 200, reply.text
    iam = reply.json()["requestContext"]["authorizer"]["iam"]
    assert iam["accessKey"] == "test" and iam["accountId"] == "000000000000"
    assert reply.json()["requestContext"]["accountId"] == "000000000000"
