"""CloudFront figures: the edge cache against a direct S3 GET, and a flash crowd on one origin.

    .venv/bin/python -m bench.cloudfront [--quick] [--name NAME]

- **hit_server**: a cache hit handled in process (`App.handle`, body included), no network:
  the server time of a hit. Median and p99 of HIT_CALLS.
- **hit_vs_s3**: one keep-alive HTTP client, the same 10 KB object fetched through a
  distribution (every request a hit) and straight from S3 (anonymous, public bucket): median
  and p99 of each, and requests/s from 8 client threads over a few seconds.
- **flash_crowd**: VIEWERS concurrent viewers fetch one SIZE_MB object, never fetched before,
  from a plain HTTP origin that counts requests: the origin's request count (1 means 100%
  offload), wall time and aggregate MB/s delivered.

Writes bench/results/cloudfront-<name>.json and prints the figures. No figure is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server

OBJECT = b"x" * 10_240
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def config(origin: dict[str, Any]) -> dict[str, Any]:
    return {
        "CallerReference": str(time.time_ns()),
        "Comment": "bench",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {
            "TargetOriginId": origin["Id"],
            "ViewerProtocolPolicy": "allow-all",
            "CachePolicyId": CACHING_OPTIMIZED,
        },
    }


def public_bucket(s3: Any, name: str) -> None:
    s3.create_bucket(Bucket=name)
    s3.put_bucket_policy(
        Bucket=name,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{name}/*",
                    }
                ],
            }
        ),
    )
    s3.put_object(Bucket=name, Key="object.bin", Body=OBJECT)


# -- hit_server: in process -------------------------------------------------------------------


async def _hit_server(calls: int) -> dict[str, float]:
    from cloudlet.config import Config
    from cloudlet.edge.app import App
    from cloudlet.edge.types import Body, Headers, Request

    data_dir = tempfile.mkdtemp(prefix="cloudlet-bench-")
    app = App(Config(data_dir=data_dir, port=1))
    s3 = await app.env.registry.provider("s3")
    cf = await app.env.registry.provider("cloudfront")
    from cloudlet.edge.types import Principal, RequestContext

    ctx = RequestContext(
        Request("PUT", "/", "", Headers()),
        principal=Principal("test", "000000000000", "arn:aws:iam::000000000000:root", "x"),
    )
    s3.create_bucket(ctx, {"Bucket": "bench"})
    s3.put_bucket_policy(
        ctx,
        {
            "Bucket": "bench",
            "Policy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": "s3:GetObject",
                            "Resource": "arn:aws:s3:::bench/*",
                        }
                    ],
                }
            ),
        },
    )
    ctx.request = Request("PUT", "/bench/object.bin", "", Headers([("content-length", str(len(OBJECT)))]))
    put = s3.put_object(
        ctx, {"Bucket": "bench", "Key": "object.bin", "Body": Body(OBJECT), "ContentLength": len(OBJECT)}
    )
    if asyncio.iscoroutine(put):
        await put
    dist = cf.create_distribution(
        ctx,
        {
            "DistributionConfig": config(
                {
                    "Id": "s3",
                    "DomainName": "bench.s3.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            )
        },
    )
    dist_id = dist["Distribution"]["Id"]

    async def one() -> tuple[float, int, str]:
        request = Request(
            "GET", f"/_aws/cloudfront/{dist_id}/object.bin", "", Headers([("host", "localhost")])
        )
        started = time.perf_counter()
        response = await app.handle(request)
        body = (
            response.body if isinstance(response.body, bytes) else b"".join([c async for c in response.body])
        )
        return time.perf_counter() - started, len(body), response.headers.get("x-cache") or ""

    _, size, state = await one()
    samples = []
    for _ in range(calls):
        elapsed, size, state = await one()
        samples.append(elapsed * 1000)
    await app.env.registry.stop_all()
    app.env.store.close()
    assert state.startswith("Hit") and size == len(OBJECT), (state, size)
    return {"median_ms": statistics.median(samples), "p99_ms": percentile(samples, 0.99), "calls": calls}


# -- hit_vs_s3: over HTTP ---------------------------------------------------------------------


def _latency(url: str, calls: int) -> dict[str, float]:
    with httpx.Client() as http:
        for _ in range(50):
            http.get(url)
        samples = []
        for _ in range(calls):
            started = time.perf_counter()
            reply = http.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            if reply.status_code != 200:
                raise RuntimeError(f"{url}: {reply.status_code}")
    return {"median_ms": statistics.median(samples), "p99_ms": percentile(samples, 0.99)}


def _throughput(url: str, seconds: float, threads: int = 8) -> float:
    deadline = time.perf_counter() + seconds
    counts = [0] * threads

    def run(index: int) -> None:
        with httpx.Client() as http:
            while time.perf_counter() < deadline:
                http.get(url)
                counts[index] += 1

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, range(threads)))
    return sum(counts) / seconds


# -- flash_crowd ------------------------------------------------------------------------------


class CountingOrigin:
    def __init__(self, body: bytes) -> None:
        self.count = 0
        lock = threading.Lock()
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with lock:
                    origin.count += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "max-age=3600")
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


async def _crowd(url: str, viewers: int) -> tuple[float, int, int]:
    limits = httpx.Limits(max_connections=viewers, max_keepalive_connections=viewers)
    async with httpx.AsyncClient(limits=limits, timeout=600) as http:

        async def one() -> int:
            size = 0
            async with http.stream("GET", url) as reply:
                async for chunk in reply.aiter_raw():
                    size += len(chunk)
            return size

        started = time.perf_counter()
        sizes = await asyncio.gather(*(one() for _ in range(viewers)))
        return time.perf_counter() - started, sum(sizes), min(sizes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--name", default=datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
    args = parser.parse_args()
    calls, seconds = (300, 2.0) if args.quick else (2000, 5.0)
    viewers, size_mb = (50, 10) if args.quick else (200, 50)
    results: dict[str, Any] = {
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "load_at_start": os.getloadavg()[0],
        "date": datetime.now(UTC).isoformat(),
        "settings": {"calls": calls, "seconds": seconds, "viewers": viewers, "size_mb": size_mb},
    }
    results["hit_server"] = asyncio.run(_hit_server(calls))
    server = start_server()
    try:
        s3, cf = make_client(server.endpoint, "s3"), make_client(server.endpoint, "cloudfront")
        public_bucket(s3, "bench")
        dist = cf.create_distribution(
            DistributionConfig=config(
                {
                    "Id": "s3",
                    "DomainName": "bench.s3.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            )
        )
        edge = f"{server.endpoint}/_aws/cloudfront/{dist['Distribution']['Id']}/object.bin"
        direct = f"{server.endpoint}/bench/object.bin"
        results["hit_vs_s3"] = {
            "edge": {**_latency(edge, calls), "requests_per_s": _throughput(edge, seconds)},
            "s3": {**_latency(direct, calls), "requests_per_s": _throughput(direct, seconds)},
        }
        origin = CountingOrigin(os.urandom(1024 * 1024) * size_mb)
        crowd = cf.create_distribution(
            DistributionConfig=config(
                {
                    "Id": "web",
                    "DomainName": f"localhost:{origin.port}",
                    "CustomOriginConfig": {
                        "HTTPPort": origin.port,
                        "HTTPSPort": 443,
                        "OriginProtocolPolicy": "http-only",
                    },
                }
            )
        )
        url = f"{server.endpoint}/_aws/cloudfront/{crowd['Distribution']['Id']}/update.bin"
        wall, total, smallest = asyncio.run(_crowd(url, viewers))
        results["flash_crowd"] = {
            "origin_requests": origin.count,
            "wall_s": wall,
            "aggregate_mb_per_s": total / wall / 1e6,
            "complete": smallest == size_mb << 20,
        }
        origin.server.shutdown()
    finally:
        server.stop()
    os.makedirs("bench/results", exist_ok=True)
    path = f"bench/results/cloudfront-{args.name}.json"
    with open(path, "w") as fh:
        json.dump(results, fh, indent=2)
    print(json.dumps(results, indent=2))
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
