"""Tags, account settings, stage method throttling, TestInvokeMethod, timeouts, disabled endpoints."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Slow(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(1)  # the slow origin is the behaviour under test
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def slow_origin():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def mock_api(apigw, rest_api):
    api_id, root = rest_api("ops")
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    apigw.put_method_response(restApiId=api_id, resourceId=root, httpMethod="GET", statusCode="200")
    apigw.put_integration_response(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        statusCode="200",
        responseTemplates={"application/json": '{"stage": "$context.stage", "v": "$stageVariables.v"}'},
    )
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    return api_id, root


def test_tags(apigw, mock_api):
    api_id, _ = mock_api
    arn = f"arn:aws:apigateway:us-east-1::/restapis/{api_id}"
    apigw.tag_resource(resourceArn=arn, tags={"env": "test", "team": "web"})
    apigw.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert apigw.get_tags(resourceArn=arn)["tags"] == {"env": "test"}
    stage_arn = f"{arn}/stages/prod"
    apigw.tag_resource(resourceArn=stage_arn, tags={"tier": "gold"})
    assert apigw.get_stage(restApiId=api_id, stageName="prod")["tags"] == {"tier": "gold"}


def test_account_settings(apigw):
    assert apigw.get_account()["throttleSettings"] == {"burstLimit": 5000, "rateLimit": 10000.0}
    role = "arn:aws:iam::000000000000:role/apigw-logs"
    updated = apigw.update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role}]
    )
    assert updated["cloudwatchRoleArn"] == role and apigw.get_account()["cloudwatchRoleArn"] == role


def test_stage_method_throttling(apigw, http, mock_api, server):
    api_id, _ = mock_api
    apigw.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "1"},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "1"},
        ],
    )
    assert http.get(f"/{api_id}/prod/").status_code == 200
    throttled = http.get(f"/{api_id}/prod/")
    assert (throttled.status_code, throttled.json()) == (429, {"message": "Too Many Requests"})
    server.advance_clock(1.5)
    assert http.get(f"/{api_id}/prod/").status_code == 200
    apigw.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[{"op": "remove", "path": "/*/*/throttling/rateLimit"}],
    )


def test_test_invoke_method(apigw, mock_api):
    api_id, root = mock_api
    reply = apigw.test_invoke_method(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        pathWithQueryString="/",
        stageVariables={"v": "x"},
    )
    assert reply["status"] == 200
    assert reply["body"] == '{"stage": "test-invoke-stage", "v": "x"}'
    assert "Method completed with status: 200" in reply["log"]


def test_integration_timeout_is_504(apigw, http, rest_api, slow_origin):
    api_id, root = rest_api("slow")
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(
        restApiId=api_id,
        resourceId=root,
        httpMethod="GET",
        type="HTTP_PROXY",
        integrationHttpMethod="GET",
        uri=slow_origin,
        timeoutInMillis=100,
    )
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    reply = http.get(f"/{api_id}/prod/")
    assert (reply.status_code, reply.json()) == (504, {"message": "Endpoint request timed out"})


def test_disabled_execute_api_endpoint(apigw, http, rest_api):
    api_id, root = rest_api("disabled")
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    apigw.update_rest_api(
        restApiId=api_id,
        patchOperations=[{"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "true"}],
    )
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    reply = http.get(f"/{api_id}/prod/")
    assert (reply.status_code, reply.json()) == (403, {"message": "Forbidden"})


def test_access_logs_go_to_cloudwatch_logs(apigw, client, http, mock_api):
    api_id, _ = mock_api
    logs = client("logs")
    logs.create_log_group(logGroupName="/apigw/access")
    arn = "arn:aws:logs:us-east-1:000000000000:log-group:/apigw/access"
    apigw.update_stage(
        restApiId=api_id,
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": arn},
            {
                "op": "replace",
                "path": "/accessLogSettings/format",
                "value": '{"id":"$context.requestId","status":"$context.status","path":"$context.resourcePath",'
                '"error":$context.error.messageString}',
            },
        ],
    )
    ok = http.get(f"/{api_id}/prod/")
    missing = http.get(f"/{api_id}/prod/nowhere")
    events = logs.filter_log_events(logGroupName="/apigw/access")["events"]
    lines = [json.loads(e["message"]) for e in events]
    assert {"id": ok.headers["x-amzn-requestid"], "status": "200", "path": "/", "error": None} in lines
    assert {
        "id": missing.headers["x-amzn-requestid"],
        "status": "403",
        "path": "-",
        "error": "Missing Authentication Token",
    } in lines
