"""The gateway's own answers, with the bodies AWS sends."""

from __future__ import annotations

import json

from cloudlet.edge.types import Headers, Response


def message(status: int, text: str, **headers: str) -> Response:
    out = Headers([("Content-Type", "application/json"), *headers.items()])
    return Response(status, out, json.dumps({"message": text}).encode())


def not_found() -> Response:
    return message(404, "Not Found")


def unauthorized(**headers: str) -> Response:
    return message(401, "Unauthorized", **headers)


def forbidden() -> Response:
    return message(403, "Forbidden")


def too_large() -> Response:
    return message(413, "Request Entity Too Large")


def too_many_requests() -> Response:
    return message(429, "Too Many Requests")


def internal_error() -> Response:
    return message(500, "Internal Server Error")


def bad_gateway() -> Response:
    """A Lambda integration that failed or answered something that is not a proxy response."""
    return message(502, "Internal Server Error")


def gateway_timeout() -> Response:
    return message(504, "Endpoint request timed out")
