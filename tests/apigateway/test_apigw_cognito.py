"""Cognito user pool authorizers on a REST API, against user pools this test publishes: cloudlet
runs with `--cognito-issuer` pointing user pool ARNs at a local OpenID issuer, so the tokens are
checked as AWS checks Cognito's (signature by the pool's keys, issuer, expiry, token use, the
method's scopes), and the integration gets the claims."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator

import pytest

from cloudlet.testing.oidc import Issuer
from cloudlet.testing.server import RunningServer, start_server

POOL = "us-east-1_TestPool1"
OTHER_POOL = "us-east-1_TestPool2"

ECHO = """
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}
"""


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    running = Issuer()
    yield running
    running.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, issuer) -> Iterator[RunningServer]:
    data_dir = str(tmp_path_factory.mktemp("cloudlet"))
    running = start_server(data_dir, "--cognito-issuer", issuer.root + "/{pool}")
    yield running
    running.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def pool_arn(pool: str) -> str:
    return f"arn:aws:cognito-idp:us-east-1:000000000000:userpool/{pool}"


@pytest.fixture(scope="module")
def guarded(apigw, function, uri_of, rest_api, add_path):
    echo = function("cognito-echo", ECHO)
    api_id, root = rest_api("cognito")
    authorizer = apigw.create_authorizer(
        restApiId=api_id, name="pool", type="COGNITO_USER_POOLS",
        providerARNs=[pool_arn(POOL), "arn:aws:cognito-idp:us-east-1:000000000000:userpool/${stageVariables.pool}"],
    )
    assert authorizer["identitySource"] == "method.request.header.Authorization"
    for path, scopes in (("/profile", None), ("/orders", ["orders/read"])):
        resource = add_path(api_id, root, path)
        extra = {"authorizationScopes": scopes} if scopes else {}
        apigw.put_method(restApiId=api_id, resourceId=resource, httpMethod="GET",
                         authorizationType="COGNITO_USER_POOLS", authorizerId=authorizer["id"], **extra)
        apigw.put_integration(restApiId=api_id, resourceId=resource, httpMethod="GET", type="AWS_PROXY",
                              integrationHttpMethod="POST", uri=uri_of(echo))
    apigw.create_deployment(restApiId=api_id, stageName="prod", variables={"pool": OTHER_POOL})
    return api_id


def id_token(issuer: Issuer, pool: str = POOL, **claims) -> str:
    claims = {"token_use": "id", "email": "ann@example.com", "cognito:username": "ann", **claims}
    return issuer.token(iss=issuer.at(pool), **claims)


def access_token(issuer: Issuer, scope: str, pool: str = POOL, **claims) -> str:
    return issuer.token(iss=issuer.at(pool), token_use="access", aud=None, client_id="app", scope=scope, **claims)


def test_id_token_reaches_the_integration_with_its_claims(http, guarded, issuer):
    reply = http.get(f"/{guarded}/prod/profile", headers={"Authorization": id_token(issuer)})
    assert reply.status_code == 200, reply.text
    claims = reply.json()["claims"]
    assert claims["email"] == "ann@example.com"
    assert claims["cognito:username"] == "ann"
    assert claims["iss"] == issuer.at(POOL)
    assert claims["token_use"] == "id"
    assert isinstance(claims["exp"], str)  # every claim a string, as API Gateway passes them


def test_pool_named_by_a_stage_variable(http, guarded, issuer):
    token = id_token(issuer, pool=OTHER_POOL)
    assert http.get(f"/{guarded}/prod/profile", headers={"Authorization": token}).status_code == 200


def test_scoped_method_needs_an_access_token_with_the_scope(http, guarded, issuer):
    path = f"/{guarded}/prod/orders"
    granted = access_token(issuer, "orders/read profile")
    reply = http.get(path, headers={"Authorization": granted})
    assert reply.status_code == 200, reply.text
    assert reply.json()["claims"]["scope"] == "orders/read profile"
    for token in (access_token(issuer, "profile"), id_token(issuer)):
        reply = http.get(path, headers={"Authorization": token})
        assert (reply.status_code, reply.json()) == (401, {"message": "Unauthorized"})
    # An access token also passes a method without scopes.
    assert http.get(f"/{guarded}/prod/profile", headers={"Authorization": granted}).status_code == 200


def test_refused_tokens_are_401(http, guarded, issuer):
    now = int(time.time())
    cases = {
        "missing": None,
        "not-a-jwt": "abc.def",
        "wrong-key": id_token(issuer, key=issuer.stranger),
        "unknown-kid": id_token(issuer, kid="k9"),
        "unknown-pool": id_token(issuer, pool="us-east-1_Stranger"),
        "foreign-issuer": issuer.token(iss="https://cognito-idp.us-east-1.amazonaws.com/" + POOL, token_use="id"),
        "expired": id_token(issuer, exp=now - 5),
        "no-token-use": issuer.token(iss=issuer.at(POOL)),
        "refresh-like": id_token(issuer, token_use="refresh"),
    }
    for name, token in cases.items():
        headers = {"Authorization": token} if token else {}
        reply = http.get(f"/{guarded}/prod/profile", headers=headers)
        assert (reply.status_code, reply.json()) == (401, {"message": "Unauthorized"}), name
        assert reply.headers.get("x-amzn-errortype") == "UnauthorizedException", name


def test_token_expiry_follows_the_server_clock(http, guarded, issuer, server):
    token = id_token(issuer, exp=int(time.time()) + 120)
    assert http.get(f"/{guarded}/prod/profile", headers={"Authorization": token}).status_code == 200
    server.advance_clock(300)
    reply = http.get(f"/{guarded}/prod/profile", headers={"Authorization": token})
    assert json.loads(reply.text) == {"message": "Unauthorized"}
