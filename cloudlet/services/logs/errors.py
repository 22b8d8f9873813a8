"""CloudWatch Logs' error codes, one class each, with the messages AWS sends."""

from __future__ import annotations

from cloudlet.aws.errors import ServiceError


class InvalidParameterException(ServiceError):
    code, status = "InvalidParameterException", 400


class ResourceNotFoundException(ServiceError):
    code, status = "ResourceNotFoundException", 400


class ResourceAlreadyExistsException(ServiceError):
    code, status = "ResourceAlreadyExistsException", 400


class TooManyTagsException(ServiceError):
    code, status = "TooManyTagsException", 400


class ValidationException(ServiceError):
    code, status = "ValidationException", 400


def group_not_found() -> ResourceNotFoundException:
    return ResourceNotFoundException("The specified log group does not exist.")


def stream_not_found() -> ResourceNotFoundException:
    return ResourceNotFoundException("The specified log stream does not exist.")


def bad_token() -> InvalidParameterException:
    return InvalidParameterException("The specified nextToken is invalid.")
