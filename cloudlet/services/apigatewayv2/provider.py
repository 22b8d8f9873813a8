"""API Gateway v2 (HTTP and WebSocket APIs): the control plane here, the data plane in
dataplane.py (HTTP) and websockets.py (WebSocket)."""

from __future__ import annotations

from typing import Any

from cloudlet.edge.types import Request, RequestContext, Response
from cloudlet.edge.websocket import WebSocket
from cloudlet.services.apigatewayv2 import access_logs, domains, resources, store, validation
from cloudlet.services.apigatewayv2.dataplane import DataPlane
from cloudlet.services.apigatewayv2.errors import BadRequestException, ConflictException, NotFoundException
from cloudlet.services.apigatewayv2.imports import OpenApiOperations
from cloudlet.services.apigatewayv2.paging import page
from cloudlet.services.apigatewayv2.resources import public, require, require_api
from cloudlet.services.apigatewayv2.responses import ResponseOperations
from cloudlet.services.apigatewayv2.routing import DEFAULT
from cloudlet.services.apigatewayv2.store import DOCS
from cloudlet.services.apigatewayv2.tagging import TaggingOperations
from cloudlet.services.apigatewayv2.websockets import WebSockets
from cloudlet.services.base import Provider
from cloudlet.services.environment import Environment
from cloudlet.services.gateway.ids import new_id
from cloudlet.services.gateway.lambdas import is_lambda_uri

_API_FIELDS = (
    "Name",
    "Description",
    "ApiKeySelectionExpression",
    "CorsConfiguration",
    "DisableSchemaValidation",
    "DisableExecuteApiEndpoint",
    "IpAddressType",
    "RouteSelectionExpression",
    "Version",
)
_ROUTE_FIELDS = (
    "ApiKeyRequired",
    "AuthorizationScopes",
    "AuthorizationType",
    "AuthorizerId",
    "ModelSelectionExpression",
    "OperationName",
    "RequestModels",
    "RequestParameters",
    "RouteKey",
    "RouteResponseSelectionExpression",
    "Target",
)
_INTEGRATION_FIELDS = (
    "ConnectionId",
    "ConnectionType",
    "ContentHandlingStrategy",
    "CredentialsArn",
    "Description",
    "IntegrationMethod",
    "IntegrationSubtype",
    "IntegrationType",
    "IntegrationUri",
    "PassthroughBehavior",
    "PayloadFormatVersion",
    "RequestParameters",
    "RequestTemplates",
    "ResponseParameters",
    "TemplateSelectionExpression",
    "TimeoutInMillis",
    "TlsConfig",
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
    "Tags",
)
_AUTHORIZER_FIELDS = (
    "AuthorizerCredentialsArn",
    "AuthorizerPayloadFormatVersion",
    "AuthorizerResultTtlInSeconds",
    "AuthorizerType",
    "AuthorizerUri",
    "EnableSimpleResponses",
    "IdentitySource",
    "IdentityValidationExpression",
    "JwtConfiguration",
    "Name",
)


