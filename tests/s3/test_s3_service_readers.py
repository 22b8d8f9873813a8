"""Reads on behalf of another cloudlet service (CloudFront origin access control and origin
access identities) through S3Provider.read_for_service, from a second process sharing the
server's data directory, as a CloudFront worker would."""

from __future__ import annotations

import asyncio
import json

import pytest

from cloudlet.config import Config
from cloudlet.edge.app import build_environment
from cloudlet.edge.types import Headers

ACCOUNT = "000000000000"
DISTRIBUTION = f"arn:aws:cloudfront::{ACCOUNT}:distribution/E2EXAMPLE"
OAI_ID = "a" * 64
OAI_ARN = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1OAI"


def _read(server, bucket: str, key: str, headers: dict | None = None, **caller) -> tuple[int, dict, bytes]:
    async def run() -> tuple[int, dict, bytes]:
        env = build_environment(Config(data_dir=server.data_dir))
        try:
            s3 = await env.registry.provider("s3")
            response = await s3.read_for_service(
                "GET", bucket, key, Headers(list((headers or {}).items())), **caller
            )
            body = response.body
            if not isinstance(body, bytes):
                body = b"".join([chunk async for chunk in body])
            return response.status, {k.lower(): v for k, v in response.headers.items()}, body
        finally:
            env.store.close()

    return asyncio.run(run())


@pytest.fixture
def oac_bucket(s3, bucket):
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"<p>hello</p>", ContentType="text/html")
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AllowCloudFrontServicePrincipal",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudfront.amazonaws.com"},
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{bucket}/*",
                        "Condition": {"StringEquals": {"AWS:SourceArn": DISTRIBUTION}},
                    }
                ],
            }
        ),
    )
    return bucket


def test_the_distribution_named_by_the_policy_reads(server, oac_bucket):
    status, headers, body = _read(
        server,
        oac_bucket,
        "index.html",
        service_principal="cloudfront.amazonaws.com",
        source_arn=DISTRIBUTION,
        source_account=ACCOUNT,
    )
    assert (status, body) == (200, b"<p>hello</p>")
    assert headers["content-type"] == "text/html"
    assert headers["etag"].startswith('"')


def test_another_distribution_or_an_anonymous_reader_is_refused(server, oac_bucket):
    status, _, body = _read(
        server,
        oac_bucket,
        "index.html",
        service_principal="cloudfront.amazonaws.com",
        source_arn=f"arn:aws:cloudfront::{ACCOUNT}:distribution/EOTHER",
        source_account=ACCOUNT,
    )
    assert status == 403 and b"<Code>AccessDenied</Code>" in body
    assert _read(server, oac_bucket, "index.html")[0] == 403


def test_ranges_and_conditions_are_honoured(server, oac_bucket):
    caller = {"service_principal": "cloudfront.amazonaws.com", "source_arn": DISTRIBUTION}
    status, headers, body = _read(server, oac_bucket, "index.html", {"Range": "bytes=3-7"}, **caller)
    assert (status, body, headers["content-range"]) == (206, b"hello", "bytes 3-7/12")
    etag = _read(server, oac_bucket, "index.html", **caller)[1]["etag"]
    assert _read(server, oac_bucket, "index.html", {"If-None-Match": etag}, **caller)[0] == 304


def test_an_origin_access_identity_reads_by_canonical_user_or_arn(s3, server, bucket):
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    for principal in ({"CanonicalUser": OAI_ID}, {"AWS": OAI_ARN}):
        s3.put_bucket_policy(
            Bucket=bucket,
            Policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": principal,
                            "Action": "s3:GetObject",
                            "Resource": f"arn:aws:s3:::{bucket}/*",
                        }
                    ],
                }
            ),
        )
        assert _read(server, bucket, "a.txt", canonical_user=OAI_ID, oai_arn=OAI_ARN)[:3:2] == (200, b"a")
        assert _read(server, bucket, "a.txt", canonical_user="b" * 64)[0] == 403
