"""One class per DynamoDB error code; messages built where they are raised, worded as AWS's."""

from __future__ import annotations

from typing import Any

from cloudlet.aws.errors import ServiceError


class ValidationException(ServiceError):
    code, status = "ValidationException", 400


class ItemValidationException(ValidationException):
    """A failure that depends on the stored item (an update's operands, the size it grows the item
    to) rather than on the request alone: in a transaction it cancels with reason ValidationError."""


class KeyValidationException(ItemValidationException):
    """A key that does not fit the table (missing, of the wrong type, empty, too long): a
    transaction checks every action's key first, and the first misfit cancels it before any
    condition is evaluated."""


class ResourceNotFoundException(ServiceError):
    code, status = "ResourceNotFoundException", 400

    def __init__(self, message: str = "Requested resource not found") -> None:
        super().__init__(message)


class ResourceInUseException(ServiceError):
    code, status = "ResourceInUseException", 400


class LimitExceededException(ServiceError):
    code, status = "LimitExceededException", 400


class ConditionalCheckFailedException(ServiceError):
    code, status = "ConditionalCheckFailedException", 400

    def __init__(self, item: dict[str, Any] | None = None) -> None:
        super().__init__(
            "The conditional request failed", fields={"Item": item} if item is not None else None
        )


class TransactionCanceledException(ServiceError):
    code, status = "TransactionCanceledException", 400

    def __init__(self, reasons: list[dict[str, Any]]) -> None:
        codes = ", ".join(reason["Code"] for reason in reasons)
        super().__init__(
            f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
            fields={"CancellationReasons": reasons},
        )


class TransactionConflictException(ServiceError):
    code, status = "TransactionConflictException", 400


class IdempotentParameterMismatchException(ServiceError):
    code, status = "IdempotentParameterMismatchException", 400


class ItemCollectionSizeLimitExceededException(ServiceError):
    code, status = "ItemCollectionSizeLimitExceededException", 400


class DuplicateItemException(ServiceError):
    code, status = "DuplicateItemException", 400


class TrimmedDataAccessException(ServiceError):
    code, status = "TrimmedDataAccessException", 400


class ExpiredIteratorException(ServiceError):
    code, status = "ExpiredIteratorException", 400


def invalid(message: str) -> ValidationException:
    """AWS's prefix for invalid parameter values."""
    return ValidationException(f"One or more parameter values were invalid: {message}")
