"""What every group of CloudFront operations shares."""

from __future__ import annotations

from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.base import Provider

API_ROOT = "https://cloudfront.amazonaws.com/2020-05-31"


class CloudFrontOperations(Provider):
    def now(self) -> float:
        return self.env.clock.now()

    @staticmethod
    def location(path: str) -> str:
        return f"{API_ROOT}/{path}"


def page(
    items: list[Any], params: dict[str, Any], key: Any, default_max: int = 100
) -> tuple[list[Any], str | None]:
    """Marker/MaxItems paging: items after the marker, and the next marker when truncated."""
    marker = params.get("Marker") or ""
    try:
        limit = int(params.get("MaxItems") or default_max)
    except ValueError:
        from cloudlet.services.cloudfront.errors import InvalidArgument

        raise InvalidArgument("MaxItems must be a number.") from None
    if marker:
        keys = [key(item) for item in items]
        items = items[keys.index(marker) + 1 :] if marker in keys else []
    chosen = items[:limit]
    return chosen, (key(chosen[-1]) if len(items) > limit and chosen else None)


def account(ctx: RequestContext) -> str:
    return ctx.account_id
