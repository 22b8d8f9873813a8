"""Lambda authorizers: TOKEN and REQUEST, policy evaluation, result caching, AWS's answers."""

from __future__ import annotations

import json

import pytest

from cloudlet.testing.sink import SINK_RECORD

AUTHORIZER = SINK_RECORD + """
import os
def handler(event, context):
    record(os.environ["CALLS_URL"], context.aws_request_id)
    token = event.get("authorizationToken") or (event.get("headers") or {}).get("x-user", "")
    if token == "crash":
        raise RuntimeError("bug")
    if token == "nobody":
        raise Exception("Unauthorized")
    effect = "Deny" if token == "deny" else "Allow"
    resource = event["methodArn"]
    if token == "other":
        resource = event["methodArn"].rsplit("/", 2)[0] + "/POST/*"
    return {"principalId": "user-" + token, "context": {"tier": "gold", "n": 3},
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]}}
"""

ECHO = """
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}
"""


@pytest.fixture(scope="module")
def guarded(apigw, function, uri_of, rest_api, add_path, reports):
    calls_url = reports.url_for("authorizer")
    auth_arn = function("apigw-authorizer", AUTHORIZER, Environment={"Variables": {"CALLS_URL": calls_url}})
    echo_arn = function("apigw-auth-echo", ECHO)
    api_id, root = rest_api("guarded")
    token = apigw.create_authorizer(
        restApiId=api_id,
        name="token",
        type="TOKEN",
        authorizerUri=uri_of(auth_arn),
        identitySource="method.request.header.Authorization",
        identityValidationExpression="^[a-z]+$",
        authorizerResultTtlInSeconds=60,
    )
    request = apigw.create_authorizer(
        restApiId=api_id,
        name="request",
        type="REQUEST",
        authorizerUri=uri_of(auth_arn),
        identitySource="method.request.header.X-User",
        authorizerResultTtlInSeconds=0,
    )
    for path, authorizer in (("/token", token["id"]), ("/request", request["id"])):
        resource = add_path(api_id, root, path)
        apigw.put_method(
            restApiId=api_id,
            resourceId=resource,
            httpMethod="GET",
            authorizationType="CUSTOM",
            authorizerId=authorizer,
        )
        apigw.put_integration(
            restApiId=api_id,
            resourceId=resource,
            httpMethod="GET",
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=uri_of(echo_arn),
        )
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    return api_id, lambda: len(reports.records("authorizer"))


def test_token_authorizer_allows_and_passes_context(http, guarded):
    api_id, _ = guarded
    reply = http.get(f"/{api_id}/prod/token", headers={"Authorization": "alice"})
    assert reply.status_code == 200
    assert reply.json() == {"principalId": "user-alice", "integrationLatency": 0, "tier": "gold", "n": 3}


def test_token_authorizer_answers(http, guarded):
    api_id, _ = guarded
    cases = {
        None: (401, {"message": "Unauthorized"}),
        "Not-Valid!": (401, {"message": "Unauthorized"}),
        "nobody": (401, {"message": "Unauthorized"}),
        "deny": (403, {"Message": "User is not authorized to access this resource with an explicit deny"}),
        "other": (403, {"Message": "User is not authorized to access this resource"}),
        "crash": (500, {"message": None}),
    }
    for token, expected in cases.items():
        headers = {"Authorization": token} if token else {}
        reply = http.get(f"/{api_id}/prod/token", headers=headers)
        assert (reply.status_code, reply.json()) == expected, token


def test_results_are_cached_for_the_ttl(http, guarded, server):
    api_id, calls = guarded
    http.get(f"/{api_id}/prod/token", headers={"Authorization": "bob"})
    before = calls()
    assert http.get(f"/{api_id}/prod/token", headers={"Authorization": "bob"}).status_code == 200
    assert calls() == before
    server.advance_clock(61)
    assert http.get(f"/{api_id}/prod/token", headers={"Authorization": "bob"}).status_code == 200
    assert calls() == before + 1


def test_request_authorizer(http, guarded):
    api_id, calls = guarded
    assert http.get(f"/{api_id}/prod/request").status_code == 401
    before = calls()
    for _ in range(2):
        reply = http.get(f"/{api_id}/prod/request", headers={"X-User": "carol"})
        assert reply.json()["principalId"] == "user-carol"
    assert calls() == before + 2  # TTL 0: no caching
    assert http.get(f"/{api_id}/prod/request", headers={"X-User": "deny"}).status_code == 403


def test_authorizer_control_plane(apigw, guarded, uri_of):
    api_id, _ = guarded
    items = apigw.get_authorizers(restApiId=api_id)["items"]
    assert {a["name"] for a in items} == {"token", "request"}
    token = next(a for a in items if a["name"] == "token")
    updated = apigw.update_authorizer(
        restApiId=api_id,
        authorizerId=token["id"],
        patchOperations=[{"op": "replace", "path": "/authorizerResultTtlInSeconds", "value": "120"}],
    )
    assert updated["authorizerResultTtlInSeconds"] == 120
    apigw.flush_stage_authorizers_cache(restApiId=api_id, stageName="prod")


def test_test_invoke_authorizer(apigw, guarded):
    api_id, _ = guarded
    token = next(a for a in apigw.get_authorizers(restApiId=api_id)["items"] if a["name"] == "token")
    reply = apigw.test_invoke_authorizer(
        restApiId=api_id,
        authorizerId=token["id"],
        headers={"Authorization": "dave"},
        pathWithQueryString="/token",
    )
    assert reply["clientStatus"] == 200 and reply["principalId"] == "user-dave"
    assert json.loads(reply["policy"])["Statement"][0]["Effect"] == "Allow"
    refused = apigw.test_invoke_authorizer(
        restApiId=api_id, authorizerId=token["id"], headers={"Authorization": "nobody"}
    )
    assert refused["clientStatus"] == 401
