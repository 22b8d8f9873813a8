"""Pure rules of the edge: TTLs from origin headers, path patterns, ranges, encodings."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from cloudlet.services.cloudfront import behaviors, cache, compression, freshness
from cloudlet.services.cloudfront.cached_replies import byte_range

POLICY = behaviors.CachePolicy(10, 100, 1000, {}, {}, {}, False)
NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("cache_control", "expires", "expected"),
    [
        (None, None, 100),  # no headers: DefaultTTL
        ("max-age=50", None, 50),
        ("max-age=5", None, 10),  # raised to MinTTL
        ("max-age=5000", None, 1000),  # capped at MaxTTL
        ("max-age=50, s-maxage=500", None, 500),  # s-maxage wins
        ("no-cache", None, 10),  # MinTTL > 0: cached that long anyway
        ("private", None, 10),
        (None, formatdate(NOW + 300, usegmt=True), 300),
        (None, "not a date", 10),  # unreadable Expires: already expired, then MinTTL
    ],
)
def test_ttl_from_origin_headers(cache_control, expires, expected):
    assert freshness.ttl(POLICY, 200, cache_control, expires, NOW) == pytest.approx(expected, abs=1)


def test_ttl_zero_bounds_and_statuses():
    disabled = behaviors.CachePolicy(0, 0, 0, {}, {}, {}, False)
    assert freshness.ttl(disabled, 200, "max-age=60", None, NOW) is None
    no_min = behaviors.CachePolicy(0, 100, 1000, {}, {}, {}, False)
    assert freshness.ttl(no_min, 200, "no-store", None, NOW) is None
    assert freshness.ttl(POLICY, 404, None, None, NOW) == freshness.ERROR_CACHING_TTL
    assert freshness.ttl(POLICY, 404, None, None, NOW, error_ttl=0) is None
    assert freshness.ttl(POLICY, 302, "max-age=60", None, NOW) is None


def test_path_patterns_select_in_order():
    config = {
        "DefaultCacheBehavior": {"TargetOriginId": "default"},
        "CacheBehaviors": {
            "Quantity": 3,
            "Items": [
                {"PathPattern": "/api/v?/*", "TargetOriginId": "api"},
                {"PathPattern": "images/*.jpg", "TargetOriginId": "images"},
                {"PathPattern": "*.css", "TargetOriginId": "css"},
            ],
        },
    }
    assert behaviors.select(config, "/api/v1/users")["TargetOriginId"] == "api"
    assert behaviors.select(config, "/api/v10/users")["TargetOriginId"] == "default"
    assert behaviors.select(config, "/images/a/b.jpg")["TargetOriginId"] == "images"
    assert behaviors.select(config, "/Images/b.jpg")["TargetOriginId"] == "default"  # case-sensitive
    assert behaviors.select(config, "/site.css")["TargetOriginId"] == "css"


def test_invalidation_paths():
    assert cache.path_matches("/a.txt", "/a.txt")
    assert not cache.path_matches("/a.txt", "/a.txt2")
    assert cache.path_matches("/img/*", "/img/x/y.png")
    assert cache.path_matches("/*", "/anything")
    assert not cache.path_matches("/img/*", "/imgs/x")
    assert cache.path_matches("/a[1].txt", "/a[1].txt")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-9", (0, 9)),
        ("bytes=90-", (90, 99)),
        ("bytes=-5", (95, 99)),
        ("bytes=95-200", (95, 99)),
        ("bytes=100-", "unsatisfiable"),
        ("bytes=0-1,5-6", None),
        ("items=0-1", None),
    ],
)
def test_byte_ranges(header, expected):
    assert byte_range(header, 100) == expected


def test_viewer_encoding_and_compressible_types():
    assert compression.viewer_encoding("gzip, deflate, br", True) == "gzip"
    assert compression.viewer_encoding("gzip;q=0, br", True) == "identity"
    assert compression.viewer_encoding("gzip", False) == "identity"
    assert compression.viewer_encoding("gzip, deflate, br", True, True) == "br"
    assert compression.viewer_encoding("br;q=0, gzip", True, True) == "gzip"
    assert compression.viewer_encoding("br", True, False) == "identity"
    assert compression.compressible("text/html; charset=utf-8", 5000, None)
    assert not compression.compressible("image/png", 5000, None)
    assert not compression.compressible("text/html", 500, None)
    assert not compression.compressible("text/html", 5000, "br")
