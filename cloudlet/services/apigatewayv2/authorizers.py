"""Who may call a route: JWT, Lambda (REQUEST) and IAM authorizers of HTTP APIs.

A check ends in a Decision: either the `requestContext.authorizer` the integration sees, or the
gateway's own refusal (401 when the identity is missing or invalid, 403 when it is refused,
500 when the authorizer itself fails). Lambda authorizer results are cached for their TTL,
keyed by the identity sources' values, in the store (every edge worker shares them); the
clock decides when they expire.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudlet.aws.auth.errors import AuthError
from cloudlet.aws.errors import ServiceError
from cloudlet.aws.sigv4 import authenticate
from cloudlet.edge.types import Request, Response
from cloudlet.services.apigatewayv2 import mapping, store
from cloudlet.services.gateway import jwt_tokens, lambdas, replies
from cloudlet.services.gateway.policies import MalformedPolicy, allows
from cloudlet.services.gateway.proxy_events import Facts, event_v1, event_v2

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

JWT_IDENTITY = "$request.header.Authorization"
# WebSocket APIs write identity sources without the `$` and with `route.` before `request`.
_WEBSOCKET_SOURCES = (
    ("route.request.header.", "$request.header."),
    ("route.request.querystring.", "$request.querystring."),
    ("stageVariables.", "$stageVariables."),
    ("context.", "$context."),
)


@dataclass(frozen=True)
class Decision:
    v2: dict[str, Any] | None = None  # requestContext.authorizer in payload format 2.0
    v1: dict[str, Any] | None = None  # ... and in 1.0
    refusal: Response | None = None


@dataclass(frozen=True)
class Call:
    """One request's view for authorizers: the facts, the matched route and where it is."""

    request: Request
    facts: Facts
    route: dict[str, Any]
    path_params: dict[str, str]
    stage_vars: dict[str, str]
    route_arn: str
    authorizer_arn_prefix: str
    event: dict[str, Any] | None = None  # what a Lambda authorizer gets, when not built from the rest


def identity_value(source: str, call: Call) -> str | None:
    """The value of one identity source expression ($request.header.X, $request.querystring.X,
    $context.X, $stageVariables.X), or None when the request lacks it."""
    for websocket_prefix, prefix in _WEBSOCKET_SOURCES:
        if source.startswith(websocket_prefix):
            source = prefix + source[len(websocket_prefix) :]
            break
    if source.startswith("$request.header."):
        return call.facts.headers.get(source[len("$request.header.") :])
    if source.startswith("$request.querystring."):
        name = source[len("$request.querystring.") :]
        values = [v for k, v in call.request.query_items() if k == name]
        return ",".join(values) if values else None
    if source.startswith("$stageVariables."):
        return call.stage_vars.get(source[len("$stageVariables.") :])
    if source.startswith("$context."):
        return {
            "stage": call.facts.stage,
            "apiId": call.facts.api_id,
            "requestId": call.facts.request_id,
            "httpMethod": call.facts.method,
            "path": call.facts.raw_path,
        }.get(source[len("$context.") :])
    return None


