"""Route throttling: a token bucket per (API, stage, route), refilled at the rate limit up to the
burst limit, as API Gateway throttles. Buckets live in the store, so every edge worker shares
them, and time comes from the server's clock, so tests can move it."""

from __future__ import annotations

from typing import Any

from cloudlet.core.clock import Clock
from cloudlet.core.store import Store
from cloudlet.services.apigatewayv2 import store


class Throttles:
    def __init__(self, db: Store, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def admit(self, scope: str, settings: dict[str, Any]) -> bool:
        rate = settings.get("ThrottlingRateLimit")
        burst = settings.get("ThrottlingBurstLimit")
        if rate is None and burst is None:
            return True
        rate = float(rate if rate is not None else burst)
        capacity = float(burst if burst is not None else max(rate, 1.0))
        now = self.clock.now()
        # New limits start a new, full bucket.
        scope = f"{scope}/{rate}/{capacity}"
        with self.db.db() as conn:
            found = store.bucket(conn, scope)
            tokens, updated = found if found is not None else (capacity, now)
            tokens = min(capacity, tokens + max(0.0, now - updated) * rate)
            admitted = tokens >= 1.0
            store.put_bucket(conn, scope, tokens - 1.0 if admitted else tokens, now)
        return admitted


def route_settings(stage: dict[str, Any], route_key: str) -> dict[str, Any]:
    """The stage's settings for a route: its own RouteSettings over the DefaultRouteSettings."""
    merged = dict(stage.get("DefaultRouteSettings") or {})
    merged.update(
        {k: v for k, v in ((stage.get("RouteSettings") or {}).get(route_key) or {}).items() if v is not None}
    )
    return merged
