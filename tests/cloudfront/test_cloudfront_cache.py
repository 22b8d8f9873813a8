"""The edge cache in front of a plain HTTP origin: hits, TTLs, revalidation, collapsing."""

from __future__ import annotations

import gzip
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import brotli
import httpx
from conftest import CACHING_DISABLED, Page, custom_origin


def test_second_get_is_a_hit_with_age_and_via(origin, distribution, viewer, edge_url, server):
    origin.pages["/hello.txt"] = Page(body=b"hello", headers={"Content-Type": "text/plain"})
    dist = distribution([custom_origin(origin.port)])
    first = viewer.get(edge_url(dist, "/hello.txt"))
    assert first.status_code == 200 and first.content == b"hello"
    assert first.headers["x-cache"] == "Miss from cloudfront"
    assert "CloudFront" in first.headers["via"]
    server.advance_clock(5)
    second = viewer.get(edge_url(dist, "/hello.txt"))
    assert second.content == b"hello"
    assert second.headers["x-cache"] == "Hit from cloudfront"
    assert int(second.headers["age"]) >= 5
    assert origin.hits("/hello.txt") == 1
    assert origin.last("/hello.txt")["user-agent"] == "Amazon CloudFront"


def test_host_header_form_reaches_the_same_distribution(origin, distribution, viewer, endpoint):
    origin.pages["/host.txt"] = Page(body=b"by host")
    dist = distribution([custom_origin(origin.port)])
    port = endpoint.rsplit(":", 1)[1]
    reply = viewer.get(
        f"{endpoint}/host.txt", headers={"Host": f"{dist.lower()}.cloudfront.localhost:{port}"}
    )
    assert reply.status_code == 200 and reply.content == b"by host"


def test_origin_max_age_bounds_the_ttl(origin, distribution, viewer, edge_url, server):
    origin.pages["/short"] = Page(body=b"v1", headers={"Cache-Control": "max-age=30"})
    dist = distribution([custom_origin(origin.port)])
    viewer.get(edge_url(dist, "/short"))
    server.advance_clock(10)
    assert viewer.get(edge_url(dist, "/short")).headers["x-cache"] == "Hit from cloudfront"
    origin.pages["/short"] = Page(body=b"v2", headers={"Cache-Control": "max-age=30"})
    server.advance_clock(25)
    reply = viewer.get(edge_url(dist, "/short"))
    assert reply.content == b"v2" and reply.headers["x-cache"] == "Miss from cloudfront"
    assert origin.hits("/short") == 2


def test_no_store_is_cached_only_for_the_minimum_ttl(origin, distribution, viewer, edge_url, server):
    origin.pages["/private"] = Page(body=b"secret", headers={"Cache-Control": "no-store"})
    legacy = {
        "CachePolicyId": None,
        "MinTTL": 0,
        "DefaultTTL": 100,
        "MaxTTL": 1000,
        "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
    }
    uncached = distribution([custom_origin(origin.port)], behavior=legacy)
    for _ in range(2):
        assert viewer.get(edge_url(uncached, "/private")).headers["x-cache"] == "Miss from cloudfront"
    assert origin.hits("/private") == 2
    optimized = distribution([custom_origin(origin.port)])  # CachingOptimized: MinTTL 1
    viewer.get(edge_url(optimized, "/private"))
    assert viewer.get(edge_url(optimized, "/private")).headers["x-cache"] == "Hit from cloudfront"
    server.advance_clock(2)
    assert viewer.get(edge_url(optimized, "/private")).headers["x-cache"] == "Miss from cloudfront"


def test_caching_disabled_policy_always_goes_to_the_origin(origin, distribution, viewer, edge_url):
    origin.pages["/live"] = Page(body=b"now")
    dist = distribution([custom_origin(origin.port)], behavior={"CachePolicyId": CACHING_DISABLED})
    for _ in range(3):
        assert viewer.get(edge_url(dist, "/live")).content == b"now"
    assert origin.hits("/live") == 3


def test_stale_entry_is_revalidated_with_etag(origin, distribution, viewer, edge_url, server):
    origin.pages["/etagged"] = Page(body=b"same", headers={"ETag": '"abc"', "Cache-Control": "max-age=60"})
    dist = distribution([custom_origin(origin.port)])
    viewer.get(edge_url(dist, "/etagged"))
    server.advance_clock(61)
    reply = viewer.get(edge_url(dist, "/etagged"))
    assert reply.content == b"same"
    assert reply.headers["x-cache"] == "RefreshHit from cloudfront"
    assert origin.last("/etagged")["if-none-match"] == '"abc"'
    assert viewer.get(edge_url(dist, "/etagged")).headers["x-cache"] == "Hit from cloudfront"
    assert origin.hits("/etagged") == 2


