"""Who may call a route: Lambda REQUEST authorizers (simple and IAM policy responses, payload
1.0 and 2.0, identity sources, TTL caching on the server's clock), JWT authorizers validated
against a JWKS this test serves, and IAM (SigV4) authorization."""

from __future__ import annotations

import time

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from cloudlet.testing.oidc import Issuer, jwk

ECHO = """
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"""

# The token says what to answer; every answer carries a fresh id, so a cached answer shows.
AUTHORIZER = """
import uuid

def handler(event, context):
    if event["version"] == "2.0":
        token = event["identitySource"][0]
        arn = event["routeArn"]
    else:
        token = event["identitySource"].split(",")[0]
        arn = event["methodArn"]
    if token == "explode":
        raise RuntimeError("authorizer failed")
    ctx = {"user": "u-" + token, "invocation": str(uuid.uuid4()), "type": event["type"], "arn": arn}
    if token.startswith("simple-"):
        return {"isAuthorized": token == "simple-yes", "context": ctx}
    effect = "Allow" if token in ("allow", "simple-yes") else "Deny"
    resource = arn if token != "allow-other" else arn.rsplit("/", 2)[0] + "/GET/elsewhere"
    return {"principalId": "p-" + token, "context": ctx,
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow" if token == "allow-other" else effect,
                 "Resource": resource}]}}
"""


@pytest.fixture(scope="module")
def echo(function):
    return function("gw-auth-echo", ECHO)


@pytest.fixture(scope="module")
def authorizer_fn(function):
    return function("gw-authorizer", AUTHORIZER)


def _api(apigw, echo, route="GET /secret") -> tuple[str, str]:
    api_id = apigw.create_api(Name="auth", ProtocolType="HTTP")["ApiId"]
    integration = apigw.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=echo, PayloadFormatVersion="2.0"
    )["IntegrationId"]
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    return api_id, integration


def _route(apigw, api_id, integration, key="GET /secret", **auth) -> str:
    return apigw.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integration}", **auth)[
        "RouteId"
    ]


# -- Lambda authorizers ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def simple_api(apigw, echo, authorizer_fn):
    api_id, integration = _api(apigw, echo)
    authorizer = apigw.create_authorizer(
        ApiId=api_id,
        Name="simple",
        AuthorizerType="REQUEST",
        AuthorizerUri=authorizer_fn,
        AuthorizerPayloadFormatVersion="2.0",
        EnableSimpleResponses=True,
        IdentitySource=["$request.header.Authorization"],
        AuthorizerResultTtlInSeconds=300,
    )["AuthorizerId"]
    _route(apigw, api_id, integration, AuthorizationType="CUSTOM", AuthorizerId=authorizer)
    return api_id


def test_simple_response_allows_and_passes_context(invoke, simple_api):
    reply = invoke.host(simple_api, "GET", "/secret", headers={"Authorization": "simple-yes"})
    assert reply.status_code == 200
    context = reply.json()["requestContext"]["authorizer"]["lambda"]
    assert context["user"] == "u-simple-yes"
    assert context["type"] == "REQUEST"
    assert context["arn"] == f"arn:aws:execute-api:us-east-1:000000000000:{simple_api}/$default/GET/secret"


def test_simple_response_refusal_is_403_and_missing_identity_is_401(invoke, simple_api):
    refused = invoke.host(simple_api, "GET", "/secret", headers={"Authorization": "simple-no"})
    assert refused.status_code == 403 and refused.json() == {"message": "Forbidden"}
    missing = invoke.host(simple_api, "GET", "/secret")
    assert missing.status_code == 401 and missing.json() == {"message": "Unauthorized"}


def test_authorizer_failure_is_500(invoke, simple_api):
    reply = invoke.host(simple_api, "GET", "/secret", headers={"Authorization": "explode"})
    assert reply.status_code == 500 and reply.json() == {"message": "Internal Server Error"}


def test_results_are_cached_for_the_ttl_per_identity(apigw, invoke, simple_api, server):
    def invocation(token: str) -> str:
        reply = invoke.host(simple_api, "GET", "/secret", headers={"Authorization": token})
        return reply.json()["requestContext"]["authorizer"]["lambda"]["invocation"]

    first = invocation("simple-yes")
    assert invocation("simple-yes") == first
    server.advance_clock(301)
    second = invocation("simple-yes")
    assert second != first
    assert invocation("simple-yes") == second
    apigw.reset_authorizers_cache(ApiId=simple_api, StageName="$default")
    assert invocation("simple-yes") != second


