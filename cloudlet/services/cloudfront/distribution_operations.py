"""CreateDistribution, GetDistribution, UpdateDistribution, DeleteDistribution, ListDistributions."""

from __future__ import annotations

from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.cloudfront import cache, distributions, errors, ids, resources, store
from cloudlet.services.cloudfront.common import CloudFrontOperations, page
from cloudlet.services.cloudfront.routes import aliases_changed
from cloudlet.services.cloudfront.tagging import tags_from
from cloudlet.services.cloudfront.validation import items

DISTRIBUTION = resources.Kind(
    "distribution",
    "distribution",
    "NoSuchDistribution",
    "DistributionAlreadyExists",
    "ResourceInUse",
    ids.distribution_id,
)
# Changes reach every edge location at once here; the answer to the change itself still says
# InProgress, as AWS's does, and every later read says Deployed.
_WRITTEN, _SETTLED = "InProgress", "Deployed"


class DistributionOperations(CloudFrontOperations):
    def create_distribution(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._create_distribution(ctx, params["DistributionConfig"], {})

    def create_distribution_with_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        body = params["DistributionConfigWithTags"]
        return self._create_distribution(ctx, body["DistributionConfig"], tags_from(body.get("Tags")))

    def _create_distribution(self, ctx: RequestContext, config: dict[str, Any], tags: dict[str, str]) -> dict:
        config = distributions.with_defaults(config)
        with self.env.store.db() as conn:
            existing = self._by_reference(conn, ctx.account_id, config["CallerReference"])
            if existing is not None:
                if existing.config != config:
                    raise errors.DistributionAlreadyExists(
                        f"The caller reference that you are using to create a distribution is associated with "
                        f"another distribution. Already exists: {existing.id}"
                    )
                resource = existing
            else:
                distributions.validate(conn, ctx.account_id, config, None)
                resource = resources.create(conn, DISTRIBUTION, ctx.account_id, config, self.now())
                store.set_aliases(conn, resource.id, items(config.get("Aliases")))
                store.put_tags(conn, ids.distribution_arn(ctx.account_id, resource.id), tags)
            shaped = distributions.describe(conn, resource, _WRITTEN)
        aliases_changed(self.env)
        return {
            "Distribution": shaped,
            "Location": self.location(f"distribution/{resource.id}"),
            "ETag": resource.etag,
        }

    @staticmethod
    def _by_reference(conn: Any, account_id: str, reference: str) -> store.Resource | None:
        for resource in store.list_kind(conn, DISTRIBUTION.name, account_id):
            if resource.config.get("CallerReference") == reference:
                return resource
        return None

    def get_distribution(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            resource = resources.get(conn, DISTRIBUTION, params["Id"], ctx.account_id)
            return {"Distribution": distributions.describe(conn, resource, _SETTLED), "ETag": resource.etag}

    def get_distribution_config(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            resource = resources.get(conn, DISTRIBUTION, params["Id"], ctx.account_id)
        return {"DistributionConfig": resource.config, "ETag": resource.etag}

    def update_distribution(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        config = distributions.with_defaults(params["DistributionConfig"])
        with self.env.store.db() as conn:
            resource = resources.get(conn, DISTRIBUTION, params["Id"], ctx.account_id)
            resources.check_if_match(resource, params.get("IfMatch"))
            if config["CallerReference"] != resource.config["CallerReference"]:
                raise errors.IllegalUpdate(
                    "The update contains modifications that are not allowed: "
                    "CallerReference cannot be changed."
                )
            distributions.validate(conn, ctx.account_id, config, resource.id)
            resources.replace(conn, resource, config, self.now())
            store.set_aliases(conn, resource.id, items(config.get("Aliases")))
            shaped = distributions.describe(conn, resource, _WRITTEN)
        aliases_changed(self.env)
        return {"Distribution": shaped, "ETag": resource.etag}

    def delete_distribution(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            resource = resources.get(conn, DISTRIBUTION, params["Id"], ctx.account_id)
            resources.check_if_match(resource, params.get("IfMatch"))
            if resource.config.get("Enabled"):
                raise errors.DistributionNotDisabled()
            store.delete(conn, DISTRIBUTION.name, resource.id)
            store.set_aliases(conn, resource.id, [])
            store.delete_tags(conn, ids.distribution_arn(resource.account_id, resource.id))
            dropped = cache.forget_distribution(conn, resource.id)
        cache.remove_blobs(self.env.store, dropped)
        aliases_changed(self.env)
        return {}

    def list_distributions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            found = store.list_kind(conn, DISTRIBUTION.name, ctx.account_id)
        chosen, next_marker = page(found, params, lambda r: r.id)
        listing: dict[str, Any] = {
            "Marker": params.get("Marker") or "",
            "MaxItems": int(params.get("MaxItems") or 100),
            "IsTruncated": next_marker is not None,
            "Quantity": len(chosen),
        }
        if chosen:
            listing["Items"] = [distributions.summary(r, _SETTLED) for r in chosen]
        if next_marker:
            listing["NextMarker"] = next_marker
        return {"DistributionList": listing}


def _behaviors(config: dict[str, Any]) -> list[dict[str, Any]]:
    return [config["DefaultCacheBehavior"], *items(config.get("CacheBehaviors"))]


class DistributionQueries(CloudFrontOperations):
    """ListDistributionsBy...: which distributions use a policy or key group."""

    def _ids_where(self, ctx: RequestContext, params: dict[str, Any], uses: Any) -> dict[str, Any]:
        with self.env.store.read() as conn:
            found = [r.id for r in store.list_kind(conn, DISTRIBUTION.name, ctx.account_id) if uses(r.config)]
        chosen, next_marker = page(found, params, lambda item: item)
        listing: dict[str, Any] = {
            "Marker": params.get("Marker") or "",
            "MaxItems": int(params.get("MaxItems") or 100),
            "IsTruncated": next_marker is not None,
            "Quantity": len(chosen),
        }
        if chosen:
            listing["Items"] = chosen
        if next_marker:
            listing["NextMarker"] = next_marker
        return {"DistributionIdList": listing}

    def _by_field(self, ctx: RequestContext, params: dict[str, Any], field: str) -> dict[str, Any]:
        wanted = params[field]
        return self._ids_where(ctx, params, lambda c: any(b.get(field) == wanted for b in _behaviors(c)))

    def list_distributions_by_cache_policy_id(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return self._by_field(ctx, params, "CachePolicyId")

    def list_distributions_by_origin_request_policy_id(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict:
        return self._by_field(ctx, params, "OriginRequestPolicyId")

    def list_distributions_by_response_headers_policy_id(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict:
        return self._by_field(ctx, params, "ResponseHeadersPolicyId")

    def list_distributions_by_key_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        wanted = params["KeyGroupId"]
        return self._ids_where(
            ctx, params, lambda c: any(wanted in items(b.get("TrustedKeyGroups")) for b in _behaviors(c))
        )
