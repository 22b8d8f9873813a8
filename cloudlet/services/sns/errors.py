from cloudlet.aws.errors import ServiceError


class InvalidParameter(ServiceError):
    code, status = "InvalidParameter", 400

    def __init__(self, detail: str) -> None:
        super().__init__(f"Invalid parameter: {detail}")


class InvalidParameterValue(ServiceError):
    code, status = "ParameterValueInvalid", 400


class NotFound(ServiceError):
    code, status = "NotFound", 404


class ResourceNotFound(ServiceError):
    code, status = "ResourceNotFound", 404


class AuthorizationError(ServiceError):
    code, status = "AuthorizationError", 403


class TagLimitExceeded(ServiceError):
    code, status = "TagLimitExceeded", 400


class EmptyBatchRequest(ServiceError):
    code, status = "EmptyBatchRequest", 400


class TooManyEntriesInBatchRequest(ServiceError):
    code, status = "TooManyEntriesInBatchRequest", 400


class BatchEntryIdsNotDistinct(ServiceError):
    code, status = "BatchEntryIdsNotDistinct", 400


class InvalidBatchEntryId(ServiceError):
    code, status = "InvalidBatchEntryId", 400


class BatchRequestTooLong(ServiceError):
    code, status = "BatchRequestTooLong", 400


def topic_not_found() -> NotFound:
    return NotFound("Topic does not exist")


def subscription_not_found() -> NotFound:
    return NotFound("Subscription does not exist")