def test_viewer_conditional_get_is_answered_from_cache(origin, distribution, viewer, edge_url):
    origin.pages["/cond"] = Page(body=b"body", headers={"ETag": '"v9"'})
    dist = distribution([custom_origin(origin.port)])
    viewer.get(edge_url(dist, "/cond"))
    reply = viewer.get(edge_url(dist, "/cond"), headers={"If-None-Match": '"v9"'})
    assert reply.status_code == 304 and reply.content == b""
    assert origin.hits("/cond") == 1


def test_concurrent_misses_make_one_origin_request(origin, distribution, edge_url):
    origin.pages["/crowd.bin"] = Page(
        body=b"x" * 300_000, headers={"Content-Type": "application/octet-stream"}
    )
    dist = distribution([custom_origin(origin.port)])
    origin.gate = threading.Event()
    try:
        with (
            ThreadPoolExecutor(20) as pool,
            httpx.Client(timeout=30, limits=httpx.Limits(max_connections=40)) as http,
        ):
            futures = [pool.submit(http.get, edge_url(dist, "/crowd.bin")) for _ in range(20)]
            deadline = time.monotonic() + 30
            while origin.hits("/crowd.bin") < 1 and time.monotonic() < deadline:
                threading.Event().wait(0.01)
            origin.gate.set()
            replies = [f.result() for f in futures]
    finally:
        origin.gate = None
    assert all(r.status_code == 200 and len(r.content) == 300_000 for r in replies)
    assert origin.hits("/crowd.bin") == 1


