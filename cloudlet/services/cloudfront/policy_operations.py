"""Cache policies, origin request policies and response headers policies: managed and custom."""

from __future__ import annotations

from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.cloudfront import errors, ids, managed, resources, store
from cloudlet.services.cloudfront.common import CloudFrontOperations, page
from cloudlet.services.cloudfront.validation import check_quantities, items

CACHE = resources.Kind(
    "cache-policy",
    "cache policy",
    "NoSuchCachePolicy",
    "CachePolicyAlreadyExists",
    "CachePolicyInUse",
    ids.policy_id,
)
ORIGIN_REQUEST = resources.Kind(
    "origin-request-policy",
    "origin request policy",
    "NoSuchOriginRequestPolicy",
    "OriginRequestPolicyAlreadyExists",
    "OriginRequestPolicyInUse",
    ids.policy_id,
)
RESPONSE_HEADERS = resources.Kind(
    "response-headers-policy",
    "response headers policy",
    "NoSuchResponseHeadersPolicy",
    "ResponseHeadersPolicyAlreadyExists",
    "ResponseHeadersPolicyInUse",
    ids.policy_id,
)
# Kind -> (API noun, config member, field naming it in a cache behaviour)
_NAMES = {
    CACHE.name: ("CachePolicy", "CachePolicyConfig", "CachePolicyId"),
    ORIGIN_REQUEST.name: ("OriginRequestPolicy", "OriginRequestPolicyConfig", "OriginRequestPolicyId"),
    RESPONSE_HEADERS.name: (
        "ResponseHeadersPolicy",
        "ResponseHeadersPolicyConfig",
        "ResponseHeadersPolicyId",
    ),
}


def _validate(kind: resources.Kind, config: dict[str, Any]) -> None:
    check_quantities(config)
    if kind is CACHE:
        low, default, high = (
            config.get("MinTTL", 0),
            config.get("DefaultTTL", 86400),
            config.get("MaxTTL", 31536000),
        )
        if not low <= default <= high:
            raise errors.InvalidArgument("The TTL values must satisfy MinTTL <= DefaultTTL <= MaxTTL.")
        config.setdefault("DefaultTTL", default)
        config.setdefault("MaxTTL", high)


def _shape(kind: resources.Kind, policy_id: str, modified: float, config: dict[str, Any]) -> dict[str, Any]:
    _, member, _ = _NAMES[kind.name]
    return {"Id": policy_id, "LastModifiedTime": resources.http_date(modified), member: config}


