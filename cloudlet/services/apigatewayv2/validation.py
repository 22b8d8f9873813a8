"""What HTTP APIs refuse at creation, with BadRequestException as AWS answers."""

from __future__ import annotations

import re
from typing import Any

from cloudlet.services.apigatewayv2.errors import BadRequestException
from cloudlet.services.apigatewayv2.routing import valid_route_key
from cloudlet.services.gateway.lambdas import is_lambda_uri

AUTHORIZATION_TYPES = ("NONE", "AWS_IAM", "CUSTOM", "JWT")
_STAGE_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,128}$")
_VARIABLE_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_VARIABLE_VALUE = re.compile(r"^[A-Za-z0-9\-._~:/?#&=,]{0,2048}$")
IDENTITY_PREFIXES = ("$request.header.", "$request.querystring.", "$context.", "$stageVariables.")
WEBSOCKET_IDENTITY_PREFIXES = ("route.request.header.", "route.request.querystring.", "context.", "stageVariables.")
WEBSOCKET_KEYS = ("$connect", "$disconnect", "$default")
WEBSOCKET_INTEGRATION_TYPES = ("AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY", "MOCK")


def route_key(key: str) -> None:
    if not valid_route_key(key):
        raise BadRequestException(
            f"Unable to create Route with RouteKey {key}: the route key must be $default "
            "or 'METHOD /path', with a greedy path variable only as the last segment"
        )


def websocket_api(params: dict[str, Any]) -> None:
    if not params.get("RouteSelectionExpression"):
        raise BadRequestException("RouteSelectionExpression is required for WEBSOCKET protocol type")
    for key in ("CorsConfiguration", "Target", "RouteKey", "CredentialsArn"):
        if params.get(key):
            raise BadRequestException(f"{key} is not supported for WEBSOCKET protocol type")


def websocket_route_key(key: str) -> None:
    if not key or len(key) > 128 or (key.startswith("$") and key not in WEBSOCKET_KEYS):
        raise BadRequestException(
            f"Unable to create Route with RouteKey {key}: a WebSocket route key is $connect, "
            "$disconnect, $default or a custom key of at most 128 characters not starting with $"
        )


def route(
    doc: dict[str, Any], authorizers: dict[str, dict[str, Any]], integrations: set[str], protocol: str = "HTTP"
) -> None:
    kind = doc.get("AuthorizationType") or "NONE"
    if protocol == "WEBSOCKET":
        websocket_route_key(doc["RouteKey"])
        if kind not in ("NONE", "AWS_IAM", "CUSTOM"):
            raise BadRequestException(
                f"Invalid authorization type specified: {kind}. WebSocket APIs support NONE, AWS_IAM and CUSTOM"
            )
        if kind != "NONE" and doc["RouteKey"] != "$connect":
            raise BadRequestException("Currently, authorization is restricted to the $connect route only")
    else:
        route_key(doc["RouteKey"])
    if kind not in AUTHORIZATION_TYPES:
        raise BadRequestException(
            f"Invalid authorization type specified. Supported values are {list(AUTHORIZATION_TYPES)}"
        )
    authorizer_id = doc.get("AuthorizerId")
    if kind in ("JWT", "CUSTOM"):
        authorizer = authorizers.get(authorizer_id or "")
        if authorizer is None:
            raise BadRequestException(f"Unable to find Authorizer with id {authorizer_id} for the route")
        expected = "JWT" if authorizer["AuthorizerType"] == "JWT" else "CUSTOM"
        if kind != expected:
            raise BadRequestException(
                f"AuthorizationType {kind} does not match the authorizer's type "
                f"{authorizer['AuthorizerType']}"
            )
    elif authorizer_id:
        raise BadRequestException(
            f"AuthorizerId can only be set with a JWT or CUSTOM authorization type, not {kind}"
        )
    if doc.get("AuthorizationScopes") and kind != "JWT":
        raise BadRequestException("AuthorizationScopes are supported only for JWT authorizers")
    target = doc.get("Target")
    if target is not None and (
        not target.startswith("integrations/") or target.removeprefix("integrations/") not in integrations
    ):
        raise BadRequestException(f"Invalid integration target specified: {target}")


def websocket_integration(doc: dict[str, Any]) -> None:
    kind = doc.get("IntegrationType")
    if kind not in WEBSOCKET_INTEGRATION_TYPES:
        raise BadRequestException(
            f"Invalid integration type specified: {kind}. Supported values are {list(WEBSOCKET_INTEGRATION_TYPES)}"
        )
    uri = doc.get("IntegrationUri")
    if kind != "MOCK" and not uri:
        raise BadRequestException(f"IntegrationUri is required for an {kind} integration")
    if kind in ("AWS", "AWS_PROXY") and "${stageVariables." not in uri and not is_lambda_uri(uri):
        raise BadRequestException(f"Invalid integration URI specified: {uri} is not a Lambda function ARN")
    if kind in ("HTTP", "HTTP_PROXY") and not uri.startswith(("http://", "https://")):
        raise BadRequestException(f"Invalid integration URI specified: {uri}")
    if doc.get("PayloadFormatVersion") not in (None, "1.0"):
        raise BadRequestException("PayloadFormatVersion must be 1.0 for a WebSocket API integration")
    timeout = doc.get("TimeoutInMillis")
    if timeout is not None and not 50 <= timeout <= 29000:
        raise BadRequestException("Timeout must be between 50 ms and 29000 ms for a WebSocket API integration")


