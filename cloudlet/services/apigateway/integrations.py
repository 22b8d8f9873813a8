"""Integrations: how a method request reaches its backend and how the answer comes back.

AWS_PROXY and HTTP_PROXY hand the request over whole; AWS (Lambda), HTTP and MOCK go through
request templates, and their answers through integration responses chosen by selection
pattern (the status code, or a Lambda error's message) with response templates.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fnmatch
import json
import re
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from cloudlet.edge.types import Headers, Request, Response
from cloudlet.services.apigateway import aws_services, templates
from cloudlet.services.apigateway.answers import GatewayError
from cloudlet.services.apigateway.requests import MethodRequest
from cloudlet.services.gateway import http_proxy, lambdas
from cloudlet.services.gateway.proxy_events import MalformedResponse, event_v1, response_v1

_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_.:/?#&=,-]+)\}")


def is_binary(content_type: str | None, binary_types: list[str]) -> bool:
    wanted = (content_type or "").split(";")[0].strip().lower()
    return bool(wanted) and any(fnmatch.fnmatchcase(wanted, t.lower()) for t in binary_types)


def with_stage_variables(text: str, call: MethodRequest) -> str:
    return _STAGE_VARIABLE.sub(lambda m: call.stage_variables.get(m.group(1), ""), text)


async def _timed(awaitable: Any, integration: dict[str, Any]) -> Any:
    try:
        return await asyncio.wait_for(awaitable, (integration.get("timeoutInMillis") or 29000) / 1000)
    except TimeoutError as exc:
        raise GatewayError("INTEGRATION_TIMEOUT") from exc


async def run(env: Any, request: Request, call: MethodRequest, integration: dict[str, Any]) -> Response:
    runner = _RUNNERS[integration["type"]]
    return await runner(env, request, call, integration)


# -- proxies -------------------------------------------------------------------------------------


def proxy_event(call: MethodRequest) -> dict[str, Any]:
    """The Lambda proxy event of a REST API, as AWS documents it (no `version` member)."""
    event = event_v1(
        call.facts,
        call.resource_path,
        call.path_params,
        call.stage_variables,
        resource_id=call.resource["id"],
        authorizer=call.authorizer,
        rest=True,
    )
    event.pop("version", None)
    event["requestContext"] = call.context()
    binary_types = call.api.get("binaryMediaTypes") or []
    if call.facts.body:
        if is_binary(call.facts.headers.get("content-type"), binary_types):
            event["body"], event["isBase64Encoded"] = base64.b64encode(call.facts.body).decode(), True
        else:
            event["body"], event["isBase64Encoded"] = call.facts.body.decode("utf-8", "replace"), False
    return event


async def _lambda_proxy(
    env: Any, request: Request, call: MethodRequest, integration: dict[str, Any]
) -> Response:
    uri = with_stage_variables(integration["uri"], call)
    try:
        invocation = await _timed(lambdas.invoke(env, uri, proxy_event(call), request), integration)
    except GatewayError:
        raise
    except Exception as exc:
        raise GatewayError("INTERNAL_ERROR") from exc
    if invocation.failed:
        raise GatewayError("INTEGRATION_FAILURE")
    try:
        result = invocation.json()
        # REST APIs are stricter than HTTP APIs: a status code is required and the body is a string.
        if not isinstance(result, dict) or "statusCode" not in result:
            raise MalformedResponse("no statusCode")
        if not isinstance(result.get("body"), (str, type(None))):
            raise MalformedResponse("body is not a string")
        if result.get("isBase64Encoded") and not _wants_binary(call, result):
            # Without a matching binary media type API Gateway returns the base64 text as it is.
            result = {**result, "isBase64Encoded": False}
            return response_v1(json.dumps(result).encode())
        return response_v1(invocation.payload)
    except (MalformedResponse, ValueError) as exc:
        raise GatewayError("INTEGRATION_FAILURE") from exc


def _wants_binary(call: MethodRequest, result: dict[str, Any]) -> bool:
    """A base64 body is decoded only for a caller whose Accept names a binary media type."""
    accept = (call.facts.headers.get("accept") or "").split(",")[0]
    return is_binary(accept, call.api.get("binaryMediaTypes") or [])


def _target_url(
    call: MethodRequest, integration: dict[str, Any], mapped: dict[str, dict[str, str]], query: str
) -> str:
    url = with_stage_variables(integration["uri"], call)
    path_values = {**call.path_params, **mapped["path"]}

    def fill(match: re.Match[str]) -> str:
        # Only a greedy variable's value can hold a slash, and it stands for path segments.
        return quote(path_values.get(match.group(1).rstrip("+"), ""), safe="/")

    url = re.sub(r"\{([A-Za-z0-9._-]+\+?)\}", fill, url)
    if query:
        parts = urlsplit(url)
        url = urlunsplit(parts._replace(query=f"{parts.query}&{query}" if parts.query else query))
    return url


def _mapped(
    call: MethodRequest, integration: dict[str, Any], response: Response | None = None
) -> dict[str, dict[str, str]]:
    """integration.request.{path,querystring,header}.NAME from requestParameters."""
    out: dict[str, dict[str, str]] = {"path": {}, "querystring": {}, "header": {}}
    for target, source in (integration.get("requestParameters") or {}).items():
        where, _, name = target.removeprefix("integration.request.").partition(".")
        value = source[1:-1] if source.startswith("'") and source.endswith("'") else call.value(source)
        if value is not None and where in out:
            out[where][name] = value
    return out


async def _http_proxy(
    env: Any, request: Request, call: MethodRequest, integration: dict[str, Any]
) -> Response:
    mapped = _mapped(call, integration)
    query = call.facts.query
    if mapped["querystring"]:
        query = "&".join(filter(None, [query, urlencode(mapped["querystring"])]))
    url = _target_url(call, integration, mapped, query)
    headers = Headers(call.facts.headers.items())
    for name, value in mapped["header"].items():
        headers[name] = value
    method = integration.get("httpMethod") or "ANY"
    method = call.http_method if method == "ANY" else method
    return await _forward(method, url, headers, call.facts.body, integration)


async def _forward(
    method: str, url: str, headers: Headers, body: bytes, integration: dict[str, Any]
) -> Response:
    timeout = (integration.get("timeoutInMillis") or 29000) / 1000
    try:
        return await http_proxy.forward(method, url, headers, body, timeout)
    except http_proxy.IntegrationTimeout as exc:
        raise GatewayError("INTEGRATION_TIMEOUT") from exc
    except http_proxy.IntegrationUnreachable as exc:
        raise GatewayError("INTERNAL_ERROR") from exc


# -- integrations with templates -----------------------------------------------------------------


def _request_body(call: MethodRequest, integration: dict[str, Any]) -> bytes:
    """The integration request body: the matching request template, or the body passed through."""
    request_templates = integration.get("requestTemplates") or {}
    content_type = call.facts.headers.get("content-type")
    _, template = templates.select(request_templates, content_type)
    binary = is_binary(content_type, call.api.get("binaryMediaTypes") or [])
    body = convert(call.facts.body, integration.get("contentHandling"), binary)
    if template is None:
        behaviour = integration.get("passthroughBehavior") or "WHEN_NO_MATCH"
        if behaviour == "NEVER" or (behaviour == "WHEN_NO_TEMPLATES" and request_templates):
            raise GatewayError("UNSUPPORTED_MEDIA_TYPE")
        return body
    if binary and body is call.facts.body:
        # A template sees a binary payload as base64 text.
        body = base64.b64encode(body)
    try:
        return templates.render(template, body, call.params(), call.context(), call.stage_variables).encode()
    except templates.TemplateError as exc:
        raise GatewayError("INTERNAL_ERROR") from exc


async def _aws_custom(
    env: Any, request: Request, call: MethodRequest, integration: dict[str, Any]
) -> Response:
    """AWS integrations: Lambda (the function's result or error), or another service's API call."""
    uri = with_stage_variables(integration["uri"], call)
    if not aws_services.is_service_uri(uri):
        return await _lambda_custom(env, request, call, integration)
    body = _request_body(call, integration)
    mapped = _mapped(call, integration)
    answer = await _timed(
        aws_services.call(
            env,
            uri,
            integration.get("httpMethod") or "POST",
            body,
            mapped["querystring"],
            mapped["header"],
            {**call.path_params, **mapped["path"]},
            call.facts.account,
        ),
        integration,
    )
    return respond(call, integration, str(answer.status), answer)


async def _lambda_custom(
    env: Any, request: Request, call: MethodRequest, integration: dict[str, Any]
) -> Response:
    body = _request_body(call, integration)
    try:
        event = json.loads(body) if body.strip() else {}
    except ValueError as exc:
        raise GatewayError("BAD_REQUEST_BODY", f"Could not parse request body into json: {exc}") from exc
    uri = with_stage_variables(integration["uri"], call)
    try:
        invocation = await _timed(lambdas.invoke(env, uri, event, request), integration)
    except GatewayError:
        raise
    except Exception as exc:
        raise GatewayError("INTERNAL_ERROR") from exc
    selector = None
    if invocation.failed:
        try:
            selector = str((invocation.json() or {}).get("errorMessage", ""))
        except (ValueError, AttributeError):
            selector = ""
    return respond(call, integration, selector, Response(200, Headers(), invocation.payload))


async def _http_custom(
    env: Any, request: Request, call: MethodRequest, integration: dict[str, Any]
) -> Response:
    body = _request_body(call, integration)
    mapped = _mapped(call, integration)
    url = _target_url(call, integration, mapped, urlencode(mapped["querystring"]))
    headers = Headers(mapped["header"].items())
    if body and "content-type" not in {k.lower() for k in mapped["header"]}:
        headers["Content-Type"] = call.facts.headers.get("content-type") or "application/json"
    backend = await _forward(
        integration.get("httpMethod") or call.http_method, url, headers, body, integration
    )
    return respond(call, integration, str(backend.status), backend)


async def _mock(env: Any, request: Request, call: MethodRequest, integration: dict[str, Any]) -> Response:
    status = 200
    _, template = templates.select(
        integration.get("requestTemplates"), call.facts.headers.get("content-type")
    )
    if template is not None:
        try:
            rendered = templates.render(
                template, call.facts.body, call.params(), call.context(), call.stage_variables
            )
            status = int((json.loads(rendered or "{}") or {}).get("statusCode", 200))
        except (templates.TemplateError, ValueError, TypeError, AttributeError) as exc:
            raise GatewayError("INTERNAL_ERROR") from exc
    return respond(call, integration, str(status), Response(status, Headers(), b""))


def select_response(integration: dict[str, Any], selector: str | None) -> dict[str, Any] | None:
    """The integration response whose pattern matches (selector None: the default one)."""
    responses = list((integration.get("integrationResponses") or {}).values())
    if selector is not None:
        for candidate in responses:
            pattern = candidate.get("selectionPattern")
            if pattern and re.fullmatch(pattern, selector):
                return candidate
    return next((c for c in responses if not c.get("selectionPattern")), None)


def respond(
    call: MethodRequest, integration: dict[str, Any], selector: str | None, backend: Response
) -> Response:
    chosen = select_response(integration, selector)
    if chosen is None:
        raise GatewayError("INTERNAL_ERROR")
    raw = backend.body if isinstance(backend.body, bytes) else b""
    headers = Headers()
    for target, source in (chosen.get("responseParameters") or {}).items():
        if target.startswith("method.response.header."):
            value = _response_value(source, backend, raw)
            if value is not None:
                headers[target[len("method.response.header.") :]] = value
    response_templates = chosen.get("responseTemplates") or {}
    content_type, template = _response_template(response_templates, call.facts.headers.get("accept"))
    if template is None:
        body = raw
        headers.setdefault(
            "Content-Type", content_type or backend.headers.get("content-type") or "application/json"
        )
    else:
        try:
            body = templates.render(
                template, raw, call.params(), call.context(), call.stage_variables
            ).encode()
        except templates.TemplateError as exc:
            raise GatewayError("INTERNAL_ERROR") from exc
        headers.setdefault("Content-Type", content_type or "application/json")
    body = convert(body, chosen.get("contentHandling"), None)
    return Response(int(chosen["statusCode"]), headers, body)


def convert(payload: bytes, handling: str | None, binary: bool | None) -> bytes:
    """contentHandling: CONVERT_TO_TEXT base64-encodes a binary payload, CONVERT_TO_BINARY decodes
    a base64 one (a JSON string, as a Lambda function returns it, counts as its text)."""
    if handling == "CONVERT_TO_TEXT" and binary is not False:
        return base64.b64encode(payload)
    if handling == "CONVERT_TO_BINARY" and not binary:
        text = payload.strip()
        if text.startswith(b'"'):
            with contextlib.suppress(ValueError):
                text = json.loads(text).encode()
        try:
            return base64.b64decode(text, validate=True)
        except ValueError as exc:
            raise GatewayError("INTERNAL_ERROR") from exc
    return payload


def _response_template(
    response_templates: dict[str, str], accept: str | None
) -> tuple[str | None, str | None]:
    if not response_templates:
        return None, None
    for wanted in [a.split(";")[0].strip() for a in (accept or "").split(",")] + ["application/json"]:
        content_type, template = templates.select(response_templates, wanted)
        if content_type is not None:
            return content_type, template or None
    content_type = next(iter(response_templates))
    return content_type, response_templates[content_type] or None


def _response_value(source: str, backend: Response, raw: bytes) -> str | None:
    if source.startswith("'") and source.endswith("'"):
        return source[1:-1]
    if source.startswith("integration.response.header."):
        return backend.headers.get(source[len("integration.response.header.") :])
    if source == "integration.response.body":
        return raw.decode("utf-8", "replace")
    if source.startswith("integration.response.body."):
        try:
            found = templates.json_path(
                json.loads(raw or b"null"), "$" + source[len("integration.response.body") :]
            )
        except (ValueError, templates.TemplateError):
            return None
        return found if isinstance(found, str) or found is None else json.dumps(found)
    return None


_RUNNERS = {
    "AWS_PROXY": _lambda_proxy,
    "AWS": _aws_custom,
    "HTTP_PROXY": _http_proxy,
    "HTTP": _http_custom,
    "MOCK": _mock,
}
