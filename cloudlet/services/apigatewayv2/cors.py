"""CORS as an HTTP API's CorsConfiguration has the gateway answer it: preflights without a
route, and the configured headers on every response (replacing the integration's own)."""

from __future__ import annotations

from typing import Any

from cloudlet.edge.types import Headers, Request, Response


def is_preflight(request: Request) -> bool:
    """An OPTIONS request with Origin and Access-Control-Request-Method: answered by the gateway
    itself, before any route (even an OPTIONS route) is considered."""
    return (
        request.method == "OPTIONS"
        and "origin" in request.headers
        and "access-control-request-method" in request.headers
    )


def _allowed_origin(cors: dict[str, Any], origin: str | None) -> str | None:
    if not origin:
        return None
    origins = cors.get("AllowOrigins") or []
    if "*" in origins:
        return "*"
    return origin if origin.lower() in (o.lower() for o in origins) else None


def preflight(cors: dict[str, Any], request: Request) -> Response:
    headers = Headers()
    origin = _allowed_origin(cors, request.headers.get("origin"))
    if origin is None:
        return Response(204, headers)
    headers["Access-Control-Allow-Origin"] = origin
    methods = cors.get("AllowMethods") or []
    if methods:
        headers["Access-Control-Allow-Methods"] = ",".join(methods)
    allow_headers = cors.get("AllowHeaders") or []
    requested = request.headers.get("access-control-request-headers")
    if "*" in allow_headers and requested:
        headers["Access-Control-Allow-Headers"] = requested
    elif allow_headers:
        headers["Access-Control-Allow-Headers"] = ",".join(allow_headers)
    if cors.get("AllowCredentials"):
        headers["Access-Control-Allow-Credentials"] = "true"
    if cors.get("MaxAge") is not None:
        headers["Access-Control-Max-Age"] = str(cors["MaxAge"])
    return Response(204, headers)


def decorate(cors: dict[str, Any], request: Request, response: Response) -> None:
    # The integration's own CORS headers are ignored once the API has a CorsConfiguration.
    for name in [n for n in response.headers if n.lower().startswith("access-control-")]:
        response.headers.remove(name)
    origin = _allowed_origin(cors, request.headers.get("origin"))
    if origin is None:
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    if cors.get("ExposeHeaders"):
        response.headers["Access-Control-Expose-Headers"] = ",".join(cors["ExposeHeaders"])
    if cors.get("AllowCredentials"):
        response.headers["Access-Control-Allow-Credentials"] = "true"