def _pick(params: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {key: params[key] for key in fields if key in params}


def _by_id(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


class ApiGatewayV2Provider(
    domains.DomainOperations, OpenApiOperations, ResponseOperations, TaggingOperations, Provider
):
    service = "apigatewayv2"
    migrations = store.MIGRATIONS

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.data_plane = DataPlane(env)
        self.websockets = WebSockets(env, self.data_plane)

    async def start(self) -> None:
        env = self.env
        env.dispatcher.subscribe(
            access_logs.TOPIC,
            lambda event: access_logs.deliver(env, event),
            name=access_logs.CONSUMER,
            max_attempts=3,
        )
        await self.websockets.start()

    async def stop(self) -> None:
        await self.websockets.stop()

    # -- data plane (called by cloudlet.services.gateway.route) ----------------------------------

    def owns_api(self, api_id: str) -> bool:
        with self.env.store.read() as conn:
            return DOCS.owner(conn, api_id) is not None

    async def serve(self, request: Request, api_id: str, path: str) -> Response:
        return await self.data_plane.serve(request, api_id, path)

    async def connect(self, socket: WebSocket, api_id: str, path: str) -> None:
        await self.websockets.connect(socket, api_id, path)

    # -- APIs ------------------------------------------------------------------------------------

    def create_api(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        protocol = params["ProtocolType"]
        if protocol == "WEBSOCKET":
            validation.websocket_api(params)
        elif protocol != "HTTP":
            raise BadRequestException(f"Invalid protocol type specified: {protocol}")
        if not params.get("Target") and (params.get("RouteKey") or params.get("CredentialsArn")):
            raise BadRequestException(
                "RouteKey and CredentialsArn can only be specified with a Target (quick create)"
            )
        validation.cors(params.get("CorsConfiguration"))
        now = self.env.clock.now()
        api_id = new_id()
        api = resources.new_api(
            api_id,
            resources.endpoint(self.env.config.port, api_id, protocol),
            now,
            {"Tags": params.get("Tags") or {}, "ProtocolType": protocol, **_pick(params, _API_FIELDS)},
        )
        with self.env.store.db() as conn:
            DOCS.put_api(conn, ctx.account_id, ctx.region, api_id, now, api)
            if params.get("Target"):
                self._quick_create(conn, api_id, params, now)
        return public(api)

    def _quick_create(self, conn: Any, api_id: str, params: dict[str, Any], now: float) -> None:
        """CreateApi with Target: an integration, a route to it and an auto-deployed $default stage."""
        target = params["Target"]
        integration: dict[str, Any] = {
            "ApiGatewayManaged": True,
            "ConnectionType": "INTERNET",
            "IntegrationUri": target,
            "TimeoutInMillis": 30000,
        }
        if is_lambda_uri(target):
            integration.update(
                IntegrationType="AWS_PROXY", IntegrationMethod="POST", PayloadFormatVersion="2.0"
            )
        else:
            integration.update(
                IntegrationType="HTTP_PROXY", IntegrationMethod="ANY", PayloadFormatVersion="1.0"
            )
        if params.get("CredentialsArn"):
            integration["CredentialsArn"] = params["CredentialsArn"]
        validation.integration(integration)
        route_key = params.get("RouteKey") or DEFAULT
        validation.route_key(route_key)
        integration = resources.create(conn, api_id, "integration", integration, now)
        resources.create(
            conn,
            api_id,
            "route",
            {
                "ApiGatewayManaged": True,
                "ApiKeyRequired": False,
                "AuthorizationType": "NONE",
                "RouteKey": route_key,
                "Target": f"integrations/{integration['IntegrationId']}",
            },
            now,
        )
        stage = resources.create(
            conn,
            api_id,
            "stage",
            {
                "StageName": DEFAULT,
                "ApiGatewayManaged": True,
                "AutoDeploy": True,
                "DefaultRouteSettings": {"DetailedMetricsEnabled": False},
                "RouteSettings": {},
                "StageVariables": {},
                "Tags": {},
            },
            now,
        )
        resources.deploy(conn, api_id, stage, now, auto=True)

    def get_api(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            return public(require_api(conn, params["ApiId"], ctx.account_id, ctx.region))

    def get_apis(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            return page([public(api) for api in DOCS.list_apis(conn, ctx.account_id, ctx.region)], params)

    def update_api(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        validation.cors(params.get("CorsConfiguration"))
        now = self.env.clock.now()
        with self.env.store.db() as conn:
            api = require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
            if api["ProtocolType"] == "WEBSOCKET":
                validation.websocket_api({"RouteSelectionExpression": api["RouteSelectionExpression"], **params})
            api.update(_pick(params, _API_FIELDS))
            DOCS.put_api(conn, ctx.account_id, ctx.region, api["ApiId"], api["CreatedDate"], api)
            if any(key in params for key in ("Target", "RouteKey", "CredentialsArn")):
                self._update_quick_created(conn, api["ApiId"], params, now)
            resources.changed(conn, api["ApiId"], "api", now)
        return public(api)

    @staticmethod
    def _update_quick_created(conn: Any, api_id: str, params: dict[str, Any], now: float) -> None:
        """Target, RouteKey and CredentialsArn change what CreateApi's quick create made."""
        route = next((r for r in DOCS.list(conn, api_id, "route") if r.get("ApiGatewayManaged")), None)
        integration = next(
            (i for i in DOCS.list(conn, api_id, "integration") if i.get("ApiGatewayManaged")), None
        )
        if route is None or integration is None:
            raise BadRequestException(
                "Target, RouteKey and CredentialsArn can only be updated on an API made by quick create"
            )
        if "Target" in params or "CredentialsArn" in params:
            changed = {**integration, "IntegrationUri": params.get("Target", integration["IntegrationUri"])}
            if params.get("CredentialsArn"):
                changed["CredentialsArn"] = params["CredentialsArn"]
            if is_lambda_uri(changed["IntegrationUri"]) != (integration["IntegrationType"] == "AWS_PROXY"):
                raise BadRequestException(
                    "A quick-created API's Target stays a Lambda function or an HTTP URL"
                )
            validation.integration(changed)
            resources.update(
                conn, api_id, "integration", integration["IntegrationId"], changed, now, replace=True
            )
        if "RouteKey" in params and params["RouteKey"] != route["RouteKey"]:
            validation.route_key(params["RouteKey"])
            if any(r["RouteKey"] == params["RouteKey"] for r in DOCS.list(conn, api_id, "route")):
                raise ConflictException(f"A route with key {params['RouteKey']} already exists for this API")
            resources.update(conn, api_id, "route", route["RouteId"], {"RouteKey": params["RouteKey"]}, now)

    async def delete_api(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
            DOCS.delete_api(conn, params["ApiId"])
            store.forget_authorizer_results(conn, params["ApiId"])
        await self.websockets.close_api(params["ApiId"])
        return {}

    def delete_cors_configuration(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        now = self.env.clock.now()
        with self.env.store.db() as conn:
            api = require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
            api.pop("CorsConfiguration", None)
            DOCS.put_api(conn, ctx.account_id, ctx.region, api["ApiId"], api["CreatedDate"], api)
            resources.changed(conn, api["ApiId"], "api", now)
        return {}

    # -- routes, integrations, authorizers -------------------------------------------------------

    def create_route(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        doc = {"ApiKeyRequired": False, "AuthorizationType": "NONE", **_pick(params, _ROUTE_FIELDS)}
        with self.env.store.db() as conn:
            api_id = params["ApiId"]
            api = require_api(conn, api_id, ctx.account_id, ctx.region)
            self._check_route(conn, api, doc)
            return public(resources.create(conn, api_id, "route", doc, self.env.clock.now()))

    def update_route(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            api_id = params["ApiId"]
            api = require_api(conn, api_id, ctx.account_id, ctx.region)
            doc = {**require(conn, api_id, "route", params["RouteId"]), **_pick(params, _ROUTE_FIELDS)}
            # Leaving JWT or CUSTOM authorization drops what only those use.
            if doc.get("AuthorizationType") in ("NONE", "AWS_IAM"):
                for key in ("AuthorizerId", "AuthorizationScopes"):
                    if key not in params:
                        doc.pop(key, None)
            self._check_route(conn, api, doc)
            return public(
                resources.update(
                    conn, api_id, "route", params["RouteId"], doc, self.env.clock.now(), replace=True
                )
            )

    @staticmethod
    def _check_route(conn: Any, api: dict[str, Any], doc: dict[str, Any]) -> None:
        api_id = api["ApiId"]
        authorizers = _by_id(DOCS.list(conn, api_id, "authorizer"), "AuthorizerId")
        integrations = {i["IntegrationId"] for i in DOCS.list(conn, api_id, "integration")}
        validation.route(doc, authorizers, integrations, api["ProtocolType"])
        for other in DOCS.list(conn, api_id, "route"):
            if other["RouteKey"] == doc["RouteKey"] and other["RouteId"] != doc.get("RouteId"):
                raise ConflictException(
                    f"Unable to create Route. A route with key {doc['RouteKey']} already exists for this API"
                )

    def create_integration(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            api = require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
            if api["ProtocolType"] == "WEBSOCKET":
                doc = {
                    "ConnectionType": "INTERNET",
                    "PayloadFormatVersion": "1.0",
                    "TimeoutInMillis": 29000,
                    "PassthroughBehavior": "WHEN_NO_MATCH",
                    **_pick(params, _INTEGRATION_FIELDS),
                }
                validation.websocket_integration(doc)
                if doc["IntegrationType"] != "MOCK":
                    doc.setdefault("IntegrationMethod", "POST")
            else:
                doc = {"ConnectionType": "INTERNET", "TimeoutInMillis": 30000, **_pick(params, _INTEGRATION_FIELDS)}
                if doc.get("IntegrationType") == "HTTP_PROXY":
                    doc.setdefault("PayloadFormatVersion", "1.0")
                validation.integration(doc)
                doc.setdefault("IntegrationMethod", "POST" if doc["IntegrationType"] == "AWS_PROXY" else "ANY")
            return public(resources.create(conn, params["ApiId"], "integration", doc, self.env.clock.now()))

    def update_integration(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            api_id = params["ApiId"]
            api = require_api(conn, api_id, ctx.account_id, ctx.region)
            doc = {
                **require(conn, api_id, "integration", params["IntegrationId"]),
                **_pick(params, _INTEGRATION_FIELDS),
            }
            if api["ProtocolType"] == "WEBSOCKET":
                validation.websocket_integration(doc)
            else:
                validation.integration(doc)
            return public(
                resources.update(
                    conn,
                    api_id,
                    "integration",
                    params["IntegrationId"],
                    doc,
                    self.env.clock.now(),
                    replace=True,
                )
            )

    def delete_integration(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
            target = f"integrations/{params['IntegrationId']}"
            if any(r.get("Target") == target for r in DOCS.list(conn, params["ApiId"], "route")):
                raise ConflictException(
                    f"Unable to delete Integration {params['IntegrationId']}: a route targets it"
                )
            resources.delete(
                conn, params["ApiId"], "integration", params["IntegrationId"], self.env.clock.now()
            )
        return {}

    def create_authorizer(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        doc = _pick(params, _AUTHORIZER_FIELDS)
        with self.env.store.db() as conn:
            api = require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
            if api["ProtocolType"] == "WEBSOCKET":
                validation.websocket_authorizer(doc)
                doc.setdefault("AuthorizerResultTtlInSeconds", 0)
            else:
                if doc.get("AuthorizerType") == "REQUEST":
                    doc.setdefault("AuthorizerResultTtlInSeconds", 0)
                    doc.setdefault("EnableSimpleResponses", False)
                validation.authorizer(doc)
            return public(resources.create(conn, params["ApiId"], "authorizer", doc, self.env.clock.now()))

    def update_authorizer(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            api_id = params["ApiId"]
            api = require_api(conn, api_id, ctx.account_id, ctx.region)
            doc = {
                **require(conn, api_id, "authorizer", params["AuthorizerId"]),
                **_pick(params, _AUTHORIZER_FIELDS),
            }
            if api["ProtocolType"] == "WEBSOCKET":
                validation.websocket_authorizer(doc)
            else:
                validation.authorizer(doc)
            store.forget_authorizer_results(conn, api_id)
            return public(
                resources.update(
                    conn,
                    api_id,
                    "authorizer",
                    params["AuthorizerId"],
                    doc,
                    self.env.clock.now(),
                    replace=True,
                )
            )

    def delete_authorizer(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
            if any(
                r.get("AuthorizerId") == params["AuthorizerId"]
                for r in DOCS.list(conn, params["ApiId"], "route")
            ):
                raise ConflictException(
                    f"Unable to delete Authorizer {params['AuthorizerId']}: a route uses it"
                )
            resources.delete(
                conn, params["ApiId"], "authorizer", params["AuthorizerId"], self.env.clock.now()
            )
        return {}

    def reset_authorizers_cache(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
            require(conn, params["ApiId"], "stage", params["StageName"])
            store.forget_authorizer_results(conn, params["ApiId"])
        return {}

    def get_route(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._get(ctx, params, "route", params["RouteId"])

    def get_routes(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._list(ctx, params, "route")

    def delete_route(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._delete(ctx, params, "route", params["RouteId"])

    def get_integration(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._get(ctx, params, "integration", params["IntegrationId"])

    def get_integrations(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._list(ctx, params, "integration")

    def get_authorizer(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._get(ctx, params, "authorizer", params["AuthorizerId"])

    def get_authorizers(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._list(ctx, params, "authorizer")

    # -- stages and deployments ------------------------------------------------------------------

    def create_stage(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        doc = {
            "AutoDeploy": False,
            "DefaultRouteSettings": {"DetailedMetricsEnabled": False},
            "RouteSettings": {},
            "StageVariables": {},
            "Tags": {},
            **_pick(params, _STAGE_FIELDS),
        }
        validation.stage(doc)
        now = self.env.clock.now()
        with self.env.store.db() as conn:
            api_id = params["ApiId"]
            require_api(conn, api_id, ctx.account_id, ctx.region)
            if DOCS.get(conn, api_id, "stage", doc["StageName"]) is not None:
                raise ConflictException(
                    f"Unable to create Stage, stage {doc['StageName']} already exists for this API"
                )
            if "DeploymentId" in doc:
                require(conn, api_id, "deployment", doc["DeploymentId"])
            stage = resources.create(conn, api_id, "stage", doc, now)
            if stage["AutoDeploy"]:
                resources.deploy(conn, api_id, stage, now, auto=True)
        return public(stage)

    def get_stage(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._get(ctx, params, "stage", params["StageName"])

    def get_stages(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._list(ctx, params, "stage")

    def update_stage(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        now = self.env.clock.now()
        with self.env.store.db() as conn:
            api_id = params["ApiId"]
            require_api(conn, api_id, ctx.account_id, ctx.region)
            changes = _pick(params, _STAGE_FIELDS)
            changes.pop("StageName", None)
            merged = {**require(conn, api_id, "stage", params["StageName"]), **changes}
            validation.stage(merged)
            if "DeploymentId" in changes:
                require(conn, api_id, "deployment", changes["DeploymentId"])
            stage = resources.update(conn, api_id, "stage", params["StageName"], changes, now)
            if params.get("AutoDeploy"):
                resources.deploy(conn, api_id, stage, now, auto=True)
        return public(stage)

    def delete_stage(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._delete(ctx, params, "stage", params["StageName"])

    def delete_route_settings(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
            stage = require(conn, params["ApiId"], "stage", params["StageName"])
            settings = stage.get("RouteSettings") or {}
            if params["RouteKey"] not in settings:
                raise NotFoundException(f"Unable to find route settings for route key {params['RouteKey']}")
            del settings[params["RouteKey"]]
            resources.update(
                conn,
                params["ApiId"],
                "stage",
                params["StageName"],
                {"RouteSettings": settings},
                self.env.clock.now(),
            )
        return {}

    def delete_access_log_settings(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
            stage = require(conn, params["ApiId"], "stage", params["StageName"])
            stage.pop("AccessLogSettings", None)
            DOCS.put(conn, params["ApiId"], "stage", params["StageName"], stage)
        return {}

    def create_deployment(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        now = self.env.clock.now()
        with self.env.store.db() as conn:
            api_id = params["ApiId"]
            require_api(conn, api_id, ctx.account_id, ctx.region)
            stage = require(conn, api_id, "stage", params["StageName"]) if params.get("StageName") else None
            if stage is not None and stage.get("AutoDeploy"):
                raise BadRequestException(
                    "Stage is configured with auto-deploy; manual deployments are not allowed"
                )
            return public(resources.deploy(conn, api_id, stage, now, description=params.get("Description")))

    def get_deployment(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._get(ctx, params, "deployment", params["DeploymentId"])

    def get_deployments(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._list(ctx, params, "deployment")

    def update_deployment(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._update(ctx, params, "deployment", params["DeploymentId"], ("Description",))

    def delete_deployment(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
            if any(
                s.get("DeploymentId") == params["DeploymentId"]
                for s in DOCS.list(conn, params["ApiId"], "stage")
            ):
                raise BadRequestException(
                    "Active stages pointing to this deployment must be moved or deleted"
                )
            resources.delete(
                conn, params["ApiId"], "deployment", params["DeploymentId"], self.env.clock.now()
            )
        return {}

    # -- shared shapes of the per-kind operations ------------------------------------------------

    def _get(self, ctx: RequestContext, params: dict[str, Any], kind: str, item_id: str) -> dict[str, Any]:
        with self.env.store.read() as conn:
            require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
            return public(require(conn, params["ApiId"], kind, item_id))

    def _list(self, ctx: RequestContext, params: dict[str, Any], kind: str) -> dict[str, Any]:
        with self.env.store.read() as conn:
            require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
            return page([public(doc) for doc in DOCS.list(conn, params["ApiId"], kind)], params)

    def _update(
        self, ctx: RequestContext, params: dict[str, Any], kind: str, item_id: str, fields: tuple[str, ...]
    ) -> dict[str, Any]:
        with self.env.store.db() as conn:
            require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
            return public(
                resources.update(
                    conn, params["ApiId"], kind, item_id, _pick(params, fields), self.env.clock.now()
                )
            )

    def _delete(self, ctx: RequestContext, params: dict[str, Any], kind: str, item_id: str) -> dict[str, Any]:
        with self.env.store.db() as conn:
            require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
            resources.delete(conn, params["ApiId"], kind, item_id, self.env.clock.now())
        return {}
