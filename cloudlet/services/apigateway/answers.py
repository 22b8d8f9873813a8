"""The gateway's own answers: API Gateway's gateway responses, with AWS's default bodies and
x-amzn-ErrorType, as an API's PutGatewayResponse customizes them."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import airspeed

from cloudlet.edge.types import Headers, Response

# why the gateway stops -> (gateway response type, status, error type, default body)
DEFAULTS: dict[str, tuple[str, int, str, dict[str, Any]]] = {
    "MISSING_AUTHENTICATION_TOKEN": (
        "MISSING_AUTHENTICATION_TOKEN",
        403,
        "MissingAuthenticationTokenException",
        {"message": "Missing Authentication Token"},
    ),
    "FORBIDDEN": ("DEFAULT_4XX", 403, "ForbiddenException", {"message": "Forbidden"}),
    "INVALID_API_KEY": ("INVALID_API_KEY", 403, "ForbiddenException", {"message": "Forbidden"}),
    "UNAUTHORIZED": ("UNAUTHORIZED", 401, "UnauthorizedException", {"message": "Unauthorized"}),
    "EXPLICIT_DENY": (
        "ACCESS_DENIED",
        403,
        "AccessDeniedException",
        {"Message": "User is not authorized to access this resource with an explicit deny"},
    ),
    "ACCESS_DENIED": (
        "ACCESS_DENIED",
        403,
        "AccessDeniedException",
        {"Message": "User is not authorized to access this resource"},
    ),
    "AUTHORIZER_CONFIGURATION_ERROR": (
        "AUTHORIZER_CONFIGURATION_ERROR",
        500,
        "AuthorizerConfigurationException",
        {"message": None},
    ),
    "THROTTLED": ("THROTTLED", 429, "TooManyRequestsException", {"message": "Too Many Requests"}),
    "QUOTA_EXCEEDED": ("QUOTA_EXCEEDED", 429, "LimitExceededException", {"message": "Limit Exceeded"}),
    "BAD_REQUEST_BODY": ("BAD_REQUEST_BODY", 400, "BadRequestException", {"message": "Invalid request body"}),
    "BAD_REQUEST_PARAMETERS": ("BAD_REQUEST_PARAMETERS", 400, "BadRequestException", {"message": None}),
    "UNSUPPORTED_MEDIA_TYPE": (
        "UNSUPPORTED_MEDIA_TYPE",
        415,
        "UnsupportedMediaTypeException",
        {"message": "Unsupported Media Type"},
    ),
    "INTEGRATION_FAILURE": (
        "DEFAULT_5XX",
        502,
        "InternalServerErrorException",
        {"message": "Internal server error"},
    ),
    "INTERNAL_ERROR": (
        "DEFAULT_5XX",
        500,
        "InternalServerErrorException",
        {"message": "Internal server error"},
    ),
    "INTEGRATION_TIMEOUT": (
        "INTEGRATION_TIMEOUT",
        504,
        "InternalServerErrorException",
        {"message": "Endpoint request timed out"},
    ),
    "CACHE_INVALIDATION_DENIED": (
        "DEFAULT_4XX",
        403,
        "AccessDeniedException",
        {"message": "User is not authorized to invalidate the cache"},
    ),
}

# Gateway response types and their default status (None: the status of what went wrong).
TYPES: dict[str, int | None] = {
    "ACCESS_DENIED": 403,
    "API_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_FAILURE": 500,
    "BAD_REQUEST_PARAMETERS": 400,
    "BAD_REQUEST_BODY": 400,
    "DEFAULT_4XX": None,
    "DEFAULT_5XX": None,
    "EXPIRED_TOKEN": 403,
    "INTEGRATION_FAILURE": 504,
    "INTEGRATION_TIMEOUT": 504,
    "INVALID_API_KEY": 403,
    "INVALID_SIGNATURE": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "QUOTA_EXCEEDED": 429,
    "REQUEST_TOO_LARGE": 413,
    "RESOURCE_NOT_FOUND": 404,
    "THROTTLED": 429,
    "UNAUTHORIZED": 401,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "WAF_FILTERED": 403,
}
DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'


def default_response(response_type: str) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "responseType": response_type,
        "responseParameters": {},
        "responseTemplates": {"application/json": DEFAULT_TEMPLATE},
        "defaultResponse": True,
    }
    if TYPES[response_type] is not None:
        doc["statusCode"] = str(TYPES[response_type])
    return doc


class GatewayError(Exception):
    """Stops a request with one of the gateway's answers."""

    def __init__(self, name: str, message: str | None = None) -> None:
        super().__init__(name)
        self.name = name
        self.message = message


def answer(
    name: str,
    request_id: str,
    message: str | None = None,
    custom: dict[str, dict[str, Any]] | None = None,
    context: dict[str, Any] | None = None,
) -> Response:
    response_type, status, error_type, body = DEFAULTS[name]
    if message is not None:
        body = {"message": message}
    headers = Headers(
        [
            ("Content-Type", "application/json"),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", error_type),
        ]
    )
    data = json.dumps(body, separators=(",", ":")).encode()
    override = _override(custom or {}, response_type, status)
    if override is None:
        return Response(status, headers, data)
    if override.get("statusCode"):
        status = int(override["statusCode"])
    text = next(iter(body.values()))
    error = {"message": text, "messageString": json.dumps(text), "responseType": response_type}
    namespace = {"context": {**(context or {}), "requestId": request_id, "error": error}}
    for target, source in (override.get("responseParameters") or {}).items():
        if target.startswith("gatewayresponse.header.") and source.startswith("'"):
            headers[target[len("gatewayresponse.header.") :]] = source.strip("'")
    template = (override.get("responseTemplates") or {}).get("application/json")
    if template is not None:
        # A broken custom template still answers, with the default body.
        with contextlib.suppress(Exception):
            data = airspeed.Template(template).merge(namespace).encode()
    return Response(status, headers, data)


def _override(custom: dict[str, dict[str, Any]], response_type: str, status: int) -> dict[str, Any] | None:
    found = custom.get(response_type)
    if found is None:
        found = custom.get("DEFAULT_4XX" if status < 500 else "DEFAULT_5XX")
        if found is not None:
            found = {k: v for k, v in found.items() if k != "statusCode"}
    return found
