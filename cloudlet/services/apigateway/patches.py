"""API Gateway's Update* operations: JSON-Patch-like operations on camelCase documents.

Values always arrive as strings; the target member's type says what they become. A path that
ends inside a list (`/binaryMediaTypes/image~1png`) names the element itself, as AWS does.
"""

from __future__ import annotations

from typing import Any

from cloudlet.services.apigateway.errors import BadRequestException

BOOLEANS = frozenset(
    {
        "enabled",
        "cacheClusterEnabled",
        "tracingEnabled",
        "apiKeyRequired",
        "validateRequestBody",
        "validateRequestParameters",
        "disableExecuteApiEndpoint",
        "metricsEnabled",
        "dataTraceEnabled",
        "cachingEnabled",
        "cacheDataEncrypted",
        "requireAuthorizationForCacheControl",
        "generateDistinctId",
    }
)
INTEGERS = frozenset(
    {
        "timeoutInMillis",
        "authorizerResultTtlInSeconds",
        "minimumCompressionSize",
        "limit",
        "offset",
        "burstLimit",
        "throttlingBurstLimit",
        "cacheTtlInSeconds",
    }
)
FLOATS = frozenset({"rateLimit", "throttlingRateLimit"})
LISTS = frozenset(
    {"binaryMediaTypes", "cacheKeyParameters", "authorizationScopes", "providerARNs", "stageKeys", "types"}
)

# Stage method settings: `/{resource path}/{method}/{group}/{name}`.
SETTINGS: dict[tuple[str, str], str] = {
    ("caching", "enabled"): "cachingEnabled",
    ("caching", "ttlInSeconds"): "cacheTtlInSeconds",
    ("caching", "dataEncrypted"): "cacheDataEncrypted",
    ("caching", "requireAuthorizationForCacheControl"): "requireAuthorizationForCacheControl",
    ("caching", "unauthorizedCacheControlHeaderStrategy"): "unauthorizedCacheControlHeaderStrategy",
    ("throttling", "burstLimit"): "throttlingBurstLimit",
    ("throttling", "rateLimit"): "throttlingRateLimit",
    ("metrics", "enabled"): "metricsEnabled",
    ("logging", "loglevel"): "loggingLevel",
    ("logging", "dataTrace"): "dataTraceEnabled",
}
DEFAULT_METHOD_SETTING: dict[str, Any] = {
    "metricsEnabled": False,
    "loggingLevel": "OFF",
    "dataTraceEnabled": False,
    "throttlingBurstLimit": 5000,
    "throttlingRateLimit": 10000.0,
    "cachingEnabled": False,
    "cacheTtlInSeconds": 300,
    "cacheDataEncrypted": False,
    "requireAuthorizationForCacheControl": True,
    "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
}


def unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def convert(name: str, value: Any, *, boolean_maps: frozenset[str] = frozenset(), parent: str = "") -> Any:
    if not isinstance(value, str):
        return value
    if name in BOOLEANS or parent in boolean_maps:
        if value.lower() not in ("true", "false"):
            raise BadRequestException(f"Invalid boolean value for {name}: {value}")
        return value.lower() == "true"
    try:
        if name in INTEGERS:
            return int(value)
        if name in FLOATS:
            return float(value)
    except ValueError as exc:
        raise BadRequestException(f"Invalid number for {name}: {value}") from exc
    return value


def apply(
    doc: dict[str, Any],
    operations: list[dict[str, Any]],
    *,
    allowed: frozenset[str] | None = None,
    boolean_maps: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Applies the operations to doc in place; `allowed` limits the top-level members touched."""
    for operation in operations or []:
        op = operation.get("op")
        path = operation.get("path") or ""
        if op not in ("add", "remove", "replace", "copy", "move") or not path.startswith("/"):
            raise BadRequestException(f"Invalid patch operation specified: op {op} path {path}")
        segments = [unescape(s) for s in path[1:].split("/")]
        if allowed is not None and segments[0] not in allowed:
            raise BadRequestException(f"Invalid patch path {path}")
        if op in ("copy", "move"):
            raise BadRequestException(f"Invalid patch operation specified: {op} is not supported on {path}")
        _apply_one(doc, op, segments, operation.get("value"), boolean_maps)
    return doc


def _apply_one(
    doc: dict[str, Any], op: str, segments: list[str], value: Any, boolean_maps: frozenset[str]
) -> None:
    parent: Any = doc
    for segment in segments[:-1]:
        if isinstance(parent, list):
            break
        if not isinstance(parent.get(segment), (dict, list)):
            if op == "remove":
                return
            parent[segment] = [] if segment in LISTS else {}
        parent = parent[segment]
    last = segments[-1]
    if isinstance(parent, list):
        if op == "remove":
            if last in parent:
                parent.remove(last)
        elif last not in parent:
            parent.append(value if value is not None and last == "" else last)
        return
    if op == "remove":
        parent.pop(last, None)
    elif last in LISTS and op == "add" and isinstance(parent.get(last), list):
        parent[last].append(value)
    else:
        owner = segments[-2] if len(segments) > 1 else ""
        parent[last] = convert(last, value, boolean_maps=boolean_maps, parent=owner)


def apply_method_setting(settings: dict[str, dict[str, Any]], op: str, raw_path: str, value: Any) -> bool:
    """A stage method-settings operation; False when the path is not one."""
    raw = raw_path[1:].split("/")
    if len(raw) < 4 or (raw[-2], raw[-1]) not in SETTINGS:
        return False
    method = raw[-3]
    resource = "/".join(unescape(s) for s in raw[:-3]).lstrip("/")
    key = f"{resource}/{method}"
    name = SETTINGS[(raw[-2], raw[-1])]
    if op == "remove":
        settings.pop(key, None)
        return True
    setting = settings.setdefault(key, dict(DEFAULT_METHOD_SETTING))
    setting[name] = convert(name, value)
    return True
