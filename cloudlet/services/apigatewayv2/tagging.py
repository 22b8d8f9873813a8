"""Tags of HTTP APIs, their stages and custom domain names, addressed by ARN:
arn:aws:apigateway:REGION::/apis/ID[/stages/NAME] or arn:aws:apigateway:REGION::/domainnames/NAME."""

from __future__ import annotations

import re
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.apigatewayv2 import store
from cloudlet.services.apigatewayv2.errors import BadRequestException, NotFoundException
from cloudlet.services.apigatewayv2.resources import require, require_api
from cloudlet.services.apigatewayv2.store import DOCS
from cloudlet.services.environment import Environment

_ARN = re.compile(
    r"^arn:aws[a-z-]*:apigateway:([a-z0-9-]+)::/(apis/([^/]+)(/stages/([^/]+))?|domainnames/([^/]+))$"
)


class TaggingOperations:
    env: Environment

    def get_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            return {"Tags": self._tagged(conn, ctx, params["ResourceArn"])[0].get("Tags") or {}}

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            doc, save = self._tagged(conn, ctx, params["ResourceArn"])
            doc["Tags"] = {**(doc.get("Tags") or {}), **(params.get("Tags") or {})}
            save(doc)
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            doc, save = self._tagged(conn, ctx, params["ResourceArn"])
            doc["Tags"] = {k: v for k, v in (doc.get("Tags") or {}).items() if k not in params["TagKeys"]}
            save(doc)
        return {}

    def _tagged(self, conn: Any, ctx: RequestContext, arn: str):  # -> (document, save(document))
        match = _ARN.match(arn)
        if match is None or match.group(1) != ctx.region:
            raise BadRequestException(f"Invalid resource ARN specified: {arn}")
        api_id, stage_name, domain_name = match.group(3), match.group(5), match.group(6)
        if domain_name is not None:
            domain = store.get_domain(conn, ctx.account_id, ctx.region, domain_name)
            if domain is None:
                raise NotFoundException(f"Invalid domain name identifier specified: {domain_name}")
            return domain, lambda doc: store.put_domain(conn, ctx.account_id, ctx.region, doc)
        api = require_api(conn, api_id, ctx.account_id, ctx.region)
        if stage_name is not None:
            stage = require(conn, api_id, "stage", stage_name)
            return stage, lambda doc: DOCS.put(conn, api_id, "stage", stage_name, doc)
        return api, lambda doc: DOCS.put_api(
            conn, ctx.account_id, ctx.region, api_id, api["CreatedDate"], doc
        )
