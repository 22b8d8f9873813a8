"""Presigned (query-string) SigV4 against botocore's S3SigV4QueryAuth and SigV4QueryAuth."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import botocore.auth
import botocore.compat
import botocore.session
import pytest
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from cloudlet.aws.sigv4 import AuthError, auth_error, authenticate
from cloudlet.core.credentials import Credential, CredentialRegistry, root_credential
from cloudlet.edge.types import Headers, Request

ACCOUNT = "111122223333"
KEY, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TEMP = Credential("ASIATEMPORARYKEY0001", "temp-secret", ACCOUNT, f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s",
                  "AROAEXAMPLE:s", "token/with+special=chars")


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


def registry() -> CredentialRegistry:
    return CredentialRegistry([root_credential(KEY, SECRET, ACCOUNT), TEMP])


def s3_presign(method: str, params: dict, expires: int = 3600, key: str = KEY, secret: str = SECRET,
               token: str | None = None) -> Request:
    client = botocore.session.get_session().create_client(
        "s3", region_name="eu-west-1", endpoint_url="http://localhost:4566", aws_access_key_id=key,
        aws_secret_access_key=secret, aws_session_token=token, config=Config(signature_version="s3v4"),
    )
    url = client.generate_presigned_url(method, Params=params, ExpiresIn=expires)
    return _request("GET" if method.startswith(("get", "list", "head")) else "PUT", url)


def _request(method: str, url: str) -> Request:
    parts = urlsplit(url)
    return Request(method, parts.path, parts.query, Headers([("Host", parts.netloc)]))


def sts_presign(expires: int = 900, token: str | None = None, key: str = KEY, secret: str = SECRET) -> Request:
    request = AWSRequest("GET", "http://localhost:4566/?Action=GetCallerIdentity&Version=2011-06-15")
    SigV4QueryAuth(Credentials(key, secret, token), "sts", "us-east-1", expires=expires).add_auth(request)
    return _request("GET", request.url)


def test_presigned_get_object_is_accepted():
    request = s3_presign("get_object", {"Bucket": "bucket", "Key": "dir/a file ü.txt"})
    result = authenticate(request, registry(), time.time())
    assert result.presigned and result.verified
    assert (result.region, result.service, result.payload_mode) == ("eu-west-1", "s3", "UNSIGNED-PAYLOAD")


def test_presigned_put_signs_the_content_type():
    request = s3_presign("put_object", {"Bucket": "bucket", "Key": "k", "ContentType": "text/plain"})
    with pytest.raises(AuthError):  # content-type is a signed header: the uploader must send it
        authenticate(request, registry(), time.time())
    request.headers.add("Content-Type", "text/plain")
    assert authenticate(request, registry(), time.time()).presigned


def test_presigned_get_with_query_params():
    request = s3_presign("get_object", {"Bucket": "b", "Key": "k", "ResponseContentDisposition": "attachment; x=y"})
    assert authenticate(request, registry(), time.time()).verified


def test_presigned_non_s3_request_is_accepted():
    result = authenticate(sts_presign(), registry(), time.time())
    assert result.service == "sts" and result.presigned and result.credential.account_id == ACCOUNT


def test_presigned_with_session_token():
    request = sts_presign(token=TEMP.session_token, key=TEMP.access_key, secret=TEMP.secret_key)
    assert authenticate(request, registry(), time.time()).credential == TEMP
    bad = sts_presign(token="other", key=TEMP.access_key, secret=TEMP.secret_key)
    with pytest.raises(AuthError) as info:
        authenticate(bad, registry(), time.time())
    assert info.value.kind == "bad_token"


def test_expired_presigned_url():
    request = s3_presign("get_object", {"Bucket": "b", "Key": "k"}, expires=60)
    assert authenticate(request, registry(), time.time() + 59).verified
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(), time.time() + 61)
    assert info.value.kind == "expired"
    assert info.value.fields["X-Amz-Expires"] == "60"
    error = info.value.to_service_error("s3", "rest-xml")
    assert (error.code, error.status, error.message) == ("AccessDenied", 403, "Request has expired")
    assert set(error.fields) == {"X-Amz-Expires", "Expires", "ServerTime"}


def test_presigned_url_is_valid_for_days_not_just_the_skew_window():
    request = s3_presign("get_object", {"Bucket": "b", "Key": "k"}, expires=3 * 24 * 3600)
    assert authenticate(request, registry(), time.time() + 2 * 24 * 3600).verified


def test_presigned_url_from_the_future_is_not_yet_valid():
    request = s3_presign("get_object", {"Bucket": "b", "Key": "k"})
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(), time.time() - 16 * 60)
    assert info.value.to_service_error("s3", "rest-xml").message == "Request is not yet valid"


def test_presigned_expiry_longer_than_a_week_is_refused():
    request = s3_presign("get_object", {"Bucket": "b", "Key": "k"}, expires=7 * 24 * 3600 + 1)
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(), time.time())
    error = info.value.to_service_error("s3", "rest-xml")
    assert (error.code, error.status) == ("AuthorizationQueryParametersError", 400)
    assert "must be less than 604800 seconds" in error.message


def test_missing_presign_parameter():
    request = s3_presign("get_object", {"Bucket": "b", "Key": "k"})
    request.query = "&".join(p for p in request.query.split("&") if not p.startswith("X-Amz-SignedHeaders"))
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(), time.time())
    assert info.value.to_service_error("s3", "rest-xml").code == "AuthorizationQueryParametersError"


@pytest.mark.parametrize("tamper", [
    lambda r: setattr(r, "path", r.path + "x"),
    lambda r: setattr(r, "query", r.query + "&extra=1"),
    lambda r: setattr(r, "query", r.query.replace("X-Amz-Expires=3600", "X-Amz-Expires=3601")),
    lambda r: setattr(r, "method", "DELETE"),
])
def test_tampered_presigned_url(tamper):
    request = s3_presign("get_object", {"Bucket": "b", "Key": "k"})
    tamper(request)
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(), time.time())
    assert info.value.kind == "bad_signature"
    assert auth_error(info.value.kind, str(info.value), "s3", "rest-xml").code == "SignatureDoesNotMatch"


def test_presigned_with_unknown_key():
    request = s3_presign("get_object", {"Bucket": "b", "Key": "k"}, key="AKIANOBODY")
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(), time.time())
    error = info.value.to_service_error("s3", "rest-xml")
    assert (error.code, error.status, error.fields) == ("InvalidAccessKeyId", 403, {"AWSAccessKeyId": "AKIANOBODY"})


def test_sigv2_presigned_url_is_unsupported():
    request = Request("GET", "/b/k", "AWSAccessKeyId=AKID&Expires=1700000000&Signature=abc", Headers([("Host", "h")]))
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(), time.time())
    assert info.value.kind == "unsupported"


def test_presigned_expiry_follows_the_server_clock():
    request = s3_presign("get_object", {"Bucket": "b", "Key": "k"}, expires=60)
    with pytest.raises(AuthError) as info:
        authenticate(request, registry(), time.time() + 3600, skew_now=time.time())
    assert info.value.kind == "expired"
