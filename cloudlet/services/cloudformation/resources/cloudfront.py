"""AWS::CloudFront::Distribution, OriginAccessControl, CloudFrontOriginAccessIdentity,
PublicKey and KeyGroup, through CloudFront's operations.

CloudFormation writes CloudFront's configs with plain lists where the API wraps every list in
{Quantity, Items}, and renames a few members; the conversion walks the API's own input shapes
(botocore's model), so only the renames are written out here."""

from __future__ import annotations

import datetime
import uuid
from functools import cache
from typing import Any

from cloudlet.services.cloudformation.resources.base import (
    Created,
    ResourceContext,
    ResourceType,
    required,
    tags_with,
)

# (API structure, CloudFormation member) -> API member, where the two spell it differently.
_RENAMED = {("CustomOriginConfig", "OriginSSLProtocols"): "OriginSslProtocols"}


@cache
def _shape(operation: str, member: str) -> Any:
    import botocore.session  # the model, already loaded by the service this talks to

    model = botocore.session.get_session().get_service_model("cloudfront")
    return model.operation_model(operation).input_shape.members[member]


def _convert(shape: Any, value: Any) -> Any:
    """A CloudFormation value as the API shape wants it."""
    if shape.type_name == "structure":
        members = shape.members
        if "Quantity" in members and "Items" in members:
            return _wrap(shape, value)
        if not isinstance(value, dict):
            return value
        result = {}
        for key, item in value.items():
            name = _RENAMED.get((shape.name, key), key)
            if name in members:
                result[name] = _convert(members[name], item)
        return _fill(shape, result)
    if shape.type_name == "list" and isinstance(value, list):
        return [_convert(shape.member, item) for item in value]
    if shape.type_name == "boolean" and isinstance(value, str):
        return value.lower() == "true"
    if shape.type_name in ("integer", "long") and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


def _wrap(shape: Any, value: Any) -> dict[str, Any]:
    """A list (or a CloudFormation object holding one) as {Quantity, Items, ...}."""
    members = shape.members
    extra: dict[str, Any] = {}
    if isinstance(value, dict):
        # GeoRestriction {RestrictionType, Locations}; anything else already in API form
        if "Quantity" in value:
            return value
        listed = value.get("Locations", [])
        extra = {k: _convert(members[k], v) for k, v in value.items() if k in members and k != "Items"}
        value = listed
    items = [_convert(members["Items"].member, item) for item in value or []]
    wrapped: dict[str, Any] = {**extra, "Quantity": len(items)}
    if items:
        wrapped["Items"] = items
    if "Enabled" in members and "Enabled" not in wrapped:  # TrustedKeyGroups, TrustedSigners
        wrapped["Enabled"] = bool(items)
    return wrapped


def _fill(shape: Any, result: dict[str, Any]) -> dict[str, Any]:
    """The members the API requires that CloudFormation defaults."""
    name = shape.name
    if name == "CustomOriginConfig":
        result.setdefault("HTTPPort", 80)
        result.setdefault("HTTPSPort", 443)
    if name == "LoggingConfig":
        result.setdefault("Enabled", True)
        result.setdefault("IncludeCookies", False)
        result.setdefault("Prefix", "")
    if name == "Origin":
        result.setdefault("OriginPath", "")
        if "S3OriginConfig" not in result and "CustomOriginConfig" not in result:
            result["S3OriginConfig"] = {"OriginAccessIdentity": ""}
    return result


def _cached_methods(props: dict[str, Any], converted: dict[str, Any]) -> None:
    """Moves each behaviour's CachedMethods into its AllowedMethods, as the API nests them."""
    shape = _shape("CreateDistribution", "DistributionConfig").members["DefaultCacheBehavior"]
    allowed = shape.members["AllowedMethods"].members["CachedMethods"]
    sources = [props.get("DefaultCacheBehavior") or {}, *(props.get("CacheBehaviors") or [])]
    targets = [converted.get("DefaultCacheBehavior") or {}, *((converted.get("CacheBehaviors") or {}).get("Items") or [])]
    for source, target in zip(sources, targets, strict=False):
        if "CachedMethods" in source and "AllowedMethods" in target:
            target["AllowedMethods"]["CachedMethods"] = _convert(allowed, source["CachedMethods"])


def _config(props: dict[str, Any], reference: str) -> dict[str, Any]:
    required(props, "DistributionConfig")
    source = props["DistributionConfig"]
    converted = _convert(_shape("CreateDistribution", "DistributionConfig"), source)
    _cached_methods(source, converted)
    converted["CallerReference"] = reference
    converted.setdefault("Comment", "")
    return converted


