"""Browser traffic to S3 (a request with an Origin header): CORS preflights answered from the
bucket's CORS rules, and CORS headers added to the actual response when a rule matches.

Only the matching lives here (imported at start-up); the rules are in cors_rules.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cloudlet.edge.detect import is_s3_host
from cloudlet.edge.types import Request, Response

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/[^/]+/(?P<service>[^/]+)/aws4_request")
_QUERY_SCOPE = re.compile(r"X-Amz-Credential=[^&]*?%2F(?P<service>[a-z0-9-]+)%2Faws4_request", re.IGNORECASE)
_VIRTUAL = re.compile(r"^(?P<bucket>.+)\.s3(?:[.-][a-z0-9-]+)?\.localhost(?::\d+)?$")


class CorsRoute:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self._api: Any = None

    def matches(self, request: Request) -> bool:
        if "origin" not in request.headers:
            return False
        return self.bucket_of(request) is not None

    def bucket_of(self, request: Request) -> str | None:
        """The bucket an S3 request from a browser addresses, or None when it is not S3."""
        match = _VIRTUAL.match(request.host.lower())
        if match is not None:
            return match.group("bucket")
        if is_s3_host(request.host):
            return _first_segment(request.path)
        signed = _SCOPE.search(request.headers.get("authorization") or "") or _QUERY_SCOPE.search(
            request.query
        )
        if signed is not None:
            return _first_segment(request.path) if signed.group("service") == "s3" else None
        if "x-amz-target" in request.headers or "Action=" in request.query:
            return None
        name = _first_segment(request.path)
        return name if name and self._bucket_exists(name) else None

    def _bucket_exists(self, name: str) -> bool:
        import sqlite3

        try:
            with self.env.store.read() as conn:
                return conn.execute("SELECT 1 FROM s3_buckets WHERE name = ?", (name,)).fetchone() is not None
        except sqlite3.OperationalError:  # S3 has never started here: no bucket at all
            return False

    async def handle(self, request: Request) -> Response:
        from cloudlet.services.s3 import cors_rules

        bucket = self.bucket_of(request) or ""
        if request.method == "OPTIONS":
            return cors_rules.preflight(self.env, request, bucket)
        if self._api is None:
            from cloudlet.edge.aws_api import AwsApi

            self._api = AwsApi(self.env)
        response = await self._api.handle(request)
        cors_rules.decorate(self.env, request, bucket, response)
        return response


def _first_segment(path: str) -> str | None:
    name = path.lstrip("/").split("/", 1)[0]
    return name or None
