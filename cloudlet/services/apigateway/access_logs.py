"""Stage access logs: one line per request, in the stage's format ($context variables), put
into the CloudWatch Logs group its accessLogSettings name, through the logs service's own
operations."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.edge.types import Principal, Request, RequestContext, Response, new_request_id
from cloudlet.services.apigateway.templates import compiled

log = logging.getLogger(__name__)
_GROUP_ARN = re.compile(r"^arn:aws[a-z-]*:logs:([a-z0-9-]+):(\d{12}):log-group:([^:]+)(?::\*)?$")


def context_of(base: dict[str, Any], response: Response, started: float, error: str | None) -> dict[str, Any]:
    length = len(response.body) if isinstance(response.body, bytes) else 0
    latency = int((time.monotonic() - started) * 1000)
    return {
        **base,
        "status": response.status,
        "responseLength": length,
        "responseLatency": latency,
        "integrationLatency": latency,
        "error": {"message": error or "-", "messageString": json.dumps(error)},
    }


def unmatched(api_id: str, stage: str, method: str, request_id: str, source_ip: str) -> dict[str, Any]:
    """$context of a request that matched no method: what is unknown logs as "-", as on AWS."""
    return {
        "apiId": api_id,
        "stage": stage,
        "httpMethod": method,
        "requestId": request_id,
        "extendedRequestId": request_id,
        "resourcePath": "-",
        "resourceId": "-",
        "path": "-",
        "protocol": "HTTP/1.1",
        "identity": {"sourceIp": source_ip, "userAgent": "-"},
        "authorizer": {},
    }


async def write(env: Any, request: Request, stage: dict[str, Any], context: dict[str, Any]) -> None:
    settings = stage.get("accessLogSettings") or {}
    match = _GROUP_ARN.match(settings.get("destinationArn") or "")
    if match is None or not settings.get("format"):
        return
    region, account, group = match.groups()
    try:
        line = compiled(settings["format"]).merge({"context": context})
    except Exception:  # a format that does not render logs nothing, as a broken one does on AWS
        log.warning("access log format of stage %s does not render", stage.get("stageName"))
        return
    # AWS names the streams itself; one per API stage keeps them easy to find.
    stream = f"{context.get('apiId')}-{stage['stageName']}"
    ctx = RequestContext(
        request,
        new_request_id(),
        "logs",
        "PutLogEvents",
        "json",
        region,
        Principal("", account, f"arn:aws:iam::{account}:root", account),
    )
    logs = await env.registry.provider("logs")
    event = {"timestamp": int(env.clock.now() * 1000), "message": line}
    try:
        try:
            logs.put_log_events(ctx, {"logGroupName": group, "logStreamName": stream, "logEvents": [event]})
        except ServiceError as exc:
            if exc.code != "ResourceNotFoundException":
                raise
            logs.create_log_stream(ctx, {"logGroupName": group, "logStreamName": stream})
            logs.put_log_events(ctx, {"logGroupName": group, "logStreamName": stream, "logEvents": [event]})
    except ServiceError as exc:
        log.warning("access log of stage %s not delivered: %s", stage.get("stageName"), exc)