@pytest.fixture(scope="module")
def policy_api(apigw, echo, authorizer_fn):
    api_id, integration = _api(apigw, echo)
    v2 = apigw.create_authorizer(
        ApiId=api_id,
        Name="policy2",
        AuthorizerType="REQUEST",
        AuthorizerUri=authorizer_fn,
        AuthorizerPayloadFormatVersion="2.0",
        IdentitySource=["$request.querystring.token"],
    )["AuthorizerId"]
    v1 = apigw.create_authorizer(
        ApiId=api_id,
        Name="policy1",
        AuthorizerType="REQUEST",
        AuthorizerUri=authorizer_fn,
        AuthorizerPayloadFormatVersion="1.0",
        IdentitySource=["$request.header.X-Token"],
    )["AuthorizerId"]
    _route(apigw, api_id, integration, "GET /v2/{id}", AuthorizationType="CUSTOM", AuthorizerId=v2)
    _route(apigw, api_id, integration, "GET /v1/{id}", AuthorizationType="CUSTOM", AuthorizerId=v1)
    return api_id


def test_iam_policy_response_allow_and_deny(invoke, policy_api):
    allowed = invoke.host(policy_api, "GET", "/v2/5?token=allow")
    assert allowed.status_code == 200
    assert allowed.json()["requestContext"]["authorizer"]["lambda"]["user"] == "u-allow"
    denied = invoke.host(policy_api, "GET", "/v2/5?token=deny")
    assert denied.status_code == 403 and denied.json() == {"message": "Forbidden"}
    # An Allow for another resource grants nothing here.
    assert invoke.host(policy_api, "GET", "/v2/5?token=allow-other").status_code == 403
    assert invoke.host(policy_api, "GET", "/v2/5").status_code == 401


def test_payload_1_authorizer_gets_method_arn_and_header_identity(invoke, policy_api):
    reply = invoke.host(policy_api, "GET", "/v1/5", headers={"X-Token": "allow"})
    assert reply.status_code == 200
    context = reply.json()["requestContext"]["authorizer"]["lambda"]
    assert context["arn"] == f"arn:aws:execute-api:us-east-1:000000000000:{policy_api}/$default/GET/v1/5"
    assert invoke.host(policy_api, "GET", "/v1/5", headers={"X-Token": "deny"}).status_code == 403


def test_authorizer_without_permission_is_500(apigw, invoke, echo, function):
    bare = function("gw-authorizer-bare", AUTHORIZER, permit=False)
    api_id, integration = _api(apigw, echo)
    authorizer = apigw.create_authorizer(
        ApiId=api_id,
        Name="bare",
        AuthorizerType="REQUEST",
        AuthorizerUri=bare,
        AuthorizerPayloadFormatVersion="2.0",
        EnableSimpleResponses=True,
        IdentitySource=["$request.header.Authorization"],
    )["AuthorizerId"]
    _route(apigw, api_id, integration, AuthorizationType="CUSTOM", AuthorizerId=authorizer)
    assert invoke.host(api_id, "GET", "/secret", headers={"Authorization": "simple-yes"}).status_code == 500


# -- JWT authorizers -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def issuer():
    running = Issuer()
    yield running
    running.close()


@pytest.fixture(scope="module")
def jwt_api(apigw, echo, issuer):
    api_id, integration = _api(apigw, echo)
    authorizer = apigw.create_authorizer(
        ApiId=api_id,
        Name="jwt",
        AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": issuer.url, "Audience": ["my-app", "other-app"]},
    )["AuthorizerId"]
    _route(apigw, api_id, integration, "GET /open", AuthorizationType="JWT", AuthorizerId=authorizer)
    _route(
        apigw,
        api_id,
        integration,
        "GET /scoped",
        AuthorizationType="JWT",
        AuthorizerId=authorizer,
        AuthorizationScopes=["orders:read", "admin"],
    )
    return api_id


