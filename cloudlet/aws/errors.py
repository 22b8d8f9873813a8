"""The one error type that crosses from services to the wire.

Providers raise ServiceError (or a subclass named for an AWS error code); the protocol layer
serializes it in the service's own error format so botocore raises the ClientError a client
written for AWS expects.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """An AWS error answer: code, message, HTTP status and any modelled extra fields."""

    code: str = "InternalFailure"
    status: int = 400
    sender_fault: bool = True

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        status: int | None = None,
        sender_fault: bool | None = None,
        fields: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        if sender_fault is not None:
            self.sender_fault = sender_fault
        # Modelled members of the error shape beyond Code/Message (e.g. S3's BucketName).
        self.fields: dict[str, Any] = fields or {}
        self.headers: dict[str, str] = headers or {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code}, {self.status}, {self.message!r})"


def error(code: str, message: str, status: int = 400, **fields: Any) -> ServiceError:
    """Shorthand for an error that has no class of its own."""
    return ServiceError(message, code=code, status=status, fields=fields or None)


# Errors every AWS service shares (the "common errors" of the API references).


class AccessDenied(ServiceError):
    code, status = "AccessDenied", 403


class AccessDeniedException(ServiceError):
    code, status = "AccessDeniedException", 400


class InvalidClientTokenId(ServiceError):
    code, status = "InvalidClientTokenId", 403


class SignatureDoesNotMatch(ServiceError):
    code, status = "SignatureDoesNotMatch", 403


class IncompleteSignature(ServiceError):
    code, status = "IncompleteSignature", 400


class MissingAuthenticationToken(ServiceError):
    code, status = "MissingAuthenticationToken", 403


class RequestExpired(ServiceError):
    code, status = "RequestExpired", 400


class ValidationError(ServiceError):
    code, status = "ValidationError", 400


class ValidationException(ServiceError):
    code, status = "ValidationException", 400


class SerializationException(ServiceError):
    code, status = "SerializationException", 400


class MalformedQueryString(ServiceError):
    code, status = "MalformedQueryString", 404


class InvalidAction(ServiceError):
    code, status = "InvalidAction", 400


class UnknownOperationException(ServiceError):
    code, status = "UnknownOperationException", 400


class NotImplementedOperation(ServiceError):
    """An operation the model knows and cloudlet does not implement (yet)."""

    code, status, sender_fault = "NotImplemented", 501, False

    def __init__(self, service: str, operation: str) -> None:
        super().__init__(
            f"The operation {operation} of service {service} is not implemented by cloudlet; "
            f"`cloudlet services` lists what is."
        )


class InternalFailure(ServiceError):
    code, status, sender_fault = "InternalFailure", 500, False
