"""Tags on REST APIs, stages, API keys and usage plans (by ARN), and the account's settings."""

from __future__ import annotations

import re
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.apigateway import patches
from cloudlet.services.apigateway.accounts import ITEMS
from cloudlet.services.apigateway.errors import BadRequestException, NotFoundException
from cloudlet.services.apigateway.store import DOCS

_ARN = re.compile(
    r"^arn:aws[a-z-]*:apigateway:([a-z0-9-]+)::/(restapis|apikeys|usageplans)/([^/]+)(?:/stages/([^/]+))?$"
)
_ACCOUNT_DEFAULTS: dict[str, Any] = {
    "throttleSettings": {"burstLimit": 5000, "rateLimit": 10000.0},
    "features": ["UsagePlans"],
    "apiKeyVersion": "4",
}


class TaggingOperations:
    env: Any

    def _tagged(self, conn: Any, ctx: RequestContext, arn: str) -> tuple[dict[str, Any], Any]:
        """(the document the ARN names, a function storing it back)."""
        match = _ARN.match(arn or "")
        if match is None:
            raise BadRequestException(f"Invalid resource ARN: {arn}")
        region, collection, item_id, stage = match.groups()
        if collection == "restapis":
            api = DOCS.api(conn, item_id, ctx.account_id, region)
            if api is None:
                raise NotFoundException(f"Invalid API identifier specified {ctx.account_id}:{item_id}")
            if stage is None:
                return api, lambda doc: DOCS.put_api(
                    conn, ctx.account_id, region, item_id, doc["createdDate"], doc
                )
            found = DOCS.get(conn, item_id, "stage", stage)
            if found is None:
                raise NotFoundException("Invalid Stage identifier specified")
            return found, lambda doc: DOCS.put(conn, item_id, "stage", stage, doc)
        kind = "apikey" if collection == "apikeys" else "usageplan"
        found = ITEMS.get(conn, ctx.account_id, region, kind, item_id)
        if found is None:
            raise NotFoundException(f"Invalid resource identifier specified: {item_id}")
        return found, lambda doc: ITEMS.put(conn, ctx, kind, item_id, doc, doc.get("createdDate", 0))

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            doc, save = self._tagged(conn, ctx, params["resourceArn"])
            doc["tags"] = {**(doc.get("tags") or {}), **params["tags"]}
            if len(doc["tags"]) > 50:
                raise BadRequestException("A resource can have at most 50 tags")
            save(doc)
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            doc, save = self._tagged(conn, ctx, params["resourceArn"])
            doc["tags"] = {k: v for k, v in (doc.get("tags") or {}).items() if k not in params["tagKeys"]}
            save(doc)
        return {}

    def get_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            doc, _ = self._tagged(conn, ctx, params["resourceArn"])
        return {"tags": doc.get("tags") or {}}

    # -- the account -----------------------------------------------------------------------------

    def get_account(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            return ITEMS.get(conn, ctx.account_id, ctx.region, "account", "settings") or dict(
                _ACCOUNT_DEFAULTS
            )

    def update_account(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            account = ITEMS.get(conn, ctx.account_id, ctx.region, "account", "settings") or dict(
                _ACCOUNT_DEFAULTS
            )
            patches.apply(
                account,
                params.get("patchOperations") or [],
                allowed=frozenset({"cloudwatchRoleArn", "features"}),
            )
            ITEMS.put(conn, ctx, "account", "settings", account, 0)
        return account
