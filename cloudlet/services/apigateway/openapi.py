"""REST APIs as OpenAPI documents: GetExport (Swagger 2.0 and OpenAPI 3.0) and what
ImportRestApi / PutRestApi read back, with the x-amazon-apigateway-* extensions."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

import yaml

from cloudlet.services.apigateway.errors import BadRequestException
from cloudlet.services.apigateway.resources import add_resource
from cloudlet.services.apigateway.store import DOCS
from cloudlet.services.gateway.ids import new_id

ANY = "x-amazon-apigateway-any-method"
INTEGRATION = "x-amazon-apigateway-integration"
VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
_LOCATIONS = {"path": "path", "querystring": "query", "header": "header"}


# -- export --------------------------------------------------------------------------------------


def export(
    api: dict[str, Any],
    resources: list[dict[str, Any]],
    authorizers: dict[str, Any],
    models: dict[str, Any],
    stage: str,
    host: str,
    kind: str,
    extensions: bool,
) -> dict[str, Any]:
    oas3 = kind == "oas30"
    paths: dict[str, Any] = {}
    for resource in sorted(resources, key=lambda r: r["path"]):
        for verb, method in sorted((resource.get("resourceMethods") or {}).items()):
            operation = _operation(method, authorizers, oas3, extensions)
            paths.setdefault(resource["path"], {})[ANY if verb == "ANY" else verb.lower()] = operation
    info = {
        "version": datetime.fromtimestamp(api["createdDate"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "title": api["name"],
    }
    if api.get("description"):
        info["description"] = api["description"]
    schemas = {name: json.loads(m["schema"]) for name, m in models.items() if m.get("schema")}
    security = _security_schemes(resources, authorizers, extensions)
    if oas3:
        doc: dict[str, Any] = {
            "openapi": "3.0.1",
            "info": info,
            "servers": [
                {"url": f"http://{host}/{{basePath}}", "variables": {"basePath": {"default": stage}}}
            ],
            "paths": paths,
            "components": {},
        }
        if schemas:
            doc["components"]["schemas"] = schemas
        if security:
            doc["components"]["securitySchemes"] = security
    else:
        doc = {
            "swagger": "2.0",
            "info": info,
            "host": host,
            "basePath": f"/{stage}",
            "schemes": ["http"],
            "paths": paths,
        }
        if security:
            doc["securityDefinitions"] = security
        if schemas:
            doc["definitions"] = schemas
    if extensions and api.get("binaryMediaTypes"):
        doc["x-amazon-apigateway-binary-media-types"] = api["binaryMediaTypes"]
    return doc


def _operation(
    method: dict[str, Any], authorizers: dict[str, Any], oas3: bool, extensions: bool
) -> dict[str, Any]:
    operation: dict[str, Any] = {}
    if method.get("operationName"):
        operation["operationId"] = method["operationName"]
    parameters = []
    for name, required in sorted((method.get("requestParameters") or {}).items()):
        where, _, param = name.removeprefix("method.request.").partition(".")
        if where in _LOCATIONS:
            entry: dict[str, Any] = {"name": param, "in": _LOCATIONS[where], "required": bool(required)}
            entry.update({"schema": {"type": "string"}} if oas3 else {"type": "string"})
            parameters.append(entry)
    if parameters:
        operation["parameters"] = parameters
    responses = {}
    for code, response in sorted((method.get("methodResponses") or {}).items()):
        entry = {"description": f"{code} response"}
        headers = {
            h.removeprefix("method.response.header."): {"schema": {"type": "string"}}
            if oas3
            else {"type": "string"}
            for h in (response.get("responseParameters") or {})
        }
        if headers:
            entry["headers"] = headers
        responses[code] = entry
    operation["responses"] = responses
    security = []
    if method.get("apiKeyRequired"):
        security.append({"api_key": []})
    authorizer = authorizers.get(method.get("authorizerId") or "")
    if authorizer is not None:
        security.append({authorizer["name"]: []})
    if security:
        operation["security"] = security
    integration = method.get("methodIntegration")
    if extensions and integration is not None:
        operation[INTEGRATION] = _integration_extension(integration)
    return operation


def _integration_extension(integration: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": integration["type"].lower()}
    for key in (
        "httpMethod",
        "uri",
        "requestParameters",
        "requestTemplates",
        "cacheNamespace",
        "cacheKeyParameters",
        "contentHandling",
        "timeoutInMillis",
        "connectionType",
    ):
        if integration.get(key) not in (None, [], {}):
            out[key] = integration[key]
    out["passthroughBehavior"] = (integration.get("passthroughBehavior") or "WHEN_NO_MATCH").lower()
    responses = {}
    for code, response in (integration.get("integrationResponses") or {}).items():
        entry = {
            "statusCode": code,
            **{
                k: response[k]
                for k in ("responseParameters", "responseTemplates", "contentHandling")
                if response.get(k)
            },
        }
        responses[response.get("selectionPattern") or "default"] = entry
    if responses:
        out["responses"] = responses
    return out


def _security_schemes(
    resources: list[dict[str, Any]], authorizers: dict[str, Any], extensions: bool
) -> dict[str, Any]:
    methods = [m for r in resources for m in (r.get("resourceMethods") or {}).values()]
    schemes: dict[str, Any] = {}
    if any(m.get("apiKeyRequired") for m in methods):
        schemes["api_key"] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
    used = {m.get("authorizerId") for m in methods}
    for authorizer in authorizers.values():
        if authorizer["id"] not in used:
            continue
        header = (authorizer.get("identitySource") or "method.request.header.Authorization").split(",")[0]
        scheme: dict[str, Any] = {"type": "apiKey", "name": header.rsplit(".", 1)[-1].strip(), "in": "header"}
        if extensions:
            scheme["x-amazon-apigateway-authtype"] = (
                "cognito_user_pools" if authorizer["type"] == "COGNITO_USER_POOLS" else "custom"
            )
            details = {"type": authorizer["type"].lower()}
            for key in (
                "authorizerUri",
                "authorizerResultTtlInSeconds",
                "identityValidationExpression",
                "identitySource",
                "providerARNs",
            ):
                if authorizer.get(key) is not None:
                    details[key] = authorizer[key]
            scheme["x-amazon-apigateway-authorizer"] = details
        schemes[authorizer["name"]] = scheme
    return schemes


# -- import --------------------------------------------------------------------------------------


def load(body: bytes) -> dict[str, Any]:
    """The definition in a request body (JSON or YAML), or BadRequestException."""
    try:
        doc = yaml.safe_load(body.decode("utf-8")) if body else None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise BadRequestException("Invalid OpenAPI input: the definition is neither JSON nor YAML") from exc
    if not isinstance(doc, dict) or not ("swagger" in doc or "openapi" in doc):
        raise BadRequestException("Invalid OpenAPI input: a 'swagger' or 'openapi' version field is required")
    if not isinstance(doc.get("paths", {}), dict) or not isinstance(doc.get("info", {}), dict):
        raise BadRequestException("Invalid OpenAPI input: 'paths' and 'info' must be objects")
    return doc


def api_fields(doc: dict[str, Any]) -> dict[str, Any]:
    info = doc.get("info") or {}
    fields: dict[str, Any] = {"name": str(info.get("title") or "")}
    if not fields["name"]:
        raise BadRequestException("Invalid OpenAPI input: info.title (the API's name) is required")
    if info.get("description"):
        fields["description"] = info["description"]
    if info.get("version"):
        fields["version"] = str(info["version"])
    if doc.get("x-amazon-apigateway-binary-media-types"):
        fields["binaryMediaTypes"] = list(doc["x-amazon-apigateway-binary-media-types"])
    if doc.get("x-amazon-apigateway-api-key-source"):
        fields["apiKeySource"] = doc["x-amazon-apigateway-api-key-source"]
    return fields


def apply(conn: sqlite3.Connection, api_id: str, root_id: str, doc: dict[str, Any]) -> list[str]:
    """Adds the definition's models, authorizers, resources and methods; returns warnings."""
    warnings: list[str] = []
    schemas = (doc.get("components") or {}).get("schemas") if "openapi" in doc else doc.get("definitions")
    for name, schema in (schemas or {}).items():
        DOCS.put(
            conn,
            api_id,
            "model",
            name,
            {"id": new_id(6), "name": name, "contentType": "application/json", "schema": json.dumps(schema)},
        )
    schemes = (
        (doc.get("components") or {}).get("securitySchemes")
        if "openapi" in doc
        else doc.get("securityDefinitions")
    )
    authorizers = _import_authorizers(conn, api_id, schemes or {})
    by_path = {r["path"]: r for r in DOCS.list(conn, api_id, "resource")}
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(path, str) or not path.startswith("/") or not isinstance(item, dict):
            raise BadRequestException(f"Invalid OpenAPI input: invalid path {path!r}")
        resource = _ensure_path(conn, api_id, by_path, root_id, path)
        for key, operation in item.items():
            verb = "ANY" if key == ANY else key.upper() if key in VERBS else None
            if verb is None:
                if key != "parameters":
                    warnings.append(f"Unsupported method '{key}' on path {path}")
                continue
            if not isinstance(operation, dict):
                raise BadRequestException(f"Invalid OpenAPI input: {key} {path} is not an object")
            resource.setdefault("resourceMethods", {})[verb] = _method(
                verb, resource, operation, authorizers, item.get("parameters") or []
            )
        DOCS.put(conn, api_id, "resource", resource["id"], resource)
    return warnings