def integration(doc: dict[str, Any]) -> None:
    kind = doc.get("IntegrationType")
    if kind not in ("AWS_PROXY", "HTTP_PROXY"):
        raise BadRequestException(
            f"Unsupported integration type {kind} for an HTTP API: use AWS_PROXY or HTTP_PROXY"
        )
    uri = doc.get("IntegrationUri")
    if not uri:
        raise BadRequestException("IntegrationUri is required for an AWS_PROXY or HTTP_PROXY integration")
    version = doc.get("PayloadFormatVersion")
    if kind == "AWS_PROXY":
        if version not in ("1.0", "2.0"):
            raise BadRequestException("PayloadFormatVersion must be 1.0 or 2.0 for an AWS_PROXY integration")
        if "${stageVariables." not in uri and not is_lambda_uri(uri):
            raise BadRequestException(
                f"Invalid integration URI specified: {uri} is not a Lambda function ARN"
            )
    else:
        if version not in (None, "1.0"):
            raise BadRequestException("PayloadFormatVersion must be 1.0 for an HTTP_PROXY integration")
        if not uri.startswith(("http://", "https://")):
            raise BadRequestException(f"Invalid integration URI specified: {uri}")
    timeout = doc.get("TimeoutInMillis")
    if timeout is not None and not 50 <= timeout <= 30000:
        raise BadRequestException("Timeout must be between 50 ms and 30000 ms for an HTTP API integration")
    for key in doc.get("RequestParameters") or {}:
        action, _, where = key.partition(":")
        if action not in ("append", "overwrite", "remove") or not where.startswith(
            ("header.", "querystring.", "path")
        ):
            raise BadRequestException(f"Invalid mapping expression specified: {key}")


def websocket_authorizer(doc: dict[str, Any]) -> None:
    if doc.get("AuthorizerType") != "REQUEST":
        raise BadRequestException(
            f"Unsupported authorizer type {doc.get('AuthorizerType')} for a WebSocket API: use REQUEST"
        )
    if not doc.get("AuthorizerUri"):
        raise BadRequestException("AuthorizerUri is required for a REQUEST authorizer")
    for key in ("AuthorizerPayloadFormatVersion", "EnableSimpleResponses", "JwtConfiguration"):
        if doc.get(key) is not None:
            raise BadRequestException(f"{key} is not supported for WEBSOCKET protocol type")
    for source in doc.get("IdentitySource") or []:
        if not source.startswith(WEBSOCKET_IDENTITY_PREFIXES):
            raise BadRequestException(f"Invalid identity source specified: {source}")
    ttl = doc.get("AuthorizerResultTtlInSeconds") or 0
    if not 0 <= ttl <= 3600:
        raise BadRequestException("AuthorizerResultTtlInSeconds must be between 0 and 3600")


def authorizer(doc: dict[str, Any]) -> None:
    kind = doc.get("AuthorizerType")
    sources = doc.get("IdentitySource") or []
    for source in sources:
        if not source.startswith(IDENTITY_PREFIXES):
            raise BadRequestException(f"Invalid identity source specified: {source}")
    if kind == "JWT":
        jwt = doc.get("JwtConfiguration") or {}
        if not jwt.get("Issuer") or not jwt.get("Audience"):
            raise BadRequestException(
                "JwtConfiguration with an Issuer and at least one Audience is required for a JWT authorizer"
            )
        if len(sources) != 1:
            raise BadRequestException("A JWT authorizer takes exactly one identity source")
    elif kind == "REQUEST":
        if not doc.get("AuthorizerUri"):
            raise BadRequestException("AuthorizerUri is required for a REQUEST authorizer")
        version = doc.get("AuthorizerPayloadFormatVersion")
        if version not in ("1.0", "2.0"):
            raise BadRequestException(
                "AuthorizerPayloadFormatVersion must be 1.0 or 2.0 for a REQUEST authorizer"
            )
        if doc.get("EnableSimpleResponses") and version != "2.0":
            raise BadRequestException(
                "EnableSimpleResponses is supported only with AuthorizerPayloadFormatVersion 2.0"
            )
        ttl = doc.get("AuthorizerResultTtlInSeconds") or 0
        if not 0 <= ttl <= 3600:
            raise BadRequestException("AuthorizerResultTtlInSeconds must be between 0 and 3600")
        if ttl and not sources:
            raise BadRequestException("Identity sources are required when authorizer caching is enabled")
    else:
        raise BadRequestException(f"Unsupported authorizer type {kind} for an HTTP API: use JWT or REQUEST")


def cors(config: dict[str, Any] | None) -> None:
    if not config:
        return
    max_age = config.get("MaxAge")
    if max_age is not None and not -1 <= max_age <= 86400:
        raise BadRequestException("MaxAge must be between -1 and 86400 seconds")
    if config.get("AllowCredentials") and "*" in (config.get("AllowOrigins") or []):
        raise BadRequestException(
            "allow-credentials cannot be true when allow-origins contains the wildcard origin *"
        )


def stage(doc: dict[str, Any]) -> None:
    name = doc["StageName"]
    if name != "$default" and not _STAGE_NAME.match(name):
        raise BadRequestException(
            f"Stage name {name} is invalid: use letters, digits, hyphens and underscores "
            "(at most 128) or $default"
        )
    for key, value in (doc.get("StageVariables") or {}).items():
        if not _VARIABLE_NAME.match(key) or not _VARIABLE_VALUE.match(value):
            raise BadRequestException(
                f"Stage variable {key} is invalid: names are letters, digits and underscores; "
                "values at most 2048 characters of letters, digits and -._~:/?#&=,"
            )