class Authorizers:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self.keys = jwt_tokens.KeyCache()

    async def check(self, call: Call, authorizer: dict[str, Any] | None) -> Decision:
        kind = call.route.get("AuthorizationType") or "NONE"
        if kind == "NONE":
            return Decision()
        if kind == "AWS_IAM":
            return self._iam(call)
        if authorizer is None:
            return Decision(refusal=replies.internal_error())
        if kind == "JWT":
            return await self._jwt(call, authorizer)
        return await self._lambda(call, authorizer)

    # -- IAM -------------------------------------------------------------------------------------

    def _iam(self, call: Call) -> Decision:
        try:
            auth = authenticate(
                call.request, self.env.credentials, self.env.clock.now(), skew_now=time.time()
            )
        except AuthError as exc:
            return Decision(refusal=replies.message(403, str(exc)))
        credential = auth.credential
        if credential is None:
            return Decision(refusal=replies.forbidden())
        identity = {
            "accessKey": credential.access_key,
            "accountId": credential.account_id,
            "callerId": credential.user_id,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": credential.arn,
            "userId": credential.user_id,
        }
        return Decision(v2={"iam": identity}, v1=None)

    # -- JWT -------------------------------------------------------------------------------------

    async def _jwt(self, call: Call, authorizer: dict[str, Any]) -> Decision:
        sources = authorizer.get("IdentitySource") or [JWT_IDENTITY]
        token = identity_value(sources[0], call)
        if not token:
            return Decision(refusal=replies.unauthorized())
        scopes = call.route.get("AuthorizationScopes") or []
        try:
            verified = await jwt_tokens.verify(
                token, authorizer.get("JwtConfiguration") or {}, scopes, self.keys, self.env.clock.now()
            )
        except jwt_tokens.InvalidToken as exc:
            challenge = f'Bearer scope="" error="invalid_token" error_description="{exc}"'
            return Decision(refusal=replies.unauthorized(**{"www-authenticate": challenge}))
        except jwt_tokens.InsufficientScope:
            return Decision(refusal=replies.forbidden())
        grant = {"claims": jwt_tokens.flat_claims(verified.claims), "scopes": verified.scopes}
        return Decision(v2={"jwt": grant}, v1=grant)

    # -- Lambda ----------------------------------------------------------------------------------

    async def _lambda(self, call: Call, authorizer: dict[str, Any]) -> Decision:
        sources = authorizer.get("IdentitySource") or []
        values = [identity_value(source, call) for source in sources]
        if any(value is None or value == "" for value in values):
            return Decision(refusal=replies.unauthorized())
        identity = [v or "" for v in values]
        caching = bool(sources) and int(authorizer.get("AuthorizerResultTtlInSeconds") or 0) > 0
        key = (call.facts.api_id, authorizer["AuthorizerId"], json.dumps(identity))
        now = self.env.clock.now()
        result = None
        if caching:
            with self.env.store.read() as conn:
                result = store.authorizer_result(conn, *key, now)
        if result is None:
            result = await self._invoke(call, authorizer, identity)
            if isinstance(result, Response):
                return Decision(refusal=result)
            if caching:
                with self.env.store.db() as conn:
                    store.put_authorizer_result(
                        conn, *key, now + int(authorizer["AuthorizerResultTtlInSeconds"]), result
                    )
        return _decide(result, authorizer, call.route_arn)

    async def _invoke(self, call: Call, authorizer: dict[str, Any], values: list[str]) -> Any:
        uri = mapping.with_stage_variables(authorizer.get("AuthorizerUri") or "", call.stage_vars)
        version = authorizer.get("AuthorizerPayloadFormatVersion") or "2.0"
        event = call.event if call.event is not None else _event(call, version, values)
        try:
            if not authorizer.get("AuthorizerCredentialsArn") and not await lambdas.gateway_may_invoke(
                self.env, uri, f"{call.authorizer_arn_prefix}/authorizers/{authorizer['AuthorizerId']}"
            ):
                return replies.internal_error()
            outcome = await lambdas.invoke(self.env, uri, event, call.request, timeout=10.0)
            if outcome.failed:
                return replies.internal_error()
            return outcome.json()
        except (ServiceError, lambdas.InvokeTimeout, ValueError):
            return replies.internal_error()


def _event(call: Call, version: str, values: list[str]) -> dict[str, Any]:
    key = call.route["RouteKey"]
    if version == "1.0":
        resource = key.partition(" ")[2] or key
        event = event_v1(call.facts, resource, call.path_params, call.stage_vars)
        event.pop("body", None)
        event.pop("isBase64Encoded", None)
        event["requestContext"].pop("authorizer", None)
        joined = ",".join(values)
        return {
            "version": "1.0",
            "type": "REQUEST",
            "methodArn": call.route_arn,
            "identitySource": joined,
            "authorizationToken": joined,
            **{k: v for k, v in event.items() if k != "version"},
        }
    event = event_v2(call.facts, key, call.path_params, call.stage_vars)
    out: dict[str, Any] = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": call.route_arn,
        "identitySource": values,
    }
    for name in (
        "routeKey",
        "rawPath",
        "rawQueryString",
        "cookies",
        "headers",
        "queryStringParameters",
        "requestContext",
        "pathParameters",
        "stageVariables",
    ):
        if name in event:
            out[name] = event[name]
    return out


def _decide(result: Any, authorizer: dict[str, Any], route_arn: str) -> Decision:
    if not isinstance(result, dict):
        return Decision(refusal=replies.internal_error())
    simple = (
        authorizer.get("EnableSimpleResponses") and authorizer.get("AuthorizerPayloadFormatVersion") == "2.0"
    )
    context = result.get("context") if isinstance(result.get("context"), dict) else {}
    if simple:
        if not isinstance(result.get("isAuthorized"), bool):
            return Decision(refusal=replies.internal_error())
        if not result["isAuthorized"]:
            return Decision(refusal=replies.forbidden())
        return Decision(v2={"lambda": context}, v1={"lambda": context})
    try:
        allowed = allows(result.get("policyDocument"), route_arn)
    except MalformedPolicy:
        return Decision(refusal=replies.internal_error())
    if not allowed:
        return Decision(refusal=replies.forbidden())
    v1 = {**context}
    if "principalId" in result:
        v1["principalId"] = result["principalId"]
    return Decision(v2={"lambda": context}, v1=v1)
