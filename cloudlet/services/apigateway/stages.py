"""Deployments and stages, and the stage cache's control operations."""

from __future__ import annotations

import re
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.apigateway import patches
from cloudlet.services.apigateway.errors import BadRequestException, ConflictException
from cloudlet.services.apigateway.resources import deploy, public, require, require_api
from cloudlet.services.apigateway.store import DOCS

_VARIABLE_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_VARIABLE_VALUE = re.compile(r"^[A-Za-z0-9\-._~:/?#&=,]{0,512}$")
_STRATEGIES = ("FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER", "SUCCEED_WITHOUT_RESPONSE_HEADER", None)
CACHE_SIZES = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")
_STAGE_PATCHABLE = frozenset(
    {
        "description",
        "cacheClusterEnabled",
        "cacheClusterSize",
        "variables",
        "deploymentId",
        "tracingEnabled",
        "clientCertificateId",
        "accessLogSettings",
        "documentationVersion",
        "webAclArn",
        "canarySettings",
    }
)


def _check(stage: dict[str, Any]) -> None:
    """AWS's limits on stage variables and method settings."""
    for name, value in (stage.get("variables") or {}).items():
        if not _VARIABLE_NAME.match(name) or not _VARIABLE_VALUE.match(str(value)):
            raise BadRequestException(
                "Stage variable names must be alphanumeric or underscores, and values may only contain "
                "alphanumerics and -._~:/?#&=,"
            )
    for key, setting in (stage.get("methodSettings") or {}).items():
        if not 0 <= int(setting.get("cacheTtlInSeconds", 300)) <= 3600:
            raise BadRequestException(f"Invalid cache TTL for {key}: it must be between 0 and 3600 seconds")
        if setting.get("unauthorizedCacheControlHeaderStrategy") not in _STRATEGIES:
            raise BadRequestException(f"Invalid unauthorizedCacheControlHeaderStrategy for {key}")


def _cache_state(stage: dict[str, Any]) -> None:
    _check(stage)
    if stage.get("cacheClusterSize") and stage["cacheClusterSize"] not in CACHE_SIZES:
        raise BadRequestException(
            f"Invalid cache cluster size specified. Valid values are {', '.join(CACHE_SIZES)}"
        )
    if stage.get("cacheClusterEnabled"):
        stage.setdefault("cacheClusterSize", "0.5")
        stage["cacheClusterStatus"] = "AVAILABLE"
    else:
        stage["cacheClusterStatus"] = "NOT_AVAILABLE"


