"""AWS::ApiGatewayV2::Api, Stage, Route, Integration, Authorizer and Deployment, through API
Gateway v2's operations: what SAM emits for `AWS::Serverless::HttpApi` (an Api whose `Body`
is an OpenAPI document, imported as ImportApi does, and a `$default` stage). For WebSocket
APIs also RouteResponse and IntegrationResponse, each under its route or integration."""

from __future__ import annotations

import json
from typing import Any

from cloudlet.services.apigatewayv2.provider import _AUTHORIZER_FIELDS, _INTEGRATION_FIELDS, _ROUTE_FIELDS
from cloudlet.services.apigatewayv2.responses import RESPONSE_FIELDS
from cloudlet.services.cloudformation.resources.base import (
    Created,
    ResourceContext,
    ResourceFailed,
    ResourceType,
    tags_with,
)

_API_FIELDS = (
    "ApiKeySelectionExpression",
    "CorsConfiguration",
    "CredentialsArn",
    "Description",
    "DisableExecuteApiEndpoint",
    "DisableSchemaValidation",
    "Name",
    "ProtocolType",
    "RouteKey",
    "RouteSelectionExpression",
    "Target",
    "Version",
)
_STAGE_FIELDS = (
    "AccessLogSettings",
    "AutoDeploy",
    "ClientCertificateId",
    "DefaultRouteSettings",
    "DeploymentId",
    "Description",
    "RouteSettings",
    "StageName",
    "StageVariables",
)
_INTEGERS = ("TimeoutInMillis", "AuthorizerResultTtlInSeconds")
_BOOLEANS = (
    "AutoDeploy",
    "ApiKeyRequired",
    "DisableExecuteApiEndpoint",
    "DisableSchemaValidation",
    "EnableSimpleResponses",
)


