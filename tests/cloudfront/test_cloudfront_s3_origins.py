"""S3 buckets as origins: private buckets behind origin access control or an origin access
identity, default root objects, custom error pages and path-pattern behaviours."""

from __future__ import annotations

import json

import pytest
from conftest import Page, custom_origin, http, s3_origin, unique


@pytest.fixture
def bucket(s3) -> str:
    name = unique("site")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="index.html", Body=b"<h1>home</h1>", ContentType="text/html")
    s3.put_object(Bucket=name, Key="css/site.css", Body=b"body{}", ContentType="text/css")
    return name


def oac_policy(bucket: str, distribution_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowCloudFrontServicePrincipalReadOnly",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudfront.amazonaws.com"},
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                    "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
                }
            ],
        }
    )


@pytest.fixture
def oac(cf) -> str:
    return cf.create_origin_access_control(
        OriginAccessControlConfig={
            "Name": unique("oac"),
            "SigningProtocol": "sigv4",
            "SigningBehavior": "always",
            "OriginAccessControlOriginType": "s3",
        }
    )["OriginAccessControl"]["Id"]


def test_origin_access_control_reads_a_private_bucket(cf, s3, bucket, oac, distribution, edge_url, endpoint):
    dist = distribution([s3_origin(bucket, OriginAccessControlId=oac)])
    arn = cf.get_distribution(Id=dist)["Distribution"]["ARN"]
    denied = http.get(edge_url(dist, "/index.html"))
    assert denied.status_code == 403  # no bucket policy yet: the distribution is nobody to S3
    s3.put_bucket_policy(Bucket=bucket, Policy=oac_policy(bucket, arn))
    reply = http.get(edge_url(dist, "/css/site.css"))
    assert reply.status_code == 200 and reply.content == b"body{}"
    assert reply.headers["content-type"] == "text/css"
    assert http.get(f"{endpoint}/{bucket}/css/site.css").status_code == 403  # anonymous, direct


def test_the_source_arn_condition_keeps_other_distributions_out(cf, s3, bucket, oac, distribution, edge_url):
    allowed = distribution([s3_origin(bucket, OriginAccessControlId=oac)])
    other = distribution([s3_origin(bucket, OriginAccessControlId=oac)])
    s3.put_bucket_policy(
        Bucket=bucket, Policy=oac_policy(bucket, cf.get_distribution(Id=allowed)["Distribution"]["ARN"])
    )
    assert http.get(edge_url(allowed, "/index.html")).status_code == 200
    assert http.get(edge_url(other, "/index.html")).status_code == 403


def test_legacy_origin_access_identity(cf, s3, bucket, distribution, edge_url, endpoint):
    identity = cf.create_cloud_front_origin_access_identity(
        CloudFrontOriginAccessIdentityConfig={"CallerReference": unique("oai"), "Comment": "site"}
    )["CloudFrontOriginAccessIdentity"]
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{bucket}/*",
                        "Principal": {
                            "AWS": f"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity {identity['Id']}"
                        },
                    }
                ],
            }
        ),
    )
    dist = distribution([s3_origin(bucket, oai=f"origin-access-identity/cloudfront/{identity['Id']}")])
    assert http.get(edge_url(dist, "/index.html")).content == b"<h1>home</h1>"
    assert http.get(f"{endpoint}/{bucket}/index.html").status_code == 403


def test_public_bucket_needs_no_access_settings(s3, bucket, distribution, edge_url):
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{bucket}/*",
                    }
                ],
            }
        ),
    )
    dist = distribution([s3_origin(bucket)])
    assert http.get(edge_url(dist, "/index.html")).status_code == 200


def test_default_root_object_and_spa_error_page(cf, s3, bucket, oac, distribution, edge_url):
    dist = distribution(
        [s3_origin(bucket, OriginAccessControlId=oac)],
        DefaultRootObject="index.html",
        CustomErrorResponses={
            "Quantity": 2,
            "Items": [
                {
                    "ErrorCode": 403,
                    "ResponsePagePath": "/index.html",
                    "ResponseCode": "200",
                    "ErrorCachingMinTTL": 0,
                },
                {
                    "ErrorCode": 404,
                    "ResponsePagePath": "/index.html",
                    "ResponseCode": "200",
                    "ErrorCachingMinTTL": 0,
                },
            ],
        },
    )
    s3.put_bucket_policy(
        Bucket=bucket, Policy=oac_policy(bucket, cf.get_distribution(Id=dist)["Distribution"]["ARN"])
    )
    root = http.get(edge_url(dist, "/"))
    assert root.status_code == 200 and root.content == b"<h1>home</h1>"
    deep_link = http.get(edge_url(dist, "/users/42/profile"))
    assert deep_link.status_code == 200 and deep_link.content == b"<h1>home</h1>"


def test_path_patterns_pick_the_origin(cf, s3, bucket, origin, distribution, edge_url):
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{bucket}/*",
                    }
                ],
            }
        ),
    )
    origin.pages["/api/items"] = Page(body=b'{"items": []}', headers={"Content-Type": "application/json"})
    api_behavior = {
        "PathPattern": "/api/*",
        "TargetOriginId": "web",
        "ViewerProtocolPolicy": "allow-all",
        "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        "AllowedMethods": {
            "Quantity": 7,
            "Items": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
            "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
        },
    }
    dist = distribution(
        [s3_origin(bucket), custom_origin(origin.port)],
        CacheBehaviors={"Quantity": 1, "Items": [api_behavior]},
    )
    assert http.get(edge_url(dist, "/api/items")).json() == {"items": []}
    assert http.post(edge_url(dist, "/api/items"), content=b"{}").status_code == 200
    assert origin.requests[-1][0] == "POST"
    assert http.get(edge_url(dist, "/index.html")).content == b"<h1>home</h1>"
    refused = http.post(edge_url(dist, "/index.html"), content=b"x")
    assert refused.status_code == 403  # the default behaviour allows GET and HEAD only
