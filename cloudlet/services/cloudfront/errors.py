"""CloudFront's error codes, one class each, with the HTTP status its model gives them."""

from __future__ import annotations

from cloudlet.aws.errors import ServiceError


class CloudFrontError(ServiceError):
    pass


class AccessDenied(CloudFrontError):
    code, status = "AccessDenied", 403


class InvalidArgument(CloudFrontError):
    code, status = "InvalidArgument", 400


class InconsistentQuantities(CloudFrontError):
    code, status = "InconsistentQuantities", 400


class PreconditionFailed(CloudFrontError):
    code, status = "PreconditionFailed", 412

    def __init__(
        self,
        message: str = "The request failed because it didn't meet the preconditions in one or "
        "more request-header fields.",
    ) -> None:
        super().__init__(message)


class InvalidIfMatchVersion(CloudFrontError):
    code, status = "InvalidIfMatchVersion", 400

    def __init__(self, message: str = "The If-Match version is missing or not valid.") -> None:
        super().__init__(message)


class IllegalUpdate(CloudFrontError):
    code, status = "IllegalUpdate", 400


class DistributionNotDisabled(CloudFrontError):
    code, status = "DistributionNotDisabled", 409

    def __init__(self) -> None:
        super().__init__("The distribution you are trying to delete has not been disabled.")


class DistributionAlreadyExists(CloudFrontError):
    code, status = "DistributionAlreadyExists", 409


class CNAMEAlreadyExists(CloudFrontError):
    code, status = "CNAMEAlreadyExists", 409


class InvalidDefaultRootObject(CloudFrontError):
    code, status = "InvalidDefaultRootObject", 400


class InvalidOrigin(CloudFrontError):
    code, status = "InvalidOrigin", 400


class InvalidTTLOrder(CloudFrontError):
    code, status = "InvalidTTLOrder", 400


class InvalidErrorCode(CloudFrontError):
    code, status = "InvalidErrorCode", 400


class TrustedKeyGroupDoesNotExist(CloudFrontError):
    code, status = "TrustedKeyGroupDoesNotExist", 400


class InvalidOriginAccessControl(CloudFrontError):
    code, status = "InvalidOriginAccessControl", 400


class InvalidOriginAccessIdentity(CloudFrontError):
    code, status = "InvalidOriginAccessIdentity", 400


class InvalidTagging(CloudFrontError):
    code, status = "InvalidTagging", 400


class NoSuchResource(CloudFrontError):
    code, status = "NoSuchResource", 404


class NoSuchInvalidation(CloudFrontError):
    code, status = "NoSuchInvalidation", 404


class BatchTooLarge(CloudFrontError):
    code, status = "BatchTooLarge", 413


class IllegalDelete(CloudFrontError):
    code, status = "IllegalDelete", 400


class CannotChangeImmutablePublicKeyFields(CloudFrontError):
    code, status = "CannotChangeImmutablePublicKeyFields", 400


def not_found(code: str, message: str) -> CloudFrontError:
    """NoSuchDistribution, NoSuchCachePolicy...: every one is a 404."""
    return CloudFrontError(message, code=code, status=404)


def already_exists(code: str, message: str) -> CloudFrontError:
    return CloudFrontError(message, code=code, status=409)


def in_use(code: str, message: str) -> CloudFrontError:
    return CloudFrontError(message, code=code, status=409)
