"""What is inside an HTTP API: generic create/get/list/update/delete of its documents, and
deployment, which snapshots the API so a stage serves a fixed version of it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from cloudlet.services.apigatewayv2.errors import NotFoundException
from cloudlet.services.apigatewayv2.store import DOCS
from cloudlet.services.gateway.ids import new_id

# kind -> (id member, the noun AWS's NotFound messages use)
KINDS: dict[str, tuple[str, str]] = {
    "route": ("RouteId", "Route"),
    "integration": ("IntegrationId", "Integration"),
    "authorizer": ("AuthorizerId", "Authorizer"),
    "stage": ("StageName", "Stage"),
    "deployment": ("DeploymentId", "Deployment"),
    # WebSocket APIs: what a route answers, and how an integration's answer is mapped to it.
    "routeresponse": ("RouteResponseId", "RouteResponse"),
    "integrationresponse": ("IntegrationResponseId", "IntegrationResponse"),
}
# Changes to these make auto-deploy stages deploy again.
DEPLOYED_KINDS = ("route", "integration", "authorizer", "routeresponse", "integrationresponse")
DATE_KEYS = ("CreatedDate", "LastUpdatedDate")


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document as an operation returns it: no private keys, dates as datetimes."""
    out = {k: v for k, v in doc.items() if not k.startswith("_")}
    for key in DATE_KEYS:
        if key in out:
            out[key] = datetime.fromtimestamp(out[key], UTC)
    return out


def endpoint(port: int, api_id: str, protocol: str = "HTTP") -> str:
    """The invoke URL's base: cloudlet's port, with the API's id as a host name under localhost
    (ws:// for WebSocket APIs, where AWS says wss://)."""
    scheme = "ws" if protocol == "WEBSOCKET" else "http"
    return f"{scheme}://{api_id}.execute-api.localhost:{port}"


def new_api(api_id: str, endpoint: str, now: float, fields: dict[str, Any]) -> dict[str, Any]:
    """An API's document with AWS's defaults, under the given fields."""
    websocket = fields.get("ProtocolType") == "WEBSOCKET"
    return {
        "ApiId": api_id,
        "ApiEndpoint": endpoint,
        "ApiKeySelectionExpression": "$request.header.x-api-key",
        "CreatedDate": now,
        "DisableExecuteApiEndpoint": False,
        "IpAddressType": "ipv4",
        "ProtocolType": "HTTP",
        **({} if websocket else {"RouteSelectionExpression": "$request.method $request.path"}),
        "Tags": {},
        **fields,
    }


def require_api(conn: sqlite3.Connection, api_id: str, account: str, region: str) -> dict[str, Any]:
    api = DOCS.api(conn, api_id, account, region)
    if api is None:
        raise NotFoundException(f"Invalid API identifier specified {account}:{api_id}")
    return api


def require(conn: sqlite3.Connection, api_id: str, kind: str, item_id: str) -> dict[str, Any]:
    doc = DOCS.get(conn, api_id, kind, item_id)
    if doc is None:
        raise NotFoundException(f"Invalid {KINDS[kind][1]} identifier specified {item_id}")
    return doc


def create(
    conn: sqlite3.Connection, api_id: str, kind: str, doc: dict[str, Any], now: float
) -> dict[str, Any]:
    id_key = KINDS[kind][0]
    doc.setdefault(id_key, new_id(7 if kind != "deployment" else 6))
    if kind in ("stage", "deployment"):
        doc.setdefault("CreatedDate", now)
    if kind == "stage":
        doc.setdefault("LastUpdatedDate", now)
    DOCS.put(conn, api_id, kind, doc[id_key], doc)
    changed(conn, api_id, kind, now)
    return doc


def update(
    conn: sqlite3.Connection,
    api_id: str,
    kind: str,
    item_id: str,
    changes: dict[str, Any],
    now: float,
    *,
    replace: bool = False,
) -> dict[str, Any]:
    """`changes` merged into the stored document, or with `replace`, the whole new document."""
    doc = require(conn, api_id, kind, item_id)
    if replace:
        doc = dict(changes)
    else:
        doc.update(changes)
    if kind == "stage":
        doc["LastUpdatedDate"] = now
    DOCS.put(conn, api_id, kind, item_id, doc)
    changed(conn, api_id, kind, now)
    return doc


def delete(conn: sqlite3.Connection, api_id: str, kind: str, item_id: str, now: float) -> None:
    if not DOCS.delete(conn, api_id, kind, item_id):
        raise NotFoundException(f"Invalid {KINDS[kind][1]} identifier specified {item_id}")
    changed(conn, api_id, kind, now)


def changed(conn: sqlite3.Connection, api_id: str, kind: str, now: float) -> None:
    """After a change to what is deployed: every auto-deploy stage gets a new deployment."""
    if kind not in (*DEPLOYED_KINDS, "api"):
        return
    for stage in DOCS.list(conn, api_id, "stage"):
        if stage.get("AutoDeploy"):
            deploy(conn, api_id, stage, now, auto=True)


def deploy(
    conn: sqlite3.Connection,
    api_id: str,
    stage: dict[str, Any] | None,
    now: float,
    *,
    auto: bool = False,
    description: str | None = None,
) -> dict[str, Any]:
    deployment: dict[str, Any] = {
        "DeploymentId": new_id(6),
        "DeploymentStatus": "DEPLOYED",
        "CreatedDate": now,
        "AutoDeployed": auto,
        "_snapshot": snapshot(conn, api_id),
    }
    if description is not None:
        deployment["Description"] = description
    DOCS.put(conn, api_id, "deployment", deployment["DeploymentId"], deployment)
    if stage is not None:
        stage["DeploymentId"] = deployment["DeploymentId"]
        stage["LastUpdatedDate"] = now
        if auto:
            stage["LastDeploymentStatusMessage"] = (
                f"Successfully deployed stage with deployment ID '{deployment['DeploymentId']}'"
            )
        DOCS.put(conn, api_id, "stage", stage["StageName"], stage)
    return deployment


def snapshot(conn: sqlite3.Connection, api_id: str) -> dict[str, Any]:
    api = DOCS.api(conn, api_id) or {}
    routes = DOCS.list(conn, api_id, "route")
    return {
        "api": api,
        "routes": routes,
        "integrations": {i["IntegrationId"]: i for i in DOCS.list(conn, api_id, "integration")},
        "authorizers": {a["AuthorizerId"]: a for a in DOCS.list(conn, api_id, "authorizer")},
        "routeresponses": DOCS.list(conn, api_id, "routeresponse"),
        "integrationresponses": DOCS.list(conn, api_id, "integrationresponse"),
    }
