"""Lambda authorizers (TOKEN and REQUEST): who may call, by the IAM policy the function returns,
cached per identity for the authorizer's TTL. Cognito user pool authorizers: a token signed by
one of the authorizer's user pools, with one of the method's scopes when it names any."""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

from cloudlet.edge.types import Request
from cloudlet.services.apigateway.answers import GatewayError
from cloudlet.services.apigateway.requests import MethodRequest
from cloudlet.services.gateway import jwt_tokens, lambdas
from cloudlet.services.gateway.proxy_events import event_v1

_CONTEXT_TYPES = (str, int, float, bool)
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_.:-]+)\}")
_USER_POOL_ARN = re.compile(r"^arn:aws[a-z-]*:cognito-idp:([a-z0-9-]+):\d{12}:userpool/(.+)$")
# The token issuer of a user pool, where its signing keys are published (`cloudlet up
# --cognito-issuer` points it elsewhere: cloudlet has no Cognito of its own yet).
COGNITO_ISSUER = "https://cognito-idp.{region}.amazonaws.com/{pool}"


def _with_stage_variables(text: str, call: MethodRequest) -> str:
    return _STAGE_VARIABLE.sub(lambda m: call.stage_variables.get(m.group(1), ""), text)


def user_pool_issuers(authorizer: dict[str, Any], call: MethodRequest, template: str) -> list[str]:
    issuers = []
    for arn in authorizer.get("providerARNs") or []:
        match = _USER_POOL_ARN.match(_with_stage_variables(arn, call))
        if match:
            issuers.append(template.format(region=match.group(1), pool=match.group(2)))
    return issuers


async def cognito(
    keys: jwt_tokens.KeyCache, authorizer: dict[str, Any], call: MethodRequest, template: str, now: float
) -> dict[str, Any]:
    """requestContext.authorizer for a valid user pool token; raises GatewayError otherwise.

    Without method scopes an ID or access token of one of the pools passes; with scopes only an
    access token granting one of them does. Every failure is 401 Unauthorized, as on AWS."""
    values = identity_values(authorizer, call)
    if not values:
        raise GatewayError("UNAUTHORIZED")
    token = values[0]
    try:
        issuer = jwt_tokens.split_token(token)[1].get("iss")
        if issuer not in user_pool_issuers(authorizer, call, template):
            raise GatewayError("UNAUTHORIZED")
        claims = await jwt_tokens.verified_claims(token, issuer, keys, now)
    except jwt_tokens.InvalidToken:
        raise GatewayError("UNAUTHORIZED") from None
    scopes = call.method.get("authorizationScopes") or []
    use = claims.get("token_use")
    if scopes:
        granted = set(jwt_tokens.scopes_of(claims) or [])
        if use != "access" or not granted & set(scopes):
            raise GatewayError("UNAUTHORIZED")
    elif use not in ("id", "access"):
        raise GatewayError("UNAUTHORIZED")
    return {"claims": jwt_tokens.flat_claims(claims)}


def identity_values(authorizer: dict[str, Any], call: MethodRequest) -> list[str] | None:
    """The identity sources' values, or None when one is missing (the caller is Unauthorized)."""
    sources = [s.strip() for s in (authorizer.get("identitySource") or "").split(",") if s.strip()]
    values = []
    for source in sources:
        value = call.value(source)
        if not value:
            return None
        values.append(value)
    return values


def _event(authorizer: dict[str, Any], call: MethodRequest, values: list[str]) -> dict[str, Any]:
    if authorizer["type"] == "TOKEN":
        return {"type": "TOKEN", "methodArn": call.method_arn(), "authorizationToken": values[0]}
    event = event_v1(
        call.facts,
        call.resource_path,
        call.path_params,
        call.stage_variables,
        resource_id=call.resource["id"],
        rest=True,
    )
    event.pop("version", None)
    event["requestContext"] = call.context()
    return {"type": "REQUEST", "methodArn": call.method_arn(), **event}


