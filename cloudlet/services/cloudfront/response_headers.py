"""Response headers policies: CORS, security headers, custom and removed headers, added at
the edge to every response of a cache behaviour."""

from __future__ import annotations

from typing import Any

from cloudlet.edge.types import Headers, Request
from cloudlet.services.cloudfront.validation import items


def is_preflight(request: Request) -> bool:
    return (
        request.method == "OPTIONS"
        and "origin" in request.headers
        and "access-control-request-method" in request.headers
    )


def _set(headers: Headers, name: str, value: str, override: bool) -> None:
    if override or name not in headers:
        headers[name] = value


def _cors(config: dict[str, Any], request: Request, headers: Headers, preflight: bool) -> None:
    origin = request.headers.get("origin")
    if origin is None:
        return
    allowed = items(config.get("AccessControlAllowOrigins"))
    if "*" not in allowed and origin not in allowed:
        return
    override = bool(config.get("OriginOverride"))
    credentials = bool(config.get("AccessControlAllowCredentials"))
    _set(
        headers,
        "Access-Control-Allow-Origin",
        "*" if "*" in allowed and not credentials else origin,
        override,
    )
    if credentials:
        _set(headers, "Access-Control-Allow-Credentials", "true", override)
    if preflight:
        methods = items(config.get("AccessControlAllowMethods"))
        if "ALL" in methods:
            methods = ["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS"]
        _set(headers, "Access-Control-Allow-Methods", ",".join(methods), override)
        allow_headers = items(config.get("AccessControlAllowHeaders"))
        if allow_headers:
            requested = request.headers.get("access-control-request-headers")
            value = requested if "*" in allow_headers and requested else ",".join(allow_headers)
            _set(headers, "Access-Control-Allow-Headers", value, override)
        if config.get("AccessControlMaxAgeSec") is not None:
            _set(headers, "Access-Control-Max-Age", str(config["AccessControlMaxAgeSec"]), override)
    else:
        exposed = items(config.get("AccessControlExposeHeaders"))
        if exposed:
            _set(headers, "Access-Control-Expose-Headers", ",".join(exposed), override)


def _security(config: dict[str, Any], headers: Headers) -> None:
    hsts = config.get("StrictTransportSecurity")
    if hsts:
        value = f"max-age={hsts['AccessControlMaxAgeSec']}"
        value += "; includeSubDomains" if hsts.get("IncludeSubdomains") else ""
        value += "; preload" if hsts.get("Preload") else ""
        _set(headers, "Strict-Transport-Security", value, bool(hsts.get("Override")))
    if config.get("ContentTypeOptions"):
        _set(headers, "X-Content-Type-Options", "nosniff", bool(config["ContentTypeOptions"].get("Override")))
    frame = config.get("FrameOptions")
    if frame:
        _set(headers, "X-Frame-Options", frame["FrameOption"], bool(frame.get("Override")))
    referrer = config.get("ReferrerPolicy")
    if referrer:
        _set(headers, "Referrer-Policy", referrer["ReferrerPolicy"], bool(referrer.get("Override")))
    csp = config.get("ContentSecurityPolicy")
    if csp:
        _set(headers, "Content-Security-Policy", csp["ContentSecurityPolicy"], bool(csp.get("Override")))
    xss = config.get("XSSProtection")
    if xss:
        value = "1" if xss.get("Protection") else "0"
        if xss.get("Protection") and xss.get("ModeBlock"):
            value += "; mode=block"
        elif xss.get("Protection") and xss.get("ReportUri"):
            value += f"; report={xss['ReportUri']}"
        _set(headers, "X-XSS-Protection", value, bool(xss.get("Override")))


def apply(policy: dict[str, Any] | None, request: Request, headers: Headers, preflight: bool = False) -> None:
    if not policy:
        return
    if policy.get("CorsConfig"):
        _cors(policy["CorsConfig"], request, headers, preflight)
    if policy.get("SecurityHeadersConfig"):
        _security(policy["SecurityHeadersConfig"], headers)
    for custom in items(policy.get("CustomHeadersConfig")):
        _set(headers, custom["Header"], custom["Value"], bool(custom.get("Override")))
    for removed in items(policy.get("RemoveHeadersConfig")):
        headers.remove(removed["Header"])
    timing = policy.get("ServerTimingHeadersConfig") or {}
    if timing.get("Enabled"):
        headers["Server-Timing"] = 'cdn-upstream-layer;desc="EDGE"'
