"""CreateInvalidation (purges the matching cached paths at once), GetInvalidation, ListInvalidations."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from cloudlet.edge.types import RequestContext
from cloudlet.services.cloudfront import cache, errors, ids, resources, store
from cloudlet.services.cloudfront.common import CloudFrontOperations, page
from cloudlet.services.cloudfront.distribution_operations import DISTRIBUTION
from cloudlet.services.cloudfront.validation import check_quantities

MAX_PATHS = 3000
MAX_WILDCARDS = 15
# Purging happens inside CreateInvalidation, so an invalidation is complete as soon as it exists;
# its creation answer still says InProgress, as AWS's does.
_CREATED, _DONE = "InProgress", "Completed"


def _shape(item: store.Invalidation, status: str) -> dict[str, Any]:
    paths = item.paths
    return {
        "Id": item.id,
        "Status": status,
        "CreateTime": resources.http_date(item.created_at),
        "InvalidationBatch": {
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": item.caller_reference,
        },
    }


def _patterns(paths: list[str]) -> list[str]:
    """Each path as sent and percent-encoded, since viewers' paths are matched as they arrived."""
    return sorted({variant for path in paths for variant in (path, quote(path, safe="/*~!$&'()+,;=:@%"))})


class InvalidationOperations(CloudFrontOperations):
    def create_invalidation(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        batch = params["InvalidationBatch"]
        check_quantities(batch)
        paths = list(batch["Paths"].get("Items") or [])
        if not paths:
            raise errors.InvalidArgument("Your request contains no paths to invalidate.")
        if any(not path.startswith("/") for path in paths):
            raise errors.InvalidArgument("Each invalidation path must begin with a slash (/).")
        if len(paths) > MAX_PATHS or sum("*" in path for path in paths) > MAX_WILDCARDS:
            raise errors.BatchTooLarge("Invalidation batch specified is too large.")
        with self.env.store.db() as conn:
            distribution = resources.get(conn, DISTRIBUTION, params["DistributionId"], ctx.account_id)
            existing = store.invalidation_by_reference(conn, distribution.id, batch["CallerReference"])
            if existing is not None:
                return {
                    "Location": self.location(f"distribution/{distribution.id}/invalidation/{existing.id}"),
                    "Invalidation": _shape(existing, _DONE),
                }
            item = store.Invalidation(
                distribution.id, ids.invalidation_id(), batch["CallerReference"], paths, self.now()
            )
            store.insert_invalidation(conn, item)
            dropped = cache.purge(conn, distribution.id, _patterns(paths))
        cache.remove_blobs(self.env.store, dropped)
        return {
            "Location": self.location(f"distribution/{distribution.id}/invalidation/{item.id}"),
            "Invalidation": _shape(item, _CREATED),
        }

    def get_invalidation(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            distribution = resources.get(conn, DISTRIBUTION, params["DistributionId"], ctx.account_id)
            item = store.find_invalidation(conn, distribution.id, params["Id"])
        if item is None:
            raise errors.NoSuchInvalidation("The specified invalidation does not exist.")
        return {"Invalidation": _shape(item, _DONE)}

    def list_invalidations(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            distribution = resources.get(conn, DISTRIBUTION, params["DistributionId"], ctx.account_id)
            found = store.list_invalidations(conn, distribution.id)
        chosen, next_marker = page(found, params, lambda item: item.id)
        listing: dict[str, Any] = {
            "Marker": params.get("Marker") or "",
            "MaxItems": int(params.get("MaxItems") or 100),
            "IsTruncated": next_marker is not None,
            "Quantity": len(chosen),
        }
        if chosen:
            listing["Items"] = [
                {"Id": i.id, "CreateTime": resources.http_date(i.created_at), "Status": _DONE} for i in chosen
            ]
        if next_marker:
            listing["NextMarker"] = next_marker
        return {"InvalidationList": listing}
