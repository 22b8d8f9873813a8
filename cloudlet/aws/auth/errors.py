"""Authentication failures, and how each AWS service family words them on the wire.

One failure (say, an unknown access key) reads differently per family: S3 answers
InvalidAccessKeyId (403), the query-protocol services InvalidClientTokenId (403), the JSON
services UnrecognizedClientException (400 for awsJson, 403 for rest-json behind API Gateway's
front door, e.g. Lambda). JSON services that still speak to query clients (SQS) use the query
family's codes.
"""

from __future__ import annotations

from typing import Any

from cloudlet.aws.errors import ServiceError

KINDS = (
    "unknown_key", "bad_signature", "skew", "expired", "incomplete", "unsupported",
    "missing_token", "bad_token", "expired_token", "missing",
)

_SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
_INVALID_TOKEN = "The security token included in the request is invalid."
_EXPIRED_TOKEN = "The security token included in the request is expired"


class AuthError(Exception):
    """Why a request failed authentication.

    `message` is what the query and JSON services say; `s3_message` / `s3_code` what S3 says
    when it words the failure differently; `fields` are S3's extra XML elements (RequestTime...).
    """

    def __init__(self, kind: str, message: str, *, s3_message: str | None = None,
                 s3_code: str | None = None, fields: dict[str, Any] | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown auth error kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.s3_message = s3_message
        self.s3_code = s3_code
        self.fields = fields or {}

    def to_service_error(self, service: str, protocol: str) -> ServiceError:
        return auth_error(self.kind, self.message, service, protocol,
                          s3_message=self.s3_message, s3_code=self.s3_code, fields=self.fields)


class XAmzContentSHA256Mismatch(ServiceError):
    code, status = "XAmzContentSHA256Mismatch", 400

    def __init__(self, client_hash: str, computed_hash: str) -> None:
        super().__init__(
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            fields={"ClientComputedContentSHA256": client_hash, "S3ComputedContentSHA256": computed_hash},
        )


# kind -> (code, status, message or None to use the failure's own)
_S3 = {
    "unknown_key": ("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records."),
    "bad_signature": ("SignatureDoesNotMatch", 403,
                      "The request signature we calculated does not match the signature you provided. "
                      "Check your key and signing method."),
    "skew": ("RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large."),
    "expired": ("AccessDenied", 403, "Request has expired"),
    "incomplete": ("AuthorizationHeaderMalformed", 400, None),
    "unsupported": ("InvalidRequest", 400,
                    "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."),
    "missing_token": ("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records."),
    "bad_token": ("InvalidToken", 400, "The provided token is malformed or otherwise invalid."),
    "expired_token": ("ExpiredToken", 400, "The provided token has expired."),
    "missing": ("AccessDenied", 403, "Access Denied"),
}
_QUERY = {
    "unknown_key": ("InvalidClientTokenId", 403, _INVALID_TOKEN),
    "bad_signature": ("SignatureDoesNotMatch", 403, None),
    "skew": ("SignatureDoesNotMatch", 403, None),
    "expired": ("SignatureDoesNotMatch", 403, None),
    "incomplete": ("IncompleteSignature", 400, None),
    "unsupported": ("IncompleteSignature", 400, None),
    "missing_token": ("InvalidClientTokenId", 403, _INVALID_TOKEN),
    "bad_token": ("InvalidClientTokenId", 403, _INVALID_TOKEN),
    "expired_token": ("ExpiredToken", 403, _EXPIRED_TOKEN),
    "missing": ("MissingAuthenticationToken", 403, "Request is missing Authentication Token"),
}
_JSON = {
    "unknown_key": ("UnrecognizedClientException", 400, _INVALID_TOKEN),
    "bad_signature": ("InvalidSignatureException", 400, None),
    "skew": ("InvalidSignatureException", 400, None),
    "expired": ("InvalidSignatureException", 400, None),
    "incomplete": ("IncompleteSignatureException", 400, None),
    "unsupported": ("IncompleteSignatureException", 400, None),
    "missing_token": ("UnrecognizedClientException", 400, _INVALID_TOKEN),
    "bad_token": ("UnrecognizedClientException", 400, _INVALID_TOKEN),
    "expired_token": ("ExpiredTokenException", 400, _EXPIRED_TOKEN),
    "missing": ("MissingAuthenticationTokenException", 400, "Request is missing Authentication Token"),
}
# rest-json services sit behind the same front end as API Gateway: same codes, 403 status,
# and the shorter wording for a request with no auth at all.
_REST_JSON = {kind: (code, 403, message) for kind, (code, _, message) in _JSON.items()}
_REST_JSON["missing"] = ("MissingAuthenticationTokenException", 403, "Missing Authentication Token")

_QUERY_COMPATIBLE = frozenset({"sqs"})


def _family(service: str, protocol: str) -> dict[str, tuple[str, int, str | None]]:
    if service == "s3" or (protocol == "rest-xml" and service.startswith("s3")):
        return _S3
    if protocol in ("query", "ec2") or service in _QUERY_COMPATIBLE:
        return _QUERY
    if protocol == "rest-json":
        return _REST_JSON
    return _JSON


def auth_error(kind: str, message: str, service: str, protocol: str, *,
               s3_message: str | None = None, s3_code: str | None = None,
               fields: dict[str, Any] | None = None) -> ServiceError:
    """The ServiceError a service of this family answers for an authentication failure."""
    family = _family(service, protocol)
    code, status, fixed = family.get(kind, family["bad_signature"])
    if family is _S3:
        return ServiceError(s3_message or fixed or message, code=s3_code or code, status=status,
                            fields=dict(fields) if fields else None)
    return ServiceError(fixed or message, code=code, status=status)


def signature_mismatch_message(canonical: str, string_to_sign: str) -> str:
    """What the JSON services say: the generic text plus what they expected to be signed."""
    return (f"{_SIGNATURE_MISMATCH}\n\nThe Canonical String for this request should have been\n'{canonical}'\n\n"
            f"The String-to-Sign should have been\n'{string_to_sign}'\n")
