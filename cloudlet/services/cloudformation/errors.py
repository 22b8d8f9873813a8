"""CloudFormation's errors, one class per code (query protocol: clients match on the code)."""

from __future__ import annotations

from cloudlet.aws.errors import ServiceError


class ValidationError(ServiceError):
    code, status = "ValidationError", 400


class AlreadyExistsException(ServiceError):
    code, status = "AlreadyExistsException", 400


class ChangeSetNotFound(ServiceError):
    code, status = "ChangeSetNotFound", 404


class InsufficientCapabilitiesException(ServiceError):
    code, status = "InsufficientCapabilitiesException", 400

    def __init__(self, capabilities: list[str]) -> None:
        super().__init__(f"Requires capabilities : [{', '.join(capabilities)}]")


class InvalidChangeSetStatus(ServiceError):
    code, status = "InvalidChangeSetStatus", 400


class TokenAlreadyExistsException(ServiceError):
    code, status = "TokenAlreadyExistsException", 400


def template_error(message: str) -> ValidationError:
    return ValidationError(f"Template format error: {message}")


def stack_not_found(name: str) -> ValidationError:
    return ValidationError(f"Stack with id {name} does not exist")
