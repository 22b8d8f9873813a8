"""HTTP_PROXY integrations to a real local HTTP server (path variables, query strings,
parameter mapping both ways, errors), and CORS answered by the gateway."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Backend(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        if self.path.startswith("/slow"):
            time.sleep(1.5)  # slower than the integration's timeout: the test waits on the gateway
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        payload = json.dumps(
            {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
        ).encode()
        self.send_response(418 if self.path.startswith("/teapot") else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Backend", "yes")
        self.send_header("Access-Control-Allow-Origin", "https://backend-says.example")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def backend():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _api(apigw, route: str, uri: str, **integration) -> str:
    api_id = apigw.create_api(Name="proxy", ProtocolType="HTTP")["ApiId"]
    integration_id = apigw.create_integration(
        ApiId=api_id,
        IntegrationType="HTTP_PROXY",
        IntegrationUri=uri,
        IntegrationMethod=integration.pop("IntegrationMethod", "ANY"),
        **integration,
    )["IntegrationId"]
    apigw.create_route(ApiId=api_id, RouteKey=route, Target=f"integrations/{integration_id}")
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    return api_id


def test_quick_create_to_a_url_forwards_method_query_headers_and_body(apigw, invoke, backend):
    api_id = apigw.create_api(Name="quick-http", ProtocolType="HTTP", Target=f"{backend}/fixed")["ApiId"]
    [integration] = apigw.get_integrations(ApiId=api_id)["Items"]
    assert integration["IntegrationType"] == "HTTP_PROXY" and integration["IntegrationMethod"] == "ANY"
    assert integration["PayloadFormatVersion"] == "1.0"
    reply = invoke.host(api_id, "POST", "/anything?a=1&b=2", content=b"payload", headers={"X-Mine": "m"})
    assert reply.status_code == 200
    assert reply.headers["x-backend"] == "yes"
    seen = reply.json()
    assert seen["method"] == "POST"
    assert seen["path"] == "/fixed/anything?a=1&b=2"  # $default appends the request path
    assert seen["body"] == "payload"
    assert seen["headers"]["x-mine"] == "m"
    assert seen["headers"]["x-forwarded-for"]
    assert seen["headers"]["host"] == backend.removeprefix("http://")


def test_a_route_sends_to_its_uri_not_the_request_path(apigw, invoke, backend):
    api_id = _api(apigw, "GET /orders/{id}", f"{backend}/legacy/order")
    assert invoke.host(api_id, "GET", "/orders/5?x=1").json()["path"] == "/legacy/order?x=1"


def test_greedy_path_variable_in_the_uri(apigw, invoke, backend):
    api_id = _api(apigw, "ANY /api/{proxy+}", f"{backend}/v1/{{proxy}}")
    seen = invoke.path(api_id, "DELETE", "/api/users/7/profile?x=y").json()
    assert seen["method"] == "DELETE"
    assert seen["path"] == "/v1/users/7/profile?x=y"


def test_fixed_integration_method(apigw, invoke, backend):
    api_id = _api(apigw, "POST /convert", f"{backend}/c", IntegrationMethod="PUT")
    assert invoke.host(api_id, "POST", "/convert").json()["method"] == "PUT"


def test_request_and_response_parameter_mapping(apigw, invoke, backend):
    api_id = _api(
        apigw,
        "GET /items/{id}",
        f"{backend}/base",
        RequestParameters={
            "overwrite:path": "/mapped/$request.path.id",
            "append:header.X-Item": "item-$request.path.id",
            "overwrite:header.X-Stage": "$context.stage",
            "remove:header.X-Secret": "''",
            "overwrite:querystring.source": "gateway",
            "remove:querystring.drop": "''",
            "overwrite:header.X-Customer": "$request.body.customer.id",
        },
        ResponseParameters={
            "200": {
                "append:header.X-From-Backend": "$response.header.X-Backend",
                "overwrite:statuscode": "203",
            }
        },
    )
    reply = invoke.host(
        api_id,
        "GET",
        "/items/9?keep=1&drop=2",
        headers={"X-Secret": "s"},
        content=b'{"customer": {"id": "c-7"}}',
    )
    assert reply.status_code == 203
    assert reply.headers["x-from-backend"] == "yes"
    seen = reply.json()
    assert seen["path"].startswith("/mapped/9?")
    assert sorted(seen["path"].split("?")[1].split("&")) == ["keep=1", "source=gateway"]
    assert seen["headers"]["x-item"] == "item-9"
    assert seen["headers"]["x-stage"] == "$default"
    assert seen["headers"]["x-customer"] == "c-7"
    assert "x-secret" not in seen["headers"]


def test_backend_status_is_relayed(apigw, invoke, backend):
    api_id = _api(apigw, "GET /brew", f"{backend}/teapot")
    assert invoke.host(api_id, "GET", "/brew").status_code == 418


def test_unreachable_backend_is_500_and_slow_backend_is_504(apigw, invoke, backend):
    dead = _api(apigw, "GET /x", "http://127.0.0.1:9/nothing-listens")
    reply = invoke.host(dead, "GET", "/x")
    assert reply.status_code == 500 and reply.json() == {"message": "Internal Server Error"}
    slow = _api(apigw, "GET /x", f"{backend}/slow", TimeoutInMillis=200)
    reply = invoke.host(slow, "GET", "/x")
    assert reply.status_code == 504 and reply.json() == {"message": "Endpoint request timed out"}


@pytest.fixture(scope="module")
def cors_api(apigw, backend):
    api_id = _api(apigw, "ANY /{proxy+}", f"{backend}/{{proxy}}")
    apigw.update_api(
        ApiId=api_id,
        CorsConfiguration={
            "AllowOrigins": ["https://app.example"],
            "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["x-custom"],
            "ExposeHeaders": ["x-backend"],
            "MaxAge": 300,
            "AllowCredentials": True,
        },
    )
    return api_id


def test_cors_preflight_is_answered_by_the_gateway(invoke, cors_api):
    reply = invoke.host(
        cors_api,
        "OPTIONS",
        "/anything",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-custom",
        },
    )
    assert reply.status_code == 204
    assert reply.headers["access-control-allow-origin"] == "https://app.example"
    assert reply.headers["access-control-allow-methods"] == "GET,POST"
    assert reply.headers["access-control-allow-headers"] == "x-custom"
    assert reply.headers["access-control-allow-credentials"] == "true"
    assert reply.headers["access-control-max-age"] == "300"


def test_cors_headers_replace_the_backends(invoke, cors_api):
    reply = invoke.host(cors_api, "GET", "/data", headers={"Origin": "https://app.example"})
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == "https://app.example"
    assert reply.headers["access-control-expose-headers"] == "x-backend"
    assert reply.headers["access-control-allow-credentials"] == "true"


def test_cors_for_a_foreign_origin_adds_nothing(invoke, cors_api):
    preflight = invoke.host(
        cors_api,
        "OPTIONS",
        "/anything",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    reply = invoke.host(cors_api, "GET", "/data", headers={"Origin": "https://evil.example"})
    assert reply.status_code == 200
    assert "access-control-allow-origin" not in reply.headers  # nor the backend's own


def test_cors_wildcard_origin_and_headers(apigw, invoke, backend):
    api_id = _api(apigw, "GET /x", f"{backend}/x")
    apigw.update_api(
        ApiId=api_id, CorsConfiguration={"AllowOrigins": ["*"], "AllowHeaders": ["*"], "AllowMethods": ["*"]}
    )
    reply = invoke.path(
        api_id,
        "OPTIONS",
        "/x",
        headers={
            "Origin": "https://any.example",
            "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "x-a,x-b",
        },
    )
    assert reply.status_code == 204
    assert reply.headers["access-control-allow-origin"] == "*"
    assert reply.headers["access-control-allow-headers"] == "x-a,x-b"
    # A preflight needs no route: there is no OPTIONS route and no $default here.
    plain_options = invoke.path(api_id, "OPTIONS", "/x")
    assert plain_options.status_code == 404
