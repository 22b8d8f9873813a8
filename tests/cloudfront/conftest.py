"""CloudFront fixtures: clients, a counting HTTP origin, distributions and an httpx viewer."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

_names = itertools.count()
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_names)}"


@dataclass
class Page:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class Origin:
    """A plain web server: pages by path, and every request it received."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self.gate: threading.Event | None = None  # when set, requests wait for it
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._answer()

            def do_OPTIONS(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self._answer()

            def _answer(self) -> None:
                with origin.lock:
                    origin.requests.append(
                        (self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
                    )
                if origin.gate is not None:
                    origin.gate.wait(10)
                page = origin.pages.get(self.path.split("?")[0], Page(404, b"not here"))
                etag = page.headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    for key, value in page.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(page.status)
                for key, value in page.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                self.wfile.write(page.body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def hits(self, path: str) -> int:
        with self.lock:
            return sum(1 for _, p, _ in self.requests if p.split("?")[0] == path)

    def last(self, path: str) -> dict[str, str]:
        with self.lock:
            return next(h for _, p, h in reversed(self.requests) if p.split("?")[0] == path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def origin() -> Iterator[Origin]:
    server = Origin()
    yield server
    server.close()


@pytest.fixture(scope="module")
def cf(client):
    return client("cloudfront")


@pytest.fixture(scope="module")
def s3(client):
    return client("s3")


@pytest.fixture(scope="module")
def viewer() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as http:
        yield http


def custom_origin(port: int, origin_id: str = "web") -> dict[str, Any]:
    return {
        "Id": origin_id,
        "DomainName": f"localhost:{port}",
        "CustomOriginConfig": {"HTTPPort": port, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"},
    }


def s3_origin(bucket: str, origin_id: str = "bucket", **extra: Any) -> dict[str, Any]:
    return {
        "Id": origin_id,
        "DomainName": f"{bucket}.s3.us-east-1.amazonaws.com",
        "S3OriginConfig": {"OriginAccessIdentity": extra.pop("oai", "")},
        **extra,
    }


def distribution_config(origins: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    behavior = {
        "TargetOriginId": origins[0]["Id"],
        "ViewerProtocolPolicy": "allow-all",
        "CachePolicyId": CACHING_OPTIMIZED,
        **overrides.pop("behavior", {}),
    }
    behavior = {key: value for key, value in behavior.items() if value is not None}
    return {
        "CallerReference": unique("ref"),
        "Comment": "test",
        "Enabled": True,
        "Origins": {"Quantity": len(origins), "Items": origins},
        "DefaultCacheBehavior": behavior,
        **overrides,
    }


@pytest.fixture
def distribution(cf) -> Callable[..., str]:
    """distribution(origins, **config) -> the id of a new distribution."""

    def create(origins: list[dict[str, Any]], **overrides: Any) -> str:
        config = distribution_config(origins, **overrides)
        return cf.create_distribution(DistributionConfig=config)["Distribution"]["Id"]

    return create


@pytest.fixture(scope="module")
def edge_url(endpoint: str) -> Callable[[str, str], str]:
    """edge_url(distribution_id, path) -> the viewer URL through /_aws/cloudfront/."""
    return lambda distribution_id, path: f"{endpoint}/_aws/cloudfront/{distribution_id}{path}"


def free_port() -> int:
    """A port nothing listens on: an origin that refuses connections."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The viewer for tests: patient, since a loaded machine can take seconds to start services.
http = httpx.Client(timeout=60)
