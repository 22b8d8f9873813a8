"""The stage cache: responses kept per (resource path, method, cache key parameters) for the
method's TTL, on the shared clock, in the store."""

from __future__ import annotations

import json
from typing import Any

from cloudlet.edge.types import Headers, Response
from cloudlet.services.apigateway.patches import DEFAULT_METHOD_SETTING
from cloudlet.services.apigateway.requests import MethodRequest


def method_setting(
    stage: dict[str, Any], resource_path: str, http_method: str
) -> tuple[dict[str, Any], bool]:
    """(the settings that apply, whether they name this method rather than all of them)."""
    settings = stage.get("methodSettings") or {}
    specific = settings.get(f"{resource_path.lstrip('/')}/{http_method}")
    if specific is not None:
        return {**DEFAULT_METHOD_SETTING, **specific}, True
    return {**DEFAULT_METHOD_SETTING, **settings.get("*/*", {})}, False


def caching_ttl(stage: dict[str, Any], resource_path: str, http_method: str) -> int:
    """Seconds a response of this method is cached in this stage (0: not cached).

    Settings for all methods (`*/*`) cache only GET, as AWS does; a method's own settings
    cache whatever method they name.
    """
    if not stage.get("cacheClusterEnabled"):
        return 0
    setting, specific = method_setting(stage, resource_path, http_method)
    if not setting.get("cachingEnabled") or (not specific and http_method != "GET"):
        return 0
    return int(setting.get("cacheTtlInSeconds") or 0)


def cache_key(
    http_method: str, resource_path: str, integration: dict[str, Any], request: MethodRequest
) -> str:
    values = [[name, request.value(name)] for name in sorted(integration.get("cacheKeyParameters") or [])]
    return json.dumps([http_method, resource_path, values])


class StageCache:
    def __init__(self, store: Any) -> None:
        self.store = store

    def get(self, api_id: str, stage: str, key: str, now: float) -> Response | None:
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT status, headers, body FROM apigw_cache WHERE api_id = ? AND stage = ?"
                " AND cache_key = ? AND expires > ?",
                (api_id, stage, key, now),
            ).fetchone()
        if row is None:
            return None
        return Response(row[0], Headers(tuple(pair) for pair in json.loads(row[1])), bytes(row[2]))

    def put(self, api_id: str, stage: str, key: str, expires: float, response: Response) -> None:
        assert isinstance(response.body, bytes)
        with self.store.db() as conn:
            conn.execute(
                "INSERT INTO apigw_cache VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (api_id, stage, cache_key)"
                " DO UPDATE SET expires = excluded.expires, status = excluded.status,"
                " headers = excluded.headers, body = excluded.body",
                (
                    api_id,
                    stage,
                    key,
                    expires,
                    response.status,
                    json.dumps(response.headers.items()),
                    response.body,
                ),
            )