def test_valid_jwt_reaches_the_integration_with_its_claims(invoke, jwt_api, issuer):
    token = issuer.token(scope="orders:read profile", groups=["a", "b"])
    reply = invoke.host(jwt_api, "GET", "/open", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200
    jwt = reply.json()["requestContext"]["authorizer"]["jwt"]
    assert jwt["claims"]["sub"] == "user-1"
    assert jwt["claims"]["iss"] == issuer.url
    assert jwt["claims"]["groups"] == "[a b]"
    assert isinstance(jwt["claims"]["exp"], str)
    assert jwt["scopes"] == ["orders:read", "profile"]
    # without the Bearer prefix too, and with the other audience
    plain = issuer.token(aud="other-app")
    assert invoke.host(jwt_api, "GET", "/open", headers={"Authorization": plain}).status_code == 200


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "garbage",
        "wrong-key",
        "unknown-kid",
        "wrong-issuer",
        "wrong-audience",
        "expired",
        "not-yet",
        "hs256",
    ],
)
def test_invalid_jwts_are_401(invoke, jwt_api, issuer, case):
    now = int(time.time())
    tokens = {
        "missing": None,
        "garbage": "not.a.token",
        "wrong-key": issuer.token(key=issuer.stranger),
        "unknown-kid": issuer.token(kid="k9"),
        "wrong-issuer": issuer.token(iss="https://someone-else.example"),
        "wrong-audience": issuer.token(aud="another"),
        "expired": issuer.token(exp=now - 10),
        "not-yet": issuer.token(nbf=now + 3600),
        "hs256": issuer.token(alg="HS256"),
    }
    headers = {"Authorization": f"Bearer {tokens[case]}"} if tokens[case] else {}
    reply = invoke.host(jwt_api, "GET", "/open", headers=headers)
    assert reply.status_code == 401
    assert reply.json() == {"message": "Unauthorized"}


def test_jwt_expiry_follows_the_server_clock(invoke, jwt_api, issuer, server):
    token = issuer.token(exp=int(time.time()) + 3600)
    headers = {"Authorization": f"Bearer {token}"}
    assert invoke.host(jwt_api, "GET", "/open", headers=headers).status_code == 200
    server.advance_clock(3600)
    reply = invoke.host(jwt_api, "GET", "/open", headers=headers)
    assert reply.status_code == 401
    assert "invalid_token" in reply.headers["www-authenticate"]


def test_rotated_keys_are_fetched_again_for_an_unknown_kid(invoke, jwt_api, issuer, server):
    exp = int(time.time()) + 10**6
    assert (
        invoke.host(jwt_api, "GET", "/open", headers={"Authorization": issuer.token(exp=exp)}).status_code
        == 200
    )
    issuer.jwks = {"keys": [*issuer.jwks["keys"], jwk("k2", issuer.stranger)]}
    rotated = issuer.token(key=issuer.stranger, kid="k2", exp=exp)
    server.advance_clock(60)  # past the pause between two fetches of the issuer's keys
    assert invoke.host(jwt_api, "GET", "/open", headers={"Authorization": rotated}).status_code == 200


def test_route_scopes_need_one_match(invoke, jwt_api, issuer):
    now = int(time.time())
    exp = now + 10**6  # clear of any clock the other tests moved
    good = issuer.token(scope="profile admin", exp=exp, iat=now)
    assert invoke.host(jwt_api, "GET", "/scoped", headers={"Authorization": good}).status_code == 200
    scp = issuer.token(scp=["orders:read"], exp=exp, iat=now)
    assert invoke.host(jwt_api, "GET", "/scoped", headers={"Authorization": scp}).status_code == 200
    lacking = issuer.token(scope="profile", exp=exp, iat=now)
    reply = invoke.host(jwt_api, "GET", "/scoped", headers={"Authorization": lacking})
    assert reply.status_code == 403 and reply.json() == {"message": "Forbidden"}


# -- IAM -------------------------------------------------------------------------------------------


def test_iam_authorization_needs_a_valid_signature(apigw, invoke, echo):
    api_id, integration = _api(apigw, echo)
    _route(apigw, api_id, integration, "GET /iam", AuthorizationType="AWS_IAM")
    url = f"{invoke.endpoint}/_aws/execute-api/{api_id}/iam"
    assert invoke.http.get(url).status_code == 403
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials("test", "test"), "execute-api", "us-east-1").add_auth(request)
    reply = invoke.http.get(url, headers=dict(request.headers))
    assert reply.status_code == 200
    iam = reply.json()["requestContext"]["authorizer"]["iam"]
    assert iam["accessKey"] == "test" and iam["accountId"] == "000000000000"
    bad = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials("test", "wrong-secret"), "execute-api", "us-east-1").add_auth(bad)
    assert invoke.http.get(url, headers=dict(bad.headers)).status_code == 403
