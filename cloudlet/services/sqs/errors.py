"""SQS's errors, one class per code; the protocol layer maps modelled shapes to the query-era
codes (`AWS.SimpleQueueService.NonExistentQueue`) that clients match on."""

from __future__ import annotations

from cloudlet.aws.errors import ServiceError


class QueueDoesNotExist(ServiceError):
    code, status = "QueueDoesNotExist", 400

    def __init__(self, message: str = "The specified queue does not exist.") -> None:
        super().__init__(message)


class QueueNameExists(ServiceError):
    code, status = "QueueNameExists", 400

    def __init__(self, attribute: str) -> None:
        super().__init__(f"A queue already exists with the same name and a different value for attribute {attribute}")



class QueueDeletedRecently(ServiceError):
    code, status = "QueueDeletedRecently", 400

    def __init__(self) -> None:
        super().__init__("You must wait 60 seconds after deleting a queue before you can create another with the"
                         " same name.")


class AccessDenied(ServiceError):
    """What SQS answers a caller (or a delivering service) the queue's policy does not allow."""

    code, status = "AccessDenied", 403

    @classmethod
    def for_resource(cls, region: str, account_id: str, name: str) -> AccessDenied:
        """The form a delivering service (SNS, S3) logs."""
        return cls(f"Access to the resource https://sqs.{region}.amazonaws.com/{account_id}/{name} is denied.")

    @classmethod
    def for_caller(cls, principal_arn: str, action: str, resource: str, explicit: bool) -> AccessDenied:
        why = ("with an explicit deny in a resource-based policy" if explicit
               else f"because no resource-based policy allows the {action} action")
        return cls(f"User: {principal_arn} is not authorized to perform: {action} on resource: {resource} {why}")


class PurgeQueueInProgress(ServiceError):
    code, status = "PurgeQueueInProgress", 403

    def __init__(self, queue_arn: str) -> None:
        super().__init__(f"Only one PurgeQueue operation on {queue_arn} is allowed every 60 seconds.")


class InvalidAttributeName(ServiceError):
    code, status = "InvalidAttributeName", 400

    def __init__(self, name: str) -> None:
        super().__init__(f"Unknown Attribute {name}.")


class InvalidAttributeValue(ServiceError):
    code, status = "InvalidAttributeValue", 400

    def __init__(self, name: str, reason: str = "") -> None:
        text = f"Invalid value for the parameter {name}."
        super().__init__(f"{text} Reason: {reason}" if reason else text)


class InvalidParameterValue(ServiceError):
    """Unmodelled in the JSON model; SQS still answers it (x-amzn-query-error names it)."""

    code, status = "InvalidParameterValue", 400


class MissingParameter(ServiceError):
    code, status = "MissingParameter", 400

    def __init__(self, name: str) -> None:
        super().__init__(f"The request must contain the parameter {name}.")


class InvalidMessageContents(ServiceError):
    code, status = "InvalidMessageContents", 400


class ReceiptHandleIsInvalid(ServiceError):
    code, status = "ReceiptHandleIsInvalid", 404


class MessageNotInflight(ServiceError):
    code, status = "MessageNotInflight", 400

    def __init__(self) -> None:
        super().__init__("The message referred to isn't in flight.")


class EmptyBatchRequest(ServiceError):
    code, status = "EmptyBatchRequest", 400

    def __init__(self, entry: str) -> None:
        super().__init__(f"There should be at least one {entry} in the request.")


class TooManyEntriesInBatchRequest(ServiceError):
    code, status = "TooManyEntriesInBatchRequest", 400

    def __init__(self, count: int) -> None:
        super().__init__(f"Maximum number of entries per request are 10. You have sent {count}.")


class BatchEntryIdsNotDistinct(ServiceError):
    code, status = "BatchEntryIdsNotDistinct", 400

    def __init__(self, entry_id: str) -> None:
        super().__init__(f"Id {entry_id} repeated.")


class InvalidBatchEntryId(ServiceError):
    code, status = "InvalidBatchEntryId", 400

    def __init__(self) -> None:
        super().__init__("A batch entry id can only contain alphanumeric characters, hyphens and underscores."
                         " It can be at most 80 letters long.")


class BatchRequestTooLong(ServiceError):
    code, status = "BatchRequestTooLong", 400

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"Batch requests cannot be longer than {limit} bytes. You have sent {size} bytes.")



class ResourceNotFoundException(ServiceError):
    code, status = "ResourceNotFoundException", 404


class UnsupportedOperation(ServiceError):
    code, status = "UnsupportedOperation", 400
