"""AWS::SQS::Queue and AWS::SQS::QueuePolicy, through SQS's operations."""

from __future__ import annotations

import json
from typing import Any

from cloudlet.services.cloudformation.resources.base import Created, ResourceContext, ResourceType, tags_with

# CloudFormation property -> queue attribute (the same names, values as text).
_ATTRIBUTES = (
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "RedriveAllowPolicy",
    "RedrivePolicy",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
)
_DEFAULTS = {
    "DelaySeconds": "0",
    "MaximumMessageSize": "262144",
    "MessageRetentionPeriod": "345600",
    "ReceiveMessageWaitTimeSeconds": "0",
    "VisibilityTimeout": "30",
    "RedrivePolicy": "",
    "RedriveAllowPolicy": "",
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _attributes(props: dict[str, Any]) -> dict[str, str]:
    return {name: _text(props[name]) for name in _ATTRIBUTES if name in props}


class Queue(ResourceType):
    type = "AWS::SQS::Queue"
    replace_on = frozenset({"QueueName", "FifoQueue"})
    name_property = "QueueName"
    attributes = ("Arn", "QueueName", "QueueUrl")
    taggable = True

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        fifo = str(props.get("FifoQueue", "")).lower() == "true"
        name = props.get("QueueName") or ctx.physical_name(80, suffix=".fifo" if fifo else "")
        params: dict[str, Any] = {"QueueName": name, "Attributes": _attributes(props)}
        tags = tags_with(ctx, props.get("Tags"))
        if tags:
            params["tags"] = {tag["Key"]: tag["Value"] for tag in tags}
        url = (await ctx.call("sqs", "CreateQueue", params))["QueueUrl"]
        return Created(url, self._view(ctx, name, url))

    @staticmethod
    def _view(ctx: ResourceContext, name: str, url: str) -> dict[str, Any]:
        return {"Arn": ctx.arn("sqs", name), "QueueName": name, "QueueUrl": url}

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        changed = _attributes(new)
        for name in _ATTRIBUTES:
            if name in old and name not in new and name in _DEFAULTS:
                changed[name] = _DEFAULTS[name]
        if changed:
            await ctx.call("sqs", "SetQueueAttributes", {"QueueUrl": physical_id, "Attributes": changed})
        old_tags = {t["Key"]: t["Value"] for t in tags_with(ctx, old.get("Tags"), before=True)}
        new_tags = {t["Key"]: t["Value"] for t in tags_with(ctx, new.get("Tags"))}
        gone = [key for key in old_tags if key not in new_tags]
        if gone:
            await ctx.call("sqs", "UntagQueue", {"QueueUrl": physical_id, "TagKeys": gone})
        if new_tags and new_tags != old_tags:
            await ctx.call("sqs", "TagQueue", {"QueueUrl": physical_id, "Tags": new_tags})
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("sqs", "DeleteQueue", {"QueueUrl": physical_id})


class QueuePolicy(ResourceType):
    type = "AWS::SQS::QueuePolicy"
    attributes = ("Id",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        await self._apply(ctx, props["Queues"], props["PolicyDocument"])
        physical_id = ctx.physical_name(255)
        return Created(physical_id, {"Id": physical_id})

    @staticmethod
    async def _apply(ctx: ResourceContext, queues: list[str], policy: Any) -> None:
        text = policy if isinstance(policy, str) else json.dumps(policy)
        for url in queues:
            await ctx.call("sqs", "SetQueueAttributes", {"QueueUrl": url, "Attributes": {"Policy": text}})

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        dropped = [url for url in old.get("Queues") or [] if url not in new["Queues"]]
        await self._apply(ctx, dropped, "")
        await self._apply(ctx, new["Queues"], new["PolicyDocument"])
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await self._apply(ctx, props.get("Queues") or [], "")
