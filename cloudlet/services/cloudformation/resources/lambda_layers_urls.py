"""AWS::Lambda::LayerVersion and AWS::Lambda::Url, through Lambda's operations: what SAM emits
for an `AWS::Serverless::LayerVersion` and for a function's `FunctionUrlConfig`."""

from __future__ import annotations

from typing import Any

from cloudlet.services.cloudformation.resources.base import (
    Created,
    ResourceContext,
    ResourceType,
    required,
)


class LayerVersion(ResourceType):
    """Ref and LayerVersionArn: the version's ARN. A layer version cannot change: every property
    change publishes a new one (and the old is deleted unless DeletionPolicy retains it)."""

    type = "AWS::Lambda::LayerVersion"
    immutable = True
    attributes = ("LayerVersionArn",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        required(props, "Content")
        content = {
            key: props["Content"][key]
            for key in ("S3Bucket", "S3Key", "S3ObjectVersion")
            if props["Content"].get(key)
        }
        params: dict[str, Any] = {
            "LayerName": props.get("LayerName") or ctx.physical_name(140),
            "Content": content,
        }
        for key in ("Description", "LicenseInfo", "CompatibleRuntimes", "CompatibleArchitectures"):
            if props.get(key):
                params[key] = props[key]
        published = await ctx.call("lambda", "PublishLayerVersion", params)
        arn = published["LayerVersionArn"]
        return Created(arn, {"LayerVersionArn": arn})

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        layer_arn, _, version = physical_id.rpartition(":")
        await ctx.call(
            "lambda", "DeleteLayerVersion", {"LayerName": layer_arn, "VersionNumber": int(version)}
        )


def _url_config(props: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"AuthType": props["AuthType"]}
    if "Cors" in props:
        cors = dict(props["Cors"])
        if "MaxAge" in cors:
            cors["MaxAge"] = int(cors["MaxAge"])
        if isinstance(cors.get("AllowCredentials"), str):
            cors["AllowCredentials"] = cors["AllowCredentials"].lower() == "true"
        params["Cors"] = cors
    if "InvokeMode" in props:
        params["InvokeMode"] = props["InvokeMode"]
    return params


def _target(props: dict[str, Any]) -> dict[str, Any]:
    target = {"FunctionName": props["TargetFunctionArn"]}
    if props.get("Qualifier"):
        target["Qualifier"] = props["Qualifier"]
    return target


class Url(ResourceType):
    """Ref and FunctionArn: the ARN of the function (with its qualifier) the URL invokes;
    FunctionUrl: the URL's address."""

    type = "AWS::Lambda::Url"
    replace_on = frozenset({"TargetFunctionArn", "Qualifier"})
    attributes = ("FunctionArn", "FunctionUrl")

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        required(props, "TargetFunctionArn", "AuthType")
        created = await ctx.call(
            "lambda", "CreateFunctionUrlConfig", {**_target(props), **_url_config(props)}
        )
        arn = created["FunctionArn"]
        return Created(arn, {"FunctionArn": arn, "FunctionUrl": created["FunctionUrl"]})

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        params = {**_target(new), **_url_config(new)}
        if "Cors" in old and "Cors" not in new:
            params["Cors"] = {}
        await ctx.call("lambda", "UpdateFunctionUrlConfig", params)
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("lambda", "DeleteFunctionUrlConfig", _target(props))
