"""Route responses and integration responses: WebSocket APIs only, each under its route or
integration. A route with a route response sends the integration's answer back to the client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.apigatewayv2 import resources
from cloudlet.services.apigatewayv2.errors import BadRequestException, ConflictException, NotFoundException
from cloudlet.services.apigatewayv2.paging import page
from cloudlet.services.apigatewayv2.resources import public, require, require_api
from cloudlet.services.apigatewayv2.store import DOCS

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

RESPONSE_FIELDS: dict[str, tuple[str, ...]] = {
    "routeresponse": ("ModelSelectionExpression", "ResponseModels", "ResponseParameters", "RouteResponseKey"),
    "integrationresponse": (
        "ContentHandlingStrategy",
        "IntegrationResponseKey",
        "ResponseParameters",
        "ResponseTemplates",
        "TemplateSelectionExpression",
    ),
}
# kind -> (the parent's kind, the parent's id member, the response's key member, its fields)
_SHAPES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "routeresponse": ("route", "RouteId", "RouteResponseKey", RESPONSE_FIELDS["routeresponse"]),
    "integrationresponse": (
        "integration", "IntegrationId", "IntegrationResponseKey", RESPONSE_FIELDS["integrationresponse"]
    ),
}


def of_parent(docs: list[dict[str, Any]], parent_id: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc.get("_parent") == parent_id]


class ResponseOperations:
    env: Environment

    def _responses_parent(self, conn: Any, ctx: RequestContext, params: dict[str, Any], kind: str) -> str:
        parent_kind, parent_member, _, _ = _SHAPES[kind]
        api = require_api(conn, params["ApiId"], ctx.account_id, ctx.region)
        if api["ProtocolType"] != "WEBSOCKET":
            noun = resources.KINDS[kind][1]
            raise BadRequestException(f"{noun}s are supported only for WebSocket APIs")
        require(conn, params["ApiId"], parent_kind, params[parent_member])
        return params[parent_member]

    def _create_response(self, ctx: RequestContext, params: dict[str, Any], kind: str) -> dict[str, Any]:
        _, _, key_member, fields = _SHAPES[kind]
        with self.env.store.db() as conn:
            parent = self._responses_parent(conn, ctx, params, kind)
            siblings = of_parent(DOCS.list(conn, params["ApiId"], kind), parent)
            if any(doc[key_member] == params[key_member] for doc in siblings):
                raise ConflictException(f"A {key_member} {params[key_member]} already exists")
            doc = {"_parent": parent, **{k: params[k] for k in fields if k in params}}
            return public(resources.create(conn, params["ApiId"], kind, doc, self.env.clock.now()))

    def _response(self, conn: Any, params: dict[str, Any], kind: str, parent: str) -> dict[str, Any]:
        id_member = resources.KINDS[kind][0]
        doc = require(conn, params["ApiId"], kind, params[id_member])
        if doc.get("_parent") != parent:
            raise NotFoundException(f"Invalid {resources.KINDS[kind][1]} identifier specified {params[id_member]}")
        return doc

    def _get_response(self, ctx: RequestContext, params: dict[str, Any], kind: str) -> dict[str, Any]:
        with self.env.store.read() as conn:
            parent = self._responses_parent(conn, ctx, params, kind)
            return public(self._response(conn, params, kind, parent))

    def _list_responses(self, ctx: RequestContext, params: dict[str, Any], kind: str) -> dict[str, Any]:
        with self.env.store.read() as conn:
            parent = self._responses_parent(conn, ctx, params, kind)
            return page([public(d) for d in of_parent(DOCS.list(conn, params["ApiId"], kind), parent)], params)

    def _update_response(self, ctx: RequestContext, params: dict[str, Any], kind: str) -> dict[str, Any]:
        fields = _SHAPES[kind][3]
        with self.env.store.db() as conn:
            parent = self._responses_parent(conn, ctx, params, kind)
            doc = self._response(conn, params, kind, parent)
            changes = {k: params[k] for k in fields if k in params}
            item_id = doc[resources.KINDS[kind][0]]
            return public(resources.update(conn, params["ApiId"], kind, item_id, changes, self.env.clock.now()))

    def _delete_response(self, ctx: RequestContext, params: dict[str, Any], kind: str) -> dict[str, Any]:
        with self.env.store.db() as conn:
            parent = self._responses_parent(conn, ctx, params, kind)
            doc = self._response(conn, params, kind, parent)
            resources.delete(conn, params["ApiId"], kind, doc[resources.KINDS[kind][0]], self.env.clock.now())
        return {}

    def create_route_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._create_response(ctx, params, "routeresponse")

    def get_route_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._get_response(ctx, params, "routeresponse")

    def get_route_responses(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._list_responses(ctx, params, "routeresponse")

    def update_route_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._update_response(ctx, params, "routeresponse")

    def delete_route_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._delete_response(ctx, params, "routeresponse")

    def create_integration_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._create_response(ctx, params, "integrationresponse")

    def get_integration_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._get_response(ctx, params, "integrationresponse")

    def get_integration_responses(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._list_responses(ctx, params, "integrationresponse")

    def update_integration_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._update_response(ctx, params, "integrationresponse")

    def delete_integration_response(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._delete_response(ctx, params, "integrationresponse")
