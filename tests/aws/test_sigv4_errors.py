"""Each service family's wording of authentication failures, and the streamed payload hash check."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from cloudlet.aws.sigv4 import AuthError, XAmzContentSHA256Mismatch, auth_error, verify_payload_hash

SIGNATURE_TEXT = "The request signature we calculated does not match the signature you provided."


@pytest.mark.parametrize(("kind", "service", "protocol", "code", "status"), [
    ("unknown_key", "s3", "rest-xml", "InvalidAccessKeyId", 403),
    ("bad_signature", "s3", "rest-xml", "SignatureDoesNotMatch", 403),
    ("skew", "s3", "rest-xml", "RequestTimeTooSkewed", 403),
    ("expired", "s3", "rest-xml", "AccessDenied", 403),
    ("incomplete", "s3", "rest-xml", "AuthorizationHeaderMalformed", 400),
    ("bad_token", "s3", "rest-xml", "InvalidToken", 400),
    ("expired_token", "s3", "rest-xml", "ExpiredToken", 400),
    ("missing", "s3", "rest-xml", "AccessDenied", 403),
    ("unknown_key", "sts", "query", "InvalidClientTokenId", 403),
    ("missing_token", "iam", "query", "InvalidClientTokenId", 403),
    ("bad_token", "sns", "query", "InvalidClientTokenId", 403),
    ("bad_signature", "sts", "query", "SignatureDoesNotMatch", 403),
    ("skew", "sts", "query", "SignatureDoesNotMatch", 403),
    ("incomplete", "cloudformation", "query", "IncompleteSignature", 400),
    ("missing", "sts", "query", "MissingAuthenticationToken", 403),
    ("unknown_key", "dynamodb", "json", "UnrecognizedClientException", 400),
    ("bad_signature", "dynamodb", "json", "InvalidSignatureException", 400),
    ("skew", "logs", "json", "InvalidSignatureException", 400),
    ("expired_token", "dynamodb", "json", "ExpiredTokenException", 400),
    ("missing", "dynamodb", "json", "MissingAuthenticationTokenException", 400),
    ("unknown_key", "lambda", "rest-json", "UnrecognizedClientException", 403),
    ("bad_signature", "lambda", "rest-json", "InvalidSignatureException", 403),
    ("missing", "lambda", "rest-json", "MissingAuthenticationTokenException", 403),
    # SQS speaks JSON but keeps its query-era codes
    ("unknown_key", "sqs", "json", "InvalidClientTokenId", 403),
    ("bad_signature", "sqs", "json", "SignatureDoesNotMatch", 403),
])
def test_codes_per_family(kind, service, protocol, code, status):
    error = auth_error(kind, "message", service, protocol)
    assert (error.code, error.status) == (code, status)


def test_messages_read_like_aws():
    assert auth_error("unknown_key", "x", "s3", "rest-xml").message == \
        "The AWS Access Key Id you provided does not exist in our records."
    assert auth_error("unknown_key", "x", "dynamodb", "json").message == \
        "The security token included in the request is invalid."
    assert auth_error("skew", "x", "s3", "rest-xml").message == \
        "The difference between the request time and the current time is too large."
    assert auth_error("skew", "Signature expired: a is now earlier than b (c - 15 min.)", "dynamodb",
                      "json").message.startswith("Signature expired:")
    assert auth_error("bad_signature", "x", "s3", "rest-xml").message.startswith(SIGNATURE_TEXT)


def test_s3_keeps_its_extra_fields_and_overrides():
    failure = AuthError("skew", "Signature expired: ...", fields={"RequestTime": "20240101T000000Z",
                                                                  "MaxAllowedSkewMilliseconds": "900000"})
    s3 = failure.to_service_error("s3", "rest-xml")
    assert s3.fields["MaxAllowedSkewMilliseconds"] == "900000"
    assert failure.to_service_error("sts", "query").fields == {}
    query_auth = AuthError("incomplete", "generic", s3_code="AuthorizationQueryParametersError", s3_message="s3 text")
    assert (query_auth.to_service_error("s3", "rest-xml").code, query_auth.to_service_error("s3", "rest-xml").message) \
        == ("AuthorizationQueryParametersError", "s3 text")
    assert query_auth.to_service_error("dynamodb", "json").message == "generic"


def test_unknown_kind_is_a_bug():
    with pytest.raises(ValueError):
        AuthError("nonsense", "x")


async def _stream(*parts: bytes):
    for part in parts:
        yield part


async def _drain(iterator) -> bytes:
    return b"".join([chunk async for chunk in iterator])


def test_streamed_payload_matching_its_hash_passes_through():
    expected = hashlib.sha256(b"hello world").hexdigest()
    assert asyncio.run(_drain(verify_payload_hash(_stream(b"hello ", b"world"), expected))) == b"hello world"
    assert asyncio.run(_drain(verify_payload_hash(_stream(b"hello world"), expected.upper()))) == b"hello world"


def test_streamed_payload_differing_from_its_hash_fails_at_the_end():
    expected = hashlib.sha256(b"hello world").hexdigest()
    with pytest.raises(XAmzContentSHA256Mismatch) as info:
        asyncio.run(_drain(verify_payload_hash(_stream(b"hello ", b"WORLD"), expected)))
    assert info.value.code == "XAmzContentSHA256Mismatch" and info.value.status == 400
    assert info.value.fields["ClientComputedContentSHA256"] == expected
