"""Bucket configuration: policy (and the anonymous access it grants), CORS, tagging,
encryption, ownership, Block Public Access, lifecycle, website, notifications."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError


def _code(exc: pytest.ExceptionInfo) -> str:
    return exc.value.response["Error"]["Code"]


def _anonymous_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_policy_grants_anonymous_reads(s3, bucket, endpoint):
    s3.put_object(Bucket=bucket, Key="site/index.html", Body=b"<h1>hi</h1>")
    s3.put_object(Bucket=bucket, Key="secret.txt", Body=b"no")
    assert _anonymous_get(f"{endpoint}/{bucket}/site/index.html") == 403
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_policy(Bucket=bucket)
    assert _code(exc) == "NoSuchBucketPolicy"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/site/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == policy
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    assert _anonymous_get(f"{endpoint}/{bucket}/site/index.html") == 200
    assert _anonymous_get(f"{endpoint}/{bucket}/secret.txt") == 403
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    assert _anonymous_get(f"{endpoint}/{bucket}/site/index.html") == 403
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    assert _code(exc) == "AccessDenied"
    s3.delete_public_access_block(Bucket=bucket)
    s3.delete_bucket_policy(Bucket=bucket)
    assert _anonymous_get(f"{endpoint}/{bucket}/site/index.html") == 403
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_policy(Bucket=bucket, Policy="{not json")
    assert _code(exc) == "MalformedPolicy"


def test_cors_tagging_encryption_ownership(s3, bucket):
    rules = [
        {
            "AllowedMethods": ["GET", "PUT"],
            "AllowedOrigins": ["https://example.com"],
            "AllowedHeaders": ["*"],
            "MaxAgeSeconds": 300,
        }
    ]
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_cors(Bucket=bucket)
    assert _code(exc) == "NoSuchCORSConfiguration"
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == rules
    s3.delete_bucket_cors(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=bucket)
    assert _code(exc) == "NoSuchTagSet"
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "web"}]})
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "team", "Value": "web"}]
    default = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert default["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    assert (
        s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"][0]["ObjectOwnership"]
        == "ObjectWriter"
    )


def test_lifecycle_and_website_are_stored(s3, bucket):
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1}}
            ]
        },
    )
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]["ID"] == "expire"
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    assert s3.get_bucket_website(Bucket=bucket)["IndexDocument"]["Suffix"] == "index.html"
    s3.delete_bucket_website(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_website(Bucket=bucket)
    assert _code(exc) == "NoSuchWebsiteConfiguration"


def test_bucket_acl(s3, bucket, endpoint):
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert {g["Permission"] for g in s3.get_bucket_acl(Bucket=bucket)["Grants"]} == {"FULL_CONTROL", "READ"}
    assert _anonymous_get(f"{endpoint}/{bucket}?list-type=2") == 200


def test_bucket_acl_from_a_grant_list(s3, bucket):
    acl = s3.get_bucket_acl(Bucket=bucket)
    everyone = {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}
    grants = [*acl["Grants"], {"Grantee": everyone, "Permission": "READ"}]
    grants.append({"Grantee": everyone, "Permission": "WRITE"})
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Owner": acl["Owner"], "Grants": grants})
    permissions = [g["Permission"] for g in s3.get_bucket_acl(Bucket=bucket)["Grants"]]
    assert sorted(permissions) == ["FULL_CONTROL", "READ", "WRITE"]
    # a canonical user id is 64 hex digits; anything else is refused, not stored
    stranger = {"Grantee": {"Type": "CanonicalUser", "ID": "_foo"}, "Permission": "READ"}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Owner": acl["Owner"], "Grants": [stranger]})
    assert _code(exc) == "InvalidArgument"
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    with pytest.raises(ClientError) as exc:
        s3.put_object_acl(
            Bucket=bucket, Key="k", AccessControlPolicy={"Owner": acl["Owner"], "Grants": [stranger]}
        )
    assert _code(exc) == "InvalidArgument"


def test_notification_validation(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {"QueueArn": "arn:aws:sqs:us-east-1:000000000000:q", "Events": ["s3:Nonsense"]}
                ]
            },
        )
    assert _code(exc) == "InvalidArgument"
