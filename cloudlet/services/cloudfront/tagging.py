"""TagResource, UntagResource, ListTagsForResource (distributions, by ARN)."""

from __future__ import annotations

import re
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.cloudfront import errors, store
from cloudlet.services.cloudfront.common import CloudFrontOperations

_ARN = re.compile(r"^arn:aws:cloudfront::(\d{12}):(distribution|streaming-distribution)/([A-Z0-9]+)$")
_KEY = re.compile(r"^[\w\s.:/=+\-@]{1,128}$")
_VALUE = re.compile(r"^[\w\s.:/=+\-@]{0,256}$")


def tags_from(value: dict[str, Any] | None) -> dict[str, str]:
    result = {}
    for tag in (value or {}).get("Items") or []:
        key, text = tag.get("Key", ""), tag.get("Value", "")
        if not _KEY.match(key) or not _VALUE.match(text) or key.startswith("aws:"):
            raise errors.InvalidTagging("The tag key or value is not valid.")
        result[key] = text
    return result


class TagOperations(CloudFrontOperations):
    def _tagged(self, conn: Any, ctx: RequestContext, arn: str) -> None:
        match = _ARN.match(arn)
        if match is None:
            raise errors.InvalidArgument(f"The resource ARN {arn} is not valid.")
        resource = store.find(conn, match.group(2), match.group(3))
        if resource is None or resource.account_id != match.group(1) or match.group(1) != ctx.account_id:
            raise errors.NoSuchResource("The specified resource does not exist.")

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        values = tags_from(params["Tags"])
        with self.env.store.db() as conn:
            self._tagged(conn, ctx, params["Resource"])
            store.put_tags(conn, params["Resource"], values)
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        keys = list(params["TagKeys"].get("Items") or [])
        with self.env.store.db() as conn:
            self._tagged(conn, ctx, params["Resource"])
            store.delete_tags(conn, params["Resource"], keys)
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            self._tagged(conn, ctx, params["Resource"])
            values = store.tags(conn, params["Resource"])
        return {"Tags": {"Items": [{"Key": k, "Value": v} for k, v in values.items()]}}
