"""CORS for function URLs, from the URL's Cors configuration.

Lambda answers preflight requests itself and puts the configured headers on every response,
replacing any CORS headers the function returned.
"""

from __future__ import annotations

from typing import Any

from cloudlet.edge.types import Headers, Request, Response

_FUNCTION_CORS = (
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-expose-headers",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
)


def _allowed_origin(cors: dict[str, Any], origin: str) -> str | None:
    origins = cors.get("AllowOrigins") or []
    if origin in origins:
        return origin
    if "*" in origins:
        return origin if cors.get("AllowCredentials") else "*"
    return None


def is_preflight(cors: dict[str, Any] | None, request: Request) -> bool:
    return (
        bool(cors)
        and request.method == "OPTIONS"
        and "origin" in request.headers
        and "access-control-request-method" in request.headers
    )


def preflight(cors: dict[str, Any], request: Request) -> Response:
    headers = Headers()
    origin = _allowed_origin(cors, request.headers.get("origin") or "")
    if origin is not None:
        headers.add("Access-Control-Allow-Origin", origin)
        if cors.get("AllowMethods"):
            headers.add("Access-Control-Allow-Methods", ",".join(cors["AllowMethods"]))
        if cors.get("AllowHeaders"):
            headers.add("Access-Control-Allow-Headers", ",".join(cors["AllowHeaders"]))
        if cors.get("MaxAge") is not None:
            headers.add("Access-Control-Max-Age", str(cors["MaxAge"]))
        if cors.get("AllowCredentials"):
            headers.add("Access-Control-Allow-Credentials", "true")
        headers.add("Vary", "Origin")
    return Response(200, headers, b"")


def decorate(cors: dict[str, Any] | None, request: Request, response: Response) -> None:
    if not cors:
        return
    for name in _FUNCTION_CORS:
        response.headers.remove(name)
    origin = (
        _allowed_origin(cors, request.headers.get("origin") or "") if "origin" in request.headers else None
    )
    if origin is None:
        return
    response.headers.add("Access-Control-Allow-Origin", origin)
    if cors.get("ExposeHeaders"):
        response.headers.add("Access-Control-Expose-Headers", ",".join(cors["ExposeHeaders"]))
    if cors.get("AllowCredentials"):
        response.headers.add("Access-Control-Allow-Credentials", "true")
    response.headers.add("Vary", "Origin")