async def authorize(
    env: Any, request: Request, authorizer: dict[str, Any], call: MethodRequest
) -> dict[str, Any]:
    """The authorizer's result (principalId, policyDocument, context...), once its policy allows
    this method; raises GatewayError otherwise."""
    values = identity_values(authorizer, call)
    if values is None or (authorizer["type"] == "TOKEN" and not values):
        raise GatewayError("UNAUTHORIZED")
    expression = authorizer.get("identityValidationExpression")
    if authorizer["type"] == "TOKEN" and expression and not re.fullmatch(expression, values[0]):
        raise GatewayError("UNAUTHORIZED")
    ttl = int(authorizer.get("authorizerResultTtlInSeconds") or 0)
    identity = json.dumps(values)
    now = env.clock.now()
    result = _cached(env, call, authorizer["id"], identity, now) if ttl > 0 and values else None
    if result is None:
        result = await _invoke(env, request, authorizer, call, values)
        if ttl > 0 and values:
            with env.store.db() as conn:
                conn.execute(
                    "INSERT INTO apigw_authorizer_results VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT"
                    " (api_id, stage, authorizer_id, identity) DO UPDATE SET expires = excluded.expires,"
                    " result = excluded.result",
                    (
                        call.facts.api_id,
                        call.facts.stage,
                        authorizer["id"],
                        identity,
                        now + ttl,
                        json.dumps(result),
                    ),
                )
    _evaluate(result.get("policyDocument") or {}, call.method_arn())
    return result


def _cached(
    env: Any, call: MethodRequest, authorizer_id: str, identity: str, now: float
) -> dict[str, Any] | None:
    with env.store.read() as conn:
        row = conn.execute(
            "SELECT result FROM apigw_authorizer_results WHERE api_id = ? AND stage = ? AND"
            " authorizer_id = ? AND identity = ? AND expires > ?",
            (call.facts.api_id, call.facts.stage, authorizer_id, identity, now),
        ).fetchone()
    return json.loads(row[0]) if row else None


async def _invoke(
    env: Any, request: Request, authorizer: dict[str, Any], call: MethodRequest, values: list[str]
) -> dict[str, Any]:
    try:
        uri = _with_stage_variables(authorizer["authorizerUri"], call)
        invocation = await lambdas.invoke(env, uri, _event(authorizer, call, values), request)
    except Exception as exc:
        raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR") from exc
    if invocation.failed:
        # A function that answers the error "Unauthorized" means: no valid identity (401).
        message = (invocation.json() or {}).get("errorMessage") if invocation.payload else None
        raise GatewayError("UNAUTHORIZED" if message == "Unauthorized" else "AUTHORIZER_CONFIGURATION_ERROR")
    try:
        result = invocation.json()
    except ValueError as exc:
        raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR") from exc
    if (
        not isinstance(result, dict)
        or "principalId" not in result
        or not isinstance(result.get("policyDocument"), dict)
    ):
        raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
    context = result.get("context") or {}
    if not isinstance(context, dict) or not all(isinstance(v, _CONTEXT_TYPES) for v in context.values()):
        raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
    return result


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _evaluate(policy: dict[str, Any], method_arn: str) -> None:
    """An explicit Deny wins; without a matching Allow the caller is denied too."""
    allowed = False
    for statement in _as_list(policy.get("Statement") or []):
        if not isinstance(statement, dict):
            continue
        actions = _as_list(statement.get("Action") or [])
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", str(a)) for a in actions):
            continue
        if not any(
            fnmatch.fnmatchcase(method_arn, str(r)) for r in _as_list(statement.get("Resource") or [])
        ):
            continue
        if statement.get("Effect") == "Deny":
            raise GatewayError("EXPLICIT_DENY")
        if statement.get("Effect") == "Allow":
            allowed = True
    if not allowed:
        raise GatewayError("ACCESS_DENIED")


def request_context(result: dict[str, Any]) -> dict[str, Any]:
    """requestContext.authorizer of the integration's event: the principal and the context."""
    return {"principalId": result["principalId"], "integrationLatency": 0, **(result.get("context") or {})}


async def test_invoke(
    env: Any, request: Request, authorizer: dict[str, Any], call: MethodRequest
) -> dict[str, Any]:
    """TestInvokeAuthorizer: the function's verdict for this request, without caching."""
    values = identity_values(authorizer, call)
    if not values:
        return {"clientStatus": 401, "log": "Unauthorized: identity source missing", "latency": 0}
    try:
        result = await _invoke(env, request, authorizer, call, values)
    except GatewayError as error:
        status = 401 if error.name == "UNAUTHORIZED" else 500
        return {"clientStatus": status, "log": f"Authorizer failed: {error.name}", "latency": 0}
    return {
        "clientStatus": 200,
        "log": "Authorizer succeeded",
        "latency": 0,
        "principalId": result["principalId"],
        "policy": json.dumps(result["policyDocument"]),
        "authorization": {k: [str(v)] for k, v in (result.get("context") or {}).items()},
    }