def _timestamp(value: Any) -> str:
    """A CloudFront time as GetAtt gives it: ISO 8601 in UTC, 2024-01-02T03:04:05.678Z."""
    if isinstance(value, datetime.datetime):
        value = value.astimezone(datetime.UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return str(value or "")


class Distribution(ResourceType):
    type = "AWS::CloudFront::Distribution"
    attributes = ("DomainName", "Id")
    taggable = True

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        config = _config(props, f"{ctx.stack_name}-{ctx.logical_id}-{uuid.uuid4()}")
        tags = tags_with(ctx, props.get("Tags"))
        reply = await ctx.call("cloudfront", "CreateDistributionWithTags", {
            "DistributionConfigWithTags": {"DistributionConfig": config, "Tags": {"Items": tags}},
        })
        distribution = reply["Distribution"]
        return Created(distribution["Id"], {"Id": distribution["Id"], "DomainName": distribution["DomainName"]})

    async def update(
        self, ctx: ResourceContext, physical_id: str, old: dict[str, Any], new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        current = await ctx.call("cloudfront", "GetDistributionConfig", {"Id": physical_id})
        config = _config(new, current["DistributionConfig"]["CallerReference"])
        await ctx.call("cloudfront", "UpdateDistribution", {
            "Id": physical_id, "IfMatch": current["ETag"], "DistributionConfig": config,
        })
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        # AWS deletes only a disabled distribution: CloudFormation disables it first.
        current = await ctx.call("cloudfront", "GetDistributionConfig", {"Id": physical_id})
        etag = current["ETag"]
        if current["DistributionConfig"].get("Enabled"):
            config = {**current["DistributionConfig"], "Enabled": False}
            etag = (await ctx.call("cloudfront", "UpdateDistribution", {
                "Id": physical_id, "IfMatch": etag, "DistributionConfig": config,
            }))["ETag"]
        await ctx.call("cloudfront", "DeleteDistribution", {"Id": physical_id, "IfMatch": etag})


class _ConfigResource(ResourceType):
    """A CloudFront resource that is one config object: create, update with the ETag, delete."""

    kind: str  # the operations' noun: OriginAccessControl, PublicKey, KeyGroup...
    config_property: str
    config_member: str

    def _api_config(self, ctx: ResourceContext, props: dict[str, Any], reference: str | None) -> dict[str, Any]:
        required(props, self.config_property)
        config = _convert(_shape(f"Create{self.kind}", self.config_member), dict(props[self.config_property]))
        if "CallerReference" in _shape(f"Create{self.kind}", self.config_member).members:
            config["CallerReference"] = reference or f"{ctx.stack_name}-{ctx.logical_id}-{uuid.uuid4()}"
        return config

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        reply = await ctx.call("cloudfront", f"Create{self.kind}", {self.config_member: self._api_config(ctx, props, None)})
        body = next(value for key, value in reply.items() if isinstance(value, dict) and "Id" in value)
        return Created(body["Id"], self._attributes(body))

    def _attributes(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"Id": body["Id"]}

    async def update(
        self, ctx: ResourceContext, physical_id: str, old: dict[str, Any], new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        current = await ctx.call("cloudfront", f"Get{self.kind}Config", {"Id": physical_id})
        reference = (current.get(self.config_member) or {}).get("CallerReference")
        reply = await ctx.call("cloudfront", f"Update{self.kind}", {
            "Id": physical_id, "IfMatch": current["ETag"], self.config_member: self._api_config(ctx, new, reference),
        })
        # GetAtt follows the update (a key group's LastModifiedTime)
        body = next((value for value in reply.values() if isinstance(value, dict) and "Id" in value), None)
        return {**attributes, **self._attributes(body)} if body else attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        current = await ctx.call("cloudfront", f"Get{self.kind}Config", {"Id": physical_id})
        await ctx.call("cloudfront", f"Delete{self.kind}", {"Id": physical_id, "IfMatch": current["ETag"]})


class OriginAccessControl(_ConfigResource):
    type = "AWS::CloudFront::OriginAccessControl"
    attributes = ("Id",)
    kind, config_property, config_member = "OriginAccessControl", "OriginAccessControlConfig", "OriginAccessControlConfig"


class PublicKey(_ConfigResource):
    type = "AWS::CloudFront::PublicKey"
    attributes = ("CreatedTime", "Id")
    kind, config_property, config_member = "PublicKey", "PublicKeyConfig", "PublicKeyConfig"

    def _attributes(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"Id": body["Id"], "CreatedTime": _timestamp(body.get("CreatedTime"))}


class KeyGroup(_ConfigResource):
    type = "AWS::CloudFront::KeyGroup"
    attributes = ("Id", "LastModifiedTime")
    kind, config_property, config_member = "KeyGroup", "KeyGroupConfig", "KeyGroupConfig"

    def _attributes(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"Id": body["Id"], "LastModifiedTime": _timestamp(body.get("LastModifiedTime"))}


class OriginAccessIdentity(_ConfigResource):
    type = "AWS::CloudFront::CloudFrontOriginAccessIdentity"
    attributes = ("Id", "S3CanonicalUserId")
    kind = "CloudFrontOriginAccessIdentity"
    config_property = "CloudFrontOriginAccessIdentityConfig"
    config_member = "CloudFrontOriginAccessIdentityConfig"

    def _attributes(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"Id": body["Id"], "S3CanonicalUserId": body.get("S3CanonicalUserId", "")}
