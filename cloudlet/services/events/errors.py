"""EventBridge's errors, one class per AWS error code, with AWS's wording built in one place."""

from __future__ import annotations

from cloudlet.aws.errors import ServiceError


class ResourceNotFoundException(ServiceError):
    code, status = "ResourceNotFoundException", 400


class ResourceAlreadyExistsException(ServiceError):
    code, status = "ResourceAlreadyExistsException", 400


class ValidationException(ServiceError):
    code, status = "ValidationException", 400


class InvalidEventPatternException(ServiceError):
    code, status = "InvalidEventPatternException", 400

    def __init__(self, reason: str) -> None:
        super().__init__(f"Event pattern is not valid. Reason: {reason}")


class LimitExceededException(ServiceError):
    code, status = "LimitExceededException", 400


class ManagedRuleException(ServiceError):
    code, status = "ManagedRuleException", 400


def bus_not_found(name: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Event bus {name} does not exist.")


def rule_not_found(name: str, bus: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Rule {name} does not exist on EventBus {bus}.")


def not_valid(parameter: str, reason: str | None = None) -> ValidationException:
    text = f"Parameter {parameter} is not valid."
    return ValidationException(f"{text} Reason: {reason}" if reason else text)
