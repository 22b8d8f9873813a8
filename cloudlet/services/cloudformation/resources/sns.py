"""AWS::SNS::Topic, Subscription and TopicPolicy, through SNS's operations."""

from __future__ import annotations

import json
from typing import Any

from cloudlet.services.cloudformation.resources.base import Created, ResourceContext, ResourceType, tags_with

_TOPIC_ATTRIBUTES = (
    "DisplayName",
    "KmsMasterKeyId",
    "ContentBasedDeduplication",
    "SignatureVersion",
    "TracingConfig",
    "ArchivePolicy",
    "DataProtectionPolicy",
    "FifoThroughputScope",
)
_SUBSCRIPTION_ATTRIBUTES = (
    "RawMessageDelivery",
    "FilterPolicy",
    "FilterPolicyScope",
    "RedrivePolicy",
    "DeliveryPolicy",
    "ReplayPolicy",
    "SubscriptionRoleArn",
)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


class Topic(ResourceType):
    type = "AWS::SNS::Topic"
    replace_on = frozenset({"TopicName", "FifoTopic"})
    name_property = "TopicName"
    attributes = ("TopicArn", "TopicName")
    taggable = True

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        fifo = str(props.get("FifoTopic", "")).lower() == "true"
        name = props.get("TopicName") or ctx.physical_name(256, suffix=".fifo" if fifo else "")
        attributes = {key: _text(props[key]) for key in _TOPIC_ATTRIBUTES if key in props}
        if fifo:
            attributes["FifoTopic"] = "true"
        params: dict[str, Any] = {"Name": name, "Attributes": attributes}
        tags = tags_with(ctx, props.get("Tags"))
        if tags:
            params["Tags"] = tags
        arn = (await ctx.call("sns", "CreateTopic", params))["TopicArn"]
        for subscription in props.get("Subscription") or []:
            await ctx.call(
                "sns",
                "Subscribe",
                {"TopicArn": arn, "Protocol": subscription["Protocol"], "Endpoint": subscription["Endpoint"]},
            )
        return Created(arn, {"TopicArn": arn, "TopicName": name})

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        for key in _TOPIC_ATTRIBUTES:
            if old.get(key) != new.get(key):
                await ctx.call(
                    "sns",
                    "SetTopicAttributes",
                    {
                        "TopicArn": physical_id,
                        "AttributeName": key,
                        "AttributeValue": _text(new.get(key, "")),
                    },
                )
        before = {(s["Protocol"], s["Endpoint"]) for s in old.get("Subscription") or []}
        after = {(s["Protocol"], s["Endpoint"]) for s in new.get("Subscription") or []}
        for protocol, endpoint in after - before:
            await ctx.call(
                "sns", "Subscribe", {"TopicArn": physical_id, "Protocol": protocol, "Endpoint": endpoint}
            )
        if before - after:
            listed = await ctx.call("sns", "ListSubscriptionsByTopic", {"TopicArn": physical_id})
            for item in listed.get("Subscriptions", []):
                if (item["Protocol"], item["Endpoint"]) in before - after:
                    await ctx.call("sns", "Unsubscribe", {"SubscriptionArn": item["SubscriptionArn"]})
        new_tags = tags_with(ctx, new.get("Tags"))
        if new_tags != tags_with(ctx, old.get("Tags"), before=True) and new_tags:
            await ctx.call("sns", "TagResource", {"ResourceArn": physical_id, "Tags": new_tags})
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("sns", "DeleteTopic", {"TopicArn": physical_id})


class Subscription(ResourceType):
    type = "AWS::SNS::Subscription"
    replace_on = frozenset({"Endpoint", "Protocol", "TopicArn", "Region"})
    attributes = ("Arn",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        params: dict[str, Any] = {
            "TopicArn": props["TopicArn"],
            "Protocol": props["Protocol"],
            "ReturnSubscriptionArn": True,
        }
        if "Endpoint" in props:
            params["Endpoint"] = props["Endpoint"]
        attributes = {key: _text(props[key]) for key in _SUBSCRIPTION_ATTRIBUTES if key in props}
        if attributes:
            params["Attributes"] = attributes
        arn = (await ctx.call("sns", "Subscribe", params))["SubscriptionArn"]
        return Created(arn, {"Arn": arn})

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        for key in _SUBSCRIPTION_ATTRIBUTES:
            if old.get(key) != new.get(key):
                value = _text(new[key]) if key in new else ("false" if key == "RawMessageDelivery" else "")
                await ctx.call(
                    "sns",
                    "SetSubscriptionAttributes",
                    {"SubscriptionArn": physical_id, "AttributeName": key, "AttributeValue": value},
                )
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        if physical_id.count(":") >= 6:  # "pending confirmation" subscriptions have no ARN to remove
            await ctx.call("sns", "Unsubscribe", {"SubscriptionArn": physical_id})


class TopicPolicy(ResourceType):
    type = "AWS::SNS::TopicPolicy"
    attributes = ("Id",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        defaults = await self._apply(ctx, props["Topics"], props["PolicyDocument"], {})
        physical_id = ctx.physical_name(255)
        return Created(physical_id, {"Id": physical_id, "Defaults": defaults})

    @staticmethod
    async def _apply(
        ctx: ResourceContext, topics: list[str], policy: Any, defaults: dict[str, str]
    ) -> dict[str, str]:
        """Sets the policy on each topic; the policy each had before (restored on delete)."""
        text = policy if isinstance(policy, str) else json.dumps(policy)
        before = dict(defaults)
        for arn in topics:
            if arn not in before:
                current = await ctx.call("sns", "GetTopicAttributes", {"TopicArn": arn})
                before[arn] = current.get("Attributes", {}).get("Policy", "")
            await ctx.call(
                "sns",
                "SetTopicAttributes",
                {"TopicArn": arn, "AttributeName": "Policy", "AttributeValue": text},
            )
        return before

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        defaults = attributes.get("Defaults") or {}
        for arn in old.get("Topics") or []:
            if arn not in new["Topics"] and defaults.get(arn):
                await self._apply(ctx, [arn], defaults[arn], defaults)
        defaults = await self._apply(ctx, new["Topics"], new["PolicyDocument"], defaults)
        return {**attributes, "Defaults": defaults}

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        defaults = attributes.get("Defaults") or {}
        for arn in props.get("Topics") or []:
            if defaults.get(arn):
                await self._apply(ctx, [arn], defaults[arn], defaults)