class PolicyOperations(CloudFrontOperations):
    # -- shared by the three kinds -------------------------------------------------------------

    def _create_policy(
        self, ctx: RequestContext, kind: resources.Kind, config: dict[str, Any]
    ) -> dict[str, Any]:
        noun, _, _ = _NAMES[kind.name]
        _validate(kind, config)
        with self.env.store.db() as conn:
            if any(
                r.config.get("Name") == config["Name"]
                for r in store.list_kind(conn, kind.name, ctx.account_id)
            ) or any(p["Name"] == config["Name"] for p in managed.all_of(kind.name).values()):
                raise errors.already_exists(
                    kind.already_exists, f"A {kind.label} with this name already exists."
                )
            resource = resources.create(conn, kind, ctx.account_id, config, self.now())
        return {
            noun: _shape(kind, resource.id, resource.modified_at, config),
            "Location": self.location(f"{kind.name}/{resource.id}"),
            "ETag": resource.etag,
        }

    def _find_policy(
        self, ctx: RequestContext, kind: resources.Kind, policy_id: str
    ) -> tuple[dict, str, float]:
        builtin = managed.find(kind.name, policy_id)
        if builtin is not None:
            return builtin, _managed_etag(policy_id), 0.0
        with self.env.store.read() as conn:
            resource = resources.get(conn, kind, policy_id, ctx.account_id)
        return resource.config, resource.etag, resource.modified_at

    def _get_policy(
        self, ctx: RequestContext, kind: resources.Kind, params: dict[str, Any]
    ) -> dict[str, Any]:
        noun, _, _ = _NAMES[kind.name]
        config, etag, modified = self._find_policy(ctx, kind, params["Id"])
        return {noun: _shape(kind, params["Id"], modified, config), "ETag": etag}

    def _get_policy_config(self, ctx: RequestContext, kind: resources.Kind, params: dict[str, Any]) -> dict:
        _, member, _ = _NAMES[kind.name]
        config, etag, _ = self._find_policy(ctx, kind, params["Id"])
        return {member: config, "ETag": etag}

    def _update_policy(self, ctx: RequestContext, kind: resources.Kind, params: dict[str, Any]) -> dict:
        noun, member, _ = _NAMES[kind.name]
        if managed.find(kind.name, params["Id"]) is not None:
            raise errors.AccessDenied(f"You can't modify a managed {kind.label}.")
        config = params[member]
        _validate(kind, config)
        with self.env.store.db() as conn:
            resource = resources.get(conn, kind, params["Id"], ctx.account_id)
            resources.check_if_match(resource, params.get("IfMatch"))
            resources.replace(conn, resource, config, self.now())
        return {noun: _shape(kind, resource.id, resource.modified_at, config), "ETag": resource.etag}

    def _delete_policy(self, ctx: RequestContext, kind: resources.Kind, params: dict[str, Any]) -> dict:
        _, _, field = _NAMES[kind.name]
        if managed.find(kind.name, params["Id"]) is not None:
            raise errors.IllegalDelete(f"You can't delete a managed {kind.label}.")
        with self.env.store.db() as conn:
            resource = resources.get(conn, kind, params["Id"], ctx.account_id)
            resources.check_if_match(resource, params.get("IfMatch"))
            for distribution in store.list_kind(conn, "distribution", ctx.account_id):
                config = distribution.config
                behaviors = [config["DefaultCacheBehavior"], *items(config.get("CacheBehaviors"))]
                if any(b.get(field) == resource.id for b in behaviors):
                    raise errors.in_use(
                        kind.in_use,
                        f"Cannot delete {kind.label} while it is attached to one or more cache behaviors.",
                    )
            store.delete(conn, kind.name, resource.id)
        return {}

    def _list_policies(self, ctx: RequestContext, kind: resources.Kind, params: dict[str, Any]) -> dict:
        noun, _, _ = _NAMES[kind.name]
        wanted = params.get("Type")
        found: list[dict[str, Any]] = []
        if wanted in (None, "managed"):
            found += [
                {"Type": "managed", noun: _shape(kind, pid, 0.0, config)}
                for pid, config in managed.all_of(kind.name).items()
            ]
        if wanted in (None, "custom"):
            with self.env.store.read() as conn:
                found += [
                    {"Type": "custom", noun: _shape(kind, r.id, r.modified_at, r.config)}
                    for r in store.list_kind(conn, kind.name, ctx.account_id)
                ]
        chosen, next_marker = page(found, params, lambda item: item[noun]["Id"])
        listing: dict[str, Any] = {"MaxItems": int(params.get("MaxItems") or 100), "Quantity": len(chosen)}
        if chosen:
            listing["Items"] = chosen
        if next_marker:
            listing["NextMarker"] = next_marker
        return {f"{noun}List": listing}

    # -- the operations ------------------------------------------------------------------------

    def create_cache_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._create_policy(ctx, CACHE, params["CachePolicyConfig"])

    def get_cache_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._get_policy(ctx, CACHE, params)

    def get_cache_policy_config(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._get_policy_config(ctx, CACHE, params)

    def update_cache_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._update_policy(ctx, CACHE, params)

    def delete_cache_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._delete_policy(ctx, CACHE, params)

    def list_cache_policies(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._list_policies(ctx, CACHE, params)

    def create_origin_request_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._create_policy(ctx, ORIGIN_REQUEST, params["OriginRequestPolicyConfig"])

    def get_origin_request_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._get_policy(ctx, ORIGIN_REQUEST, params)

    def get_origin_request_policy_config(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._get_policy_config(ctx, ORIGIN_REQUEST, params)

    def update_origin_request_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._update_policy(ctx, ORIGIN_REQUEST, params)

    def delete_origin_request_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._delete_policy(ctx, ORIGIN_REQUEST, params)

    def list_origin_request_policies(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._list_policies(ctx, ORIGIN_REQUEST, params)

    def create_response_headers_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._create_policy(ctx, RESPONSE_HEADERS, params["ResponseHeadersPolicyConfig"])

    def get_response_headers_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._get_policy(ctx, RESPONSE_HEADERS, params)

    def get_response_headers_policy_config(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return self._get_policy_config(ctx, RESPONSE_HEADERS, params)

    def update_response_headers_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._update_policy(ctx, RESPONSE_HEADERS, params)

    def delete_response_headers_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._delete_policy(ctx, RESPONSE_HEADERS, params)

    def list_response_headers_policies(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._list_policies(ctx, RESPONSE_HEADERS, params)


def _managed_etag(policy_id: str) -> str:
    return "E" + policy_id.replace("-", "")[:13].upper()


def policy_config(conn: Any, kind: str, policy_id: str) -> dict[str, Any] | None:
    """A policy's config for the data plane, managed or custom."""
    builtin = managed.find(kind, policy_id)
    if builtin is not None:
        return builtin
    resource = store.find(conn, kind, policy_id)
    return resource.config if resource else None
