"""AWS::Logs::LogGroup, through CloudWatch Logs' operations."""

from __future__ import annotations

from typing import Any

from cloudlet.services.cloudformation.resources.base import (
    Created,
    ResourceContext,
    ResourceFailed,
    ResourceType,
    tags_with,
)


class LogGroup(ResourceType):
    type = "AWS::Logs::LogGroup"
    replace_on = frozenset({"LogGroupName", "LogGroupClass"})
    name_property = "LogGroupName"
    attributes = ("Arn",)
    taggable = True

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        name = props.get("LogGroupName") or ctx.physical_name(512)
        params: dict[str, Any] = {"logGroupName": name}
        if props.get("KmsKeyId"):
            params["kmsKeyId"] = props["KmsKeyId"]
        if props.get("LogGroupClass"):
            params["logGroupClass"] = props["LogGroupClass"]
        tags = tags_with(ctx, props.get("Tags"))
        if tags:
            params["tags"] = {tag["Key"]: tag["Value"] for tag in tags}
        await ctx.call("logs", "CreateLogGroup", params)
        if "RetentionInDays" in props:
            try:
                await self._retention(ctx, name, props["RetentionInDays"])
            except Exception:
                await ctx.call("logs", "DeleteLogGroup", {"logGroupName": name})
                raise
        return Created(name, {"Arn": ctx.arn("logs", f"log-group:{name}:*")})

    @staticmethod
    async def _retention(ctx: ResourceContext, name: str, days: Any) -> None:
        if days is None:
            await ctx.call("logs", "DeleteRetentionPolicy", {"logGroupName": name})
        else:
            await ctx.call("logs", "PutRetentionPolicy", {"logGroupName": name, "retentionInDays": int(days)})

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        if old.get("RetentionInDays") != new.get("RetentionInDays"):
            await self._retention(ctx, physical_id, new.get("RetentionInDays"))
        if old.get("KmsKeyId") != new.get("KmsKeyId"):
            raise ResourceFailed("Changing KmsKeyId needs AssociateKmsKey, which cloudlet's Logs lacks")
        arn = attributes["Arn"].removesuffix(":*")
        before = {t["Key"]: t["Value"] for t in tags_with(ctx, old.get("Tags"), before=True)}
        after = {t["Key"]: t["Value"] for t in tags_with(ctx, new.get("Tags"))}
        gone = [key for key in before if key not in after]
        if gone:
            await ctx.call("logs", "UntagResource", {"resourceArn": arn, "tagKeys": gone})
        if after and after != before:
            await ctx.call("logs", "TagResource", {"resourceArn": arn, "tags": after})
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("logs", "DeleteLogGroup", {"logGroupName": physical_id})
