"""ImportApi, ReimportApi and ExportApi: HTTP APIs to and from OpenAPI definitions."""

from __future__ import annotations

import json
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.apigatewayv2 import openapi, resources, validation
from cloudlet.services.apigatewayv2.errors import BadRequestException
from cloudlet.services.apigatewayv2.resources import public, require, require_api
from cloudlet.services.apigatewayv2.store import DOCS
from cloudlet.services.environment import Environment
from cloudlet.services.gateway.ids import new_id


class OpenApiOperations:
    env: Environment

    def import_api(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        plan = self._plan(params)
        now = self.env.clock.now()
        api_id = new_id()
        api = resources.new_api(api_id, resources.endpoint(self.env.config.port, api_id), now, plan.api)
        with self.env.store.db() as conn:
            DOCS.put_api(conn, ctx.account_id, ctx.region, api_id, now, api)
            self._apply(conn, api_id, plan, now)
        return {**public(api), **({"Warnings": plan.warnings} if plan.warnings else {})}

    def reimport_api(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        plan = self._plan(params)
        now = self.env.clock.now()
        with self.env.store.db() as conn:
            api = require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
            _http_only(api, "Reimport")
            for kind in ("route", "integration", "authorizer"):
                for doc in DOCS.list(conn, api["ApiId"], kind):
                    DOCS.delete(conn, api["ApiId"], kind, doc[resources.KINDS[kind][0]])
            api.pop("CorsConfiguration", None)
            api.pop("Description", None)
            api.update(plan.api)
            DOCS.put_api(conn, ctx.account_id, ctx.region, api["ApiId"], api["CreatedDate"], api)
            self._apply(conn, api["ApiId"], plan, now)
            resources.changed(conn, api["ApiId"], "api", now)
        return {**public(api), **({"Warnings": plan.warnings} if plan.warnings else {})}

    @staticmethod
    def _plan(params: dict[str, Any]) -> openapi.Plan:
        plan = openapi.plan(openapi.parse(params["Body"]))
        if plan.warnings and params.get("FailOnWarnings"):
            raise BadRequestException("Warnings found during import:\n\t" + "\n\t".join(plan.warnings))
        validation.cors(plan.api.get("CorsConfiguration"))
        for authorizer in plan.authorizers.values():
            validation.authorizer(authorizer)
        for _, integration in plan.routes:
            if integration is not None:
                integration.setdefault(
                    "PayloadFormatVersion", "2.0" if integration["IntegrationType"] == "AWS_PROXY" else "1.0"
                )
                validation.integration(integration)
        return plan

    @staticmethod
    def _apply(conn: Any, api_id: str, plan: openapi.Plan, now: float) -> None:
        ids = {
            name: resources.create(conn, api_id, "authorizer", doc, now)["AuthorizerId"]
            for name, doc in plan.authorizers.items()
        }
        seen: set[str] = set()
        for route, integration in plan.routes:
            if route["RouteKey"] in seen:
                raise BadRequestException(f"Invalid OpenAPI input: duplicate route {route['RouteKey']}")
            seen.add(route["RouteKey"])
            if integration is not None:
                integration = {"ConnectionType": "INTERNET", "TimeoutInMillis": 30000, **integration}
                integration.setdefault(
                    "IntegrationMethod", "POST" if integration["IntegrationType"] == "AWS_PROXY" else "ANY"
                )
                created = resources.create(conn, api_id, "integration", integration, now)
                route["Target"] = f"integrations/{created['IntegrationId']}"
            name = route.pop("_authorizer", None)
            if name is not None:
                route["AuthorizerId"] = ids[name]
            resources.create(conn, api_id, "route", route, now)

    def export_api(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        if params["Specification"] != "OAS30":
            raise BadRequestException(
                f"Invalid specification {params['Specification']}: only OAS30 is supported"
            )
        if params.get("ExportVersion", "1.0") != "1.0":
            raise BadRequestException(
                f"Invalid export version {params['ExportVersion']}: only 1.0 is supported"
            )
        output = params["OutputType"]
        if output not in ("JSON", "YAML"):
            raise BadRequestException(f"Invalid output type {output}: JSON or YAML")
        stage_name = params.get("StageName")
        with self.env.store.read() as conn:
            api = require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
            _http_only(api, "Export")
            if stage_name:
                stage = require(conn, api["ApiId"], "stage", stage_name)
                deployment = DOCS.get(conn, api["ApiId"], "deployment", stage.get("DeploymentId") or "")
                if deployment is None:
                    raise BadRequestException(f"Stage {stage_name} has no deployment to export")
                content = deployment["_snapshot"]
                api = {**api, **content["api"]}
            else:
                content = resources.snapshot(conn, api["ApiId"])
        extensions = params.get("IncludeExtensions", True)
        document = openapi.export(api, content, api["ApiEndpoint"], stage_name, extensions)
        if output == "JSON":
            return {"body": json.dumps(document, indent=2).encode()}
        import yaml  # only YAML exports pay for it

        return {"body": yaml.safe_dump(document, sort_keys=False).encode()}


def _http_only(api: dict[str, Any], what: str) -> None:
    if api.get("ProtocolType") == "WEBSOCKET":
        raise BadRequestException(f"{what} is not supported for WebSocket APIs: only HTTP APIs")
