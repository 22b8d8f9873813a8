"""Lambda proxy integrations: the event a function receives and how its answer becomes HTTP.

Payload format 2.0 (HTTP APIs) and 1.0 (REST APIs, and HTTP APIs that ask for it), shaped as
AWS documents them, down to which fields are absent or null when empty.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from cloudlet.edge.types import Headers, Response

_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/javascript",
    "application/x-www-form-urlencoded",
    "+json",
    "+xml",
)


@dataclass
class Facts:
    """What the gateway knows about one data-plane request."""

    method: str
    path: str  # the resource path, without the stage
    raw_path: str  # as sent, with the stage (HTTP APIs report this one)
    query: str
    headers: Headers
    body: bytes
    source_ip: str
    api_id: str
    stage: str
    account: str
    request_id: str
    domain: str
    now: float = field(default_factory=time.time)

    @property
    def user_agent(self) -> str:
        return self.headers.get("user-agent") or ""

    @property
    def domain_prefix(self) -> str:
        return self.domain.split(".", 1)[0]


def encode_body(facts: Facts) -> tuple[str | None, bool]:
    """(body, isBase64Encoded): text stays text, anything else travels base64-encoded."""
    if not facts.body:
        return None, False
    content_type = (facts.headers.get("content-type") or "").lower()
    if not content_type or any(t in content_type for t in _TEXT_TYPES):
        try:
            return facts.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(facts.body).decode(), True


def _clf_time(epoch: float) -> str:
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch))


def event_v2(
    facts: Facts,
    route_key: str,
    path_params: dict[str, str],
    stage_vars: dict[str, str],
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in facts.headers.items():
        lname = name.lower()
        if lname == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[lname] = f"{headers[lname]},{value}" if lname in headers else value
    query: dict[str, str] = {}
    for key, value in parse_qsl(facts.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    body, is_base64 = encode_body(facts)
    context: dict[str, Any] = {
        "accountId": facts.account,
        "apiId": facts.api_id,
        "domainName": facts.domain,
        "domainPrefix": facts.domain_prefix,
        "http": {
            "method": facts.method,
            "path": facts.raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": facts.source_ip,
            "userAgent": facts.user_agent,
        },
        "requestId": facts.request_id,
        "routeKey": route_key,
        "stage": facts.stage,
        "time": _clf_time(facts.now),
        "timeEpoch": int(facts.now * 1000),
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": facts.raw_path,
        "rawQueryString": facts.query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = context
    if body is not None:
        event["body"] = body
    if path_params:
        event["pathParameters"] = path_params
    event["isBase64Encoded"] = is_base64
    if stage_vars:
        event["stageVariables"] = stage_vars
    return event


def event_v1(
    facts: Facts,
    resource: str,
    path_params: dict[str, str],
    stage_vars: dict[str, str],
    *,
    resource_id: str | None = None,
    authorizer: dict[str, Any] | None = None,
    rest: bool = False,
) -> dict[str, Any]:
    """Format 1.0; `rest` adds what REST APIs send beyond what HTTP APIs send in 1.0."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in facts.headers.items():
        single[name] = value
        multi.setdefault(name, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for key, value in parse_qsl(facts.query, keep_blank_values=True):
        query[key] = value
        multi_query.setdefault(key, []).append(value)
    body, is_base64 = encode_body(facts)
    path = facts.path if rest else facts.raw_path
    identity = {
        key: None
        for key in (
            "cognitoIdentityPoolId",
            "accountId",
            "cognitoIdentityId",
            "caller",
            "apiKey",
            "principalOrgId",
            "accessKey",
            "cognitoAuthenticationType",
            "cognitoAuthenticationProvider",
            "userArn",
            "user",
        )
    }
    identity.update(sourceIp=facts.source_ip, userAgent=facts.user_agent or None)
    context: dict[str, Any] = {
        "accountId": facts.account,
        "apiId": facts.api_id,
        "domainName": facts.domain,
        "domainPrefix": facts.domain_prefix,
        "extendedRequestId": facts.request_id,
        "httpMethod": facts.method,
        "identity": identity,
        "path": facts.raw_path,
        "protocol": "HTTP/1.1",
        "requestId": facts.request_id,
        "requestTime": _clf_time(facts.now),
        "requestTimeEpoch": int(facts.now * 1000),
        "resourceId": resource_id,
        "resourcePath": resource,
        "stage": facts.stage,
    }
    context["authorizer"] = (
        authorizer if authorizer is not None else (None if rest else {"claims": None, "scopes": None})
    )
    return {
        "version": "1.0",
        "resource": resource,
        "path": path,
        "httpMethod": facts.method,
        "headers": single,
        "multiValueHeaders": multi,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "requestContext": context,
        "pathParameters": path_params or None,
        "stageVariables": stage_vars or None,
        "body": body,
        "isBase64Encoded": is_base64,
    }


class MalformedResponse(Exception):
    """The function's answer is not a proxy response the gateway can turn into HTTP."""


def response_v2(payload: bytes) -> Response:
    """Format 2.0: a {statusCode...} object, or any other JSON taken as a 200 JSON body."""
    try:
        result = json.loads(payload or b"null")
    except ValueError as exc:
        raise MalformedResponse("not JSON") from exc
    if not isinstance(result, dict) or "statusCode" not in result:
        body = payload if not isinstance(result, str) else result.encode()
        return Response(200, Headers([("Content-Type", "application/json")]), body)
    response = _structured(result, multi=False)
    for cookie in result.get("cookies") or []:
        response.headers.add("Set-Cookie", str(cookie))
    return response


def response_v1(payload: bytes) -> Response:
    try:
        result = json.loads(payload or b"null")
    except ValueError as exc:
        raise MalformedResponse("not JSON") from exc
    if not isinstance(result, dict):
        raise MalformedResponse("not an object")
    return _structured(result, multi=True)


_KNOWN_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"})


def _structured(result: dict[str, Any], *, multi: bool) -> Response:
    # Format 1.0 (REST's proxy contract) refuses unknown keys; 2.0 ignores them.
    if multi and not set(result) <= _KNOWN_KEYS:
        raise MalformedResponse(f"unexpected keys {sorted(set(result) - _KNOWN_KEYS)}")
    try:
        status = int(result.get("statusCode") or 200)
    except (TypeError, ValueError) as exc:
        raise MalformedResponse("statusCode") from exc
    headers = Headers()
    for name, value in (result.get("headers") or {}).items():
        headers[name] = _text(value)
    if multi:
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers.remove(name)
            for value in values or []:
                headers.add(name, _text(value))
    body = result.get("body")
    if body is None:
        data = b""
    elif result.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body)
        except (ValueError, TypeError) as exc:
            raise MalformedResponse("body is not base64") from exc
    else:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return Response(status, headers, data)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