def _ensure_path(
    conn: sqlite3.Connection, api_id: str, by_path: dict[str, Any], root_id: str, path: str
) -> dict[str, Any]:
    current = ""
    parent = by_path.get("/") or DOCS.get(conn, api_id, "resource", root_id)
    assert parent is not None
    for part in [p for p in path.split("/") if p]:
        current += "/" + part
        if current not in by_path:
            by_path[current] = add_resource(conn, api_id, parent, part)
        parent = by_path[current]
    return parent


def _import_authorizers(conn: sqlite3.Connection, api_id: str, schemes: dict[str, Any]) -> dict[str, str]:
    ids = {}
    for name, scheme in schemes.items():
        details = (scheme or {}).get("x-amazon-apigateway-authorizer")
        if not details:
            continue
        authorizer = {"id": new_id(6), "name": name, "type": str(details.get("type", "token")).upper()}
        for key in (
            "authorizerUri",
            "authorizerResultTtlInSeconds",
            "identityValidationExpression",
            "identitySource",
            "providerARNs",
            "authorizerCredentials",
        ):
            if details.get(key) is not None:
                authorizer[key] = details[key]
        if authorizer["type"] == "TOKEN":
            authorizer.setdefault(
                "identitySource", f"method.request.header.{scheme.get('name', 'Authorization')}"
            )
        authorizer.setdefault("authorizerResultTtlInSeconds", 300)
        DOCS.put(conn, api_id, "authorizer", authorizer["id"], authorizer)
        ids[name] = authorizer["id"]
    return ids


