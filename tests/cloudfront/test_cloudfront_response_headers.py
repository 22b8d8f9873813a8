"""Response headers policies: CORS (preflights answered at the edge) and security headers."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from conftest import Page, custom_origin, http, unique

CORS_WITH_PREFLIGHT = "5cc3b908-e619-4b99-88e5-2cf7f45965bd"
SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03"


def test_managed_cors_policy_answers_preflight_and_decorates_responses(origin, distribution, edge_url):
    origin.pages["/data.json"] = Page(body=b"{}", headers={"Content-Type": "application/json"})
    dist = distribution(
        [custom_origin(origin.port)], behavior={"ResponseHeadersPolicyId": CORS_WITH_PREFLIGHT}
    )
    preflight = http.options(
        edge_url(dist, "/data.json"),
        headers={
            "Origin": "https://app.example.test",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "PUT" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-headers"] == "content-type"
    assert preflight.headers["access-control-max-age"] == "600"
    simple = http.get(edge_url(dist, "/data.json"), headers={"Origin": "https://app.example.test"})
    assert simple.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in http.get(edge_url(dist, "/data.json")).headers
    assert origin.hits("/data.json") == 1  # the preflight never reached the origin


def test_managed_security_headers(origin, distribution, edge_url):
    origin.pages["/secure.html"] = Page(body=b"<p>", headers={"X-Frame-Options": "DENY"})
    dist = distribution([custom_origin(origin.port)], behavior={"ResponseHeadersPolicyId": SECURITY_HEADERS})
    reply = http.get(edge_url(dist, "/secure.html"))
    assert reply.headers["strict-transport-security"] == "max-age=31536000"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["x-frame-options"] == "DENY"  # Override false: the origin's value stays
    assert reply.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert reply.headers["x-xss-protection"] == "1; mode=block"


def test_custom_policy_with_credentials_custom_and_removed_headers(cf, origin, distribution, edge_url):
    origin.pages["/custom"] = Page(body=b"c", headers={"X-Powered-By": "origin"})
    created = cf.create_response_headers_policy(
        ResponseHeadersPolicyConfig={
            "Name": unique("headers"),
            "CorsConfig": {
                "AccessControlAllowOrigins": {"Quantity": 1, "Items": ["https://app.example.test"]},
                "AccessControlAllowHeaders": {"Quantity": 1, "Items": ["*"]},
                "AccessControlAllowMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
                "AccessControlAllowCredentials": True,
                "OriginOverride": True,
            },
            "SecurityHeadersConfig": {
                "ContentSecurityPolicy": {"Override": True, "ContentSecurityPolicy": "default-src 'self'"}
            },
            "CustomHeadersConfig": {
                "Quantity": 1,
                "Items": [{"Header": "X-Site", "Value": "blog", "Override": True}],
            },
            "RemoveHeadersConfig": {"Quantity": 1, "Items": [{"Header": "X-Powered-By"}]},
        }
    )
    policy_id = created["ResponseHeadersPolicy"]["Id"]
    dist = distribution([custom_origin(origin.port)], behavior={"ResponseHeadersPolicyId": policy_id})
    reply = http.get(edge_url(dist, "/custom"), headers={"Origin": "https://app.example.test"})
    assert reply.headers["access-control-allow-origin"] == "https://app.example.test"
    assert reply.headers["access-control-allow-credentials"] == "true"
    assert reply.headers["content-security-policy"] == "default-src 'self'"
    assert reply.headers["x-site"] == "blog"
    assert "x-powered-by" not in reply.headers
    other = http.get(edge_url(dist, "/custom"), headers={"Origin": "https://evil.example.test"})
    assert "access-control-allow-origin" not in other.headers
    with pytest.raises(ClientError) as excinfo:
        cf.delete_response_headers_policy(Id=policy_id, IfMatch=created["ETag"])
    assert excinfo.value.response["Error"]["Code"] == "ResponseHeadersPolicyInUse"
    listed = cf.list_response_headers_policies(Type="custom")["ResponseHeadersPolicyList"]["Items"]
    assert policy_id in [p["ResponseHeadersPolicy"]["Id"] for p in listed]
