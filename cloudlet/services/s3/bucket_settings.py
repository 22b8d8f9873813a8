"""Bucket configurations that are stored and echoed: policy, CORS, tagging, encryption,
ownership controls, Block Public Access, lifecycle, website, notifications and the ACL.

Each is one JSON value per (bucket, kind); a missing one answers its own AWS error code.
"""

from __future__ import annotations

import json
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.s3 import (
    access,
    bucket_policy,
    cors_rules,
    destinations,
    lifecycle,
    notifications,
    store,
)
from cloudlet.services.s3.common import S3Operations, owner_of
from cloudlet.services.s3.errors import (
    AccessDenied,
    InvalidArgument,
    InvalidRequest,
    InvalidTag,
    MalformedXML,
    NoSuchConfiguration,
)
from cloudlet.services.s3.metadata import canned_acl, check_tags, tag_set
from cloudlet.services.s3.object_settings import acl_grants, canned_from_policy

# kind -> (error code, message) when the bucket has none.
MISSING = {
    "policy": ("NoSuchBucketPolicy", "The bucket policy does not exist"),
    "cors": ("NoSuchCORSConfiguration", "The CORS configuration does not exist"),
    "tagging": ("NoSuchTagSet", "The TagSet does not exist"),
    "ownership": ("OwnershipControlsNotFoundError", "The bucket ownership controls were not found"),
    "public_access_block": (
        "NoSuchPublicAccessBlockConfiguration",
        "The public access block configuration was not found",
    ),
    "lifecycle": ("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist"),
    "website": ("NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration"),
}
DEFAULT_ENCRYPTION = {
    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]
}


