"""Stages and deployments of HTTP APIs: named stages in the URL, $default, auto-deploy versus
manual deployments (a stage serves its deployment's snapshot), stage variables, throttling."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

ECHO = """
import json, os
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"fn": os.environ["AWS_LAMBDA_FUNCTION_NAME"], "event": event})}
"""


@pytest.fixture(scope="module")
def blue(function):
    return function("gw-blue", ECHO)


@pytest.fixture(scope="module")
def green(function):
    return function("gw-green", ECHO)


def _api_with_route(apigw, uri: str, route: str = "GET /hello") -> tuple[str, str]:
    api_id = apigw.create_api(Name="staged", ProtocolType="HTTP")["ApiId"]
    integration = apigw.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=uri, PayloadFormatVersion="2.0"
    )["IntegrationId"]
    route_id = apigw.create_route(ApiId=api_id, RouteKey=route, Target=f"integrations/{integration}")[
        "RouteId"
    ]
    return api_id, route_id


def test_named_stage_serves_its_deployment_until_redeployed(apigw, invoke, blue):
    api_id, route_id = _api_with_route(apigw, blue)
    apigw.create_stage(ApiId=api_id, StageName="prod")
    assert invoke.host(api_id, "GET", "/prod/hello").status_code == 404  # nothing deployed yet
    deployment = apigw.create_deployment(ApiId=api_id, StageName="prod", Description="first")
    assert deployment["DeploymentStatus"] == "DEPLOYED" and deployment["AutoDeployed"] is False
    assert apigw.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"] == deployment["DeploymentId"]

    reply = invoke.host(api_id, "GET", "/prod/hello")
    assert reply.status_code == 200
    event = reply.json()["event"]
    assert event["rawPath"] == "/prod/hello"
    assert event["requestContext"]["stage"] == "prod"
    assert event["routeKey"] == "GET /hello"
    assert invoke.host(api_id, "GET", "/hello").status_code == 404  # no $default stage

    apigw.update_route(ApiId=api_id, RouteId=route_id, RouteKey="GET /renamed")
    assert invoke.host(api_id, "GET", "/prod/hello").status_code == 200  # still the old deployment
    apigw.create_deployment(ApiId=api_id, StageName="prod")
    assert invoke.host(api_id, "GET", "/prod/hello").status_code == 404
    assert invoke.path(api_id, "GET", "/prod/renamed").status_code == 200
    assert len(apigw.get_deployments(ApiId=api_id)["Items"]) == 2


def test_auto_deploy_stage_follows_every_change(apigw, invoke, blue, green):
    api_id, _ = _api_with_route(apigw, blue)
    apigw.create_stage(ApiId=api_id, StageName="live", AutoDeploy=True)
    assert invoke.host(api_id, "GET", "/live/hello").json()["fn"] == "gw-blue"
    [integration] = apigw.get_integrations(ApiId=api_id)["Items"]
    apigw.update_integration(ApiId=api_id, IntegrationId=integration["IntegrationId"], IntegrationUri=green)
    assert invoke.host(api_id, "GET", "/live/hello").json()["fn"] == "gw-green"
    stage = apigw.get_stage(ApiId=api_id, StageName="live")
    assert "Successfully deployed stage" in stage["LastDeploymentStatusMessage"]
    with pytest.raises(ClientError) as caught:
        apigw.create_deployment(ApiId=api_id, StageName="live")
    assert caught.value.response["Error"]["Code"] == "BadRequestException"


def test_default_stage_has_no_prefix_and_named_stage_wins_its_segment(apigw, invoke, blue):
    api_id, _ = _api_with_route(apigw, blue, "ANY /{proxy+}")
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    apigw.create_stage(ApiId=api_id, StageName="beta", AutoDeploy=True)
    default = invoke.host(api_id, "GET", "/gamma/x").json()["event"]
    assert default["requestContext"]["stage"] == "$default"
    assert default["pathParameters"] == {"proxy": "gamma/x"}
    beta = invoke.host(api_id, "GET", "/beta/x").json()["event"]
    assert beta["requestContext"]["stage"] == "beta"
    assert beta["pathParameters"] == {"proxy": "x"}


def test_stage_variables_reach_the_event_and_pick_the_function(apigw, invoke, blue, green):
    uri = "arn:aws:lambda:us-east-1:000000000000:function:${stageVariables.fn}"
    api_id, _ = _api_with_route(apigw, uri)
    apigw.create_stage(
        ApiId=api_id, StageName="b", AutoDeploy=True, StageVariables={"fn": "gw-blue", "color": "blue"}
    )
    apigw.create_stage(ApiId=api_id, StageName="g", AutoDeploy=True, StageVariables={"fn": "gw-green"})
    reply = invoke.host(api_id, "GET", "/b/hello").json()
    assert reply["fn"] == "gw-blue"
    assert reply["event"]["stageVariables"] == {"fn": "gw-blue", "color": "blue"}
    assert invoke.host(api_id, "GET", "/g/hello").json()["fn"] == "gw-green"
    apigw.update_stage(ApiId=api_id, StageName="g", StageVariables={"fn": "gw-blue"})
    assert invoke.host(api_id, "GET", "/g/hello").json()["fn"] == "gw-blue"


def test_route_throttling_answers_429_until_tokens_refill(apigw, invoke, blue, server):
    api_id, _ = _api_with_route(apigw, blue)
    apigw.create_stage(
        ApiId=api_id,
        StageName="$default",
        AutoDeploy=True,
        RouteSettings={"GET /hello": {"ThrottlingBurstLimit": 2, "ThrottlingRateLimit": 0.01}},
    )
    assert [invoke.host(api_id, "GET", "/hello").status_code for _ in range(2)] == [200, 200]
    throttled = invoke.host(api_id, "GET", "/hello")
    assert throttled.status_code == 429
    assert throttled.json() == {"message": "Too Many Requests"}
    server.advance_clock(100)  # 0.01 request/s refills one token in 100 s
    assert invoke.host(api_id, "GET", "/hello").status_code == 200
    assert invoke.host(api_id, "GET", "/hello").status_code == 429


def test_default_route_settings_throttle_every_route_and_zero_blocks(apigw, invoke, blue):
    api_id, _ = _api_with_route(apigw, blue)
    apigw.create_stage(
        ApiId=api_id,
        StageName="$default",
        AutoDeploy=True,
        DefaultRouteSettings={"ThrottlingBurstLimit": 0, "ThrottlingRateLimit": 0},
    )
    assert invoke.host(api_id, "GET", "/hello").status_code == 429
    apigw.update_stage(
        ApiId=api_id,
        StageName="$default",
        DefaultRouteSettings={"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 100},
    )
    assert invoke.host(api_id, "GET", "/hello").status_code == 200


def test_deleting_a_stage_stops_serving_it(apigw, invoke, blue):
    api_id, _ = _api_with_route(apigw, blue)
    apigw.create_stage(ApiId=api_id, StageName="temp", AutoDeploy=True)
    assert invoke.host(api_id, "GET", "/temp/hello").status_code == 200
    apigw.delete_stage(ApiId=api_id, StageName="temp")
    assert invoke.host(api_id, "GET", "/temp/hello").status_code == 404


def test_a_deployment_in_use_cannot_be_deleted(apigw, blue):
    api_id, _ = _api_with_route(apigw, blue)
    apigw.create_stage(ApiId=api_id, StageName="s1")
    deployment = apigw.create_deployment(ApiId=api_id, StageName="s1")["DeploymentId"]
    with pytest.raises(ClientError) as caught:
        apigw.delete_deployment(ApiId=api_id, DeploymentId=deployment)
    assert caught.value.response["Error"]["Code"] == "BadRequestException"
    apigw.delete_stage(ApiId=api_id, StageName="s1")
    apigw.delete_deployment(ApiId=api_id, DeploymentId=deployment)
    with pytest.raises(ClientError) as caught:
        apigw.get_deployment(ApiId=api_id, DeploymentId=deployment)
    assert caught.value.response["Error"]["Code"] == "NotFoundException"


def test_access_logs_reach_cloudwatch_logs(apigw, invoke, blue, client):
    logs = client("logs")
    logs.create_log_group(logGroupName="/apigw/access")
    api_id, _ = _api_with_route(apigw, blue)
    apigw.create_stage(
        ApiId=api_id,
        StageName="$default",
        AutoDeploy=True,
        AccessLogSettings={
            "DestinationArn": "arn:aws:logs:us-east-1:000000000000:log-group:/apigw/access",
            "Format": '{"requestId":"$context.requestId","status":"$context.status","routeKey":"$context.routeKey",'
            '"method":"$context.httpMethod"}',
        },
    )
    ok = invoke.host(api_id, "GET", "/hello")
    missing = invoke.host(api_id, "POST", "/nowhere")
    lines: list[dict] = []
    deadline = time.monotonic() + 10
    while len(lines) < 2 and time.monotonic() < deadline:
        events = logs.filter_log_events(logGroupName="/apigw/access")["events"]
        lines = [json.loads(e["message"]) for e in events]
        time.sleep(0.05)  # delivery runs in the server's dispatcher: nothing to await from here
    by_id = {line["requestId"]: line for line in lines}
    assert by_id[ok.headers["apigw-requestid"]] == {
        "requestId": ok.headers["apigw-requestid"],
        "status": "200",
        "routeKey": "GET /hello",
        "method": "GET",
    }
    assert by_id[missing.headers["apigw-requestid"]]["status"] == "404"
    assert by_id[missing.headers["apigw-requestid"]]["routeKey"] == "-"
    apigw.delete_access_log_settings(ApiId=api_id, StageName="$default")
    assert "AccessLogSettings" not in apigw.get_stage(ApiId=api_id, StageName="$default")


def test_disabled_execute_api_endpoint_is_403(apigw, invoke, blue):
    api_id, _ = _api_with_route(apigw, blue)
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    assert invoke.host(api_id, "GET", "/hello").status_code == 200
    apigw.update_api(ApiId=api_id, DisableExecuteApiEndpoint=True)
    reply = invoke.host(api_id, "GET", "/hello")
    assert reply.status_code == 403 and reply.json() == {"message": "Forbidden"}


def test_update_api_moves_a_quick_created_api(apigw, invoke, blue, green):
    api_id = apigw.create_api(Name="quick-move", ProtocolType="HTTP", Target=blue, RouteKey="GET /hello")[
        "ApiId"
    ]
    assert invoke.host(api_id, "GET", "/hello").json()["fn"] == "gw-blue"
    apigw.update_api(ApiId=api_id, Target=green, RouteKey="GET /bye")
    assert invoke.host(api_id, "GET", "/hello").status_code == 404
    assert invoke.host(api_id, "GET", "/bye").json()["fn"] == "gw-green"
    plain, _ = _api_with_route(apigw, blue)
    with pytest.raises(ClientError) as caught:
        apigw.update_api(ApiId=plain, Target=green)
    assert caught.value.response["Error"]["Code"] == "BadRequestException"