def test_range_requests_are_served_from_the_cache(origin, distribution, viewer, edge_url):
    origin.pages["/ranged"] = Page(body=bytes(range(256)) * 4)
    dist = distribution([custom_origin(origin.port)])
    part = viewer.get(edge_url(dist, "/ranged"), headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == bytes(range(10, 20))
    assert part.headers["content-range"] == "bytes 10-19/1024"
    tail = viewer.get(edge_url(dist, "/ranged"), headers={"Range": "bytes=-4"})
    assert tail.content == bytes(range(252, 256)) and tail.headers["x-cache"] == "Hit from cloudfront"
    assert viewer.get(edge_url(dist, "/ranged"), headers={"Range": "bytes=5000-"}).status_code == 416
    assert origin.hits("/ranged") == 1


def test_gzip_when_accepted_and_compress_is_on(origin, distribution, viewer, edge_url):
    text = b"compress me please " * 200
    origin.pages["/page.html"] = Page(body=text, headers={"Content-Type": "text/html"})
    dist = distribution([custom_origin(origin.port)], behavior={"Compress": True})
    zipped = viewer.get(edge_url(dist, "/page.html"), headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == text  # httpx decodes it
    assert int(zipped.headers["content-length"]) < len(text)
    plain = viewer.get(edge_url(dist, "/page.html"), headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == text
    with viewer.stream("GET", edge_url(dist, "/page.html"), headers={"Accept-Encoding": "gzip"}) as raw:
        assert gzip.decompress(b"".join(raw.iter_raw())) == text
        assert raw.headers["x-cache"] == "Hit from cloudfront"
    assert origin.hits("/page.html") == 2  # one per encoding: each is its own cache entry


def test_brotli_preferred_when_the_policy_enables_it(origin, distribution, viewer, edge_url):
    text = b"squeeze me harder " * 300
    origin.pages["/app.js"] = Page(body=text, headers={"Content-Type": "application/javascript"})
    dist = distribution([custom_origin(origin.port)], behavior={"Compress": True})  # CachingOptimized: gzip and br
    with viewer.stream("GET", edge_url(dist, "/app.js"), headers={"Accept-Encoding": "gzip, deflate, br"}) as raw:
        assert raw.headers["content-encoding"] == "br" and raw.headers["vary"] == "Accept-Encoding"
        assert brotli.decompress(b"".join(raw.iter_raw())) == text
    hit = viewer.get(edge_url(dist, "/app.js"), headers={"Accept-Encoding": "br"})
    assert hit.headers["x-cache"] == "Hit from cloudfront" and hit.content == text
    zipped = viewer.get(edge_url(dist, "/app.js"), headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.content == text
    assert origin.hits("/app.js") == 2  # br and gzip: one cache entry each


def _methods(allowed: list[str], cached: list[str]) -> dict:
    return {"AllowedMethods": {"Quantity": len(allowed), "Items": allowed,
                               "CachedMethods": {"Quantity": len(cached), "Items": cached}}}


def test_options_cached_only_when_cached_methods_list_it(origin, distribution, viewer, edge_url):
    origin.pages["/api"] = Page(body=b"allowed", headers={"Content-Type": "text/plain", "Allow": "GET, OPTIONS"})
    listed = distribution([custom_origin(origin.port)],
                          behavior=_methods(["GET", "HEAD", "OPTIONS"], ["GET", "HEAD", "OPTIONS"]))
    first = viewer.options(edge_url(listed, "/api"))
    again = viewer.options(edge_url(listed, "/api"))
    assert first.status_code == again.status_code == 200
    assert first.headers["x-cache"] == "Miss from cloudfront"
    assert again.headers["x-cache"] == "Hit from cloudfront" and again.headers["allow"] == "GET, OPTIONS"
    assert [m for m, p, _ in origin.requests if p == "/api"] == ["OPTIONS"]
    viewer.get(edge_url(listed, "/api"))  # a GET is its own cache entry, not the OPTIONS answer
    assert [m for m, p, _ in origin.requests if p == "/api"] == ["OPTIONS", "GET"]
    unlisted = distribution([custom_origin(origin.port)], behavior=_methods(["GET", "HEAD", "OPTIONS"], ["GET", "HEAD"]))
    viewer.options(edge_url(unlisted, "/api"))
    assert viewer.options(edge_url(unlisted, "/api")).headers["x-cache"] == "Miss from cloudfront"
    assert [m for m, p, _ in origin.requests if p == "/api"] == ["OPTIONS", "GET", "OPTIONS", "OPTIONS"]


def test_query_strings_are_in_the_key_only_when_the_policy_says(origin, distribution, viewer, edge_url, cf):
    origin.pages["/q"] = Page(body=b"q")
    dist = distribution([custom_origin(origin.port)])
    viewer.get(edge_url(dist, "/q?a=1"))
    assert viewer.get(edge_url(dist, "/q?a=2")).headers["x-cache"] == "Hit from cloudfront"
    policy = cf.create_cache_policy(
        CachePolicyConfig={
            "Name": "by-query",
            "MinTTL": 0,
            "DefaultTTL": 100,
            "MaxTTL": 1000,
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": False,
                "HeadersConfig": {"HeaderBehavior": "none"},
                "CookiesConfig": {"CookieBehavior": "none"},
                "QueryStringsConfig": {
                    "QueryStringBehavior": "whitelist",
                    "QueryStrings": {"Quantity": 1, "Items": ["v"]},
                },
            },
        }
    )["CachePolicy"]["Id"]
    keyed = distribution([custom_origin(origin.port)], behavior={"CachePolicyId": policy})
    before = origin.hits("/q")
    viewer.get(edge_url(keyed, "/q?v=1&other=x"))
    assert viewer.get(edge_url(keyed, "/q?v=1&other=y")).headers["x-cache"] == "Hit from cloudfront"
    assert viewer.get(edge_url(keyed, "/q?v=2")).headers["x-cache"] == "Miss from cloudfront"
    assert origin.hits("/q") == before + 2
    assert origin.requests[-1][1] == "/q?v=2"


def test_origin_request_policy_forwards_without_keying(origin, distribution, viewer, edge_url):
    origin.pages["/fwd"] = Page(body=b"f")
    all_viewer_except_host = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    dist = distribution(
        [custom_origin(origin.port)],
        behavior={"CachePolicyId": CACHING_DISABLED, "OriginRequestPolicyId": all_viewer_except_host},
    )
    viewer.get(edge_url(dist, "/fwd?page=2"), headers={"X-Trace": "t1", "Cookie": "session=s1"})
    seen = origin.last("/fwd")
    assert seen["x-trace"] == "t1" and seen["cookie"] == "session=s1"
    assert origin.requests[-1][1] == "/fwd?page=2"
    plain = distribution([custom_origin(origin.port)], behavior={"CachePolicyId": CACHING_DISABLED})
    viewer.get(edge_url(plain, "/fwd?page=3"), headers={"X-Trace": "t2", "Cookie": "session=s2"})
    seen = origin.last("/fwd")
    assert "x-trace" not in seen and "cookie" not in seen
    assert origin.requests[-1][1] == "/fwd"  # CachingDisabled keys on nothing, so forwards nothing


def test_cache_key_headers_separate_entries(origin, distribution, viewer, edge_url, cf):
    origin.pages["/lang"] = Page(body=b"l")
    policy = cf.create_cache_policy(
        CachePolicyConfig={
            "Name": "by-language",
            "MinTTL": 0,
            "DefaultTTL": 100,
            "MaxTTL": 1000,
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": False,
                "HeadersConfig": {
                    "HeaderBehavior": "whitelist",
                    "Headers": {"Quantity": 1, "Items": ["Accept-Language"]},
                },
                "CookiesConfig": {"CookieBehavior": "none"},
                "QueryStringsConfig": {"QueryStringBehavior": "none"},
            },
        },
    )["CachePolicy"]["Id"]
    dist = distribution([custom_origin(origin.port)], behavior={"CachePolicyId": policy})
    viewer.get(edge_url(dist, "/lang"), headers={"Accept-Language": "fr"})
    assert origin.last("/lang")["accept-language"] == "fr"
    assert (
        viewer.get(edge_url(dist, "/lang"), headers={"Accept-Language": "fr"})
        .headers["x-cache"]
        .startswith("Hit")
    )
    assert (
        viewer.get(edge_url(dist, "/lang"), headers={"Accept-Language": "de"})
        .headers["x-cache"]
        .startswith("Miss")
    )
