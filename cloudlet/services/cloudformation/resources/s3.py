"""AWS::S3::Bucket and AWS::S3::BucketPolicy, through S3's operations.

CloudFormation's bucket properties are S3's configurations spelled differently
(`CorsRules[].MaxAge` is `CORSRules[].MaxAgeSeconds`); the converters below are that table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from cloudlet.services.cloudformation.resources.base import Created, ResourceContext, ResourceType, tags_with


def _renamed(item: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {names.get(key, key): value for key, value in item.items()}


def _website(config: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if "IndexDocument" in config:
        result["IndexDocument"] = {"Suffix": config["IndexDocument"]}
    if "ErrorDocument" in config:
        result["ErrorDocument"] = {"Key": config["ErrorDocument"]}
    if "RedirectAllRequestsTo" in config:
        result["RedirectAllRequestsTo"] = config["RedirectAllRequestsTo"]
    if "RoutingRules" in config:
        result["RoutingRules"] = [
            {
                **({"Condition": rule["RoutingRuleCondition"]} if "RoutingRuleCondition" in rule else {}),
                "Redirect": rule.get("RedirectRule", {}),
            }
            for rule in config["RoutingRules"]
        ]
    return {"WebsiteConfiguration": result}


def _cors(config: dict[str, Any]) -> dict[str, Any]:
    rules = [
        _renamed(rule, {"ExposedHeaders": "ExposeHeaders", "Id": "ID", "MaxAge": "MaxAgeSeconds"})
        for rule in config.get("CorsRules") or []
    ]
    for rule in rules:
        if "MaxAgeSeconds" in rule:
            rule["MaxAgeSeconds"] = int(rule["MaxAgeSeconds"])
    return {"CORSConfiguration": {"CORSRules": rules}}


def _filter(item: dict[str, Any]) -> dict[str, Any]:
    rules = ((item.get("Filter") or {}).get("S3Key") or {}).get("Rules")
    return {"Filter": {"Key": {"FilterRules": rules}}} if rules else {}


def _notifications(config: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for source, target, arn_key, arn_name in (
        ("LambdaConfigurations", "LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
        ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
        ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn"),
    ):
        if config.get(source):
            result[target] = [
                {arn_name: item[arn_key], "Events": [item["Event"]], **_filter(item)}
                for item in config[source]
            ]
    if "EventBridgeConfiguration" in config:
        result["EventBridgeConfiguration"] = {}
    return {"NotificationConfiguration": result}


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"Status": rule["Status"]}
    if "Id" in rule:
        result["ID"] = rule["Id"]
    condition: dict[str, Any] = {}
    if "Prefix" in rule:
        condition["Prefix"] = rule["Prefix"]
    if rule.get("TagFilters"):
        condition["Tag"] = rule["TagFilters"][0]
    result["Filter"] = condition
    expiration: dict[str, Any] = {}
    if "ExpirationInDays" in rule:
        expiration["Days"] = int(rule["ExpirationInDays"])
    if "ExpirationDate" in rule:
        expiration["Date"] = rule["ExpirationDate"]
    if "ExpiredObjectDeleteMarker" in rule:
        expiration["ExpiredObjectDeleteMarker"] = rule["ExpiredObjectDeleteMarker"]
    if expiration:
        result["Expiration"] = expiration
    if "NoncurrentVersionExpirationInDays" in rule:
        result["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpirationInDays"])
        }
    if "NoncurrentVersionExpiration" in rule:
        result["NoncurrentVersionExpiration"] = rule["NoncurrentVersionExpiration"]
    if "AbortIncompleteMultipartUpload" in rule:
        result["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
    if rule.get("Transitions"):
        result["Transitions"] = [
            _renamed(t, {"TransitionInDays": "Days", "TransitionDate": "Date"}) for t in rule["Transitions"]
        ]
    return result


def _lifecycle(config: dict[str, Any]) -> dict[str, Any]:
    return {
        "LifecycleConfiguration": {"Rules": [_lifecycle_rule(rule) for rule in config.get("Rules") or []]}
    }


def _encryption(config: dict[str, Any]) -> dict[str, Any]:
    return {
        "ServerSideEncryptionConfiguration": {"Rules": config.get("ServerSideEncryptionConfiguration") or []}
    }


# property -> (put operation, its parameters from the property, delete operation or None)
_SETTINGS: dict[str, tuple[str, Callable[[Any], dict[str, Any]], str | None]] = {
    "VersioningConfiguration": ("PutBucketVersioning", lambda c: {"VersioningConfiguration": c}, None),
    "WebsiteConfiguration": ("PutBucketWebsite", _website, "DeleteBucketWebsite"),
    "CorsConfiguration": ("PutBucketCors", _cors, "DeleteBucketCors"),
    "LifecycleConfiguration": ("PutBucketLifecycleConfiguration", _lifecycle, "DeleteBucketLifecycle"),
    "BucketEncryption": ("PutBucketEncryption", _encryption, "DeleteBucketEncryption"),
    "PublicAccessBlockConfiguration": (
        "PutPublicAccessBlock",
        lambda c: {"PublicAccessBlockConfiguration": c},
        "DeletePublicAccessBlock",
    ),
    "OwnershipControls": (
        "PutBucketOwnershipControls",
        lambda c: {"OwnershipControls": c},
        "DeleteBucketOwnershipControls",
    ),
    "NotificationConfiguration": ("PutBucketNotificationConfiguration", _notifications, None),
}


# Regions whose S3 website endpoints are s3-website-REGION; those launched since 2014 use
# s3-website.REGION (AWS's S3 website endpoint table).
_DASH_WEBSITE_REGIONS = frozenset({
    "us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2",
    "ap-northeast-1", "sa-east-1", "us-gov-west-1",
})


def _website_separator(region: str) -> str:
    return "-" if region in _DASH_WEBSITE_REGIONS else "."


class Bucket(ResourceType):
    type = "AWS::S3::Bucket"
    replace_on = frozenset({"BucketName", "ObjectLockEnabled"})
    name_property = "BucketName"
    attributes = ("Arn", "DomainName", "DualStackDomainName", "RegionalDomainName", "WebsiteURL")
    taggable = True

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        name = props.get("BucketName") or ctx.physical_name(63, lower=True)
        params: dict[str, Any] = {"Bucket": name}
        if ctx.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": ctx.region}
        if props.get("ObjectLockEnabled"):
            params["ObjectLockEnabledForBucket"] = True
        await ctx.call("s3", "CreateBucket", params)
        try:
            await self._configure(ctx, name, {}, props)
        except Exception:
            await ctx.call("s3", "DeleteBucket", {"Bucket": name})  # no half-configured bucket stays behind
            raise
        return Created(name, self._view(ctx, name))

    @staticmethod
    def _view(ctx: ResourceContext, name: str) -> dict[str, Any]:
        return {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "DualStackDomainName": f"{name}.s3.dualstack.{ctx.region}.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{ctx.region}.amazonaws.com",
            "WebsiteURL": f"http://{name}.s3-website{_website_separator(ctx.region)}{ctx.region}.amazonaws.com",
        }

    async def _configure(
        self, ctx: ResourceContext, name: str, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        for key, (put, convert, delete) in _SETTINGS.items():
            if key in new and new[key] != old.get(key):
                await ctx.call("s3", put, {"Bucket": name, **convert(new[key])})
            elif key in old and key not in new:
                if delete:
                    await ctx.call("s3", delete, {"Bucket": name})
                elif key == "NotificationConfiguration":
                    await ctx.call("s3", put, {"Bucket": name, "NotificationConfiguration": {}})
                else:
                    await ctx.call(
                        "s3", put, {"Bucket": name, "VersioningConfiguration": {"Status": "Suspended"}}
                    )
        tags, old_tags = (
            tags_with(ctx, new.get("Tags")),
            tags_with(ctx, old.get("Tags"), before=True) if old else [],
        )
        if tags and tags != old_tags:
            await ctx.call("s3", "PutBucketTagging", {"Bucket": name, "Tagging": {"TagSet": tags}})
        elif old_tags and not tags:
            await ctx.call("s3", "DeleteBucketTagging", {"Bucket": name})

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        await self._configure(ctx, physical_id, old, new)
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("s3", "DeleteBucket", {"Bucket": physical_id})


class BucketPolicy(ResourceType):
    type = "AWS::S3::BucketPolicy"
    replace_on = frozenset({"Bucket"})
    attributes = ()

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        await self._put(ctx, props)
        return Created(props["Bucket"], {})

    @staticmethod
    async def _put(ctx: ResourceContext, props: dict[str, Any]) -> None:
        policy = props["PolicyDocument"]
        await ctx.call(
            "s3",
            "PutBucketPolicy",
            {"Bucket": props["Bucket"], "Policy": policy if isinstance(policy, str) else json.dumps(policy)},
        )

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        await self._put(ctx, new)
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("s3", "DeleteBucketPolicy", {"Bucket": physical_id})
