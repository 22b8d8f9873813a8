"""A bucket's CORS rules applied as S3 applies them: the first rule whose origin, method and
requested headers all match answers; with none, a preflight is refused (403) and an actual
request is served without CORS headers."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from cloudlet.edge.types import Headers, Request, RequestContext, Response
from cloudlet.services.environment import Environment
from cloudlet.services.s3 import store
from cloudlet.services.s3.errors import InvalidRequest, S3Error

METHODS = ("GET", "PUT", "HEAD", "POST", "DELETE")
_NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
    "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not "
    "whitelisted by the resource's CORS spec."
)
_NOT_ENABLED = "CORSResponse: CORS is not enabled for this bucket."


class AccessForbidden(S3Error):
    code, status = "AccessForbidden", 403


def check(rules: list[dict[str, Any]]) -> None:
    """PutBucketCors's checks beyond the model's."""
    for rule in rules:
        for method in rule.get("AllowedMethods") or []:
            if method not in METHODS:
                raise InvalidRequest(
                    f"Found unsupported HTTP method in CORS config. Unsupported method is {method}"
                )
        for origin in rule.get("AllowedOrigins") or []:
            if origin.count("*") > 1:
                raise InvalidRequest(f'AllowedOrigin "{origin}" can not have more than one wildcard.')
        for header in rule.get("AllowedHeaders") or []:
            if header.count("*") > 1:
                raise InvalidRequest(f'AllowedHeader "{header}" can not have more than one wildcard.')


def preflight(env: Environment, request: Request, bucket: str) -> Response:
    method = request.headers.get("access-control-request-method") or ""
    wanted = [
        h.strip().lower()
        for h in (request.headers.get("access-control-request-headers") or "").split(",")
        if h.strip()
    ]
    rules = _rules(env, bucket)
    rule = _matching(rules, request.headers.get("origin") or "", method, wanted) if rules else None
    if rule is None:
        return _forbidden(request, _NOT_ALLOWED if rules else _NOT_ENABLED, method)
    headers = _allow_headers(rule, request.headers.get("origin") or "")
    headers["Access-Control-Allow-Methods"] = ", ".join(rule["AllowedMethods"])
    if wanted:
        headers["Access-Control-Allow-Headers"] = ", ".join(wanted)
    if rule.get("MaxAgeSeconds") is not None:
        headers["Access-Control-Max-Age"] = str(rule["MaxAgeSeconds"])
    headers["Vary"] = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
    headers["Content-Length"] = "0"
    return Response(200, headers, b"")


def decorate(env: Environment, request: Request, bucket: str, response: Response) -> None:
    """CORS headers on an actual response, when a rule matches the request."""
    rules = _rules(env, bucket)
    origin = request.headers.get("origin") or ""
    rule = _matching(rules, origin, request.method, []) if rules else None
    if rule is None:
        return
    for name, value in _allow_headers(rule, origin).items():
        response.headers[name] = value
    response.headers["Access-Control-Allow-Methods"] = ", ".join(rule["AllowedMethods"])
    if rule.get("MaxAgeSeconds") is not None:
        response.headers["Access-Control-Max-Age"] = str(rule["MaxAgeSeconds"])
    response.headers["Vary"] = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"


def _allow_headers(rule: dict[str, Any], origin: str) -> Headers:
    wildcard = "*" in rule["AllowedOrigins"]
    headers = Headers([("Access-Control-Allow-Origin", "*" if wildcard else origin)])
    if not wildcard:
        headers["Access-Control-Allow-Credentials"] = "true"
    if rule.get("ExposeHeaders"):
        headers["Access-Control-Expose-Headers"] = ", ".join(rule["ExposeHeaders"])
    return headers


def _rules(env: Environment, bucket: str) -> list[dict[str, Any]]:
    try:
        with env.store.read() as conn:
            config = store.get_config(conn, bucket, "cors")
    except Exception:  # S3 tables absent: no bucket has rules
        return []
    return (config or {}).get("CORSRules") or []


def _matching(
    rules: list[dict[str, Any]], origin: str, method: str, headers: list[str]
) -> dict[str, Any] | None:
    for rule in rules:
        if method not in rule.get("AllowedMethods", []):
            continue
        if not any(_glob(pattern, False).fullmatch(origin) for pattern in rule.get("AllowedOrigins", [])):
            continue
        allowed = rule.get("AllowedHeaders") or []
        if all(any(_glob(p, True).fullmatch(h) for p in allowed) for h in headers):
            return rule
    return None


@lru_cache(maxsize=512)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(
        ".*".join(re.escape(p) for p in pattern.split("*")), re.IGNORECASE if ignore_case else 0
    )


def _forbidden(request: Request, message: str, method: str) -> Response:
    from cloudlet.services.s3.serving import error_response

    error = AccessForbidden(message, Method=method or request.method, ResourceType="OBJECT")
    return error_response(RequestContext(request).request_id, error)
