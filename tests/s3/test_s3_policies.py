"""Bucket policies: validated as S3 validates them, and enforced for anonymous callers, other
accounts and the owner (explicit Deny), with Block Public Access and conditions."""

from __future__ import annotations

import json
import shutil

import httpx
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server

OWNER, OTHER = "000000000000", "111122223333"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("cloudlet")
    keys = data_dir / "keys.json"
    keys.write_text(
        json.dumps(
            [
                {"access_key": "test", "secret_key": "test", "account_id": OWNER},
                {
                    "access_key": "other",
                    "secret_key": "other",
                    "account_id": OTHER,
                    "arn": f"arn:aws:iam::{OTHER}:user/bob",
                    "user_id": "AIDABOB",
                },
            ]
        )
    )
    running = start_server(str(data_dir / "data"), "--credentials", str(keys))
    yield running
    running.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def other(endpoint):
    return make_client(endpoint, "s3", aws_access_key_id="other", aws_secret_access_key="other")


@pytest.fixture(scope="module")
def anonymous(endpoint):
    return make_client(endpoint, "s3", config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))


def _policy(bucket: str, *statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _public_read(bucket: str, **extra) -> dict:
    return {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        **extra,
    }


def _error(exc_info) -> tuple[str, str]:
    error = exc_info.value.response["Error"]
    return error["Code"], error.get("Message", "")


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("not json", "Policies must be valid JSON and the first byte must be '{'"),
        ('{"Version": "2012-10-17"}', "Missing required field Statement"),
        (
            {"Effect": "Allw", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::B/*"},
            "Invalid effect: Allw",
        ),
        (
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::B/*"},
            "Missing required field Principal",
        ),
        (
            {
                "Effect": "Allow",
                "Principal": {"AWS": "bob"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::B/*",
            },
            "Invalid principal in policy",
        ),
        (
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "sqs:SendMessage",
                "Resource": "arn:aws:s3:::B/*",
            },
            "Policy has invalid action",
        ),
        (
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::elsewhere/*",
            },
            "Policy has invalid resource",
        ),
        (
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::B"},
            "Action does not apply to any resource(s) in statement",
        ),
        (
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::B/*",
                "Condition": {"StringEqualz": {"aws:Referer": "x"}},
            },
            "Invalid Condition type : StringEqualz",
        ),
    ],
)
def test_malformed_policies_are_refused_with_s3s_messages(s3, bucket, policy, message):
    text = (
        policy
        if isinstance(policy, str)
        else _policy(
            bucket, json.loads(json.dumps(policy).replace("arn:aws:s3:::B", f"arn:aws:s3:::{bucket}"))
        )
    )
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_policy(Bucket=bucket, Policy=text)
    assert _error(exc) == ("MalformedPolicy", message)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_policy_round_trip_and_status(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_policy(Bucket=bucket)
    assert _error(exc)[0] == "NoSuchBucketPolicy"
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, _public_read(bucket)))
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"][0]["Principal"] == "*"
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    pinned = _public_read(bucket, Condition={"StringEquals": {"aws:SourceAccount": OWNER}})
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, pinned))
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is False
    s3.delete_bucket_policy(Bucket=bucket)
    with pytest.raises(ClientError):
        s3.get_bucket_policy(Bucket=bucket)


def test_anonymous_reads_only_what_a_policy_grants(s3, anonymous, bucket):
    s3.put_object(Bucket=bucket, Key="site/index.html", Body=b"<h1>hi</h1>")
    with pytest.raises(ClientError) as exc:
        anonymous.get_object(Bucket=bucket, Key="site/index.html")
    assert _error(exc)[0] == "AccessDenied"
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, _public_read(bucket)))
    assert anonymous.get_object(Bucket=bucket, Key="site/index.html")["Body"].read() == b"<h1>hi</h1>"
    with pytest.raises(ClientError) as exc:  # reading is granted, listing and writing are not
        anonymous.list_objects_v2(Bucket=bucket)
    assert _error(exc)[0] == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        anonymous.put_object(Bucket=bucket, Key="x", Body=b"x")
    assert _error(exc)[0] == "AccessDenied"


def test_a_public_read_object_acl_is_enough(s3, anonymous, bucket):
    s3.put_object(Bucket=bucket, Key="public", Body=b"p", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="private", Body=b"q")
    assert anonymous.get_object(Bucket=bucket, Key="public")["Body"].read() == b"p"
    with pytest.raises(ClientError):
        anonymous.get_object(Bucket=bucket, Key="private")


def test_a_missing_key_in_a_listable_bucket_is_404_to_anyone(s3, anonymous, bucket):
    # who may list the bucket may learn a key is not there; who may not, gets 403
    with pytest.raises(ClientError) as exc:
        anonymous.get_object(Bucket=bucket, Key="gone")
    assert _error(exc)[0] == "AccessDenied"
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    with pytest.raises(ClientError) as exc:
        anonymous.get_object(Bucket=bucket, Key="gone")
    assert _error(exc)[0] == "NoSuchKey"
    with pytest.raises(ClientError) as exc:
        anonymous.head_object(Bucket=bucket, Key="gone")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    s3.put_object(Bucket=bucket, Key="private", Body=b"q")  # an existing key keeps its own ACL
    with pytest.raises(ClientError) as exc:
        anonymous.get_object(Bucket=bucket, Key="private")
    assert _error(exc)[0] == "AccessDenied"


def test_a_public_read_write_bucket_lets_others_upload_in_parts(s3, other, bucket):
    # READ in the bucket's ACL lets another account list the uploads in progress, and who
    # started an upload may abort it
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    mine = s3.create_multipart_upload(Bucket=bucket, Key="mine")["UploadId"]
    theirs = other.create_multipart_upload(Bucket=bucket, Key="theirs")["UploadId"]
    listed = other.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in listed] == [("mine", mine), ("theirs", theirs)]
    other.abort_multipart_upload(Bucket=bucket, Key="theirs", UploadId=theirs)
    with pytest.raises(ClientError) as exc:
        other.abort_multipart_upload(Bucket=bucket, Key="mine", UploadId=mine)
    assert _error(exc)[0] == "AccessDenied"
    assert [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == ["mine"]


def test_copies_are_read_as_gets_of_the_source_and_policies_see_the_copy_source(s3, other, bucket):
    # the source bucket lets anyone read; the target lets anyone write copies of public/ only
    s3.put_object(Bucket=bucket, Key="public/a", Body=b"a")
    s3.put_object(Bucket=bucket, Key="private/b", Body=b"b")
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, _public_read(bucket)))
    target = f"{bucket}-copies"
    s3.create_bucket(Bucket=target)
    only_public = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{target}/*",
        "Condition": {"StringLike": {"s3:x-amz-copy-source": f"{bucket}/public/*"}},
    }
    plain_writes = {**only_public, "Condition": {"Null": {"s3:x-amz-copy-source": "true"}}}
    s3.put_bucket_policy(Bucket=target, Policy=_policy(target, only_public, plain_writes))
    other.copy_object(Bucket=target, Key="a", CopySource={"Bucket": bucket, "Key": "public/a"})
    assert s3.get_object(Bucket=target, Key="a")["Body"].read() == b"a"
    with pytest.raises(ClientError) as exc:
        other.copy_object(Bucket=target, Key="b", CopySource={"Bucket": bucket, "Key": "private/b"})
    assert _error(exc)[0] == "AccessDenied"
    uid = other.create_multipart_upload(Bucket=target, Key="part")["UploadId"]
    other.upload_part_copy(
        Bucket=target, Key="part", UploadId=uid, PartNumber=1, CopySource=f"{bucket}/public/a"
    )


def test_a_policy_condition_on_existing_object_tags(s3, other, bucket):
    s3.put_object(Bucket=bucket, Key="open", Body=b"o")
    s3.put_object(Bucket=bucket, Key="closed", Body=b"c")
    for key, level in (("open", "public"), ("closed", "private")):
        s3.put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": [{"Key": "security", "Value": level}]})
    tagged = {"StringEquals": {"s3:ExistingObjectTag/security": "public"}}
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, _public_read(bucket, Condition=tagged)))
    assert other.get_object(Bucket=bucket, Key="open")["Body"].read() == b"o"
    with pytest.raises(ClientError) as exc:
        other.get_object(Bucket=bucket, Key="closed")
    assert _error(exc)[0] == "AccessDenied"


def test_block_public_acls_refuses_requests_that_set_a_public_acl(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )
    refused = [
        lambda acl: s3.put_bucket_acl(Bucket=bucket, ACL=acl),
        lambda acl: s3.put_object_acl(Bucket=bucket, Key="k", ACL=acl),
        lambda acl: s3.put_object(Bucket=bucket, Key="new", Body=b"", ACL=acl),
        lambda acl: s3.create_multipart_upload(Bucket=bucket, Key="new", ACL=acl),
        lambda acl: s3.copy_object(Bucket=bucket, Key="new", CopySource=f"{bucket}/k", ACL=acl),
    ]
    for request in refused:
        for acl in ("public-read", "public-read-write", "authenticated-read"):
            with pytest.raises(ClientError) as exc:
                request(acl)
            assert _error(exc)[0] == "AccessDenied"
    # private ACLs still pass, and nothing public was written
    s3.put_object(Bucket=bucket, Key="new", Body=b"", ACL="private")
    assert [k["Key"] for k in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k", "new"]


def test_block_public_access(s3, anonymous, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v", ACL="public-read")
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": False,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": False,
        },
    )
    with pytest.raises(ClientError) as exc:
        anonymous.get_object(Bucket=bucket, Key="k")
    assert _error(exc)[0] == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, _public_read(bucket)))
    assert _error(exc)[0] == "AccessDenied"
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": False,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, _public_read(bucket)))
    assert anonymous.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"  # the ACL still grants it
    s3.put_object(Bucket=bucket, Key="k2", Body=b"v")
    with pytest.raises(ClientError):  # the public policy serves nobody outside the account
        anonymous.get_object(Bucket=bucket, Key="k2")
    s3.delete_public_access_block(Bucket=bucket)
    assert anonymous.get_object(Bucket=bucket, Key="k2")["Body"].read() == b"v"


def test_an_explicit_deny_stops_even_the_owner(s3, bucket):
    s3.put_object(Bucket=bucket, Key="keep", Body=b"v")
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:DeleteObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=_policy(bucket, deny))
    with pytest.raises(ClientError) as exc:
        s3.delete_object(Bucket=bucket, Key="keep")
    assert _error(exc)[0] == "AccessDenied"
    assert s3.get_object(Bucket=bucket, Key="keep")["Body"].read() == b"v"
    s3.delete_bucket_policy(Bucket=bucket)  # the owner can always repair its policy
    s3.delete_object(Bucket=bucket, Key="keep")


def test_another_account_with_a_prefix_condition(s3, other, bucket):
    s3.put_object(Bucket=bucket, Key="shared/a", Body=b"a")
    with pytest.raises(ClientError) as exc:
        other.get_object(Bucket=bucket, Key="shared/a")
    assert _error(exc)[0] == "AccessDenied"
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_policy(
            bucket,
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/shared/*",
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": OTHER},
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": {"StringLike": {"s3:prefix": "shared/*"}},
            },
        ),
    )
    assert other.get_object(Bucket=bucket, Key="shared/a")["Body"].read() == b"a"
    assert [o["Key"] for o in other.list_objects_v2(Bucket=bucket, Prefix="shared/")["Contents"]] == [
        "shared/a"
    ]
    with pytest.raises(ClientError):
        other.list_objects_v2(Bucket=bucket, Prefix="private/")
    with pytest.raises(ClientError):
        other.list_objects_v2(Bucket=bucket)  # no s3:prefix at all: StringLike does not hold


def test_conditions_on_referer_source_ip_and_transport(s3, endpoint, bucket):
    s3.put_object(Bucket=bucket, Key="img.png", Body=b"png")
    url = f"{endpoint}/{bucket}/img.png"
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_policy(
            bucket, _public_read(bucket, Condition={"StringLike": {"aws:Referer": "https://example.com/*"}})
        ),
    )
    assert httpx.get(url).status_code == 403
    assert httpx.get(url, headers={"Referer": "https://example.com/page"}).content == b"png"
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_policy(
            bucket, _public_read(bucket, Condition={"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}})
        ),
    )
    assert httpx.get(url).status_code == 200
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_policy(
            bucket,
            _public_read(bucket, Condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}}),
        ),
    )
    assert httpx.get(url).status_code == 403
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=_policy(
            bucket,
            _public_read(bucket),
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ),
    )
    # By default a request counts as TLS (as every AWS client's call to AWS is): the Deny of
    # insecure transport, which SAM's managed bucket carries, does not lock callers out.
    assert httpx.get(url).content == b"png"
    assert s3.get_object(Bucket=bucket, Key="img.png")["Body"].read() == b"png"
    s3.delete_bucket_policy(Bucket=bucket)


def test_plain_http_counts_as_insecure_when_asked(tmp_path):
    strict = start_server(str(tmp_path / "data"), "--plain-http-insecure")
    try:
        s3 = make_client(strict.endpoint, "s3")
        s3.create_bucket(Bucket="strict")
        s3.put_object(Bucket="strict", Key="k", Body=b"v")
        s3.put_bucket_policy(Bucket="strict", Policy=_policy("strict", {
            "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": ["arn:aws:s3:::strict", "arn:aws:s3:::strict/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }))
        with pytest.raises(ClientError) as refused:
            s3.get_object(Bucket="strict", Key="k")
        assert refused.value.response["Error"]["Code"] == "AccessDenied"
    finally:
        strict.stop()
