"""GetExport, ImportRestApi and PutRestApi: the operations over OpenAPI definitions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import yaml

from cloudlet.edge.types import RequestContext
from cloudlet.services.apigateway import openapi
from cloudlet.services.apigateway.errors import BadRequestException
from cloudlet.services.apigateway.resources import public, require, require_api
from cloudlet.services.apigateway.store import DOCS

_EXPORT_TYPES = ("swagger", "oas30")


class DefinitionOperations:
    env: Any

    def new_api(self, conn: Any, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def get_export(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        kind = params["exportType"]
        if kind not in _EXPORT_TYPES:
            raise BadRequestException(f"No such export type: {kind}. Valid values are swagger, oas30")
        accepts = (params.get("accepts") or "application/json").split(";")[0].strip()
        if accepts not in ("application/json", "application/yaml"):
            raise BadRequestException(
                f"Unsupported export format {accepts}: use application/json or application/yaml"
            )
        extensions = (params.get("parameters") or {}).get("extensions", "")
        api_id = params["restApiId"]
        with self.env.store.read() as conn:
            require_api(conn, api_id, ctx.account_id, ctx.region)
            stage = require(conn, api_id, "stage", params["stageName"])
            snapshot = require(conn, api_id, "deployment", stage["deploymentId"])["_snapshot"]
        host = f"{api_id}.execute-api.localhost:{self.env.config.port}"
        doc = openapi.export(
            snapshot["api"],
            snapshot["resources"],
            snapshot["authorizers"],
            snapshot["models"],
            params["stageName"],
            host,
            kind,
            any(e in extensions for e in ("integrations", "apigateway", "authorizers")),
        )
        if accepts == "application/yaml":
            body, suffix = yaml.safe_dump(doc, sort_keys=False).encode(), "yaml"
        else:
            body, suffix = json.dumps(doc, indent=2).encode(), "json"
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "contentType": accepts,
            "body": body,
            "contentDisposition": f'attachment; filename="{kind}_{stamp}.{suffix}"',
        }

    def import_rest_api(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        doc = openapi.load(_bytes(params.get("body")))
        with self.env.store.db() as conn:
            api = self.new_api(conn, ctx, openapi.api_fields(doc))
            warnings = openapi.apply(conn, api["id"], api["rootResourceId"], doc)
            if warnings and params.get("failOnWarnings"):
                raise BadRequestException("Warnings found during import:\n\t" + "\n\t".join(warnings))
        return self._with_warnings(api, warnings)

    def put_rest_api(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        doc = openapi.load(_bytes(params.get("body")))
        mode = params.get("mode") or "merge"
        if mode not in ("merge", "overwrite"):
            raise BadRequestException(f"Invalid mode {mode}: use merge or overwrite")
        api_id = params["restApiId"]
        with self.env.store.db() as conn:
            api = require_api(conn, api_id, ctx.account_id, ctx.region)
            if mode == "overwrite":
                self._clear(conn, api)
                fields = openapi.api_fields(doc)
                api.update(fields)
            warnings = openapi.apply(conn, api_id, api["rootResourceId"], doc)
            if warnings and params.get("failOnWarnings"):
                raise BadRequestException("Warnings found during import:\n\t" + "\n\t".join(warnings))
            DOCS.put_api(conn, ctx.account_id, ctx.region, api_id, api["createdDate"], api)
        return self._with_warnings(api, warnings)

    @staticmethod
    def _clear(conn: Any, api: dict[str, Any]) -> None:
        for kind in ("resource", "model", "authorizer"):
            for doc in DOCS.list(conn, api["id"], kind):
                key = doc["name"] if kind == "model" else doc["id"]
                if key != api["rootResourceId"]:
                    DOCS.delete(conn, api["id"], kind, key)
        DOCS.put(
            conn, api["id"], "resource", api["rootResourceId"], {"id": api["rootResourceId"], "path": "/"}
        )

    @staticmethod
    def _with_warnings(api: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
        out = public(api)
        if warnings:
            out["warnings"] = warnings
        return out


def _bytes(body: Any) -> bytes:
    if body is None:
        return b""
    return body if isinstance(body, bytes) else body.encode() if isinstance(body, str) else bytes(body)
