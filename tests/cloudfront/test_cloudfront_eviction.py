"""The cache's size bound: least-recently-used entries go first; the cache survives restarts."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from conftest import Page, custom_origin, http

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import RunningServer, start_server

LIMIT = 25_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = str(tmp_path_factory.mktemp("cloudlet"))
    os.environ["CLOUDLET_CLOUDFRONT_CACHE_BYTES"] = str(LIMIT)
    try:
        running = start_server(data_dir)
    finally:
        del os.environ["CLOUDLET_CLOUDFRONT_CACHE_BYTES"]
    yield running
    running.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def test_least_recently_used_entry_is_evicted(origin, distribution, edge_url, server):
    for name in ("a", "b", "c"):
        origin.pages[f"/{name}"] = Page(body=name.encode() * 10_000)
    dist = distribution([custom_origin(origin.port)])
    http.get(edge_url(dist, "/a"))
    server.advance_clock(2)
    http.get(edge_url(dist, "/b"))
    server.advance_clock(2)
    assert (
        http.get(edge_url(dist, "/a")).headers["x-cache"] == "Hit from cloudfront"
    )  # a is now fresher than b
    server.advance_clock(2)
    http.get(edge_url(dist, "/c"))  # 30,000 bytes > 25,000: one entry must go, the least recently used
    assert http.get(edge_url(dist, "/a")).headers["x-cache"] == "Hit from cloudfront"
    assert http.get(edge_url(dist, "/b")).headers["x-cache"] == "Miss from cloudfront"
    assert origin.hits("/a") == 1 and origin.hits("/b") == 2


def test_an_object_larger_than_the_cache_is_served_but_not_kept(origin, distribution, edge_url):
    origin.pages["/huge"] = Page(body=b"h" * (LIMIT + 1))
    dist = distribution([custom_origin(origin.port)])
    for _ in range(2):
        reply = http.get(edge_url(dist, "/huge"))
        assert len(reply.content) == LIMIT + 1
    assert origin.hits("/huge") == 2


def test_cached_entries_survive_a_restart(origin, distribution, edge_url, server):
    origin.pages["/durable"] = Page(body=b"kept")
    dist = distribution([custom_origin(origin.port)])
    http.get(edge_url(dist, "/durable"))
    server.stop()
    restarted = start_server(server.data_dir, port=int(server.endpoint.rsplit(":", 1)[1]))
    server.process = restarted.process
    reply = http.get(edge_url(dist, "/durable"))
    assert reply.content == b"kept" and reply.headers["x-cache"] == "Hit from cloudfront"
    assert origin.hits("/durable") == 1
    assert make_client(server.endpoint, "cloudfront").get_distribution(Id=dist)["Distribution"]["Id"] == dist
