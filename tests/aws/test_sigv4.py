"""SigV4 verification against botocore as the reference signer (header-signed requests)."""

from __future__ import annotations

import hashlib
import io
import time
from urllib.parse import urlsplit

import botocore.auth
import botocore.compat
import botocore.session
import pytest
from botocore.config import Config

from cloudlet.aws.sigv4 import AuthError, XAmzContentSHA256Mismatch, authenticate, parse_scope
from cloudlet.core.credentials import Credential, CredentialRegistry, root_credential
from cloudlet.edge.types import Body, Headers, Request

ACCOUNT = "111122223333"
KEY, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.fixture(autouse=True, params=["python", "crt"])
def signer(request, monkeypatch):
    """Sign with botocore's pure-Python signers, and with the CRT ones botocore prefers when
    awscrt is installed: two independent reference implementations."""
    if request.param == "crt":
        if not botocore.compat.HAS_CRT:
            pytest.skip("awscrt not installed")
        from botocore.crt.auth import CRT_AUTH_TYPE_MAPS as maps
    else:
        maps = {"v4": botocore.auth.SigV4Auth, "v4-query": botocore.auth.SigV4QueryAuth,
                "s3v4": botocore.auth.S3SigV4Auth, "s3v4-query": botocore.auth.S3SigV4QueryAuth}
    for name in ("v4", "v4-query", "s3v4", "s3v4-query"):
        monkeypatch.setitem(botocore.auth.AUTH_TYPE_MAPS, name, maps[name])
    return request.param


class _Captured(Exception):
    def __init__(self, request) -> None:
        super().__init__("captured")
        self.request = request


def _stop(request, **_) -> None:
    raise _Captured(request)


def capture(service: str, operation: str, params: dict, *, endpoint: str = "http://localhost:4566",
            key: str = KEY, secret: str = SECRET, token: str | None = None, config: Config | None = None) -> Request:
    """The request a real botocore client sends for this call, as cloudlet's edge sees it."""
    session = botocore.session.get_session()
    client = session.create_client(
        service, region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id=key,
        aws_secret_access_key=secret, aws_session_token=token,
        config=(config or Config()).merge(Config(retries={"max_attempts": 1})),
    )
    client.meta.events.register("before-send", _stop)
    with pytest.raises(_Captured) as info:
        getattr(client, operation)(**params)
    return to_request(info.value.request)


def to_request(prepared) -> Request:
    url = urlsplit(prepared.url)
    headers = Headers([(k, v.decode() if isinstance(v, bytes) else v) for k, v in prepared.headers.items()])
    if "host" not in headers:
        headers.add("Host", url.netloc)
    body = prepared.body
    if body is None:
        data = b""
    elif isinstance(body, (bytes, bytearray)):
        data = bytes(body)
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = body.read()
    return Request(prepared.method, url.path or "/", url.query, headers, Body(data))


def registry(*extra: Credential) -> CredentialRegistry:
    return CredentialRegistry([root_credential(KEY, SECRET, ACCOUNT), *extra])


NOW = time.time


def test_dynamodb_request_is_accepted():
    request = capture("dynamodb", "get_item", {"TableName": "t", "Key": {"id": {"S": "1"}}})
    result = authenticate(request, registry(), NOW())
    assert result.credential is not None and result.credential.account_id == ACCOUNT
    assert (result.region, result.service) == ("us-east-1", "dynamodb")
    assert result.verified and not result.anonymous and not result.presigned
    assert result.scope.endswith("/us-east-1/dynamodb/aws4_request")


def test_sts_query_request_is_accepted():
    request = capture("sts", "get_caller_identity", {})
    assert request.body.data.startswith(b"Action=GetCallerIdentity")
    assert authenticate(request, registry(), NOW()).service == "sts"


@pytest.mark.parametrize("name", ["my-func:live", "arn:aws:lambda:us-east-1:111122223333:function:f:1",
                                  "with space", "ünïcode~tilde"])
def test_lambda_path_needs_double_encoding(name):
    request = capture("lambda", "get_function", {"FunctionName": name})
    assert "%" in request.path
    assert authenticate(request, registry(), NOW()).service == "lambda"


@pytest.mark.parametrize("key", ["plain.txt", "dir/sub dir/file name.txt", "weird!$&'()*+,;=:@.txt",
                                 "ünï/cödé.bin", "tilde~and%percent", "a//double/slash/../dots"])
def test_s3_keys_are_signed_single_encoded(key):
    request = capture("s3", "get_object", {"Bucket": "bucket", "Key": key})
    result = authenticate(request, registry(), NOW())
    assert result.service == "s3"
    assert result.payload_mode == hashlib.sha256(b"").hexdigest()


def test_s3_put_over_http_signs_the_payload_hash():
    request = capture("s3", "put_object", {"Bucket": "bucket", "Key": "k", "Body": b"hello world"})
    assert request.headers["x-amz-content-sha256"] == hashlib.sha256(b"hello world").hexdigest()
    assert authenticate(request, registry(), NOW()).payload_mode == hashlib.sha256(b"hello world").hexdigest()


