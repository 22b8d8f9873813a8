"""Authorizers, request validators and models: the per-API documents beside the resource tree."""

from __future__ import annotations

import json
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.apigateway import patches
from cloudlet.services.apigateway.answers import TYPES, default_response
from cloudlet.services.apigateway.errors import BadRequestException, ConflictException, NotFoundException
from cloudlet.services.apigateway.resources import require, require_api
from cloudlet.services.apigateway.store import DOCS
from cloudlet.services.gateway.ids import new_id
from cloudlet.services.gateway.lambdas import is_lambda_uri

_AUTHORIZER_FIELDS = (
    "name",
    "type",
    "providerARNs",
    "authType",
    "authorizerUri",
    "authorizerCredentials",
    "identitySource",
    "identityValidationExpression",
    "authorizerResultTtlInSeconds",
)


class ExtraOperations:
    env: Any

    def _create(
        self, ctx: RequestContext, api_id: str, kind: str, doc: dict[str, Any], key: str = "id"
    ) -> dict[str, Any]:
        with self.env.store.db() as conn:
            require_api(conn, api_id, ctx.account_id, ctx.region)
            DOCS.put(conn, api_id, kind, doc[key], doc)
        return doc

    def _get(self, ctx: RequestContext, api_id: str, kind: str, item_id: str) -> dict[str, Any]:
        with self.env.store.read() as conn:
            require_api(conn, api_id, ctx.account_id, ctx.region)
            return require(conn, api_id, kind, item_id)

    def _items(self, ctx: RequestContext, api_id: str, kind: str) -> dict[str, Any]:
        with self.env.store.read() as conn:
            require_api(conn, api_id, ctx.account_id, ctx.region)
            return {"items": DOCS.list(conn, api_id, kind)}

    def _patch(
        self, ctx: RequestContext, params: dict[str, Any], kind: str, item_id: str, allowed: frozenset[str]
    ) -> dict[str, Any]:
        with self.env.store.db() as conn:
            api_id = params["restApiId"]
            require_api(conn, api_id, ctx.account_id, ctx.region)
            doc = require(conn, api_id, kind, item_id)
            patches.apply(doc, params.get("patchOperations") or [], allowed=allowed)
            DOCS.put(conn, api_id, kind, item_id, doc)
        return doc

    def _remove(self, ctx: RequestContext, api_id: str, kind: str, item_id: str) -> dict[str, Any]:
        with self.env.store.db() as conn:
            require_api(conn, api_id, ctx.account_id, ctx.region)
            require(conn, api_id, kind, item_id)
            DOCS.delete(conn, api_id, kind, item_id)
        return {}

    # -- authorizers -----------------------------------------------------------------------------

    def create_authorizer(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        doc = {"id": new_id(6), **{k: params[k] for k in _AUTHORIZER_FIELDS if params.get(k) is not None}}
        kind = doc["type"]
        if kind in ("TOKEN", "REQUEST"):
            uri = doc.get("authorizerUri", "")
            if not is_lambda_uri(uri) and "${stageVariables." not in uri:
                raise BadRequestException(
                    "Invalid Authorizer URI: it must be a Lambda function invocation URI"
                )
            doc.setdefault("authorizerResultTtlInSeconds", 300)
            if kind == "TOKEN":
                doc.setdefault("identitySource", "method.request.header.Authorization")
        elif kind == "COGNITO_USER_POOLS":
            if not doc.get("providerARNs"):
                raise BadRequestException(
                    "providerARNs must be specified for a COGNITO_USER_POOLS authorizer"
                )
            doc.setdefault("identitySource", "method.request.header.Authorization")
        else:
            raise BadRequestException(f"Invalid authorizer type {kind}")
        if kind == "REQUEST" and not doc.get("identitySource") and doc["authorizerResultTtlInSeconds"] > 0:
            raise BadRequestException(
                "Identity source is required when caching is enabled for a REQUEST authorizer"
            )
        if not 0 <= doc.get("authorizerResultTtlInSeconds", 0) <= 3600:
            raise BadRequestException("Authorizer result TTL must be between 0 and 3600 seconds")
        return self._create(ctx, params["restApiId"], "authorizer", doc)

    def get_authorizer(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._get(ctx, params["restApiId"], "authorizer", params["authorizerId"])

    def get_authorizers(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._items(ctx, params["restApiId"], "authorizer")

    def update_authorizer(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._patch(ctx, params, "authorizer", params["authorizerId"], frozenset(_AUTHORIZER_FIELDS))

    def delete_authorizer(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._remove(ctx, params["restApiId"], "authorizer", params["authorizerId"])

    # -- request validators ----------------------------------------------------------------------

    def create_request_validator(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        doc = {
            "id": new_id(6),
            "name": params.get("name", ""),
            "validateRequestBody": bool(params.get("validateRequestBody", False)),
            "validateRequestParameters": bool(params.get("validateRequestParameters", False)),
        }
        return self._create(ctx, params["restApiId"], "validator", doc)

    def get_request_validator(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._get(ctx, params["restApiId"], "validator", params["requestValidatorId"])

    def get_request_validators(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._items(ctx, params["restApiId"], "validator")

    def update_request_validator(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._patch(
            ctx,
            params,
            "validator",
            params["requestValidatorId"],
            frozenset({"name", "validateRequestBody", "validateRequestParameters"}),
        )

    def delete_request_validator(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._remove(ctx, params["restApiId"], "validator", params["requestValidatorId"])

    # -- models ----------------------------------------------------------------------------------

    def create_model(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["name"]
        if not name.isalnum():
            raise BadRequestException("Model name must be alphanumeric")
        schema = params.get("schema")
        if schema is not None:
            try:
                json.loads(schema)
            except ValueError as exc:
                raise BadRequestException(
                    "Invalid model specified: Validation Result: warnings : [], "
                    "errors : [Invalid model schema specified]"
                ) from exc
        doc = {"id": new_id(6), "name": name, "contentType": params["contentType"]}
        for field in ("description", "schema"):
            if params.get(field) is not None:
                doc[field] = params[field]
        with self.env.store.read() as conn:
            if DOCS.get(conn, params["restApiId"], "model", name) is not None:
                raise ConflictException("Model name already exists for this REST API")
        return self._create(ctx, params["restApiId"], "model", doc, key="name")

    def get_model(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            require_api(conn, params["restApiId"], ctx.account_id, ctx.region)
            model = DOCS.get(conn, params["restApiId"], "model", params["modelName"])
        if model is None:
            raise NotFoundException(f"Invalid model name specified: {params['modelName']}")
        return model

    def get_models(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._items(ctx, params["restApiId"], "model")

    def update_model(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self.get_model(ctx, params)
        return self._patch(ctx, params, "model", params["modelName"], frozenset({"description", "schema"}))

    def delete_model(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self.get_model(ctx, params)
        return self._remove(ctx, params["restApiId"], "model", params["modelName"])

    # -- gateway responses -----------------------------------------------------------------------

    @staticmethod
    def _response_type(params: dict[str, Any]) -> str:
        if params["responseType"] not in TYPES:
            raise BadRequestException(f"Invalid response type {params['responseType']}")
        return params["responseType"]

    def put_gateway_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        kind = self._response_type(params)
        doc = {
            "responseType": kind,
            "responseParameters": params.get("responseParameters") or {},
            "responseTemplates": params.get("responseTemplates") or {},
            "defaultResponse": False,
        }
        if params.get("statusCode"):
            doc["statusCode"] = params["statusCode"]
        return self._create(ctx, params["restApiId"], "gatewayresponse", doc, key="responseType")

    def get_gateway_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        kind = self._response_type(params)
        with self.env.store.read() as conn:
            require_api(conn, params["restApiId"], ctx.account_id, ctx.region)
            return DOCS.get(conn, params["restApiId"], "gatewayresponse", kind) or default_response(kind)

    def get_gateway_responses(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        custom = {
            g["responseType"]: g for g in self._items(ctx, params["restApiId"], "gatewayresponse")["items"]
        }
        return {"items": [custom.get(kind) or default_response(kind) for kind in TYPES]}

    def update_gateway_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        current = self.get_gateway_response(ctx, params)
        if current.get("defaultResponse"):
            self.put_gateway_response(ctx, {**params, **current})
        doc = self._patch(
            ctx,
            params,
            "gatewayresponse",
            params["responseType"],
            frozenset({"statusCode", "responseParameters", "responseTemplates"}),
        )
        return doc

    def delete_gateway_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        kind = self._response_type(params)
        return self._remove(ctx, params["restApiId"], "gatewayresponse", kind)
