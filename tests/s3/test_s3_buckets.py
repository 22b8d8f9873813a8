"""Buckets: create/delete/head/list, naming rules, location, ownership errors."""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from cloudlet.testing.clients import make_client


def _code(exc: pytest.ExceptionInfo) -> str:
    return exc.value.response["Error"]["Code"]


def test_create_head_delete(s3):
    s3.create_bucket(Bucket="lifecycle-bucket")
    head = s3.head_bucket(Bucket="lifecycle-bucket")
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"
    s3.delete_bucket(Bucket="lifecycle-bucket")
    with pytest.raises(ClientError) as exc:
        s3.head_bucket(Bucket="lifecycle-bucket")
    assert _code(exc) == "404"


def test_recreate_in_us_east_1_succeeds_elsewhere_owned_by_you(client):
    east = client("s3")
    east.create_bucket(Bucket="again-bucket")
    east.create_bucket(Bucket="again-bucket")
    west = client("s3", region_name="eu-west-1")
    west.create_bucket(Bucket="west-again", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    with pytest.raises(ClientError) as exc:
        west.create_bucket(Bucket="west-again", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert _code(exc) == "BucketAlreadyOwnedByYou"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert west.get_bucket_location(Bucket="west-again")["LocationConstraint"] == "eu-west-1"
    assert east.get_bucket_location(Bucket="again-bucket")["LocationConstraint"] is None


def test_other_account_gets_bucket_already_exists(client):
    client("s3").create_bucket(Bucket="taken-bucket")
    other = client("s3", aws_access_key_id="111111111111", aws_secret_access_key="test")
    with pytest.raises(ClientError) as exc:
        other.create_bucket(Bucket="taken-bucket")
    assert _code(exc) in ("BucketAlreadyExists", "InvalidAccessKeyId")


def test_location_constraint_rules(client):
    with pytest.raises(ClientError) as exc:
        client("s3").create_bucket(
            Bucket="bad-constraint", CreateBucketConfiguration={"LocationConstraint": "us-east-1"}
        )
    assert _code(exc) == "InvalidLocationConstraint"
    with pytest.raises(ClientError) as exc:
        client("s3", region_name="eu-west-1").create_bucket(Bucket="no-constraint")
    assert _code(exc) == "IllegalLocationConstraintException"


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "UPPER-case",
        "a" * 64,
        "bad..dots",
        "192.168.1.1",
        "-leading",
        "trailing-",
        "xn--punycode",
        "under_score",
        "ends-s3alias",
    ],
)
def test_invalid_bucket_names(s3, name):
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket=name)
    assert _code(exc) == "InvalidBucketName"
    assert exc.value.response["Error"]["BucketName"] == name


def test_delete_non_empty_and_missing(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.delete_bucket(Bucket=bucket)
    assert _code(exc) == "BucketNotEmpty"
    with pytest.raises(ClientError) as exc:
        s3.delete_bucket(Bucket="never-created-bucket")
    assert _code(exc) == "NoSuchBucket"
    assert exc.value.response["Error"]["BucketName"] == "never-created-bucket"


def test_list_buckets_pagination(s3):
    names = [f"page-bucket-{i:02d}" for i in range(7)]
    for name in names:
        s3.create_bucket(Bucket=name)
    seen, token = [], None
    while True:
        kwargs = {"MaxBuckets": 3, "Prefix": "page-bucket-"}
        if token:
            kwargs["ContinuationToken"] = token
        page = s3.list_buckets(**kwargs)
        seen += [b["Name"] for b in page["Buckets"]]
        token = page.get("ContinuationToken")
        if not token:
            break
    assert seen == names
    everything = s3.list_buckets()
    assert set(names) <= {b["Name"] for b in everything["Buckets"]}
    assert everything["Owner"]["ID"]
    paginated = [
        b["Name"]
        for p in s3.get_paginator("list_buckets").paginate(
            Prefix="page-bucket-", PaginationConfig={"PageSize": 2}
        )
        for b in p["Buckets"]
    ]
    assert paginated == names


def test_virtual_host_addressing(client, endpoint):
    port = endpoint.rsplit(":", 1)[1]
    s3 = make_client(
        f"http://s3.localhost:{port}",
        "s3",
        config=Config(s3={"addressing_style": "virtual"}, retries={"max_attempts": 1}),
    )

    def to_loopback(request, **_):
        # *.localhost may not resolve here: connect to 127.0.0.1, keep the signed Host header.
        host = request.url.split("/")[2]
        request.headers["Host"] = host
        request.url = request.url.replace(host, f"127.0.0.1:{port}", 1)

    s3.meta.events.register("before-send.s3", to_loopback)
    s3.create_bucket(Bucket="virtual-bucket")
    s3.put_object(Bucket="virtual-bucket", Key="dir/file.txt", Body=b"hello")
    assert s3.get_object(Bucket="virtual-bucket", Key="dir/file.txt")["Body"].read() == b"hello"
    assert [o["Key"] for o in client("s3").list_objects_v2(Bucket="virtual-bucket")["Contents"]] == [
        "dir/file.txt"
    ]


def test_versioning_configuration(s3, bucket):
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"
