"""Bucket CORS: configuration, preflights answered from the rules, headers on actual requests."""

from __future__ import annotations

import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

RULES = [
    {
        "AllowedOrigins": ["https://app.example.com"],
        "AllowedMethods": ["GET", "PUT"],
        "AllowedHeaders": ["content-type", "x-amz-*"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": 600,
    },
    {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]},
]


@pytest.fixture
def cors_bucket(s3, bucket):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": RULES})
    s3.put_object(Bucket=bucket, Key="data.json", Body=b"{}")
    return bucket


def _preflight(endpoint, bucket, origin, method, headers=None):
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        request_headers["Access-Control-Request-Headers"] = headers
    return httpx.options(f"{endpoint}/{bucket}/data.json", headers=request_headers)


def test_configuration_round_trip_and_validation(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_cors(Bucket=bucket)
    assert exc.value.response["Error"]["Code"] == "NoSuchCORSConfiguration"
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_cors(
            Bucket=bucket,
            CORSConfiguration={"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}]},
        )
    assert exc.value.response["Error"]["Message"] == (
        "Found unsupported HTTP method in CORS config. Unsupported method is PATCH"
    )
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": RULES})
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == RULES
    s3.delete_bucket_cors(Bucket=bucket)
    with pytest.raises(ClientError):
        s3.get_bucket_cors(Bucket=bucket)


def test_preflight_matching_a_rule(endpoint, cors_bucket):
    answer = _preflight(
        endpoint, cors_bucket, "https://app.example.com", "PUT", "Content-Type, X-Amz-Meta-Owner"
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "https://app.example.com"
    assert answer.headers["access-control-allow-methods"] == "GET, PUT"
    assert answer.headers["access-control-allow-headers"] == "content-type, x-amz-meta-owner"
    assert answer.headers["access-control-max-age"] == "600"
    assert answer.headers["access-control-expose-headers"] == "ETag"
    assert answer.headers["access-control-allow-credentials"] == "true"
    anyone = _preflight(endpoint, cors_bucket, "https://elsewhere.example", "GET")
    assert anyone.status_code == 200 and anyone.headers["access-control-allow-origin"] == "*"


def test_preflight_matching_no_rule_is_refused(s3, endpoint, cors_bucket, bucket):
    for origin, method, headers in [
        ("https://elsewhere.example", "PUT", None),
        ("https://app.example.com", "PUT", "Authorization-Extra"),
    ]:
        answer = _preflight(endpoint, cors_bucket, origin, method, headers)
        assert answer.status_code == 403
        assert "<Code>AccessForbidden</Code>" in answer.text
        assert "CORSResponse: This CORS request is not allowed." in answer.text
    s3.delete_bucket_cors(Bucket=cors_bucket)
    answer = _preflight(endpoint, cors_bucket, "https://app.example.com", "GET")
    assert answer.status_code == 403 and "CORSResponse: CORS is not enabled for this bucket." in answer.text


def test_actual_requests_carry_the_matching_rules_headers(client, endpoint, cors_bucket):
    s3 = client("s3", config=Config(signature_version="s3v4"))
    url = s3.generate_presigned_url("get_object", Params={"Bucket": cors_bucket, "Key": "data.json"})
    answer = httpx.get(url, headers={"Origin": "https://app.example.com"})
    assert answer.status_code == 200 and answer.content == b"{}"
    assert answer.headers["access-control-allow-origin"] == "https://app.example.com"
    assert answer.headers["access-control-expose-headers"] == "ETag"
    put = s3.generate_presigned_url("put_object", Params={"Bucket": cors_bucket, "Key": "up.txt"})
    refused = httpx.put(put, content=b"hi", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 200
    assert "access-control-allow-origin" not in refused.headers  # served, but the browser will not share it


def test_browser_form_uploads_carry_the_matching_rules_headers(client, s3, bucket):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": ["https://app.example.com"], "AllowedMethods": ["POST"], "ExposeHeaders": ["ETag"]},
    ]})
    signer = client("s3", config=Config(signature_version="s3v4"))
    post = signer.generate_presigned_post(bucket, "form.txt")
    answer = httpx.post(post["url"], data=post["fields"], files={"file": ("form.txt", b"hi")},
                        headers={"Origin": "https://app.example.com"})
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == "https://app.example.com"
    assert answer.headers["access-control-expose-headers"] == "ETag"
    other = httpx.post(post["url"], data=post["fields"], files={"file": ("form.txt", b"hi")},
                       headers={"Origin": "https://evil.example"})
    assert other.status_code == 204 and "access-control-allow-origin" not in other.headers
