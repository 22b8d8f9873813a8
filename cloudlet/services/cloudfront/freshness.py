"""How long a response stays in the cache: the behaviour's TTL bounds applied to the origin's
Cache-Control and Expires, as CloudFront documents it."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from cloudlet.services.cloudfront.behaviors import CachePolicy

# Responses CloudFront caches under the TTL rules; the error codes it caches for the error
# caching minimum TTL (10 seconds unless a custom error response says otherwise).
CACHEABLE = frozenset({200, 203, 300, 301, 410})
CACHED_ERRORS = frozenset({400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504})
ERROR_CACHING_TTL = 10.0


def directives(cache_control: str | None) -> dict[str, str | None]:
    result: dict[str, str | None] = {}
    for part in (cache_control or "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            result[name.lower()] = value.strip('"') or None
    return result


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def ttl(
    policy: CachePolicy,
    status: int,
    cache_control: str | None,
    expires: str | None,
    now: float,
    error_ttl: float | None = None,
) -> float | None:
    """Seconds to keep the response, or None not to keep it."""
    if not policy.caches:
        return None
    if status in CACHED_ERRORS:
        return ERROR_CACHING_TTL if error_ttl is None else (error_ttl or None)
    if status not in CACHEABLE:
        return None
    found = directives(cache_control)
    if "no-store" in found or "no-cache" in found or "private" in found:
        return policy.min_ttl or None
    age = _seconds(found.get("s-maxage")) if "s-maxage" in found else _seconds(found.get("max-age"))
    if age is None and expires:
        try:
            age = max(0.0, parsedate_to_datetime(expires).timestamp() - now)
        except (TypeError, ValueError):
            age = 0.0  # an unreadable Expires means already expired (RFC 9111)
    if age is None:
        age = policy.default_ttl
    chosen = min(max(age, policy.min_ttl), policy.max_ttl)
    return chosen or None