class BucketSettingsOperations(S3Operations):
    def _put(self, ctx: RequestContext, params: dict[str, Any], kind: str, value: Any) -> store.Bucket:
        with self.env.store.db() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
            store.put_config(conn, bucket.name, kind, value)
        return bucket

    def _get(self, ctx: RequestContext, params: dict[str, Any], kind: str) -> Any:
        with self.env.store.read() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
            value = store.get_config(conn, bucket.name, kind)
        if value is None and kind in MISSING:
            raise NoSuchConfiguration(*MISSING[kind], bucket.name)
        return value

    def _delete(self, ctx: RequestContext, params: dict[str, Any], kind: str) -> dict[str, Any]:
        with self.env.store.db() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
            store.delete_config(conn, bucket.name, kind)
        return {}

    # -- policy: only the owner manages it, whatever it grants ---------------------------------

    def put_bucket_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
            policy = bucket_policy.parse(params["Policy"], bucket.name)
            block = store.get_config(conn, bucket.name, "public_access_block") or {}
            if block.get("BlockPublicPolicy") and bucket_policy.is_public(policy):
                raise AccessDenied(
                    "User is not authorized to perform: s3:PutBucketPolicy because public policies"
                    " are blocked by the BlockPublicPolicy block public access setting."
                )
            store.put_config(conn, bucket.name, "policy", policy)
        return {}

    def get_bucket_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return {"Policy": json.dumps(self._get(ctx, params, "policy"))}

    def delete_bucket_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._delete(ctx, params, "policy")

    def get_bucket_policy_status(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return {"PolicyStatus": {"IsPublic": bucket_policy.is_public(self._get(ctx, params, "policy"))}}

    # -- CORS ------------------------------------------------------------------------------------

    def put_bucket_cors(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        rules = (params.get("CORSConfiguration") or {}).get("CORSRules") or []
        if not rules or any(not r.get("AllowedMethods") or not r.get("AllowedOrigins") for r in rules):
            raise MalformedXML()
        cors_rules.check(rules)
        self._put(ctx, params, "cors", {"CORSRules": rules})
        return {}

    def get_bucket_cors(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._get(ctx, params, "cors")

    def delete_bucket_cors(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._delete(ctx, params, "cors")

    # -- tagging ---------------------------------------------------------------------------------

    def put_bucket_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        pairs = [(t["Key"], t["Value"]) for t in (params.get("Tagging") or {}).get("TagSet") or []]
        tags = check_tags(pairs) if len(pairs) <= 10 else _many_tags(pairs)
        self._put(ctx, params, "tagging", tags)
        return {}

    def get_bucket_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return {"TagSet": tag_set(self._get(ctx, params, "tagging"))}

    def delete_bucket_tagging(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._delete(ctx, params, "tagging")

    # -- encryption, ownership, Block Public Access ------------------------------------------------

    def put_bucket_encryption(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._put(ctx, params, "encryption", params["ServerSideEncryptionConfiguration"])
        return {}

    def get_bucket_encryption(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        # Every bucket has SSE-S3 by default (since January 2023).
        return {
            "ServerSideEncryptionConfiguration": self._get(ctx, params, "encryption") or DEFAULT_ENCRYPTION
        }

    def delete_bucket_encryption(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._delete(ctx, params, "encryption")

    def put_bucket_ownership_controls(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._put(ctx, params, "ownership", params["OwnershipControls"])
        return {}

    def get_bucket_ownership_controls(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return {"OwnershipControls": self._get(ctx, params, "ownership")}

    def delete_bucket_ownership_controls(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._delete(ctx, params, "ownership")

    def put_public_access_block(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._put(ctx, params, "public_access_block", params["PublicAccessBlockConfiguration"])
        return {}

    def get_public_access_block(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return {"PublicAccessBlockConfiguration": self._get(ctx, params, "public_access_block")}

    def delete_public_access_block(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._delete(ctx, params, "public_access_block")

    # -- lifecycle and website (stored; expiry and serving are separate work) -------------------------

    def put_bucket_lifecycle_configuration(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        rules = (params.get("LifecycleConfiguration") or {}).get("Rules") or []
        if not rules:
            raise MalformedXML()
        lifecycle.check(rules)
        self._put(ctx, params, "lifecycle", {"Rules": _jsonable(lifecycle.with_ids(rules))})
        return {}

    def get_bucket_lifecycle_configuration(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return self._get(ctx, params, "lifecycle")

    def delete_bucket_lifecycle(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._delete(ctx, params, "lifecycle")

    def put_bucket_website(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._put(ctx, params, "website", _website(params["WebsiteConfiguration"]))
        return {}

    def get_bucket_website(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._get(ctx, params, "website")

    def delete_bucket_website(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._delete(ctx, params, "website")

    # -- notifications ----------------------------------------------------------------------------

    async def put_bucket_notification_configuration(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        configuration = params.get("NotificationConfiguration") or {}
        notifications.validate(configuration)
        with self.env.store.read() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
        if not params.get("SkipDestinationValidation"):
            await destinations.validate(self.env, bucket, configuration)
        with self.env.store.db() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
            store.put_config(conn, bucket.name, "notification", configuration)
            notifications.test_event(conn, bucket, configuration, ctx.request_id, self.now())
        return {}

    def get_bucket_notification_configuration(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        with self.env.store.read() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
            return store.get_config(conn, bucket.name, "notification") or {}

    # -- ACL -------------------------------------------------------------------------------------

    def put_bucket_acl(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        acl = canned_acl(params.get("ACL")) or canned_from_policy(params.get("AccessControlPolicy"))
        with self.env.store.db() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
            access.refuse_public_acl(conn, bucket.name, acl)
            store.put_config(conn, bucket.name, "acl", acl)
        return {}

    def get_bucket_acl(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
            acl = store.get_config(conn, bucket.name, "acl")
        return {"Owner": owner_of(bucket.account_id), "Grants": acl_grants(acl, bucket.account_id)}


def _many_tags(pairs: list[tuple[str, str]]) -> dict[str, str]:
    if len(pairs) > 50:
        raise InvalidTag("Bucket tag count cannot be greater than 50")
    return dict(pairs)


def _website(config: dict[str, Any]) -> dict[str, Any]:
    """A website configuration checked as S3 checks it."""
    if config.get("RedirectAllRequestsTo"):
        if any(config.get(k) for k in ("IndexDocument", "ErrorDocument", "RoutingRules")):
            raise InvalidRequest(
                "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules."
            )
        return config
    suffix = (config.get("IndexDocument") or {}).get("Suffix")
    if suffix is None:
        raise InvalidArgument(
            "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
            "IndexDocument",
            None,
        )
    if not suffix or "/" in suffix:
        raise InvalidArgument("The IndexDocument Suffix is not well formed", "IndexDocument", suffix)
    rules = config.get("RoutingRules") or []
    if len(rules) > 50:
        raise InvalidArgument(
            "The number of routing rules must not exceed the allowed limit of 50.",
            "RoutingRules",
            str(len(rules)),
        )
    for rule in rules:
        redirect = rule.get("Redirect") or {}
        if not redirect:
            raise MalformedXML()
        if redirect.get("ReplaceKeyWith") is not None and redirect.get("ReplaceKeyPrefixWith") is not None:
            raise InvalidRequest("You can only define ReplaceKeyPrefix or ReplaceKey but not both.")
        code = redirect.get("HttpRedirectCode")
        if code is not None and not (str(code).isdigit() and 300 <= int(code) < 400):
            raise InvalidArgument(
                "The provided HTTP redirect code is not valid. It should be a string containing"
                " a number between 300 and 399.",
                "HttpRedirectCode",
                str(code),
            )
    return config


def _jsonable(value: Any) -> Any:
    """Dates (Expiration.Date) stored as ISO text."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else value
