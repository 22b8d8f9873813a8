"""Presigned URLs fetched with urllib, and browser-style presigned POST form uploads."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
import requests
from botocore.config import Config


@pytest.fixture
def s3(client):
    # With a custom endpoint in us-east-1 boto3 presigns with SigV2 unless told otherwise;
    # cloudlet's edge accepts SigV4 only (as S3 does for buckets created since 2020).
    return client("s3", config=Config(signature_version="s3v4", retries={"max_attempts": 1}))


def _fetch(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read(), {k.lower(): v for k, v in reply.headers.items()}
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), {k.lower(): v for k, v in exc.headers.items()}


def test_presigned_get_put_head_delete(s3, bucket):
    put_url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "p.txt"}, ExpiresIn=300
    )
    status, _, _ = _fetch(put_url, "PUT", b"presigned body")
    assert status == 200
    get_url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "p.txt"}, ExpiresIn=300
    )
    status, body, _ = _fetch(get_url)
    assert (status, body) == (200, b"presigned body")
    head_url = s3.generate_presigned_url(
        "head_object", Params={"Bucket": bucket, "Key": "p.txt"}, ExpiresIn=300
    )
    status, _, headers = _fetch(head_url, "HEAD")
    assert status == 200 and headers["content-length"] == "14"
    delete_url = s3.generate_presigned_url("delete_object", Params={"Bucket": bucket, "Key": "p.txt"})
    assert _fetch(delete_url, "DELETE")[0] == 204
    assert _fetch(get_url)[0] == 404


def test_presigned_url_expires(s3, bucket, server):
    s3.put_object(Bucket=bucket, Key="e", Body=b"x")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "e"}, ExpiresIn=60)
    assert _fetch(url)[0] == 200
    server.advance_clock(120)
    status, body, _ = _fetch(url)
    assert status == 403 and b"AccessDenied" in body and b"expired" in body.lower()


def test_tampered_presigned_url_is_refused(s3, bucket):
    s3.put_object(Bucket=bucket, Key="t", Body=b"x")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "t"})
    status, body, _ = _fetch(url.replace("/t?", "/other?"))
    assert status == 403 and b"SignatureDoesNotMatch" in body


def test_anonymous_get_needs_a_grant(s3, bucket, endpoint):
    s3.put_object(Bucket=bucket, Key="private", Body=b"secret")
    s3.put_object(Bucket=bucket, Key="public", Body=b"hello", ACL="public-read")
    assert _fetch(f"{endpoint}/{bucket}/private")[0] == 403
    assert _fetch(f"{endpoint}/{bucket}/public")[:2] == (200, b"hello")


def test_presigned_post_form_upload(s3, bucket):
    post = s3.generate_presigned_post(
        bucket,
        "uploads/${filename}",
        Fields={"success_action_status": "201", "Content-Type": "image/png"},
        Conditions=[
            {"success_action_status": "201"},
            {"Content-Type": "image/png"},
            ["content-length-range", 1, 1024],
            ["starts-with", "$key", "uploads/"],
        ],
        ExpiresIn=300,
    )
    reply = requests.post(
        post["url"], data=post["fields"], files={"file": ("cat.png", b"\x89PNG fake")}, timeout=10
    )
    assert reply.status_code == 201, reply.text
    assert "<Key>uploads/cat.png</Key>" in reply.text
    got = s3.get_object(Bucket=bucket, Key="uploads/cat.png")
    assert got["Body"].read() == b"\x89PNG fake" and got["ContentType"] == "image/png"


def test_presigned_post_redirect_and_default_status(s3, bucket):
    post = s3.generate_presigned_post(
        bucket,
        "r.txt",
        Fields={"success_action_redirect": "http://example.com/done"},
        Conditions=[{"success_action_redirect": "http://example.com/done"}],
    )
    reply = requests.post(
        post["url"], data=post["fields"], files={"file": ("r.txt", b"r")}, allow_redirects=False, timeout=10
    )
    assert reply.status_code == 303
    assert reply.headers["Location"].startswith("http://example.com/done?bucket=")
    plain = s3.generate_presigned_post(bucket, "plain.txt")
    reply = requests.post(
        plain["url"], data=plain["fields"], files={"file": ("p", b"p" * 100_000)}, timeout=10
    )
    assert reply.status_code == 204
    assert s3.head_object(Bucket=bucket, Key="plain.txt")["ContentLength"] == 100_000


@pytest.mark.parametrize(
    ("conditions", "fields", "body", "code"),
    [
        ([["content-length-range", 1, 10]], {}, b"x" * 11, "EntityTooLarge"),
        ([["starts-with", "$key", "only/"]], {}, b"x", "AccessDenied"),
        ([], {"x-amz-meta-extra": "1"}, b"x", "AccessDenied"),
    ],
)
def test_presigned_post_policy_violations(s3, bucket, conditions, fields, body, code):
    post = s3.generate_presigned_post(bucket, "v.txt", Conditions=conditions)
    reply = requests.post(
        post["url"], data={**post["fields"], **fields}, files={"file": ("v", body)}, timeout=10
    )
    assert f"<Code>{code}</Code>" in reply.text
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_presigned_post_expired_and_bad_signature(s3, bucket, server):
    post = s3.generate_presigned_post(bucket, "x.txt", ExpiresIn=60)
    bad = {**post["fields"], "x-amz-signature": "0" * 64}
    assert (
        "SignatureDoesNotMatch"
        in requests.post(post["url"], data=bad, files={"file": ("x", b"x")}, timeout=10).text
    )
    server.advance_clock(120)
    reply = requests.post(post["url"], data=post["fields"], files={"file": ("x", b"x")}, timeout=10)
    assert reply.status_code == 403 and "Policy expired" in reply.text


def test_presigned_post_signed_with_version_2(client, bucket):
    # What boto3 makes against a custom endpoint in us-east-1 when not told to use s3v4 (a
    # Lambda function's default client, for one): AWSAccessKeyId + signature, HMAC-SHA1.
    s3v2 = client("s3", config=Config(retries={"max_attempts": 1}))
    post = s3v2.generate_presigned_post(bucket, "v2.txt", Conditions=[["content-length-range", 1, 100]])
    assert "AWSAccessKeyId" in post["fields"] and "signature" in post["fields"]
    reply = requests.post(post["url"], data=post["fields"], files={"file": ("v2.txt", b"two")}, timeout=10)
    assert reply.status_code == 204, reply.text
    assert s3v2.get_object(Bucket=bucket, Key="v2.txt")["Body"].read() == b"two"
    bad = {**post["fields"], "signature": "AAAA" + post["fields"]["signature"][4:]}
    refused = requests.post(post["url"], data=bad, files={"file": ("v2.txt", b"evil")}, timeout=10)
    assert refused.status_code == 403 and "SignatureDoesNotMatch" in refused.text
    assert s3v2.get_object(Bucket=bucket, Key="v2.txt")["Body"].read() == b"two"


def _signed_v2_form(policy: dict, **fields: str) -> dict:
    """A version 2 POST form for `policy`, signed by hand (the default test/test key)."""
    import base64
    import hashlib
    import hmac
    import json

    encoded = base64.b64encode(json.dumps(policy).encode()).decode()
    signature = base64.b64encode(hmac.new(b"test", encoded.encode(), hashlib.sha1).digest()).decode()
    return {"key": "f.txt", "AWSAccessKeyId": "test", "policy": encoded, "signature": signature, **fields}


_LATER = "2099-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("policy", "drop", "status", "code"),
    [
        # an expiration that is not ISO 8601 in UTC
        ({"expiration": "2099-01-01 00:00:00+00:00", "conditions": []}, None, 400, "InvalidPolicyDocument"),
        # the document's keys are case-sensitive, and a policy needs its conditions list
        ({"expiration": _LATER, "CONDITIONS": []}, None, 400, "InvalidPolicyDocument"),
        ({"expiration": _LATER}, None, 400, "InvalidPolicyDocument"),
        # a simple condition names exactly one field
        ({"expiration": _LATER, "conditions": [{}]}, None, 400, "InvalidPolicyDocument"),
        # content-length-range takes a minimum and a maximum
        (
            {"expiration": _LATER, "conditions": [["content-length-range", 0]]},
            None,
            400,
            "InvalidPolicyDocument",
        ),
        # a signed form without its signature field
        ({"expiration": _LATER, "conditions": []}, "signature", 400, "InvalidArgument"),
    ],
)
def test_post_form_with_malformed_policy(s3, bucket, server, policy, drop, status, code):
    form = _signed_v2_form(policy)
    form.pop(drop, None)
    reply = requests.post(f"{server.endpoint}/{bucket}", data=form, files={"file": ("f", b"x")}, timeout=10)
    assert (reply.status_code, f"<Code>{code}</Code>" in reply.text) == (status, True), reply.text
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_post_form_key_from_filename_meets_the_policy(s3, bucket, server):
    # ${filename} is replaced before the conditions are checked, so starts-with sees the real key
    policy = {"expiration": _LATER, "conditions": [{"bucket": bucket}, ["starts-with", "$key", "up/"]]}
    form = _signed_v2_form(policy, key="up/${filename}")
    reply = requests.post(
        f"{server.endpoint}/{bucket}", data=form, files={"file": ("photo.jpg", b"jpg")}, timeout=10
    )
    assert reply.status_code == 204, reply.text
    assert s3.get_object(Bucket=bucket, Key="up/photo.jpg")["Body"].read() == b"jpg"


def test_post_form_tagging_field_tags_the_object(s3, bucket):
    tagging = "<Tagging><TagSet><Tag><Key>team</Key><Value>blue</Value></Tag></TagSet></Tagging>"
    post = s3.generate_presigned_post(
        bucket, "tagged.txt", Fields={"tagging": tagging}, Conditions=[{"tagging": tagging}]
    )
    reply = requests.post(post["url"], data=post["fields"], files={"file": ("t", b"t")}, timeout=10)
    assert reply.status_code == 204, reply.text
    assert s3.get_object_tagging(Bucket=bucket, Key="tagged.txt")["TagSet"] == [
        {"Key": "team", "Value": "blue"}
    ]
    broken = s3.generate_presigned_post(
        bucket, "broken.txt", Fields={"tagging": "<Tagging>"}, Conditions=[{"tagging": "<Tagging>"}]
    )
    reply = requests.post(broken["url"], data=broken["fields"], files={"file": ("b", b"b")}, timeout=10)
    assert reply.status_code == 400 and "<Code>MalformedXML</Code>" in reply.text
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["tagged.txt"]
