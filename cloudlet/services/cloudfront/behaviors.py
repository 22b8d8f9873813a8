"""Which cache behaviour a viewer path falls under, and what that behaviour's policies say:
the cache key (path, chosen query strings, headers, cookies, encoding) and the TTL bounds."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

from cloudlet.edge.types import Request
from cloudlet.services.cloudfront.validation import items

# A legacy behaviour (ForwardedValues) caches like a cache policy built from its fields.
_LEGACY_TTLS = (0, 86400, 31536000)


@lru_cache(maxsize=1024)
def _pattern(path_pattern: str) -> re.Pattern[str]:
    """CloudFront path patterns: `*` any characters, `?` exactly one, case-sensitive."""
    pattern = path_pattern if path_pattern.startswith("/") else "/" + path_pattern
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z", re.DOTALL
    )


def select(config: dict[str, Any], path: str) -> dict[str, Any]:
    for behavior in items(config.get("CacheBehaviors")):
        if _pattern(behavior["PathPattern"]).match(path):
            return behavior
    return config["DefaultCacheBehavior"]


@dataclass(frozen=True)
class CachePolicy:
    min_ttl: float
    default_ttl: float
    max_ttl: float
    headers: dict[str, Any]
    cookies: dict[str, Any]
    query: dict[str, Any]
    gzip: bool
    brotli: bool = False

    @property
    def caches(self) -> bool:
        return self.max_ttl > 0


def cache_policy(behavior: dict[str, Any], policy_config: dict[str, Any] | None) -> CachePolicy:
    if policy_config is not None:
        params = policy_config.get("ParametersInCacheKeyAndForwardedToOrigin") or {}
        return CachePolicy(
            policy_config.get("MinTTL", 0),
            policy_config.get("DefaultTTL", 86400),
            policy_config.get("MaxTTL", 31536000),
            params.get("HeadersConfig") or {},
            params.get("CookiesConfig") or {},
            params.get("QueryStringsConfig") or {},
            bool(params.get("EnableAcceptEncodingGzip")),
            bool(params.get("EnableAcceptEncodingBrotli")),
        )
    forwarded = behavior.get("ForwardedValues") or {}
    headers = items(forwarded.get("Headers"))
    cookies = forwarded.get("Cookies") or {}
    query_keys = items(forwarded.get("QueryStringCacheKeys"))
    query = (
        {"QueryStringBehavior": "whitelist", "QueryStrings": {"Items": query_keys}}
        if query_keys
        else {"QueryStringBehavior": "all" if forwarded.get("QueryString") else "none"}
    )
    low, default, high = (
        behavior.get(name, fallback)
        for name, fallback in zip(("MinTTL", "DefaultTTL", "MaxTTL"), _LEGACY_TTLS, strict=True)
    )
    return CachePolicy(
        low,
        default,
        high,
        {"HeaderBehavior": "whitelist", "Headers": {"Items": headers}} if headers else {},
        {"CookieBehavior": cookies.get("Forward", "none"), "Cookies": cookies.get("WhitelistedNames") or {}},
        query,
        bool(behavior.get("Compress")),
    )


def _chosen(
    behavior: str | None, listed: list[str], pairs: list[tuple[str, str]], lower: bool = False
) -> list:
    names = {n.lower() for n in listed} if lower else set(listed)
    key = (lambda n: n.lower()) if lower else (lambda n: n)
    if behavior in ("all", "allViewer"):
        return sorted(pairs)
    if behavior == "whitelist":
        return sorted(p for p in pairs if key(p[0]) in names)
    if behavior in ("allExcept", "allViewerAndWhitelistCloudFront"):
        return (
            sorted(p for p in pairs if key(p[0]) not in names) if behavior == "allExcept" else sorted(pairs)
        )
    return []


def viewer_cookies(request: Request) -> list[tuple[str, str]]:
    jar: SimpleCookie = SimpleCookie()
    for header in request.headers.get_all("cookie"):
        try:
            jar.load(header)
        except CookieError:
            continue
    return [(name, morsel.value) for name, morsel in jar.items()]


def key_query(policy: CachePolicy, query: str) -> list[tuple[str, str]]:
    listed = items(policy.query.get("QueryStrings"))
    return _chosen(policy.query.get("QueryStringBehavior"), listed, parse_qsl(query, keep_blank_values=True))


def key_headers(policy: CachePolicy, request: Request) -> list[tuple[str, str]]:
    listed = items(policy.headers.get("Headers"))
    pairs = [(k.lower(), v) for k, v in request.headers.items()]
    return _chosen(policy.headers.get("HeaderBehavior"), listed, pairs, lower=True)


def key_cookies(policy: CachePolicy, request: Request) -> list[tuple[str, str]]:
    listed = items(policy.cookies.get("Cookies"))
    return _chosen(policy.cookies.get("CookieBehavior"), listed, viewer_cookies(request))


def cache_key(distribution_id: str, path: str, policy: CachePolicy, request: Request, encoding: str) -> str:
    parts = [
        distribution_id,
        path,
        urlencode(key_query(policy, request.query)),
        repr(key_headers(policy, request)),
        repr(key_cookies(policy, request)),
        encoding,
    ]
    if request.method == "OPTIONS":  # cached apart from GET/HEAD, when CachedMethods lists it
        parts.append("OPTIONS")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def origin_query(policy: CachePolicy, origin_policy: dict[str, Any] | None, query: str) -> str:
    """The query string forwarded to the origin: what the cache key uses plus what the origin
    request policy adds."""
    if origin_policy is None:
        return urlencode(key_query(policy, query))
    config = origin_policy.get("QueryStringsConfig") or {}
    behavior = config.get("QueryStringBehavior")
    if behavior == "all" or policy.query.get("QueryStringBehavior") == "all":
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    names = set(items(config.get("QueryStrings"))) | set(items(policy.query.get("QueryStrings")))
    return urlencode([p for p in pairs if p[0] in names])


def origin_headers(policy: CachePolicy, origin_policy: dict[str, Any] | None, request: Request) -> list:
    chosen = key_headers(policy, request)
    if origin_policy is not None:
        config = origin_policy.get("HeadersConfig") or {}
        pairs = [(k.lower(), v) for k, v in request.headers.items()]
        chosen += _chosen(config.get("HeaderBehavior"), items(config.get("Headers")), pairs, lower=True)
    return sorted(set(chosen))


def origin_cookies(policy: CachePolicy, origin_policy: dict[str, Any] | None, request: Request) -> list:
    chosen = key_cookies(policy, request)
    if origin_policy is not None:
        config = origin_policy.get("CookiesConfig") or {}
        chosen += _chosen(config.get("CookieBehavior"), items(config.get("Cookies")), viewer_cookies(request))
    return sorted(set(chosen))
