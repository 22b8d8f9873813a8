"""Invalidations purge what they name (wildcards too); alternate domain names reach the edge."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from conftest import Page, custom_origin, http, unique


def invalidate(cf, dist: str, *paths: str) -> dict:
    return cf.create_invalidation(
        DistributionId=dist,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": list(paths)},
            "CallerReference": unique("inv"),
        },
    )


def test_invalidation_purges_exact_and_wildcard_paths(cf, origin, distribution, edge_url):
    for path in ("/a.txt", "/img/1.png", "/img/2.png", "/keep.txt"):
        origin.pages[path] = Page(body=path.encode())
    dist = distribution([custom_origin(origin.port)])
    for path in ("/a.txt", "/img/1.png", "/img/2.png", "/keep.txt"):
        http.get(edge_url(dist, path))
    created = invalidate(cf, dist, "/a.txt", "/img/*")
    assert created["Invalidation"]["Status"] == "InProgress"
    assert created["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/a.txt", "/img/*"]
    for path in ("/a.txt", "/img/1.png", "/img/2.png"):
        assert http.get(edge_url(dist, path)).headers["x-cache"] == "Miss from cloudfront", path
    assert http.get(edge_url(dist, "/keep.txt")).headers["x-cache"] == "Hit from cloudfront"
    fetched = cf.get_invalidation(DistributionId=dist, Id=created["Invalidation"]["Id"])
    assert fetched["Invalidation"]["Status"] == "Completed"
    listed = cf.list_invalidations(DistributionId=dist)["InvalidationList"]
    assert listed["Quantity"] == 1 and listed["Items"][0]["Id"] == created["Invalidation"]["Id"]


def test_star_purges_everything_including_query_variants(cf, origin, distribution, edge_url):
    origin.pages["/q"] = Page(body=b"q")
    dist = distribution([custom_origin(origin.port)])
    http.get(edge_url(dist, "/q?x=1"))
    invalidate(cf, dist, "/*")
    assert http.get(edge_url(dist, "/q?x=1")).headers["x-cache"] == "Miss from cloudfront"


def test_invalidation_errors(cf, origin, distribution):
    dist = distribution([custom_origin(origin.port)])
    with pytest.raises(ClientError) as excinfo:
        invalidate(cf, dist, "no-slash")
    assert excinfo.value.response["Error"]["Code"] == "InvalidArgument"
    with pytest.raises(ClientError) as excinfo:
        invalidate(cf, "ENOSUCHDIST123", "/x")
    assert excinfo.value.response["Error"]["Code"] == "NoSuchDistribution"
    with pytest.raises(ClientError) as excinfo:
        cf.get_invalidation(DistributionId=dist, Id="INOSUCH")
    assert excinfo.value.response["Error"]["Code"] == "NoSuchInvalidation"


def test_alternate_domain_name_as_host(cf, origin, distribution, endpoint):
    origin.pages["/alias.txt"] = Page(body=b"via alias")
    alias = f"{unique('www')}.example.test"
    dist = distribution([custom_origin(origin.port)], Aliases={"Quantity": 1, "Items": [alias]})
    reply = http.get(f"{endpoint}/alias.txt", headers={"Host": alias})
    assert reply.status_code == 200 and reply.content == b"via alias"
    config_reply = cf.get_distribution_config(Id=dist)
    config = config_reply["DistributionConfig"]
    config["Aliases"] = {"Quantity": 0}
    cf.update_distribution(Id=dist, DistributionConfig=config, IfMatch=config_reply["ETag"])
    # No longer an alias: the request is not CloudFront's any more (S3 answers it).
    assert "x-cache" not in http.get(f"{endpoint}/alias.txt", headers={"Host": alias}).headers