def _method(
    verb: str,
    resource: dict[str, Any],
    operation: dict[str, Any],
    authorizers: dict[str, str],
    shared: list[Any],
) -> dict[str, Any]:
    method: dict[str, Any] = {"httpMethod": verb, "authorizationType": "NONE", "apiKeyRequired": False}
    if operation.get("operationId"):
        method["operationName"] = operation["operationId"]
    places = {v: k for k, v in _LOCATIONS.items()}
    parameters = {}
    for parameter in [*shared, *(operation.get("parameters") or [])]:
        if isinstance(parameter, dict) and parameter.get("in") in places and parameter.get("name"):
            required = bool(parameter.get("required")) or parameter["in"] == "path"
            parameters[f"method.request.{places[parameter['in']]}.{parameter['name']}"] = required
    if parameters:
        method["requestParameters"] = parameters
    for requirement in operation.get("security") or []:
        for name in requirement:
            if name == "api_key":
                method["apiKeyRequired"] = True
            elif name in authorizers:
                method.update(authorizationType="CUSTOM", authorizerId=authorizers[name])
    responses = {}
    for code in operation.get("responses") or {}:
        if str(code).isdigit():
            response = operation["responses"][code] or {}
            entry: dict[str, Any] = {"statusCode": str(code)}
            if response.get("headers"):
                entry["responseParameters"] = {
                    f"method.response.header.{h}": False for h in response["headers"]
                }
            responses[str(code)] = entry
    if responses:
        method["methodResponses"] = responses
    extension = operation.get(INTEGRATION)
    if isinstance(extension, dict):
        method["methodIntegration"] = _integration(extension, resource["id"])
    return method


def _integration(extension: dict[str, Any], resource_id: str) -> dict[str, Any]:
    kind = str(extension.get("type", "")).upper()
    if kind not in ("HTTP", "AWS", "MOCK", "HTTP_PROXY", "AWS_PROXY"):
        raise BadRequestException(
            f"Invalid OpenAPI input: unsupported integration type {extension.get('type')}"
        )
    integration: dict[str, Any] = {
        "type": kind,
        "passthroughBehavior": str(extension.get("passthroughBehavior", "when_no_match")).upper(),
        "timeoutInMillis": int(extension.get("timeoutInMillis", 29000)),
        "cacheNamespace": extension.get("cacheNamespace", resource_id),
        "cacheKeyParameters": list(extension.get("cacheKeyParameters") or []),
    }
    for key in (
        "httpMethod",
        "uri",
        "requestParameters",
        "requestTemplates",
        "contentHandling",
        "connectionType",
    ):
        if extension.get(key) is not None:
            integration[key] = extension[key]
    if kind != "MOCK" and not integration.get("uri"):
        raise BadRequestException(f"Invalid OpenAPI input: a {kind.lower()} integration needs a uri")
    responses = {}
    for pattern, response in (extension.get("responses") or {}).items():
        code = str((response or {}).get("statusCode", "200"))
        entry = {
            "statusCode": code,
            **{
                k: response[k]
                for k in ("responseParameters", "responseTemplates", "contentHandling")
                if response.get(k)
            },
        }
        if pattern != "default":
            entry["selectionPattern"] = pattern
        responses[code] = entry
    if responses:
        integration["integrationResponses"] = responses
    return integration
