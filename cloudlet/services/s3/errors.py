"""S3's error codes, each with the message AWS sends (clients and tests match on both)."""

from __future__ import annotations

from typing import Any

from cloudlet.aws.errors import ServiceError


class S3Error(ServiceError):
    default_message = ""

    def __init__(self, message: str | None = None, **fields: Any) -> None:
        super().__init__(
            message or self.default_message, fields={k: v for k, v in fields.items() if v is not None}
        )


class NoSuchBucket(S3Error):
    code, status = "NoSuchBucket", 404
    default_message = "The specified bucket does not exist"

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class NoSuchKey(S3Error):
    code, status = "NoSuchKey", 404
    default_message = "The specified key does not exist."

    def __init__(self, key: str) -> None:
        super().__init__(Key=key)


class NoSuchVersion(S3Error):
    code, status = "NoSuchVersion", 404
    default_message = "The specified version does not exist."

    def __init__(self, key: str, version_id: str) -> None:
        super().__init__(Key=key, VersionId=version_id)


class NoSuchUpload(S3Error):
    code, status = "NoSuchUpload", 404
    default_message = (
        "The specified upload does not exist. The upload ID may be invalid, or the upload "
        "may have been aborted or completed."
    )

    def __init__(self, upload_id: str) -> None:
        super().__init__(UploadId=upload_id)


class BucketAlreadyExists(S3Error):
    code, status = "BucketAlreadyExists", 409
    default_message = (
        "The requested bucket name is not available. The bucket namespace is shared by all "
        "users of the system. Please select a different name and try again."
    )

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class BucketAlreadyOwnedByYou(S3Error):
    code, status = "BucketAlreadyOwnedByYou", 409
    default_message = "Your previous request to create the named bucket succeeded and you already own it."

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class BucketNotEmpty(S3Error):
    code, status = "BucketNotEmpty", 409
    default_message = "The bucket you tried to delete is not empty"

    def __init__(self, bucket: str, versioned: bool = False) -> None:
        message = self.default_message + (
            ". You must delete all versions in the bucket." if versioned else ""
        )
        super().__init__(message, BucketName=bucket)


class InvalidBucketName(S3Error):
    code, status = "InvalidBucketName", 400
    default_message = "The specified bucket is not valid."

    def __init__(self, bucket: str) -> None:
        super().__init__(BucketName=bucket)


class InvalidLocationConstraint(S3Error):
    code, status = "InvalidLocationConstraint", 400
    default_message = "The specified location-constraint is not valid"


class IllegalLocationConstraintException(S3Error):
    code, status = "IllegalLocationConstraintException", 400


class InvalidArgument(S3Error):
    code, status = "InvalidArgument", 400

    def __init__(self, message: str, name: str | None = None, value: str | None = None) -> None:
        super().__init__(message, ArgumentName=name, ArgumentValue=value)


class InvalidRequest(S3Error):
    code, status = "InvalidRequest", 400


class InvalidRange(S3Error):
    code, status = "InvalidRange", 416
    default_message = "The requested range is not satisfiable"

    def __init__(self, requested: str, size: int) -> None:
        super().__init__(RangeRequested=requested, ActualObjectSize=str(size))


class PreconditionFailed(S3Error):
    code, status = "PreconditionFailed", 412
    default_message = "At least one of the pre-conditions you specified did not hold"

    def __init__(self, condition: str) -> None:
        super().__init__(Condition=condition)


class NotModified(S3Error):
    code, status = "NotModified", 304
    default_message = "Not Modified"


class ConditionalRequestConflict(S3Error):
    code, status = "ConditionalRequestConflict", 409
    default_message = (
        "A conflicting conditional action is currently in progress against this resource. Try again."
    )


class BadDigest(S3Error):
    code, status = "BadDigest", 400
    default_message = "The Content-MD5 you specified did not match what we received."


class InvalidDigest(S3Error):
    code, status = "InvalidDigest", 400
    default_message = "The Content-MD5 you specified is not valid."


class IncompleteBody(S3Error):
    code, status = "IncompleteBody", 400
    default_message = "You did not provide the number of bytes specified by the Content-Length HTTP header"


class KeyTooLongError(S3Error):
    code, status = "KeyTooLongError", 400
    default_message = "Your key is too long"


class MetadataTooLarge(S3Error):
    code, status = "MetadataTooLarge", 400
    default_message = "Your metadata headers exceed the maximum allowed metadata size"


class InvalidTag(S3Error):
    code, status = "InvalidTag", 400


class MalformedXML(S3Error):
    code, status = "MalformedXML", 400
    default_message = (
        "The XML you provided was not well-formed or did not validate against our published schema"
    )


class EntityTooSmall(S3Error):
    code, status = "EntityTooSmall", 400
    default_message = "Your proposed upload is smaller than the minimum allowed object size."


class EntityTooLarge(S3Error):
    code, status = "EntityTooLarge", 400
    default_message = "Your proposed upload exceeds the maximum allowed size"


class InvalidPart(S3Error):
    code, status = "InvalidPart", 400
    default_message = (
        "One or more of the specified parts could not be found.  The part may not have been "
        "uploaded, or the specified entity tag may not match the part's entity tag."
    )


class InvalidPartOrder(S3Error):
    code, status = "InvalidPartOrder", 400
    default_message = (
        "The list of parts was not in ascending order. The parts list must be specified in "
        "order by part number."
    )


class MethodNotAllowed(S3Error):
    code, status = "MethodNotAllowed", 405
    default_message = "The specified method is not allowed against this resource."


class AccessDenied(S3Error):
    code, status = "AccessDenied", 403
    default_message = "Access Denied"


class NoSuchConfiguration(S3Error):
    """The missing-configuration errors: one code per kind of bucket configuration."""

    status = 404

    def __init__(self, code: str, message: str, bucket: str) -> None:
        super().__init__(message, BucketName=bucket)
        self.code = code


class InvalidStorageClass(S3Error):
    code, status = "InvalidStorageClass", 400
    default_message = "The storage class you specified is not valid"


class MalformedPolicy(S3Error):
    code, status = "MalformedPolicy", 400


class InvalidPolicyDocument(S3Error):
    code, status = "InvalidPolicyDocument", 400


class InvalidBucketState(S3Error):
    code, status = "InvalidBucketState", 409


class InvalidPartNumber(S3Error):
    code, status = "InvalidPartNumber", 416
    default_message = "The requested partnumber is not satisfiable"