class StageOperations:
    env: Any

    def _flush(self, conn: Any, api_id: str, stage: str, *, authorizers: bool = False) -> None:
        conn.execute("DELETE FROM apigw_cache WHERE api_id = ? AND stage = ?", (api_id, stage))
        if authorizers:
            conn.execute(
                "DELETE FROM apigw_authorizer_results WHERE api_id = ? AND stage = ?", (api_id, stage)
            )

    # -- deployments -----------------------------------------------------------------------------

    def create_deployment(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        now = self.env.clock.now()
        with self.env.store.db() as conn:
            api_id = params["restApiId"]
            require_api(conn, api_id, ctx.account_id, ctx.region)
            deployment = deploy(conn, api_id, now, params.get("description"))
            name = params.get("stageName")
            if name:
                stage = DOCS.get(conn, api_id, "stage", name)
                if stage is None:
                    stage = self._new_stage(
                        name,
                        deployment["id"],
                        now,
                        {
                            "description": params.get("stageDescription"),
                            "variables": params.get("variables"),
                            "cacheClusterEnabled": params.get("cacheClusterEnabled"),
                            "cacheClusterSize": params.get("cacheClusterSize"),
                            "tracingEnabled": params.get("tracingEnabled"),
                        },
                    )
                else:
                    stage["deploymentId"] = deployment["id"]
                    stage["lastUpdatedDate"] = now
                    if params.get("variables") is not None:
                        stage["variables"] = {**stage.get("variables", {}), **params["variables"]}
                    for key in ("cacheClusterEnabled", "cacheClusterSize"):
                        if params.get(key) is not None:
                            stage[key] = params[key]
                    _cache_state(stage)
                DOCS.put(conn, api_id, "stage", name, stage)
        return public(deployment)

    def get_deployment(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            require_api(conn, params["restApiId"], ctx.account_id, ctx.region)
            return public(require(conn, params["restApiId"], "deployment", params["deploymentId"]))

    def get_deployments(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            require_api(conn, params["restApiId"], ctx.account_id, ctx.region)
            return {"items": [public(d) for d in DOCS.list(conn, params["restApiId"], "deployment")]}

    def update_deployment(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            api_id = params["restApiId"]
            require_api(conn, api_id, ctx.account_id, ctx.region)
            deployment = require(conn, api_id, "deployment", params["deploymentId"])
            patches.apply(deployment, params.get("patchOperations") or [], allowed=frozenset({"description"}))
            DOCS.put(conn, api_id, "deployment", deployment["id"], deployment)
        return public(deployment)

    def delete_deployment(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            api_id = params["restApiId"]
            require_api(conn, api_id, ctx.account_id, ctx.region)
            require(conn, api_id, "deployment", params["deploymentId"])
            if any(s.get("deploymentId") == params["deploymentId"] for s in DOCS.list(conn, api_id, "stage")):
                raise BadRequestException(
                    "Active stages pointing to this deployment must be moved or deleted"
                )
            DOCS.delete(conn, api_id, "deployment", params["deploymentId"])
        return {}

    # -- stages ----------------------------------------------------------------------------------

    def _new_stage(self, name: str, deployment_id: str, now: float, fields: dict[str, Any]) -> dict[str, Any]:
        stage = {
            "stageName": name,
            "deploymentId": deployment_id,
            "cacheClusterEnabled": False,
            "methodSettings": {},
            "variables": {},
            "tracingEnabled": False,
            "createdDate": now,
            "lastUpdatedDate": now,
            "tags": {},
        }
        stage.update({k: v for k, v in fields.items() if v is not None})
        _cache_state(stage)
        return stage

    def create_stage(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        now = self.env.clock.now()
        with self.env.store.db() as conn:
            api_id = params["restApiId"]
            require_api(conn, api_id, ctx.account_id, ctx.region)
            name = params["stageName"]
            if DOCS.get(conn, api_id, "stage", name) is not None:
                raise ConflictException("Stage already exists")
            require(conn, api_id, "deployment", params["deploymentId"])
            fields = {
                k: params.get(k)
                for k in (
                    "description",
                    "cacheClusterEnabled",
                    "cacheClusterSize",
                    "variables",
                    "tracingEnabled",
                    "tags",
                    "documentationVersion",
                )
            }
            stage = self._new_stage(name, params["deploymentId"], now, fields)
            DOCS.put(conn, api_id, "stage", name, stage)
        return public(stage)

    def get_stage(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            require_api(conn, params["restApiId"], ctx.account_id, ctx.region)
            return public(require(conn, params["restApiId"], "stage", params["stageName"]))

    def get_stages(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            require_api(conn, params["restApiId"], ctx.account_id, ctx.region)
            stages = DOCS.list(conn, params["restApiId"], "stage")
        if params.get("deploymentId"):
            stages = [s for s in stages if s.get("deploymentId") == params["deploymentId"]]
        return {"item": [public(s) for s in stages]}

    def update_stage(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            api_id = params["restApiId"]
            require_api(conn, api_id, ctx.account_id, ctx.region)
            stage = require(conn, api_id, "stage", params["stageName"])
            was_enabled = stage.get("cacheClusterEnabled")
            for operation in params.get("patchOperations") or []:
                settings = stage.setdefault("methodSettings", {})
                if not patches.apply_method_setting(
                    settings, operation.get("op"), operation.get("path") or "", operation.get("value")
                ):
                    patches.apply(stage, [operation], allowed=_STAGE_PATCHABLE)
            if stage.get("deploymentId"):
                require(conn, api_id, "deployment", stage["deploymentId"])
            _cache_state(stage)
            if was_enabled and not stage.get("cacheClusterEnabled"):
                stage.pop("cacheClusterSize", None)
                self._flush(conn, api_id, stage["stageName"])
            stage["lastUpdatedDate"] = self.env.clock.now()
            DOCS.put(conn, api_id, "stage", stage["stageName"], stage)
        return public(stage)

    def delete_stage(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            api_id = params["restApiId"]
            require_api(conn, api_id, ctx.account_id, ctx.region)
            require(conn, api_id, "stage", params["stageName"])
            DOCS.delete(conn, api_id, "stage", params["stageName"])
            self._flush(conn, api_id, params["stageName"], authorizers=True)
        return {}

    def flush_stage_cache(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            api_id = params["restApiId"]
            require_api(conn, api_id, ctx.account_id, ctx.region)
            require(conn, api_id, "stage", params["stageName"])
            self._flush(conn, api_id, params["stageName"])
        return {}

    def flush_stage_authorizers_cache(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            api_id = params["restApiId"]
            require_api(conn, api_id, ctx.account_id, ctx.region)
            require(conn, api_id, "stage", params["stageName"])
            conn.execute(
                "DELETE FROM apigw_authorizer_results WHERE api_id = ? AND stage = ?",
                (api_id, params["stageName"]),
            )
        return {}
