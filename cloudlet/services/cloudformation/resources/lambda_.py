"""AWS::Lambda::Function, Permission, EventSourceMapping, Version and Alias, through Lambda's
operations. Inline code (`Code.ZipFile`) is packed as CloudFormation packs it: one file named
index.<ext> in a zip."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from cloudlet.services.cloudformation.resources.base import (
    Created,
    ResourceContext,
    ResourceFailed,
    ResourceType,
    required,
    tags_with,
)

_CONFIG = (
    "Role",
    "Handler",
    "Runtime",
    "Description",
    "Timeout",
    "MemorySize",
    "Environment",
    "Layers",
    "DeadLetterConfig",
    "TracingConfig",
    "VpcConfig",
    "KMSKeyArn",
    "EphemeralStorage",
    "LoggingConfig",
    "SnapStart",
    "ImageConfig",
    "FileSystemConfigs",
    "RuntimeManagementConfig",
)
_INTEGERS = (
    "Timeout",
    "MemorySize",
    "BatchSize",
    "MaximumBatchingWindowInSeconds",
    "MaximumRetryAttempts",
    "MaximumRecordAgeInSeconds",
    "ParallelizationFactor",
    "TumblingWindowInSeconds",
)
_INLINE_NAMES = {"python": "index.py", "nodejs": "index.js"}
_MAPPING = (
    "BatchSize",
    "Enabled",
    "MaximumBatchingWindowInSeconds",
    "FilterCriteria",
    "FunctionResponseTypes",
    "MaximumRetryAttempts",
    "BisectBatchOnFunctionError",
    "MaximumRecordAgeInSeconds",
    "ParallelizationFactor",
    "DestinationConfig",
    "TumblingWindowInSeconds",
    "ScalingConfig",
)


def _coerced(props: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    result = {key: props[key] for key in names if key in props}
    for key in _INTEGERS:
        if key in result:
            result[key] = int(result[key])
    if "EphemeralStorage" in result:
        result["EphemeralStorage"] = {"Size": int(result["EphemeralStorage"]["Size"])}
    for key in ("Enabled", "BisectBatchOnFunctionError"):
        if isinstance(result.get(key), str):
            result[key] = result[key].lower() == "true"
    return result


def _inline_zip(source: str, runtime: str) -> bytes:
    name = next((file for prefix, file in _INLINE_NAMES.items() if runtime.startswith(prefix)), "index")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(name)
        info.external_attr = 0o644 << 16
        archive.writestr(info, source)
    return buffer.getvalue()


async def _code(ctx: ResourceContext, code: dict[str, Any], runtime: str) -> dict[str, Any]:
    if "ZipFile" in code:
        return {"ZipFile": _inline_zip(code["ZipFile"], runtime)}
    if "S3Bucket" in code and "S3Key" in code:
        params = {"Bucket": code["S3Bucket"], "Key": code["S3Key"]}
        if code.get("S3ObjectVersion"):
            params["VersionId"] = code["S3ObjectVersion"]
        body = (await ctx.call("s3", "GetObject", params))["Body"]
        if hasattr(body, "read"):
            try:
                data = body.read()
            finally:
                body.close()
        else:
            data = bytes(body)
        return {"ZipFile": data}
    if "ImageUri" in code:
        raise ResourceFailed("Container image functions (Code.ImageUri) are not supported by cloudlet")
    raise ResourceFailed(
        "Properties validation failed for resource: Code must have ZipFile or S3Bucket and S3Key"
    )


def _snap_start(configuration: dict[str, Any]) -> dict[str, Any]:
    """GetAtt SnapStartResponse (and its members): the function's SnapStart setting as Lambda
    reports it (ApplyOn None, OptimizationStatus Off when the template sets none)."""
    snap = configuration.get("SnapStart") or {"ApplyOn": "None", "OptimizationStatus": "Off"}
    return {
        "SnapStartResponse": snap,
        "SnapStartResponse.ApplyOn": snap.get("ApplyOn", "None"),
        "SnapStartResponse.OptimizationStatus": snap.get("OptimizationStatus", "Off"),
    }


class Function(ResourceType):
    type = "AWS::Lambda::Function"
    replace_on = frozenset({"FunctionName", "PackageType"})
    name_property = "FunctionName"
    attributes = (
        "Arn",
        "SnapStartResponse",
        "SnapStartResponse.ApplyOn",
        "SnapStartResponse.OptimizationStatus",
    )
    taggable = True

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        name = props.get("FunctionName") or ctx.physical_name(64)
        params = {
            "FunctionName": name,
            **_coerced(props, _CONFIG),
            "Code": await _code(ctx, props.get("Code") or {}, props.get("Runtime", "")),
        }
        if props.get("Architectures"):
            params["Architectures"] = props["Architectures"]
        tags = tags_with(ctx, props.get("Tags"))
        if tags:
            params["Tags"] = {tag["Key"]: tag["Value"] for tag in tags}
        created = await ctx.call("lambda", "CreateFunction", params)
        if "ReservedConcurrentExecutions" in props:
            await self._concurrency(ctx, name, props["ReservedConcurrentExecutions"])
        return Created(name, {"Arn": created["FunctionArn"], **_snap_start(created)})

    @staticmethod
    async def _concurrency(ctx: ResourceContext, name: str, value: Any) -> None:
        if value is None:
            await ctx.call("lambda", "DeleteFunctionConcurrency", {"FunctionName": name})
        else:
            await ctx.call(
                "lambda",
                "PutFunctionConcurrency",
                {"FunctionName": name, "ReservedConcurrentExecutions": int(value)},
            )

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        if old.get("Code") != new.get("Code"):
            code = await _code(ctx, new.get("Code") or {}, new.get("Runtime", ""))
            await ctx.call("lambda", "UpdateFunctionCode", {"FunctionName": physical_id, **code})
        config = _coerced(new, _CONFIG)
        if config != _coerced(old, _CONFIG):
            for key in ("Environment", "Description", "Layers", "DeadLetterConfig"):
                if key in old and key not in new:
                    config[key] = (
                        {"Variables": {}}
                        if key == "Environment"
                        else ("" if key == "Description" else [] if key == "Layers" else {})
                    )
            await ctx.call("lambda", "UpdateFunctionConfiguration", {"FunctionName": physical_id, **config})
        if old.get("ReservedConcurrentExecutions") != new.get("ReservedConcurrentExecutions"):
            await self._concurrency(ctx, physical_id, new.get("ReservedConcurrentExecutions"))
        before = {t["Key"]: t["Value"] for t in tags_with(ctx, old.get("Tags"), before=True)}
        after = {t["Key"]: t["Value"] for t in tags_with(ctx, new.get("Tags"))}
        gone = [key for key in before if key not in after]
        if gone:
            await ctx.call("lambda", "UntagResource", {"Resource": attributes["Arn"], "TagKeys": gone})
        if after and after != before:
            await ctx.call("lambda", "TagResource", {"Resource": attributes["Arn"], "Tags": after})
        if "SnapStartResponse" not in attributes or old.get("SnapStart") != new.get("SnapStart"):
            found = await ctx.call("lambda", "GetFunctionConfiguration", {"FunctionName": physical_id})
            attributes = {**attributes, **_snap_start(found)}
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("lambda", "DeleteFunction", {"FunctionName": physical_id})


class Permission(ResourceType):
    type = "AWS::Lambda::Permission"
    immutable = True
    attributes = ("Id",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        statement = ctx.physical_name(100)
        params = {
            "FunctionName": props["FunctionName"],
            "StatementId": statement,
            "Action": props["Action"],
            "Principal": props["Principal"],
        }
        for key in (
            "SourceArn",
            "SourceAccount",
            "EventSourceToken",
            "PrincipalOrgID",
            "FunctionUrlAuthType",
        ):
            if key in props:
                params[key] = props[key]
        await ctx.call("lambda", "AddPermission", params)
        return Created(statement, {"Id": statement})

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call(
            "lambda", "RemovePermission", {"FunctionName": props["FunctionName"], "StatementId": physical_id}
        )


class EventSourceMapping(ResourceType):
    type = "AWS::Lambda::EventSourceMapping"
    replace_on = frozenset(
        {
            "EventSourceArn",
            "StartingPosition",
            "StartingPositionTimestamp",
            "SelfManagedEventSource",
            "Topics",
            "Queues",
        }
    )
    attributes = ("Id", "EventSourceMappingArn")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        params = {
            "FunctionName": props["FunctionName"],
            "EventSourceArn": props["EventSourceArn"],
            **_coerced(props, _MAPPING),
        }
        for key in ("StartingPosition", "StartingPositionTimestamp"):
            if key in props:
                params[key] = props[key]
        created = await ctx.call("lambda", "CreateEventSourceMapping", params)
        uuid = created["UUID"]
        arn = created.get("EventSourceMappingArn") or ctx.arn("lambda", f"event-source-mapping:{uuid}")
        return Created(uuid, {"Id": uuid, "EventSourceMappingArn": arn})

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        params = {"UUID": physical_id, "FunctionName": new["FunctionName"], **_coerced(new, _MAPPING)}
        if "Enabled" not in new:
            params["Enabled"] = True
        await ctx.call("lambda", "UpdateEventSourceMapping", params)
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("lambda", "DeleteEventSourceMapping", {"UUID": physical_id})


class Version(ResourceType):
    type = "AWS::Lambda::Version"
    immutable = True
    attributes = ("FunctionArn", "Version")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        params = {key: props[key] for key in ("FunctionName", "Description", "CodeSha256") if key in props}
        published = await ctx.call("lambda", "PublishVersion", params)
        # FunctionArn is the version's own ARN, as Ref is (the type's primary identifier)
        return Created(
            published["FunctionArn"], {"Version": published["Version"], "FunctionArn": published["FunctionArn"]}
        )

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call(
            "lambda",
            "DeleteFunction",
            {"FunctionName": physical_id.rsplit(":", 1)[0], "Qualifier": attributes["Version"]},
        )


class Alias(ResourceType):
    type = "AWS::Lambda::Alias"
    replace_on = frozenset({"FunctionName", "Name"})
    attributes = ("AliasArn",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        params = {
            key: props[key]
            for key in ("FunctionName", "Name", "FunctionVersion", "Description", "RoutingConfig")
            if key in props
        }
        created = await ctx.call("lambda", "CreateAlias", params)
        return Created(created["AliasArn"], {"AliasArn": created["AliasArn"]})

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        params = {
            key: new[key]
            for key in ("FunctionName", "Name", "FunctionVersion", "Description", "RoutingConfig")
            if key in new
        }
        await ctx.call("lambda", "UpdateAlias", params)
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call(
            "lambda", "DeleteAlias", {"FunctionName": props["FunctionName"], "Name": props["Name"]}
        )


def _invoke_config(props: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"FunctionName": props["FunctionName"], "Qualifier": props["Qualifier"]}
    for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
        if key in props:
            params[key] = int(props[key])
    destinations = props.get("DestinationConfig") or {}
    config = {
        outcome: {"Destination": destinations[outcome]["Destination"]}
        for outcome in ("OnSuccess", "OnFailure")
        if (destinations.get(outcome) or {}).get("Destination")
    }
    if config:
        params["DestinationConfig"] = config
    return params


class EventInvokeConfig(ResourceType):
    """What asynchronous invocations of a function (or version, or alias) retry and where their
    outcomes go; SAM emits one for a function's EventInvokeConfig."""

    type = "AWS::Lambda::EventInvokeConfig"
    replace_on = frozenset({"FunctionName", "Qualifier"})

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        required(props, "FunctionName", "Qualifier")
        await ctx.call("lambda", "PutFunctionEventInvokeConfig", _invoke_config(props))
        return Created(ctx.physical_name(255), {})

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        # Put replaces the whole configuration: what the template dropped goes back to its default.
        await ctx.call("lambda", "PutFunctionEventInvokeConfig", _invoke_config(new))
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call(
            "lambda",
            "DeleteFunctionEventInvokeConfig",
            {"FunctionName": props["FunctionName"], "Qualifier": props["Qualifier"]},
        )
