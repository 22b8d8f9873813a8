"""Errors for requests that name no known service: shaped as the caller's format suggests."""

from __future__ import annotations

import json
from html import escape  # xml.sax.saxutils pulls in urllib.request: milliseconds of start-up

from cloudlet.aws.errors import ServiceError
from cloudlet.edge.types import Headers, RequestContext, Response


def fallback_error(ctx: RequestContext, exc: ServiceError) -> Response:
    request = ctx.request
    content_type = request.headers.get("content-type") or ""
    if "json" in content_type or "x-amz-target" in request.headers:
        body = json.dumps({"__type": exc.code, "message": exc.message}).encode()
        headers = Headers([("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", exc.code),
                           ("x-amzn-RequestId", ctx.request_id)])
        return Response(exc.status, headers, body)
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type>'
        f"<Code>{escape(exc.code, quote=False)}</Code><Message>{escape(exc.message, quote=False)}</Message></Error>"
        f"<RequestId>{ctx.request_id}</RequestId></ErrorResponse>"
    ).encode()
    headers = Headers([("Content-Type", "text/xml"), ("x-amzn-RequestId", ctx.request_id)])
    return Response(exc.status, headers, body)
