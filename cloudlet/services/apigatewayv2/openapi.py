"""OpenAPI 3 definitions of HTTP APIs, with API Gateway's `x-amazon-apigateway-*` extensions:
reading one into what ImportApi / ReimportApi create, and writing an API out for ExportApi."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cloudlet.services.apigatewayv2.errors import BadRequestException
from cloudlet.services.apigatewayv2.routing import DEFAULT, valid_route_key

ANY_METHOD = "x-amazon-apigateway-any-method"
INTEGRATION = "x-amazon-apigateway-integration"
AUTHORIZER = "x-amazon-apigateway-authorizer"
CORS = "x-amazon-apigateway-cors"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
# CorsConfiguration member <-> x-amazon-apigateway-cors key
_CORS_KEYS = {
    "AllowCredentials": "allowCredentials",
    "AllowHeaders": "allowHeaders",
    "AllowMethods": "allowMethods",
    "AllowOrigins": "allowOrigins",
    "ExposeHeaders": "exposeHeaders",
    "MaxAge": "maxAge",
}
_INTEGRATION_KEYS = {
    "IntegrationUri": "uri",
    "IntegrationMethod": "httpMethod",
    "ConnectionType": "connectionType",
    "ConnectionId": "connectionId",
    "PayloadFormatVersion": "payloadFormatVersion",
    "TimeoutInMillis": "timeoutInMillis",
    "CredentialsArn": "credentials",
    "RequestParameters": "requestParameters",
    "ResponseParameters": "responseParameters",
    "IntegrationSubtype": "integrationSubtype",
    "Description": "description",
}


@dataclass
class Plan:
    """What an OpenAPI definition asks for, before anything is stored."""

    api: dict[str, Any]
    authorizers: dict[str, dict[str, Any]] = field(default_factory=dict)  # scheme name -> authorizer
    routes: list[tuple[dict[str, Any], dict[str, Any] | None]] = field(
        default_factory=list
    )  # (route, integration)
    warnings: list[str] = field(default_factory=list)


def parse(body: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError:
        import yaml  # only YAML definitions pay for it

        try:
            document = yaml.safe_load(body)
        except yaml.YAMLError as exc:
            raise BadRequestException(
                f"Invalid OpenAPI input: the definition is neither JSON nor YAML ({exc})"
            ) from exc
    if not isinstance(document, dict):
        raise BadRequestException("Invalid OpenAPI input: the definition must be an object")
    return document


def plan(document: dict[str, Any]) -> Plan:
    version = str(document.get("openapi") or document.get("swagger") or "")
    if not (version.startswith("3.") or version == "2.0"):
        raise BadRequestException(
            "Invalid OpenAPI input: only OpenAPI 3.0 and Swagger 2.0 definitions can be imported"
        )
    info = document.get("info")
    if not isinstance(info, dict) or not info.get("title"):
        raise BadRequestException("Invalid OpenAPI input: info.title is required")
    api: dict[str, Any] = {"Name": str(info["title"])}
    if info.get("version") is not None:
        api["Version"] = str(info["version"])
    if info.get("description"):
        api["Description"] = str(info["description"])
    cors = document.get(CORS)
    if isinstance(cors, dict):
        api["CorsConfiguration"] = {member: cors[key] for member, key in _CORS_KEYS.items() if key in cors}
    result = Plan(api)
    schemes = _schemes(document)
    paths = document.get("paths")
    if not isinstance(paths, dict):
        raise BadRequestException("Invalid OpenAPI input: paths must be an object")
    default_security = document.get("security")
    for path, item in paths.items():
        if not isinstance(item, dict):
            raise BadRequestException(f"Invalid OpenAPI input: path {path} must be an object")
        for key, operation in item.items():
            method = "ANY" if key == ANY_METHOD else key.upper() if key in _METHODS else None
            if method is None or not isinstance(operation, dict):
                continue
            route_key = DEFAULT if path == f"/{DEFAULT}" else f"{method} {path}"
            if not valid_route_key(route_key):
                raise BadRequestException(f"Invalid OpenAPI input: {route_key} is not a valid route key")
            route = _route(route_key, operation, operation.get("security", default_security), schemes, result)
            result.routes.append((route, _integration(route_key, operation, result)))
    return result


def _schemes(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    components = document.get("components") or {}
    schemes = (
        (components.get("securitySchemes") if isinstance(components, dict) else None)
        or document.get("securityDefinitions")
        or {}
    )
    return schemes if isinstance(schemes, dict) else {}


def _route(
    route_key: str, operation: dict[str, Any], security: Any, schemes: dict[str, dict[str, Any]], result: Plan
) -> dict[str, Any]:
    route: dict[str, Any] = {"RouteKey": route_key, "AuthorizationType": "NONE", "ApiKeyRequired": False}
    if operation.get("operationId"):
        route["OperationName"] = str(operation["operationId"])
    for requirement in security or []:
        for name, scopes in (requirement or {}).items():
            scheme = schemes.get(name)
            if scheme is None and name == "NONE":
                continue  # SAM's built-in "no authorizer" (Auth: {Authorizer: NONE}) overriding a default
            if not isinstance(scheme, dict):
                raise BadRequestException(f"Invalid OpenAPI input: security scheme {name} is not defined")
            if scheme.get("x-amazon-apigateway-authtype") == "awsSigv4":
                route["AuthorizationType"] = "AWS_IAM"
                continue
            authorizer = _authorizer(name, scheme)
            result.authorizers.setdefault(name, authorizer)
            route["AuthorizationType"] = "JWT" if authorizer["AuthorizerType"] == "JWT" else "CUSTOM"
            route["_authorizer"] = name
            if scopes:
                route["AuthorizationScopes"] = list(scopes)
    return route


def _authorizer(name: str, scheme: dict[str, Any]) -> dict[str, Any]:
    spec = scheme.get(AUTHORIZER)
    if not isinstance(spec, dict):
        raise BadRequestException(f"Invalid OpenAPI input: security scheme {name} has no {AUTHORIZER}")
    kind = str(spec.get("type", "")).lower()
    sources = spec.get("identitySource")
    if isinstance(sources, str):
        sources = [s.strip() for s in sources.split(",") if s.strip()]
    authorizer: dict[str, Any] = {"Name": name}
    if sources:
        authorizer["IdentitySource"] = sources
    if kind == "jwt":
        jwt = spec.get("jwtConfiguration") or {}
        authorizer.update(
            AuthorizerType="JWT",
            JwtConfiguration={"Issuer": jwt.get("issuer"), "Audience": list(jwt.get("audience") or [])},
        )
        authorizer.setdefault("IdentitySource", ["$request.header.Authorization"])
    elif kind == "request":
        authorizer.update(
            AuthorizerType="REQUEST",
            AuthorizerUri=spec.get("authorizerUri"),
            AuthorizerPayloadFormatVersion=str(spec.get("authorizerPayloadFormatVersion") or "2.0"),
            AuthorizerResultTtlInSeconds=int(spec.get("authorizerResultTtlInSeconds") or 0),
            EnableSimpleResponses=bool(spec.get("enableSimpleResponses", False)),
        )
        if spec.get("authorizerCredentials"):
            authorizer["AuthorizerCredentialsArn"] = spec["authorizerCredentials"]
    else:
        raise BadRequestException(
            f"Invalid OpenAPI input: authorizer type {spec.get('type')} of {name} is not supported"
        )
    return authorizer


def _integration(route_key: str, operation: dict[str, Any], result: Plan) -> dict[str, Any] | None:
    spec = operation.get(INTEGRATION)
    if not isinstance(spec, dict):
        result.warnings.append(
            f"Route {route_key} has no {INTEGRATION}; it was imported without an integration"
        )
        return None
    kind = str(spec.get("type", "")).upper()
    if kind not in ("AWS_PROXY", "HTTP_PROXY"):
        raise BadRequestException(
            f"Invalid OpenAPI input: integration type {spec.get('type')} of {route_key} "
            "is not supported by HTTP APIs"
        )
    integration: dict[str, Any] = {"IntegrationType": kind}
    for member, key in _INTEGRATION_KEYS.items():
        if key in spec:
            integration[member] = spec[key]
    if not integration.get("IntegrationUri"):
        raise BadRequestException(f"Invalid OpenAPI input: the integration of {route_key} has no uri")
    if "TimeoutInMillis" in integration:
        integration["TimeoutInMillis"] = int(integration["TimeoutInMillis"])
    if "PayloadFormatVersion" in integration:
        integration["PayloadFormatVersion"] = str(integration["PayloadFormatVersion"])
    return integration


# -- export ------------------------------------------------------------------------------------


def export(
    api: dict[str, Any], content: dict[str, Any], endpoint: str, stage: str | None, extensions: bool
) -> dict[str, Any]:
    """`content` holds routes, integrations and authorizers (deployed or current)."""
    info: dict[str, Any] = {"title": api["Name"], "version": api.get("Version") or _date_version(api)}
    if api.get("Description"):
        info["description"] = api["Description"]
    base = "" if stage in (None, DEFAULT) else f"/{stage}"
    document: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": info,
        "servers": [
            {"url": endpoint + "/{basePath}", "variables": {"basePath": {"default": base.lstrip("/")}}}
        ],
        "paths": {},
    }
    integrations = content["integrations"]
    authorizers = content["authorizers"]
    schemes: dict[str, Any] = {}
    for route in sorted(content["routes"], key=lambda r: r["RouteKey"]):
        key = route["RouteKey"]
        method, _, path = key.partition(" ")
        if key == DEFAULT:
            method, path = "ANY", f"/{DEFAULT}"
        operation: dict[str, Any] = {"responses": {"default": {"description": f"Default response for {key}"}}}
        if route.get("OperationName"):
            operation["operationId"] = route["OperationName"]
        integration = integrations.get((route.get("Target") or "").removeprefix("integrations/"))
        if extensions and integration is not None:
            operation[INTEGRATION] = _integration_extension(integration)
        authorizer = authorizers.get(route.get("AuthorizerId") or "")
        if route.get("AuthorizationType") == "AWS_IAM":
            schemes["sigv4"] = {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authtype": "awsSigv4",
            }
            operation["security"] = [{"sigv4": []}]
        elif authorizer is not None:
            schemes[authorizer["Name"]] = _scheme(authorizer, extensions)
            operation["security"] = [{authorizer["Name"]: list(route.get("AuthorizationScopes") or [])}]
        item = document["paths"].setdefault(path, {})
        item[ANY_METHOD if method == "ANY" else method.lower()] = operation
        parameters = [
            segment.strip("{}").removesuffix("+")
            for segment in path.split("/")
            if segment.startswith("{") and segment.endswith("}")
        ]
        if parameters:
            item["parameters"] = [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in parameters
            ]
    if schemes:
        document["components"] = {"securitySchemes": schemes}
    if extensions:
        if api.get("CorsConfiguration"):
            document[CORS] = {
                key: api["CorsConfiguration"][member]
                for member, key in _CORS_KEYS.items()
                if member in api["CorsConfiguration"]
            }
        document["x-amazon-apigateway-importexport-version"] = "1.0"
    return document


def _date_version(api: dict[str, Any]) -> str:
    return datetime.fromtimestamp(api["CreatedDate"], UTC).strftime("%Y-%m-%d %H:%M:%S")


def _integration_extension(integration: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": integration["IntegrationType"].lower()}
    for member, key in _INTEGRATION_KEYS.items():
        if member in integration:
            out[key] = integration[member]
    return out


def _scheme(authorizer: dict[str, Any], extensions: bool) -> dict[str, Any]:
    scheme: dict[str, Any] = {"type": "oauth2" if authorizer["AuthorizerType"] == "JWT" else "apiKey"}
    if authorizer["AuthorizerType"] == "JWT":
        scheme["flows"] = {}
    else:
        scheme.update({"name": "Authorization", "in": "header"})
    if not extensions:
        return scheme
    spec: dict[str, Any] = {"identitySource": ",".join(authorizer.get("IdentitySource") or [])}
    if authorizer["AuthorizerType"] == "JWT":
        jwt = authorizer.get("JwtConfiguration") or {}
        spec.update(
            type="jwt", jwtConfiguration={"issuer": jwt.get("Issuer"), "audience": jwt.get("Audience") or []}
        )
    else:
        spec.update(
            type="request",
            authorizerUri=authorizer.get("AuthorizerUri"),
            authorizerPayloadFormatVersion=authorizer.get("AuthorizerPayloadFormatVersion"),
            authorizerResultTtlInSeconds=authorizer.get("AuthorizerResultTtlInSeconds", 0),
            enableSimpleResponses=bool(authorizer.get("EnableSimpleResponses")),
        )
        if authorizer.get("AuthorizerCredentialsArn"):
            spec["authorizerCredentials"] = authorizer["AuthorizerCredentialsArn"]
    scheme[AUTHORIZER] = spec
    return scheme
