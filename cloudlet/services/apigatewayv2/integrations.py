"""Running a route's integration: AWS_PROXY to Lambda (payload format 1.0 or 2.0) and
HTTP_PROXY to any URL, with parameter mapping both ways, and the gateway's answers when the
backend fails (502), cannot be reached (500) or is slower than the integration's timeout (504)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote

from cloudlet.aws.errors import ServiceError
from cloudlet.edge.types import Headers, Request, Response
from cloudlet.services.apigatewayv2 import mapping
from cloudlet.services.apigatewayv2.authorizers import Decision
from cloudlet.services.apigatewayv2.routing import DEFAULT
from cloudlet.services.gateway import http_proxy, lambdas, replies
from cloudlet.services.gateway.proxy_events import (
    Facts,
    MalformedResponse,
    event_v1,
    event_v2,
    response_v1,
    response_v2,
)

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

DEFAULT_TIMEOUT_MS = 30000


@dataclass(frozen=True)
class Call:
    request: Request
    facts: Facts
    route_key: str
    path_params: dict[str, str]
    stage_vars: dict[str, str]
    decision: Decision
    source_arn: str  # the route ARN Lambda permissions are checked against


async def run(env: Environment, integration: dict[str, Any], call: Call) -> Response:
    if integration.get("IntegrationType") == "AWS_PROXY":
        response = await _lambda(env, integration, call)
    else:
        response = await _http(integration, call)
    _map_response(integration, call, response)
    return response


def _timeout(integration: dict[str, Any]) -> float:
    return int(integration.get("TimeoutInMillis") or DEFAULT_TIMEOUT_MS) / 1000


async def _lambda(env: Environment, integration: dict[str, Any], call: Call) -> Response:
    uri = mapping.with_stage_variables(integration.get("IntegrationUri") or "", call.stage_vars)
    version = integration.get("PayloadFormatVersion") or "2.0"
    if version == "1.0":
        resource = call.route_key.partition(" ")[2] or call.route_key
        event = event_v1(call.facts, resource, call.path_params, call.stage_vars, authorizer=call.decision.v1)
    else:
        event = event_v2(
            call.facts, call.route_key, call.path_params, call.stage_vars, authorizer=call.decision.v2
        )
    try:
        if not integration.get("CredentialsArn") and not await lambdas.gateway_may_invoke(
            env, uri, call.source_arn
        ):
            return replies.internal_error()
        outcome = await lambdas.invoke(env, uri, event, call.request, timeout=_timeout(integration))
    except lambdas.InvokeTimeout:
        return replies.gateway_timeout()
    except ServiceError:
        return replies.internal_error()
    if outcome.failed:
        return replies.bad_gateway()
    try:
        return response_v1(outcome.payload) if version == "1.0" else response_v2(outcome.payload)
    except MalformedResponse:
        return replies.bad_gateway()


def _context_values(call: Call) -> dict[str, str]:
    facts = call.facts
    return {
        "requestId": facts.request_id,
        "apiId": facts.api_id,
        "stage": facts.stage,
        "routeKey": call.route_key,
        "httpMethod": facts.method,
        "path": facts.raw_path,
        "domainName": facts.domain,
        "accountId": facts.account,
        "identity.sourceIp": facts.source_ip,
        "identity.userAgent": facts.user_agent,
        "requestTimeEpoch": str(int(facts.now * 1000)),
    }


def _lookup(call: Call):  # -> Callable[[str], str | None]
    facts = call.facts
    return mapping.request_lookup(
        facts.path,
        call.path_params,
        facts.query,
        facts.headers,
        call.stage_vars,
        _context_values(call),
        facts.body,
    )


async def _http(integration: dict[str, Any], call: Call) -> Response:
    facts = call.facts
    uri = mapping.with_stage_variables(integration.get("IntegrationUri") or "", call.stage_vars)
    # {proxy} and other route variables in the URI take the request's values.
    for name, value in call.path_params.items():
        uri = uri.replace("{" + name + "}", quote(value, safe="/")).replace(
            "{" + name + "+}", quote(value, safe="/")
        )
    base, _, uri_query = uri.partition("?")
    scheme, _, rest = base.partition("://")
    host, slash, path = rest.partition("/")
    target = slash + path
    if call.route_key == DEFAULT:
        # The catch-all route sends the whole request path on, after the URI's own path.
        target = target.rstrip("/") + facts.path
    headers = Headers((k, v) for k, v in facts.headers.items() if k.lower() != "host")
    outgoing = mapping.Outgoing(
        target or "/",
        parse_qsl(uri_query, keep_blank_values=True) + parse_qsl(facts.query, keep_blank_values=True),
        headers,
    )
    mapping.apply(integration.get("RequestParameters") or {}, outgoing, _lookup(call))
    url = f"{scheme}://{host}{outgoing.path}" + (f"?{outgoing.query_string}" if outgoing.query else "")
    method = integration.get("IntegrationMethod") or "ANY"
    try:
        return await http_proxy.forward(
            facts.method if method == "ANY" else method,
            url,
            outgoing.headers,
            facts.body,
            _timeout(integration),
        )
    except http_proxy.IntegrationTimeout:
        return replies.gateway_timeout()
    except (http_proxy.IntegrationUnreachable, ValueError):
        return replies.internal_error()


def _map_response(integration: dict[str, Any], call: Call, response: Response) -> None:
    """ResponseParameters keyed by the backend's status code change the answer on its way back."""
    mappings = (integration.get("ResponseParameters") or {}).get(str(response.status))
    if not mappings:
        return
    target = mapping.Outgoing("/", [], response.headers)
    lookup = mapping.response_lookup(response.status, response.headers, _lookup(call))
    mapping.apply(mappings, target, lookup)
    if target.status is not None:
        response.status = target.status
