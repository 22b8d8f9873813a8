"""AWS::Events::EventBus and AWS::Events::Rule (with its Targets), through EventBridge's operations.

A rule's Ref is its name on the default bus and `BUS|NAME` on another one, as AWS documents; that
value is also its physical id, so it names the rule and its bus for updates and deletes.
"""

from __future__ import annotations

import json
from typing import Any

from cloudlet.services.cloudformation.resources.base import (
    Created,
    ResourceContext,
    ResourceFailed,
    ResourceType,
    required,
    tags_with,
)

_RULE_SETTINGS = ("Description", "ScheduleExpression", "State", "RoleArn")
_TARGET_INTEGERS = {"RetryPolicy": ("MaximumRetryAttempts", "MaximumEventAgeInSeconds")}


class EventBus(ResourceType):
    type = "AWS::Events::EventBus"
    replace_on = frozenset({"Name", "EventSourceName"})
    name_property = "Name"
    attributes = ("Arn", "Name", "Policy")
    taggable = True

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        required(props, "Name")
        params: dict[str, Any] = {"Name": props["Name"]}
        for key in ("Description", "EventSourceName"):
            if key in props:
                params[key] = props[key]
        tags = tags_with(ctx, props.get("Tags"))
        if tags:
            params["Tags"] = tags
        arn = (await ctx.call("events", "CreateEventBus", params))["EventBusArn"]
        return Created(props["Name"], {"Arn": arn, "Name": props["Name"], "Policy": ""})

    async def update(self, ctx: ResourceContext, physical_id: str, old: dict[str, Any], new: dict[str, Any],
                     attributes: dict[str, Any]) -> dict[str, Any]:
        if old.get("Description") != new.get("Description"):
            await ctx.call("events", "UpdateEventBus", {"Name": physical_id, "Description": new.get("Description", "")})
        new_tags = tags_with(ctx, new.get("Tags"))
        if new_tags and new_tags != tags_with(ctx, old.get("Tags"), before=True):
            await ctx.call("events", "TagResource", {"ResourceARN": attributes["Arn"], "Tags": new_tags})
        return attributes

    async def delete(self, ctx: ResourceContext, physical_id: str, props: dict[str, Any],
                     attributes: dict[str, Any]) -> None:
        await ctx.call("events", "DeleteEventBus", {"Name": physical_id})


class Rule(ResourceType):
    type = "AWS::Events::Rule"
    replace_on = frozenset({"Name", "EventBusName"})
    name_property = "Name"
    attributes = ("Arn",)
    taggable = True

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        name = props.get("Name") or ctx.physical_name(64)
        params = _rule_params(name, props)
        tags = tags_with(ctx, props.get("Tags"))
        if tags:
            params["Tags"] = tags
        arn = (await ctx.call("events", "PutRule", params))["RuleArn"]
        await _put_targets(ctx, name, props, props.get("Targets") or [])
        bus = _bus_name(props.get("EventBusName"))
        ref = name if bus == "default" else f"{bus}|{name}"
        return Created(ref, {"Arn": arn, "Ref": ref})

    async def update(self, ctx: ResourceContext, physical_id: str, old: dict[str, Any], new: dict[str, Any],
                     attributes: dict[str, Any]) -> dict[str, Any]:
        name = physical_id.rsplit("|", 1)[-1]
        await ctx.call("events", "PutRule", _rule_params(name, new))
        kept = {target["Id"] for target in new.get("Targets") or []}
        gone = [target["Id"] for target in old.get("Targets") or [] if target["Id"] not in kept]
        if gone:
            await ctx.call("events", "RemoveTargets", {"Rule": name, "Ids": gone, **_on_bus(new)})
        await _put_targets(ctx, name, new, new.get("Targets") or [])
        return attributes

    async def delete(self, ctx: ResourceContext, physical_id: str, props: dict[str, Any],
                     attributes: dict[str, Any]) -> None:
        name = physical_id.rsplit("|", 1)[-1]
        ids = [target["Id"] for target in props.get("Targets") or []]
        if ids:
            await ctx.call("events", "RemoveTargets", {"Rule": name, "Ids": ids, **_on_bus(props)})
        await ctx.call("events", "DeleteRule", {"Name": name, **_on_bus(props)})


def _rule_params(name: str, props: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"Name": name, **_on_bus(props)}
    params.update({key: props[key] for key in _RULE_SETTINGS if key in props})
    pattern = props.get("EventPattern")
    if pattern is not None:
        params["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
    return params


def _on_bus(props: dict[str, Any]) -> dict[str, str]:
    return {"EventBusName": props["EventBusName"]} if props.get("EventBusName") else {}


def _bus_name(value: str | None) -> str:
    """The bus's name, also when the template gives its ARN."""
    return (value or "default").rsplit("event-bus/", 1)[-1]


async def _put_targets(ctx: ResourceContext, name: str, props: dict[str, Any], targets: list[dict[str, Any]]) -> None:
    if not targets:
        return
    answer = await ctx.call("events", "PutTargets", {"Rule": name, "Targets": [_target(t) for t in targets],
                                                     **_on_bus(props)})
    if answer.get("FailedEntryCount"):
        failed = answer["FailedEntries"][0]
        raise ResourceFailed(f"Target {failed['TargetId']} failed: {failed['ErrorCode']}: {failed['ErrorMessage']}")


def _target(target: dict[str, Any]) -> dict[str, Any]:
    """Template values as the API takes them: integers from strings, an object Input as JSON text."""
    result = dict(target)
    for member, names in _TARGET_INTEGERS.items():
        if member in result:
            result[member] = {key: int(value) if key in names else value for key, value in result[member].items()}
    if "Input" in result and not isinstance(result["Input"], str):
        result["Input"] = json.dumps(result["Input"])
    return result