def test_s3_query_parameters_are_canonicalised():
    request = capture("s3", "list_objects_v2", {"Bucket": "b", "Prefix": "a b/ü+", "Delimiter": "/",
                                                "StartAfter": "x=y&z"})
    assert authenticate(request, registry(), NOW()).service == "s3"


def test_s3_streamed_body_is_checked_against_the_header_later():
    request = capture("s3", "put_object", {"Bucket": "bucket", "Key": "k", "Body": b"streamed"})

    async def stream():
        yield b"streamed"

    request.body = Body(stream=stream())
    result = authenticate(request, registry(), NOW())
    assert result.payload_mode == hashlib.sha256(b"streamed").hexdigest()


def test_tampered_s3_body_is_a_content_sha256_mismatch():
    request = capture("s3", "put_object", {"Bucket": "bucket", "Key": "k", "Body": b"hello world"})
    request.body = Body(b"hello WORLD")
    with pytest.raises(XAmzContentSHA256Mismatch) as info:
        authenticate(request, registry(), NOW())
    assert info.value.status == 400
    assert info.value.fields["S3ComputedContentSHA256"] == hashlib.sha256(b"hello WORLD").hexdigest()


def test_unknown_content_sha256_value_is_rejected():
    request = capture("s3", "get_object", {"Bucket": "b", "Key": "k"})
    request.headers["x-amz-content-sha256"] = "NOT-A-HASH"
    with pytest.raises(Exception) as info:
        authenticate(request, registry(), NOW())
    assert getattr(info.value, "code", None) == "InvalidArgument"


def test_tampered_body_breaks_a_json_signature():
    request = capture("dynamodb", "get_item", {"TableName": "t", "Key": {"id": {"S": "1"}}})
    request.body = Body(request.body.data.replace(b'"1"', b'"2"'))
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(), NOW())
    assert info.value.kind == "bad_signature"
    assert "The Canonical String for this request should have been" in info.value.message
    assert info.value.fields["AWSAccessKeyId"] == KEY


def test_tampered_signed_header_breaks_the_signature():
    request = capture("dynamodb", "get_item", {"TableName": "t", "Key": {"id": {"S": "1"}}})
    request.headers["X-Amz-Target"] = "DynamoDB_20120810.DeleteItem"
    with pytest.raises(AuthError, match="does not match") as info:
        authenticate(request, registry(), NOW())
    assert info.value.kind == "bad_signature"


def test_unsigned_header_may_change():
    request = capture("dynamodb", "list_tables", {})
    request.headers.add("X-Forwarded-For", "10.0.0.1")
    request.headers["User-Agent"] = "something else"
    assert authenticate(request, registry(), NOW()).verified


def test_tampered_query_breaks_the_signature():
    request = capture("s3", "list_objects_v2", {"Bucket": "b", "Prefix": "a"})
    request.query += "&max-keys=1"
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(), NOW())
    assert info.value.kind == "bad_signature"


def test_wrong_secret_is_a_bad_signature():
    request = capture("sts", "get_caller_identity", {}, secret="not-the-secret")
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(), NOW())
    assert info.value.kind == "bad_signature"


def test_unknown_key_is_rejected():
    request = capture("sts", "get_caller_identity", {}, key="AKIAUNKNOWNKEY000000")
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(), NOW())
    assert info.value.kind == "unknown_key"
    assert info.value.fields == {"AWSAccessKeyId": "AKIAUNKNOWNKEY000000"}


@pytest.mark.parametrize(("offset", "wording"), [(16 * 60, "Signature expired"), (-16 * 60, "not yet current")])
def test_clock_skew_beyond_15_minutes_is_rejected(offset, wording):
    request = capture("dynamodb", "list_tables", {})
    with pytest.raises(AuthError, match=wording) as info:
        authenticate(request, registry(), NOW() + offset)
    assert info.value.kind == "skew"
    assert info.value.fields["MaxAllowedSkewMilliseconds"] == "900000"


def test_skew_within_15_minutes_is_fine():
    request = capture("dynamodb", "list_tables", {})
    assert authenticate(request, registry(), NOW() + 14 * 60).verified
    assert authenticate(request, registry(), NOW() - 14 * 60).verified


def _temporary(token: str = "session-token-value", expires_at: float | None = None) -> Credential:
    return Credential("ASIATEMPORARYKEY0001", "temp-secret", ACCOUNT, f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s",
                      "AROAEXAMPLE:s", token, expires_at)


def test_session_token_must_match():
    temp = _temporary()
    good = capture("sts", "get_caller_identity", {}, key=temp.access_key, secret=temp.secret_key,
                   token=temp.session_token)
    assert authenticate(good, registry(temp), NOW()).credential == temp

    wrong = capture("sts", "get_caller_identity", {}, key=temp.access_key, secret=temp.secret_key, token="other")
    with pytest.raises(AuthError) as info:
        authenticate(wrong, registry(temp), NOW())
    assert info.value.kind == "bad_token"

    missing = capture("sts", "get_caller_identity", {}, key=temp.access_key, secret=temp.secret_key)
    with pytest.raises(AuthError) as info:
        authenticate(missing, registry(temp), NOW())
    assert info.value.kind == "missing_token"


