"""What is inside a REST API: its resource tree (each resource holding its methods), the other
per-API documents, and deployments, which snapshot the API for a stage to serve."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from typing import Any

from cloudlet.services.apigateway.errors import BadRequestException, ConflictException, NotFoundException
from cloudlet.services.apigateway.store import DOCS
from cloudlet.services.gateway.ids import new_id

DATE_KEYS = ("createdDate", "lastUpdatedDate")
# kind -> the noun of AWS's "Invalid ... identifier specified" messages
NOUNS = {
    "resource": "Resource",
    "stage": "Stage",
    "deployment": "Deployment",
    "authorizer": "Authorizer",
    "validator": "Request Validator",
    "model": "Model",
}
_PATH_PART = re.compile(r"^(?:[A-Za-z0-9._:-]+|\{[A-Za-z0-9._-]+\+?\})$")


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document as an operation returns it: no private keys, dates as datetimes."""
    out = {k: v for k, v in doc.items() if not k.startswith("_")}
    for key in DATE_KEYS:
        if isinstance(out.get(key), (int, float)):
            out[key] = datetime.fromtimestamp(out[key], UTC)
    return out


def require_api(conn: sqlite3.Connection, api_id: str, account: str, region: str) -> dict[str, Any]:
    api = DOCS.api(conn, api_id, account, region)
    if api is None:
        raise NotFoundException(f"Invalid API identifier specified {account}:{api_id}")
    return api


def require(conn: sqlite3.Connection, api_id: str, kind: str, item_id: str) -> dict[str, Any]:
    doc = DOCS.get(conn, api_id, kind, item_id)
    if doc is None:
        raise NotFoundException(f"Invalid {NOUNS[kind]} identifier specified")
    return doc


def require_method(resource: dict[str, Any], http_method: str) -> dict[str, Any]:
    method = (resource.get("resourceMethods") or {}).get(http_method.upper())
    if method is None:
        raise NotFoundException("Invalid Method identifier specified")
    return method


def require_integration(method: dict[str, Any]) -> dict[str, Any]:
    integration = method.get("methodIntegration")
    if integration is None:
        raise NotFoundException("Invalid Integration identifier specified")
    return integration


def validate_path_part(path_part: str) -> None:
    if not _PATH_PART.match(path_part or ""):
        raise BadRequestException(
            "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an "
            "optional plus sign before the closing brace."
        )


def add_resource(
    conn: sqlite3.Connection, api_id: str, parent: dict[str, Any], path_part: str
) -> dict[str, Any]:
    validate_path_part(path_part)
    siblings = [r for r in DOCS.list(conn, api_id, "resource") if r.get("parentId") == parent["id"]]
    for sibling in siblings:
        if sibling["pathPart"] == path_part:
            raise ConflictException(
                f"Another resource with the same parent already has this name: {path_part}"
            )
        if sibling["pathPart"].startswith("{") and path_part.startswith("{"):
            raise BadRequestException(
                f"A sibling ({sibling['pathPart']}) of this resource already has a variable "
                "path part -- only one is allowed"
            )
    if parent["pathPart" if "pathPart" in parent else "path"].endswith("+}"):
        raise BadRequestException("Cannot create a child of a resource with a greedy path variable")
    base = parent["path"].rstrip("/")
    resource = {
        "id": new_id(6),
        "parentId": parent["id"],
        "pathPart": path_part,
        "path": f"{base}/{path_part}",
    }
    DOCS.put(conn, api_id, "resource", resource["id"], resource)
    return resource


def delete_resource(conn: sqlite3.Connection, api_id: str, resource_id: str) -> None:
    children = [r["id"] for r in DOCS.list(conn, api_id, "resource") if r.get("parentId") == resource_id]
    for child in children:
        delete_resource(conn, api_id, child)
    DOCS.delete(conn, api_id, "resource", resource_id)


def rename_paths(conn: sqlite3.Connection, api_id: str, resource: dict[str, Any]) -> None:
    """After a pathPart or parent change: every descendant's path follows."""
    for child in DOCS.list(conn, api_id, "resource"):
        if child.get("parentId") == resource["id"]:
            child["path"] = f"{resource['path'].rstrip('/')}/{child['pathPart']}"
            DOCS.put(conn, api_id, "resource", child["id"], child)
            rename_paths(conn, api_id, child)


def snapshot(conn: sqlite3.Connection, api_id: str) -> dict[str, Any]:
    return {
        "api": DOCS.api(conn, api_id) or {},
        "resources": DOCS.list(conn, api_id, "resource"),
        "authorizers": {a["id"]: a for a in DOCS.list(conn, api_id, "authorizer")},
        "validators": {v["id"]: v for v in DOCS.list(conn, api_id, "validator")},
        "models": {m["name"]: m for m in DOCS.list(conn, api_id, "model")},
        "gatewayResponses": {g["responseType"]: g for g in DOCS.list(conn, api_id, "gatewayresponse")},
    }


def api_summary(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        r["path"]: {
            m: {
                "authorizationType": d.get("authorizationType", "NONE"),
                "apiKeyRequired": d.get("apiKeyRequired", False),
            }
            for m, d in (r.get("resourceMethods") or {}).items()
        }
        for r in resources
        if r.get("resourceMethods")
    }


def deploy(conn: sqlite3.Connection, api_id: str, now: float, description: str | None) -> dict[str, Any]:
    snap = snapshot(conn, api_id)
    if not any(r.get("resourceMethods") for r in snap["resources"]):
        raise BadRequestException("The REST API doesn't contain any methods")
    deployment: dict[str, Any] = {
        "id": new_id(6),
        "createdDate": now,
        "apiSummary": api_summary(snap["resources"]),
        "_snapshot": snap,
    }
    if description is not None:
        deployment["description"] = description
    DOCS.put(conn, api_id, "deployment", deployment["id"], deployment)
    return deployment


def clone(conn: sqlite3.Connection, source_id: str, api: dict[str, Any]) -> None:
    """CreateRestApi's cloneFrom: the source's resources, methods, models, authorizers, validators
    and gateway responses, under new ids (the new API's root keeps its own)."""
    ids: dict[str, str] = {}
    for kind in ("authorizer", "validator"):
        for doc in DOCS.list(conn, source_id, kind):
            ids[doc["id"]] = new_id(6)
            DOCS.put(conn, api["id"], kind, ids[doc["id"]], {**doc, "id": ids[doc["id"]]})
    for kind, key in (("model", "name"), ("gatewayresponse", "responseType")):
        for doc in DOCS.list(conn, source_id, kind):
            DOCS.put(conn, api["id"], kind, doc[key], doc)
    resources = DOCS.list(conn, source_id, "resource")
    for resource in resources:
        ids[resource["id"]] = api["rootResourceId"] if resource["path"] == "/" else new_id(6)
    for resource in resources:
        copy = {**resource, "id": ids[resource["id"]]}
        if "parentId" in copy:
            copy["parentId"] = ids[copy["parentId"]]
        for method in (copy.get("resourceMethods") or {}).values():
            for key in ("authorizerId", "requestValidatorId"):
                if method.get(key) in ids:
                    method[key] = ids[method[key]]
            if method.get("methodIntegration", {}).get("cacheNamespace") == resource["id"]:
                method["methodIntegration"]["cacheNamespace"] = copy["id"]
        DOCS.put(conn, api["id"], "resource", copy["id"], copy)
