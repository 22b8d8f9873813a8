"""CORS for the AWS API itself, so the AWS SDK for JavaScript in a page can call cloudlet.

Services with CORS rules of their own (S3 buckets, API Gateway, CloudFront) answer for their
own traffic; this covers the management API, which AWS serves to browsers permissively.
"""

from __future__ import annotations

from cloudlet.edge.types import Headers, Request, Response

_EXPOSE = ", ".join((
    "x-amzn-RequestId", "x-amzn-ErrorType", "x-amzn-ErrorMessage", "x-amz-request-id",
    "x-amz-id-2", "x-amz-version-id", "x-amz-delete-marker", "x-amz-checksum-crc32",
    "x-amz-checksum-crc32c", "x-amz-checksum-sha1", "x-amz-checksum-sha256",
    "x-amz-server-side-encryption", "x-amz-expiration", "x-amz-function-error",
    "x-amz-log-result", "x-amz-executed-version", "ETag", "Content-Length", "Content-Range",
    "Date", "Last-Modified",
))
_METHODS = "GET, HEAD, PUT, POST, DELETE, PATCH, OPTIONS"


class Cors:
    def __init__(self, origins: tuple[str, ...]) -> None:
        self.origins = origins

    def allowed_origin(self, origin: str | None) -> str | None:
        if not origin:
            return None
        if "*" in self.origins:
            return origin
        return origin if origin in self.origins else None

    def is_preflight(self, request: Request) -> bool:
        return (
            request.method == "OPTIONS"
            and "origin" in request.headers
            and "access-control-request-method" in request.headers
        )

    def preflight(self, request: Request) -> Response:
        origin = self.allowed_origin(request.headers.get("origin"))
        if origin is None:
            return Response(403, Headers([("Content-Type", "text/plain")]), b"CORS origin not allowed")
        headers = Headers([
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Methods", _METHODS),
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Max-Age", "86400"),
            ("Vary", "Origin"),
        ])
        requested = request.headers.get("access-control-request-headers")
        headers["Access-Control-Allow-Headers"] = requested or "*"
        return Response(200, headers, b"")

    def decorate(self, request: Request, response: Response) -> None:
        origin = self.allowed_origin(request.headers.get("origin"))
        if origin is None or "access-control-allow-origin" in response.headers:
            return
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Expose-Headers"] = _EXPOSE
        response.headers.add("Vary", "Origin")
