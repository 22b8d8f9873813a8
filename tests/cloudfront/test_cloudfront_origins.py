"""Origins beyond a single server: failover groups, stale copies on origin errors, S3 website
endpoints and API Gateway stages named as AWS templates name them."""

from __future__ import annotations

import json

from conftest import Page, custom_origin, free_port, http, unique


def test_origin_group_fails_over_on_listed_statuses(origin, distribution, edge_url):
    origin.pages["/fallback.txt"] = Page(body=b"from secondary")
    dead = custom_origin(free_port(), "primary")
    group = {
        "Id": "group",
        "FailoverCriteria": {"StatusCodes": {"Quantity": 2, "Items": [500, 502]}},
        "Members": {"Quantity": 2, "Items": [{"OriginId": "primary"}, {"OriginId": "web"}]},
    }
    dist = distribution(
        [dead, custom_origin(origin.port)],
        OriginGroups={"Quantity": 1, "Items": [group]},
        behavior={"TargetOriginId": "group"},
    )
    reply = http.get(edge_url(dist, "/fallback.txt"))
    assert reply.status_code == 200 and reply.content == b"from secondary"


def test_expired_copy_is_served_when_the_origin_fails(origin, distribution, edge_url, server):
    origin.pages["/flaky"] = Page(body=b"good", headers={"Cache-Control": "max-age=10"})
    dist = distribution([custom_origin(origin.port)])
    http.get(edge_url(dist, "/flaky"))
    origin.pages["/flaky"] = Page(503, b"down")
    server.advance_clock(11)
    reply = http.get(edge_url(dist, "/flaky"))
    assert reply.status_code == 200 and reply.content == b"good"


def test_head_fills_the_cache_without_a_body(origin, distribution, edge_url):
    origin.pages["/head.bin"] = Page(body=b"12345")
    dist = distribution([custom_origin(origin.port)])
    head = http.head(edge_url(dist, "/head.bin"))
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == "5"
    assert http.get(edge_url(dist, "/head.bin")).headers["x-cache"] == "Hit from cloudfront"


def test_s3_website_endpoint_origin(s3, distribution, edge_url):
    bucket = unique("www")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="docs/index.html", Body=b"docs home", ContentType="text/html")
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
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
    website = {
        "Id": "site",
        "DomainName": f"{bucket}.s3-website-us-east-1.amazonaws.com",
        "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"},
    }
    dist = distribution([website])
    reply = http.get(edge_url(dist, "/docs/"))
    assert reply.status_code == 200 and reply.content == b"docs home"


def test_api_gateway_stage_origin(client, origin, distribution, edge_url):
    orders = Page(body=b'{"orders": 3}', headers={"Content-Type": "application/json"})
    # Whether the stage appends the request path to its HTTP target is API Gateway's business:
    # the backend answers both ways, and only the round trip through the stage is checked.
    origin.pages["/backend/orders"] = origin.pages["/backend"] = orders
    api = client("apigatewayv2").create_api(
        Name=unique("api"), ProtocolType="HTTP", Target=f"http://127.0.0.1:{origin.port}/backend"
    )
    stage_origin = {
        "Id": "api",
        "DomainName": f"{api['ApiId']}.execute-api.us-east-1.amazonaws.com",
        "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"},
    }
    dist = distribution([stage_origin], behavior={"CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"})
    reply = http.get(edge_url(dist, "/orders"))
    assert reply.status_code == 200 and reply.json() == {"orders": 3}
    assert origin.last("/backend/orders" if origin.hits("/backend/orders") else "/backend")["x-amz-cf-id"]
