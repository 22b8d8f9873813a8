"""AWS::DynamoDB::Table, through DynamoDB's operations (indexes, streams, TTL, tags)."""

from __future__ import annotations

from typing import Any

from cloudlet.services.cloudformation.resources.base import Created, ResourceContext, ResourceType, tags_with

_COPIED = (
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "SSESpecification",
    "TableClass",
    "DeletionProtectionEnabled",
)


def _throughput(value: dict[str, Any]) -> dict[str, int]:
    return {key: int(number) for key, number in value.items()}


def _index(index: dict[str, Any]) -> dict[str, Any]:
    result = {key: index[key] for key in ("IndexName", "KeySchema", "Projection") if key in index}
    if "ProvisionedThroughput" in index:
        result["ProvisionedThroughput"] = _throughput(index["ProvisionedThroughput"])
    return result


def _stream(spec: dict[str, Any] | None) -> dict[str, Any]:
    if spec and spec.get("StreamViewType"):
        return {"StreamEnabled": True, "StreamViewType": spec["StreamViewType"]}
    return {"StreamEnabled": False}


class Table(ResourceType):
    type = "AWS::DynamoDB::Table"
    replace_on = frozenset({"TableName", "KeySchema", "LocalSecondaryIndexes"})
    name_property = "TableName"
    attributes = ("Arn", "StreamArn")
    taggable = True

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        name = props.get("TableName") or ctx.physical_name(255)
        params: dict[str, Any] = {"TableName": name, **{key: props[key] for key in _COPIED if key in props}}
        if "ProvisionedThroughput" in props:
            params["ProvisionedThroughput"] = _throughput(props["ProvisionedThroughput"])
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if props.get(key):
                params[key] = [_index(index) for index in props[key]]
        if props.get("StreamSpecification"):
            params["StreamSpecification"] = _stream(props["StreamSpecification"])
        tags = tags_with(ctx, props.get("Tags"))
        if tags:
            params["Tags"] = tags
        table = (await ctx.call("dynamodb", "CreateTable", params))["TableDescription"]
        try:
            await self._ttl(ctx, name, None, props.get("TimeToLiveSpecification"))
        except Exception:
            await ctx.call("dynamodb", "DeleteTable", {"TableName": name})
            raise
        return Created(name, self._view(table))

    @staticmethod
    def _view(table: dict[str, Any]) -> dict[str, Any]:
        view = {"Arn": table["TableArn"]}
        if table.get("LatestStreamArn"):
            view["StreamArn"] = table["LatestStreamArn"]
        return view

    @staticmethod
    async def _ttl(
        ctx: ResourceContext, name: str, old: dict[str, Any] | None, new: dict[str, Any] | None
    ) -> None:
        if new == old:
            return
        if new and str(new.get("Enabled")).lower() == "true":
            spec = {"AttributeName": new["AttributeName"], "Enabled": True}
        elif old and str(old.get("Enabled")).lower() == "true":
            spec = {"AttributeName": old["AttributeName"], "Enabled": False}
        else:
            return
        await ctx.call("dynamodb", "UpdateTimeToLive", {"TableName": name, "TimeToLiveSpecification": spec})

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        base: dict[str, Any] = {"TableName": physical_id}
        changes: dict[str, Any] = {}
        if new.get("BillingMode") != old.get("BillingMode") and new.get("BillingMode"):
            changes["BillingMode"] = new["BillingMode"]
        if new.get("ProvisionedThroughput") != old.get("ProvisionedThroughput") and new.get(
            "ProvisionedThroughput"
        ):
            changes["ProvisionedThroughput"] = _throughput(new["ProvisionedThroughput"])
        if new.get("StreamSpecification") != old.get("StreamSpecification"):
            changes["StreamSpecification"] = _stream(new.get("StreamSpecification"))
        for key in ("SSESpecification", "TableClass", "DeletionProtectionEnabled"):
            if new.get(key) != old.get(key) and key in new:
                changes[key] = new[key]
        if changes:
            await ctx.call("dynamodb", "UpdateTable", {**base, **changes})
        await self._indexes(ctx, physical_id, old, new)
        await self._ttl(
            ctx, physical_id, old.get("TimeToLiveSpecification"), new.get("TimeToLiveSpecification")
        )
        await self._tags(ctx, attributes["Arn"], old, new)
        table = (await ctx.call("dynamodb", "DescribeTable", base))["Table"]
        return self._view(table)

    @staticmethod
    async def _indexes(ctx: ResourceContext, name: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        before = {i["IndexName"]: i for i in old.get("GlobalSecondaryIndexes") or []}
        after = {i["IndexName"]: i for i in new.get("GlobalSecondaryIndexes") or []}
        updates: list[dict[str, Any]] = []
        for index_name in before.keys() - after.keys():
            updates.append({"Delete": {"IndexName": index_name}})
        for index_name, index in after.items():
            if index_name not in before:
                updates.append({"Create": _index(index)})
            elif index != before[index_name]:
                updates.append({"Delete": {"IndexName": index_name}})
                updates.append({"Create": _index(index)})
        # DynamoDB takes one index change per UpdateTable call.
        for update in updates:
            await ctx.call(
                "dynamodb",
                "UpdateTable",
                {
                    "TableName": name,
                    "AttributeDefinitions": new["AttributeDefinitions"],
                    "GlobalSecondaryIndexUpdates": [update],
                },
            )

    @staticmethod
    async def _tags(ctx: ResourceContext, arn: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        before = {t["Key"]: t["Value"] for t in tags_with(ctx, old.get("Tags"), before=True)}
        after = {t["Key"]: t["Value"] for t in tags_with(ctx, new.get("Tags"))}
        gone = [key for key in before if key not in after]
        if gone:
            await ctx.call("dynamodb", "UntagResource", {"ResourceArn": arn, "TagKeys": gone})
        if after and after != before:
            await ctx.call(
                "dynamodb",
                "TagResource",
                {"ResourceArn": arn, "Tags": [{"Key": k, "Value": v} for k, v in after.items()]},
            )

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("dynamodb", "DeleteTable", {"TableName": physical_id})