def test_expired_temporary_credentials_are_rejected():
    temp = _temporary(expires_at=NOW() - 1)
    request = capture("dynamodb", "list_tables", {}, key=temp.access_key, secret=temp.secret_key,
                      token=temp.session_token)
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(temp), NOW())
    assert info.value.kind == "expired_token"


def test_token_with_a_long_term_key_is_rejected():
    request = capture("sts", "get_caller_identity", {}, token="unexpected")
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(), NOW())
    assert info.value.kind == "bad_token"


def test_temporary_credentials_come_from_a_registered_lookup():
    temp = _temporary()
    reg = registry()
    reg.add_lookup(lambda key: temp if key == temp.access_key else None)
    request = capture("dynamodb", "list_tables", {}, key=temp.access_key, secret=temp.secret_key,
                      token=temp.session_token)
    assert authenticate(request, reg, NOW()).credential == temp


def test_incomplete_authorization_header():
    request = capture("dynamodb", "list_tables", {})
    header = request.headers["Authorization"]
    request.headers["Authorization"] = header[:header.index(", Signature=")]
    with pytest.raises(AuthError, match="requires 'Signature' parameter") as info:
        authenticate(request, registry(), NOW())
    assert info.value.kind == "incomplete"


def test_credential_date_must_match_the_request_date():
    request = capture("dynamodb", "list_tables", {})
    amz_date = request.headers["X-Amz-Date"]
    request.headers["X-Amz-Date"] = str(int(amz_date[:8]) - 1) + amz_date[8:]
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(), NOW())
    assert info.value.kind == "incomplete"


def test_other_authorization_schemes_are_unsupported():
    request = Request("GET", "/", "", Headers([("Host", "localhost"), ("Authorization", "AWS AKID:sig")]))
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(), NOW())
    assert info.value.kind == "unsupported"


def test_no_auth_at_all_is_anonymous():
    request = Request("GET", "/bucket/key", "", Headers([("Host", "localhost")]))
    result = authenticate(request, registry(), NOW())
    assert result.anonymous and result.credential is None and not result.verified


def test_auth_off_accepts_any_signature_and_resolves_the_account():
    bad = capture("sts", "get_caller_identity", {}, secret="wrong")
    assert authenticate(bad, registry(), NOW(), enforce=False).credential.account_id == ACCOUNT
    unknown = capture("sts", "get_caller_identity", {}, key="WHOEVER")
    result = authenticate(unknown, registry(), NOW(), enforce=False)
    assert result.credential.account_id == "000000000000" and not result.verified
    skewed = capture("dynamodb", "list_tables", {})
    assert authenticate(skewed, registry(), NOW() + 3600, enforce=False).region == "us-east-1"
    garbage = Request("GET", "/", "", Headers([("Host", "h"), ("Authorization", "AWS4-HMAC-SHA256 nonsense")]))
    assert authenticate(garbage, registry(), NOW(), enforce=False).credential.account_id == "000000000000"


def test_known_body_hash_is_used():
    request = capture("dynamodb", "list_tables", {})
    digest = hashlib.sha256(request.body.data).hexdigest()
    assert authenticate(request, registry(), NOW(), body_hash=digest).verified
    with pytest.raises(AuthError):
        authenticate(request, registry(), NOW(), body_hash=hashlib.sha256(b"other").hexdigest())


def test_parse_scope_reads_header_and_query_without_verifying():
    request = capture("dynamodb", "list_tables", {}, secret="whatever")
    assert parse_scope(request) == ("us-east-1", "dynamodb")
    presigned = Request("GET", "/b/k", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240101%2Feu-west-1"
                                       "%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z", Headers([("Host", "h")]))
    assert parse_scope(presigned) == ("eu-west-1", "s3")
    assert parse_scope(Request("GET", "/", "", Headers([("Host", "h")]))) is None
    assert parse_scope(Request("GET", "/", "", Headers([("Authorization", "Bearer x")]))) is None


def test_form_body_helper_reads_file_like_bodies():
    # to_request is the bridge every test here relies on; a file-like body must come through whole
    class Prepared:
        method, url, headers, body = "PUT", "http://h/b/k?x=1", {"Host": "h"}, io.BytesIO(b"abc")

    request = to_request(Prepared)
    assert (request.path, request.query, request.body.data) == ("/b/k", "x=1", b"abc")


def test_skew_is_measured_on_wall_time_when_the_clock_runs_ahead():
    request = capture("dynamodb", "list_tables", {})
    moved = NOW() + 3600  # a test advanced the server's clock by an hour
    assert authenticate(request, registry(), moved, skew_now=NOW()).verified
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(), moved)
    assert info.value.kind == "skew"


def test_expired_token_is_reported_before_skew():
    temp = _temporary(expires_at=NOW() + 900)
    request = capture("sts", "get_caller_identity", {}, key=temp.access_key, secret=temp.secret_key,
                      token=temp.session_token)
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(temp), NOW() + 901)
    assert info.value.kind == "expired_token"
