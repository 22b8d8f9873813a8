"""API keys at the door: the key must be known, enabled and in a usage plan for this stage;
the plan's throttle (a token bucket) and quota are enforced on the shared clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cloudlet.services.apigateway.accounts import key_by_value, plans_of_key, quota_period
from cloudlet.services.apigateway.answers import GatewayError


def admit(
    store: Any, account: str, region: str, api_id: str, stage: str, value: str | None, now: float
) -> dict[str, Any]:
    """The API key document, once throttle and quota let the request through."""
    if not value:
        raise GatewayError("INVALID_API_KEY")
    with store.db() as conn:
        key = key_by_value(conn, account, region, value)
        if key is None or not key.get("enabled"):
            raise GatewayError("INVALID_API_KEY")
        plans = plans_of_key(conn, account, region, key["id"], api_id, stage)
        if not plans:
            raise GatewayError("INVALID_API_KEY")
        for plan in plans:
            _throttle(conn, plan, key["id"], api_id, stage, now)
            _count(conn, plan, key["id"], now)
    return key


def _throttle(conn: Any, plan: dict[str, Any], key_id: str, api_id: str, stage: str, now: float) -> None:
    settings = next(
        (
            s.get("throttle")
            for s in plan.get("apiStages", [])
            if (s["apiId"], s["stage"]) == (api_id, stage) and s.get("throttle")
        ),
        None,
    )
    settings = settings or plan.get("throttle")
    if not settings or settings.get("rateLimit") is None:
        return
    rate = float(settings["rateLimit"])
    take(conn, f"{plan['id']}:{key_id}", rate, float(settings.get("burstLimit") or max(rate, 1.0)), now)


def take(conn: Any, scope: str, rate: float, burst: float, now: float) -> None:
    """One token from the scope's bucket (refilled at `rate` per second up to `burst`), or THROTTLED."""
    row = conn.execute("SELECT tokens, updated FROM apigw_buckets WHERE scope = ?", (scope,)).fetchone()
    tokens = burst if row is None else min(burst, row[0] + max(0.0, now - row[1]) * rate)
    if tokens < 1:
        raise GatewayError("THROTTLED")
    conn.execute(
        "INSERT INTO apigw_buckets VALUES (?, ?, ?) ON CONFLICT (scope) DO UPDATE SET"
        " tokens = excluded.tokens, updated = excluded.updated",
        (scope, tokens - 1, now),
    )


def throttle_method(
    store: Any, api_id: str, stage: dict[str, Any], resource_path: str, http_method: str, now: float
) -> None:
    """The stage's method throttling, when set below the account's default (10,000 rps)."""
    settings = stage.get("methodSettings") or {}
    key = f"{resource_path.lstrip('/')}/{http_method}"
    setting = settings.get(key) or settings.get("*/*")
    if not setting or float(setting.get("throttlingRateLimit", 10000.0)) >= 10000.0:
        return
    name = key if key in settings else "*/*"
    with store.db() as conn:
        take(
            conn,
            f"stage:{api_id}:{stage['stageName']}:{name}",
            float(setting["throttlingRateLimit"]),
            float(setting.get("throttlingBurstLimit", 5000)),
            now,
        )


def _count(conn: Any, plan: dict[str, Any], key_id: str, now: float) -> None:
    quota = plan.get("quota")
    if quota and quota.get("limit") is not None:
        period = "quota:" + quota_period(quota, now)
        row = conn.execute(
            "SELECT used FROM apigw_usage WHERE plan_id = ? AND key_id = ? AND period = ?",
            (plan["id"], key_id, period),
        ).fetchone()
        if row is not None and row[0] >= int(quota["limit"]):
            raise GatewayError("QUOTA_EXCEEDED")
        _increment(conn, plan["id"], key_id, period)
    _increment(conn, plan["id"], key_id, "day:" + datetime.fromtimestamp(now, UTC).date().isoformat())


def _increment(conn: Any, plan_id: str, key_id: str, period: str) -> None:
    conn.execute(
        "INSERT INTO apigw_usage VALUES (?, ?, ?, 1) ON CONFLICT (plan_id, key_id, period)"
        " DO UPDATE SET used = used + 1",
        (plan_id, key_id, period),
    )