def _pick(props: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    result = {key: props[key] for key in fields if key in props}
    for key in _INTEGERS:
        if key in result:
            result[key] = int(result[key])
    for key in _BOOLEANS:
        if isinstance(result.get(key), str):
            result[key] = result[key].lower() == "true"
    return result


def _tags(ctx: ResourceContext, tags: Any, *, before: bool = False) -> dict[str, str]:
    """API Gateway v2 takes tags as a map in templates and operations alike."""
    own = (
        [{"Key": key, "Value": value} for key, value in (tags or {}).items()]
        if isinstance(tags, dict)
        else tags
    )
    return {tag["Key"]: tag["Value"] for tag in tags_with(ctx, own, before=before)}


async def _body(ctx: ResourceContext, props: dict[str, Any]) -> str | None:
    """The OpenAPI definition, inline (`Body`) or in S3 (`BodyS3Location`)."""
    if "Body" in props:
        body = props["Body"]
        return body if isinstance(body, str) else json.dumps(body)
    location = props.get("BodyS3Location")
    if not location:
        return None
    params = {"Bucket": location["Bucket"], "Key": location["Key"]}
    if location.get("Version"):
        params["VersionId"] = location["Version"]
    body = (await ctx.call("s3", "GetObject", params))["Body"]
    if hasattr(body, "read"):
        try:
            data = body.read()
        finally:
            body.close()
    else:
        data = bytes(body)
    return data.decode()


class Api(ResourceType):
    type = "AWS::ApiGatewayV2::Api"
    attributes = ("ApiEndpoint", "ApiId")
    taggable = True

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        body = await _body(ctx, props)
        if body is not None:
            params: dict[str, Any] = {"Body": body}
            if "FailOnWarnings" in props:
                params["FailOnWarnings"] = str(props["FailOnWarnings"]).lower() == "true"
            if "BasePath" in props:
                params["Basepath"] = props["BasePath"]
            api = await ctx.call("apigatewayv2", "ImportApi", params)
            overrides = _pick(
                props, ("Name", "Description", "CorsConfiguration", "DisableExecuteApiEndpoint")
            )
            if overrides:
                api = await ctx.call("apigatewayv2", "UpdateApi", {"ApiId": api["ApiId"], **overrides})
        else:
            if "Name" not in props or "ProtocolType" not in props:
                raise ResourceFailed(
                    "Properties validation failed for resource: Name and ProtocolType are required"
                    " when neither Body nor BodyS3Location is given"
                )
            api = await ctx.call("apigatewayv2", "CreateApi", _pick(props, _API_FIELDS))
        tags = _tags(ctx, props.get("Tags"))
        if tags:
            await ctx.call(
                "apigatewayv2", "TagResource", {"ResourceArn": self._arn(ctx, api["ApiId"]), "Tags": tags}
            )
        return Created(api["ApiId"], {"ApiId": api["ApiId"], "ApiEndpoint": api["ApiEndpoint"]})

    @staticmethod
    def _arn(ctx: ResourceContext, api_id: str) -> str:
        return f"arn:aws:apigateway:{ctx.region}::/apis/{api_id}"

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        body = await _body(ctx, new)
        if body is not None:
            if body != await _body(ctx, old):
                await ctx.call("apigatewayv2", "ReimportApi", {"ApiId": physical_id, "Body": body})
            fields = _pick(new, ("Name", "Description", "CorsConfiguration", "DisableExecuteApiEndpoint"))
        else:
            fields = {k: v for k, v in _pick(new, _API_FIELDS).items() if k not in ("ProtocolType", "Target")}
        if fields:
            await ctx.call("apigatewayv2", "UpdateApi", {"ApiId": physical_id, **fields})
        before, after = _tags(ctx, old.get("Tags"), before=True), _tags(ctx, new.get("Tags"))
        arn = self._arn(ctx, physical_id)
        gone = [key for key in before if key not in after]
        if gone:
            await ctx.call("apigatewayv2", "UntagResource", {"ResourceArn": arn, "TagKeys": gone})
        if after and after != before:
            await ctx.call("apigatewayv2", "TagResource", {"ResourceArn": arn, "Tags": after})
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("apigatewayv2", "DeleteApi", {"ApiId": physical_id})


class _Child(ResourceType):
    """A part of one API: created, updated and deleted by its ApiId and its own id."""

    operation: str  # Route, Integration, ...
    id_key: str  # RouteId, IntegrationId, ...
    fields: tuple[str, ...]
    parent_key: str | None = None  # RouteId of a RouteResponse, IntegrationId of an IntegrationResponse
    replace_on = frozenset({"ApiId"})

    def _ids(self, props: dict[str, Any]) -> dict[str, Any]:
        ids = {"ApiId": props["ApiId"]}
        if self.parent_key:
            ids[self.parent_key] = props[self.parent_key]
        return ids

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        created = await ctx.call(
            "apigatewayv2", f"Create{self.operation}", {**self._ids(props), **_pick(props, self.fields)}
        )
        return Created(created[self.id_key], {self.id_key: created[self.id_key]})

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        params = {**self._ids(new), self.id_key: physical_id, **_pick(new, self.fields)}
        await ctx.call("apigatewayv2", f"Update{self.operation}", params)
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call(
            "apigatewayv2", f"Delete{self.operation}", {**self._ids(props), self.id_key: physical_id}
        )


class Route(_Child):
    type = "AWS::ApiGatewayV2::Route"
    operation, id_key, fields = "Route", "RouteId", _ROUTE_FIELDS
    attributes = ("RouteId",)


class Integration(_Child):
    type = "AWS::ApiGatewayV2::Integration"
    operation, id_key, fields = "Integration", "IntegrationId", _INTEGRATION_FIELDS
    attributes = ("IntegrationId",)


class Authorizer(_Child):
    type = "AWS::ApiGatewayV2::Authorizer"
    operation, id_key, fields = "Authorizer", "AuthorizerId", _AUTHORIZER_FIELDS
    attributes = ("AuthorizerId",)


class RouteResponse(_Child):
    type = "AWS::ApiGatewayV2::RouteResponse"
    operation, id_key, parent_key = "RouteResponse", "RouteResponseId", "RouteId"
    fields = RESPONSE_FIELDS["routeresponse"]
    attributes = ("RouteResponseId",)
    replace_on = frozenset({"ApiId", "RouteId"})


class IntegrationResponse(_Child):
    type = "AWS::ApiGatewayV2::IntegrationResponse"
    operation, id_key, parent_key = "IntegrationResponse", "IntegrationResponseId", "IntegrationId"
    fields = RESPONSE_FIELDS["integrationresponse"]
    attributes = ("IntegrationResponseId",)
    replace_on = frozenset({"ApiId", "IntegrationId"})


class Deployment(_Child):
    type = "AWS::ApiGatewayV2::Deployment"
    operation, id_key, fields = "Deployment", "DeploymentId", ("Description", "StageName")
    attributes = ("DeploymentId",)


class Stage(ResourceType):
    type = "AWS::ApiGatewayV2::Stage"
    replace_on = frozenset({"ApiId", "StageName"})
    taggable = True

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        params = {"ApiId": props["ApiId"], **_pick(props, _STAGE_FIELDS)}
        tags = _tags(ctx, props.get("Tags"))
        if tags:
            params["Tags"] = tags
        stage = await ctx.call("apigatewayv2", "CreateStage", params)
        return Created(stage["StageName"], {})

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        fields = {k: v for k, v in _pick(new, _STAGE_FIELDS).items() if k != "StageName"}
        await ctx.call(
            "apigatewayv2", "UpdateStage", {"ApiId": new["ApiId"], "StageName": physical_id, **fields}
        )
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("apigatewayv2", "DeleteStage", {"ApiId": props["ApiId"], "StageName": physical_id})
