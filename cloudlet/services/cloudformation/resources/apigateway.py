"""AWS::ApiGateway::* (REST APIs) through API Gateway's operations: what SAM emits for an
AWS::Serverless::Api (a RestApi with an OpenAPI Body, a Deployment, a Stage, an ApiKey and a
UsagePlan) and what CDK emits (Resource and Method)."""

from __future__ import annotations

import json
from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.services.cloudformation.resources.base import (
    Created,
    ResourceContext,
    ResourceFailed,
    ResourceType,
    not_found,
    required,
    tags_with,
)


def _tag_map(ctx: ResourceContext, tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in tags_with(ctx, tags)}


def _replace(path: str, value: Any) -> dict[str, Any]:
    return {"op": "replace", "path": path, "value": "" if value is None else _text(value)}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class RestApi(ResourceType):
    type = "AWS::ApiGateway::RestApi"
    attributes = ("RestApiId", "RootResourceId")
    taggable = True

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        body = await self._body(ctx, props)
        if body is not None:
            api = await ctx.call("apigateway", "ImportRestApi", {"body": body, "failOnWarnings": bool(props.get("FailOnWarnings"))})
            patches = self._patches(props, {})
            if patches:
                api = await ctx.call("apigateway", "UpdateRestApi", {"restApiId": api["id"], "patchOperations": patches})
        else:
            required(props, "Name")
            params: dict[str, Any] = {"name": props["Name"]}
            for prop, field in (("Description", "description"), ("ApiKeySourceType", "apiKeySource"),
                                ("BinaryMediaTypes", "binaryMediaTypes"), ("MinimumCompressionSize", "minimumCompressionSize"),
                                ("DisableExecuteApiEndpoint", "disableExecuteApiEndpoint")):
                if prop in props:
                    params[field] = props[prop]
            if "Policy" in props:
                params["policy"] = props["Policy"] if isinstance(props["Policy"], str) else json.dumps(props["Policy"])
            if "EndpointConfiguration" in props:
                params["endpointConfiguration"] = {"types": props["EndpointConfiguration"].get("Types") or ["EDGE"]}
            api = await ctx.call("apigateway", "CreateRestApi", params)
        tags = _tag_map(ctx, props.get("Tags"))
        if tags:
            await ctx.call("apigateway", "TagResource", {"resourceArn": self._arn(ctx, api["id"]), "tags": tags})
        return Created(api["id"], {"RestApiId": api["id"], "RootResourceId": api["rootResourceId"]})

    @staticmethod
    def _arn(ctx: ResourceContext, api_id: str) -> str:
        return f"arn:aws:apigateway:{ctx.region}::/restapis/{api_id}"

    @staticmethod
    async def _body(ctx: ResourceContext, props: dict[str, Any]) -> bytes | None:
        if "Body" in props:
            body = props["Body"]
            return (body if isinstance(body, str) else json.dumps(body)).encode()
        location = props.get("BodyS3Location")
        if location:
            params = {"Bucket": location["Bucket"], "Key": location["Key"]}
            if location.get("Version"):
                params["VersionId"] = location["Version"]
            reply = await ctx.call("s3", "GetObject", params)
            body = reply["Body"]
            if isinstance(body, bytes):
                return body
            return body.read() if hasattr(body, "read") else b"".join(body)
        return None

    @staticmethod
    def _patches(new: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
        """The properties that override what the OpenAPI body says (or changed), as patches."""
        patches = []
        for prop, path in (("Name", "/name"), ("Description", "/description"),
                           ("ApiKeySourceType", "/apiKeySource"), ("MinimumCompressionSize", "/minimumCompressionSize"),
                           ("DisableExecuteApiEndpoint", "/disableExecuteApiEndpoint")):
            if prop in new and new[prop] != old.get(prop):
                patches.append(_replace(path, new[prop]))
        if "Policy" in new and new["Policy"] != old.get("Policy"):
            policy = new["Policy"]
            patches.append(_replace("/policy", policy if isinstance(policy, str) else json.dumps(policy)))
        return patches

    async def update(
        self, ctx: ResourceContext, physical_id: str, old: dict[str, Any], new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        if new.get("Body") != old.get("Body") or new.get("BodyS3Location") != old.get("BodyS3Location"):
            body = await self._body(ctx, new)
            if body is not None:
                await ctx.call("apigateway", "PutRestApi", {"restApiId": physical_id, "mode": new.get("Mode") or "overwrite", "body": body})
        patches = self._patches(new, old)
        if patches:
            await ctx.call("apigateway", "UpdateRestApi", {"restApiId": physical_id, "patchOperations": patches})
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("apigateway", "DeleteRestApi", {"restApiId": physical_id})


class Resource(ResourceType):
    type = "AWS::ApiGateway::Resource"
    immutable = True
    attributes = ("ResourceId",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        required(props, "RestApiId", "ParentId", "PathPart")
        resource = await ctx.call("apigateway", "CreateResource", {
            "restApiId": props["RestApiId"], "parentId": props["ParentId"], "pathPart": props["PathPart"],
        })
        return Created(resource["id"], {"ResourceId": resource["id"]})

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("apigateway", "DeleteResource", {"restApiId": props["RestApiId"], "resourceId": physical_id})


def _integration_params(integration: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {"type": integration.get("Type", "MOCK")}
    for prop, field in (("IntegrationHttpMethod", "integrationHttpMethod"), ("Uri", "uri"),
                        ("Credentials", "credentials"), ("RequestParameters", "requestParameters"),
                        ("RequestTemplates", "requestTemplates"), ("PassthroughBehavior", "passthroughBehavior"),
                        ("ContentHandling", "contentHandling"), ("CacheKeyParameters", "cacheKeyParameters"),
                        ("CacheNamespace", "cacheNamespace"), ("TimeoutInMillis", "timeoutInMillis"),
                        ("ConnectionType", "connectionType"), ("ConnectionId", "connectionId")):
        if prop in integration:
            params[field] = integration[prop]
    return params


class Method(ResourceType):
    """PutMethod, PutIntegration and the responses; any change puts them all again."""

    type = "AWS::ApiGateway::Method"
    replace_on = frozenset({"RestApiId", "ResourceId", "HttpMethod"})

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        required(props, "RestApiId", "ResourceId", "HttpMethod")
        await self._put(ctx, props)
        return Created(ctx.physical_name(255), {})

    @staticmethod
    async def _put(ctx: ResourceContext, props: dict[str, Any]) -> None:
        where = {"restApiId": props["RestApiId"], "resourceId": props["ResourceId"], "httpMethod": props["HttpMethod"]}
        method: dict[str, Any] = {**where, "authorizationType": props.get("AuthorizationType") or "NONE"}
        for prop, field in (("AuthorizerId", "authorizerId"), ("ApiKeyRequired", "apiKeyRequired"),
                            ("OperationName", "operationName"), ("RequestParameters", "requestParameters"),
                            ("RequestModels", "requestModels"), ("RequestValidatorId", "requestValidatorId"),
                            ("AuthorizationScopes", "authorizationScopes")):
            if prop in props:
                method[field] = props[prop]
        await ctx.call("apigateway", "PutMethod", method)
        for response in props.get("MethodResponses") or []:
            await ctx.call("apigateway", "PutMethodResponse", {
                **where, "statusCode": str(response["StatusCode"]),
                **({"responseParameters": response["ResponseParameters"]} if "ResponseParameters" in response else {}),
                **({"responseModels": response["ResponseModels"]} if "ResponseModels" in response else {}),
            })
        integration = props.get("Integration")
        if not integration:
            return
        await ctx.call("apigateway", "PutIntegration", {**where, **_integration_params(integration)})
        for response in integration.get("IntegrationResponses") or []:
            params: dict[str, Any] = {**where, "statusCode": str(response["StatusCode"])}
            for prop, field in (("SelectionPattern", "selectionPattern"), ("ResponseParameters", "responseParameters"),
                                ("ResponseTemplates", "responseTemplates"), ("ContentHandling", "contentHandling")):
                if prop in response:
                    params[field] = response[prop]
            await ctx.call("apigateway", "PutIntegrationResponse", params)

    async def update(
        self, ctx: ResourceContext, physical_id: str, old: dict[str, Any], new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        await self.delete(ctx, physical_id, old, attributes)
        await self._put(ctx, new)
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("apigateway", "DeleteMethod", {
            "restApiId": props["RestApiId"], "resourceId": props["ResourceId"], "httpMethod": props["HttpMethod"],
        })


class Deployment(ResourceType):
    type = "AWS::ApiGateway::Deployment"
    replace_on = frozenset({"RestApiId", "StageName", "DeploymentCanarySettings"})
    attributes = ("DeploymentId",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        required(props, "RestApiId")
        params: dict[str, Any] = {"restApiId": props["RestApiId"]}
        if props.get("Description"):
            params["description"] = props["Description"]
        if props.get("StageName"):
            params["stageName"] = props["StageName"]
            description = (props.get("StageDescription") or {}).get("Description")
            if description:
                params["stageDescription"] = description
        deployment = await ctx.call("apigateway", "CreateDeployment", params)
        return Created(deployment["id"], {"DeploymentId": deployment["id"]})

    async def update(
        self, ctx: ResourceContext, physical_id: str, old: dict[str, Any], new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        if new.get("Description") != old.get("Description"):
            await ctx.call("apigateway", "UpdateDeployment", {
                "restApiId": new["RestApiId"], "deploymentId": physical_id,
                "patchOperations": [_replace("/description", new.get("Description"))],
            })
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        api_id = props["RestApiId"]
        # The stage the deployment made goes with it, as in AWS; a deployment other stages
        # still point at cannot be deleted.
        if props.get("StageName"):
            try:
                await ctx.call("apigateway", "DeleteStage", {"restApiId": api_id, "stageName": props["StageName"]})
            except ServiceError as exc:
                if not not_found(exc):
                    raise
        await ctx.call("apigateway", "DeleteDeployment", {"restApiId": api_id, "deploymentId": physical_id})


def _method_setting_patches(settings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """MethodSettings as UpdateStage patches: /{resource path}/{method}/{setting}."""
    fields = (("CachingEnabled", "caching/enabled"), ("CacheTtlInSeconds", "caching/ttlInSeconds"),
              ("CacheDataEncrypted", "caching/dataEncrypted"), ("DataTraceEnabled", "logging/dataTrace"),
              ("LoggingLevel", "logging/loglevel"), ("MetricsEnabled", "metrics/enabled"),
              ("ThrottlingBurstLimit", "throttling/burstLimit"), ("ThrottlingRateLimit", "throttling/rateLimit"))
    patches = []
    for setting in settings:
        path = setting.get("ResourcePath") or "/*"
        method = setting.get("HttpMethod") or "*"
        prefix = "/*/*" if path == "/*" and method == "*" else f"{path}/{method}"
        for prop, field in fields:
            if prop in setting:
                patches.append(_replace(f"{prefix}/{field}", setting[prop]))
    return patches


class Stage(ResourceType):
    type = "AWS::ApiGateway::Stage"
    replace_on = frozenset({"RestApiId", "StageName"})
    name_property = "StageName"
    taggable = True

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        required(props, "RestApiId", "DeploymentId")
        name = props.get("StageName") or ctx.physical_name(128)
        params: dict[str, Any] = {"restApiId": props["RestApiId"], "stageName": name, "deploymentId": props["DeploymentId"]}
        for prop, field in (("Description", "description"), ("CacheClusterEnabled", "cacheClusterEnabled"),
                            ("CacheClusterSize", "cacheClusterSize"), ("Variables", "variables"),
                            ("TracingEnabled", "tracingEnabled")):
            if prop in props:
                params[field] = props[prop]
        tags = _tag_map(ctx, props.get("Tags"))
        if tags:
            params["tags"] = tags
        await ctx.call("apigateway", "CreateStage", params)
        patches = _method_setting_patches(props.get("MethodSettings") or [])
        if patches:
            await ctx.call("apigateway", "UpdateStage", {"restApiId": props["RestApiId"], "stageName": name, "patchOperations": patches})
        return Created(name, {})

    async def update(
        self, ctx: ResourceContext, physical_id: str, old: dict[str, Any], new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        patches = []
        for prop, path in (("DeploymentId", "/deploymentId"), ("Description", "/description"),
                           ("CacheClusterEnabled", "/cacheClusterEnabled"), ("CacheClusterSize", "/cacheClusterSize"),
                           ("TracingEnabled", "/tracingEnabled")):
            if new.get(prop) != old.get(prop) and prop in new:
                patches.append(_replace(path, new[prop]))
        for key in set(old.get("Variables") or {}) - set(new.get("Variables") or {}):
            patches.append({"op": "remove", "path": f"/variables/{key}"})
        for key, value in (new.get("Variables") or {}).items():
            if (old.get("Variables") or {}).get(key) != value:
                patches.append(_replace(f"/variables/{key}", value))
        if new.get("MethodSettings") != old.get("MethodSettings"):
            patches += _method_setting_patches(new.get("MethodSettings") or [])
        if patches:
            await ctx.call("apigateway", "UpdateStage", {"restApiId": new["RestApiId"], "stageName": physical_id, "patchOperations": patches})
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("apigateway", "DeleteStage", {"restApiId": props["RestApiId"], "stageName": physical_id})


def _stage_keys(keys: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    return [{"restApiId": key["RestApiId"], "stageName": key["StageName"]} for key in keys or []]


class ApiKey(ResourceType):
    type = "AWS::ApiGateway::ApiKey"
    replace_on = frozenset({"Name", "Value", "GenerateDistinctId"})
    name_property = "Name"
    attributes = ("APIKeyId",)
    taggable = True

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        params: dict[str, Any] = {
            "name": props.get("Name") or ctx.physical_name(128),
            "enabled": str(props.get("Enabled", False)).lower() == "true",
            "stageKeys": _stage_keys(props.get("StageKeys")),
        }
        for prop, field in (("Description", "description"), ("Value", "value"), ("CustomerId", "customerId")):
            if prop in props:
                params[field] = props[prop]
        tags = _tag_map(ctx, props.get("Tags"))
        if tags:
            params["tags"] = tags
        key = await ctx.call("apigateway", "CreateApiKey", params)
        return Created(key["id"], {"APIKeyId": key["id"]})

    async def update(
        self, ctx: ResourceContext, physical_id: str, old: dict[str, Any], new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        patches = []
        for prop, path in (("Description", "/description"), ("Enabled", "/enabled"), ("CustomerId", "/customerId")):
            if new.get(prop) != old.get(prop):
                patches.append(_replace(path, new.get(prop, False if prop == "Enabled" else "")))
        old_keys = {f"{k['restApiId']}/{k['stageName']}" for k in _stage_keys(old.get("StageKeys"))}
        new_keys = {f"{k['restApiId']}/{k['stageName']}" for k in _stage_keys(new.get("StageKeys"))}
        patches += [{"op": "remove", "path": "/stages", "value": key} for key in old_keys - new_keys]
        patches += [{"op": "add", "path": "/stages", "value": key} for key in new_keys - old_keys]
        if patches:
            await ctx.call("apigateway", "UpdateApiKey", {"apiKey": physical_id, "patchOperations": patches})
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("apigateway", "DeleteApiKey", {"apiKey": physical_id})


def _limits(value: dict[str, Any] | None, fields: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {field: value[prop] for prop, field in fields if value and prop in value}


_THROTTLE = (("BurstLimit", "burstLimit"), ("RateLimit", "rateLimit"))
_QUOTA = (("Limit", "limit"), ("Offset", "offset"), ("Period", "period"))


class UsagePlan(ResourceType):
    type = "AWS::ApiGateway::UsagePlan"
    attributes = ("Id",)
    taggable = True

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        params: dict[str, Any] = {
            "name": props.get("UsagePlanName") or ctx.physical_name(128),
            "apiStages": [{"apiId": s["ApiId"], "stage": s["Stage"]} for s in props.get("ApiStages") or []],
        }
        if props.get("Description"):
            params["description"] = props["Description"]
        if props.get("Throttle"):
            params["throttle"] = _limits(props["Throttle"], _THROTTLE)
        if props.get("Quota"):
            params["quota"] = _limits(props["Quota"], _QUOTA)
        tags = _tag_map(ctx, props.get("Tags"))
        if tags:
            params["tags"] = tags
        plan = await ctx.call("apigateway", "CreateUsagePlan", params)
        return Created(plan["id"], {"Id": plan["id"]})

    async def update(
        self, ctx: ResourceContext, physical_id: str, old: dict[str, Any], new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        patches = []
        if new.get("UsagePlanName") != old.get("UsagePlanName") and new.get("UsagePlanName"):
            patches.append(_replace("/name", new["UsagePlanName"]))
        if new.get("Description") != old.get("Description"):
            patches.append(_replace("/description", new.get("Description")))
        for prop, prefix, fields in (("Throttle", "/throttle", _THROTTLE), ("Quota", "/quota", _QUOTA)):
            if new.get(prop) != old.get(prop):
                patches += [_replace(f"{prefix}/{field}", value) for field, value in _limits(new.get(prop), fields).items()]
        old_stages = {f"{s['ApiId']}:{s['Stage']}" for s in old.get("ApiStages") or []}
        new_stages = {f"{s['ApiId']}:{s['Stage']}" for s in new.get("ApiStages") or []}
        patches += [{"op": "remove", "path": "/apiStages", "value": s} for s in old_stages - new_stages]
        patches += [{"op": "add", "path": "/apiStages", "value": s} for s in new_stages - old_stages]
        if patches:
            await ctx.call("apigateway", "UpdateUsagePlan", {"usagePlanId": physical_id, "patchOperations": patches})
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("apigateway", "DeleteUsagePlan", {"usagePlanId": physical_id})


class UsagePlanKey(ResourceType):
    type = "AWS::ApiGateway::UsagePlanKey"
    immutable = True
    attributes = ("Id",)

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        required(props, "KeyId", "KeyType", "UsagePlanId")
        if props["KeyType"] != "API_KEY":
            raise ResourceFailed(f"Invalid KeyType {props['KeyType']}: only API_KEY is supported")
        key = await ctx.call("apigateway", "CreateUsagePlanKey", {
            "usagePlanId": props["UsagePlanId"], "keyId": props["KeyId"], "keyType": props["KeyType"],
        })
        # Ref and GetAtt Id: the key's and the plan's ids joined by ":" (the type's primary identifier)
        physical_id = f"{key['id']}:{props['UsagePlanId']}"
        return Created(physical_id, {"Id": physical_id})

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("apigateway", "DeleteUsagePlanKey", {"usagePlanId": props["UsagePlanId"], "keyId": props["KeyId"]})
