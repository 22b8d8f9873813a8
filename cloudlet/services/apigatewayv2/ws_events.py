"""The events a WebSocket API sends its Lambda integrations and authorizers, shaped as AWS
documents them: CONNECT (with the upgrade request's headers and query), MESSAGE (with the
frame's body) and DISCONNECT (with the close code and reason)."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import time
from typing import Any
from urllib.parse import parse_qsl

_BODY_PATH = re.compile(r"^\$\{?request\.body\.([^}]+)\}?$")


@dataclasses.dataclass
class Connection:
    """What every event of one connection carries."""

    connection_id: str
    api_id: str
    account: str
    region: str
    stage: str
    domain: str
    source_ip: str
    user_agent: str
    connected_at: float
    authorizer: dict[str, Any] | None = None
    headers: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # of the upgrade request
    query: str = ""

    def to_doc(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Connection:
        doc = dict(doc)
        doc["headers"] = [tuple(pair) for pair in doc.get("headers") or []]
        return cls(**doc)

    def route_arn(self, route_key: str) -> str:
        return f"arn:aws:execute-api:{self.region}:{self.account}:{self.api_id}/{self.stage}/{route_key}"


def request_context(
    conn: Connection, route_key: str, event_type: str, request_id: str, now: float, **extra: Any
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "messageDirection": "IN",
        "stage": conn.stage,
        "connectedAt": int(conn.connected_at * 1000),
        "requestTimeEpoch": int(now * 1000),
        "identity": {"userAgent": conn.user_agent, "sourceIp": conn.source_ip},
        "requestId": request_id,
        "domainName": conn.domain,
        "connectionId": conn.connection_id,
        "apiId": conn.api_id,
        **extra,
    }
    if conn.authorizer is not None:
        context["authorizer"] = conn.authorizer
    return context


def _headers_and_query(conn: Connection) -> dict[str, Any]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in conn.headers:
        single[name] = value
        multi.setdefault(name, []).append(value)
    out: dict[str, Any] = {"headers": single, "multiValueHeaders": multi}
    pairs = parse_qsl(conn.query, keep_blank_values=True)
    if pairs:
        query: dict[str, str] = {}
        multi_query: dict[str, list[str]] = {}
        for key, value in pairs:
            query[key] = value
            multi_query.setdefault(key, []).append(value)
        out["queryStringParameters"] = query
        out["multiValueQueryStringParameters"] = multi_query
    return out


def connect_event(conn: Connection, request_id: str, now: float) -> dict[str, Any]:
    return {
        **_headers_and_query(conn),
        "requestContext": request_context(conn, "$connect", "CONNECT", request_id, now),
        "isBase64Encoded": False,
    }


def message_event(
    conn: Connection, route_key: str, data: str | bytes, request_id: str, message_id: str, now: float
) -> dict[str, Any]:
    binary = isinstance(data, bytes)
    return {
        "requestContext": request_context(conn, route_key, "MESSAGE", request_id, now, messageId=message_id),
        "body": base64.b64encode(data).decode() if binary else data,
        "isBase64Encoded": binary,
    }


def disconnect_event(conn: Connection, code: int, reason: str, request_id: str, now: float) -> dict[str, Any]:
    headers = {"Host": conn.domain, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
    context = request_context(
        conn, "$disconnect", "DISCONNECT", request_id, now, disconnectStatusCode=code, disconnectReason=reason
    )
    return {
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "requestContext": context,
        "isBase64Encoded": False,
    }


def authorizer_event(conn: Connection, stage_vars: dict[str, str], request_id: str, now: float) -> dict[str, Any]:
    event = connect_event(conn, request_id, now)
    event.pop("isBase64Encoded")
    return {
        "type": "REQUEST",
        "methodArn": conn.route_arn("$connect"),
        **event,
        "stageVariables": stage_vars,
    }


def select_route(expression: str, data: str | bytes, route_keys: set[str]) -> str | None:
    """The route a message takes: the route selection expression's value when a route has that
    key, otherwise $default (non-JSON and binary messages always), or None when neither exists."""
    match = _BODY_PATH.match(expression.strip())
    if match is not None and isinstance(data, str):
        try:
            value: Any = json.loads(data)
        except ValueError:
            value = None
        for part in match.group(1).split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value) in route_keys:
            return str(value)
    elif match is None and expression in route_keys:
        return expression  # a constant expression names one route for every message
    return "$default" if "$default" in route_keys else None
