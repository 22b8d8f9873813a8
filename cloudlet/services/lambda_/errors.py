"""Lambda's error codes; Lambda's JSON errors carry `Type` (User or Service) beside the message."""

from __future__ import annotations

from typing import Any

from cloudlet.aws.errors import ServiceError


class LambdaError(ServiceError):
    def __init__(self, message: str = "", **fields: Any) -> None:
        super().__init__(message, fields={"Type": "User", **fields})


class ResourceNotFoundException(LambdaError):
    code, status = "ResourceNotFoundException", 404


class ResourceConflictException(LambdaError):
    code, status = "ResourceConflictException", 409


class InvalidParameterValueException(LambdaError):
    code, status = "InvalidParameterValueException", 400


class InvalidRequestContentException(LambdaError):
    code, status = "InvalidRequestContentException", 400


class RequestEntityTooLargeException(LambdaError):
    # What AWS sends for an oversized payload (the model's name is RequestTooLargeException).
    code, status = "RequestEntityTooLargeException", 413


class PreconditionFailedException(LambdaError):
    code, status = "PreconditionFailedException", 412


class TooManyRequestsException(LambdaError):
    code, status = "TooManyRequestsException", 429


class InvalidRuntimeException(LambdaError):
    code, status = "InvalidRuntimeException", 502


class InvalidZipFileException(LambdaError):
    code, status = "InvalidZipFileException", 502


class ResourceInUseException(LambdaError):
    code, status = "ResourceInUseException", 400


class AccessDeniedException(LambdaError):
    code, status = "AccessDeniedException", 403
