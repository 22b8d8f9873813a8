"""MyBlog.com figures: the blueprint deployed by `cloudlet up --blueprint myblog`, then

- **read path**: READERS concurrent readers (threads, each a keep-alive httpx client) fetch the
  home page, a post and a thumbnail through CloudFront for SECONDS: requests/s, median, p99.
- **write path**: create a post (API key), subscribe, upload a photo (presigned POST): median
  latency of each over WRITES rounds, through CloudFront as the page calls them.
- **subscribe → email**: from the POST /subscribers answer to the welcome email at an aiosmtpd
  server; **upload → thumbnail**: from the upload's answer to GET /photos/{id} saying ready.

    .venv/bin/python -m bench.blueprints [--quick] [--name NAME]

No peer can run this blueprint (moto and MiniStack serve no CloudFront or API Gateway data
plane), so the figures are cloudlet's own. The readers are Python threads on the same 2-core
machine as the server: the read figures are a floor on capacity, not a ceiling.
Writes bench/results/blueprints-<name>.json. No figure is asserted.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import queue
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from aiosmtpd.controller import Controller
from PIL import Image

from cloudlet.testing.blueprint import Deployed, start_blueprint
from cloudlet.testing.server import free_port


class _Inbox:
    def __init__(self) -> None:
        self.arrived: queue.Queue = queue.Queue()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrived.put((time.perf_counter(), envelope.rcpt_tos))
        return "250 OK"


def _client(url: str) -> tuple[httpx.Client, str]:
    """A client for a *.localhost site: connect to 127.0.0.1, name the host in Host."""
    parts = urlsplit(url)
    client = httpx.Client(base_url=f"http://127.0.0.1:{parts.port}", headers={"Host": parts.netloc}, timeout=30)
    return client, parts.path.rstrip("/")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _ms(values: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(values) * 1000, 2), "p99_ms": round(_percentile(values, 0.99) * 1000, 2)}


def write_path(blog: Deployed, inbox: _Inbox, rounds: int) -> dict[str, Any]:
    site, base = _client(blog.url("SiteUrl"))
    key = blog.client("apigateway").get_api_key(apiKey=blog.outputs["AuthorApiKeyId"], includeValue=True)["value"]
    photo = _png()
    times: dict[str, list[float]] = {"create_post": [], "subscribe": [], "upload_photo": []}
    to_email: list[float] = []
    to_thumbnail: list[float] = []
    for n in range(rounds):
        start = time.perf_counter()
        site.post(f"{base}/posts", json={"title": f"post {n}", "body": "text " * 200},
                  headers={"x-api-key": key}).raise_for_status()
        times["create_post"].append(time.perf_counter() - start)

        start = time.perf_counter()
        site.post(f"{base}/subscribers", json={"email": f"reader{n}@example.com"}).raise_for_status()
        answered = time.perf_counter()
        times["subscribe"].append(answered - start)
        arrived, _ = inbox.arrived.get(timeout=30)
        to_email.append(arrived - answered)

        start = time.perf_counter()
        created = site.post(f"{base}/photos").json()
        upload = created["upload"]
        httpx.post(upload["url"], data=upload["fields"], files={"file": ("p.png", photo)}, timeout=30).raise_for_status()
        uploaded = time.perf_counter()
        times["upload_photo"].append(uploaded - start)
        while site.get(f"{base}/photos/{created['id']}").json()["status"] != "ready":
            time.sleep(0.005)
        to_thumbnail.append(time.perf_counter() - uploaded)
    site.close()
    result: dict[str, Any] = {name: _ms(values) for name, values in times.items()}
    result["subscribe_to_email"] = _ms(to_email)
    result["upload_to_thumbnail"] = _ms(to_thumbnail)
    return result


def read_path(blog: Deployed, readers: int, seconds: float) -> dict[str, Any]:
    probe, base = _client(blog.url("SiteUrl"))
    posts = probe.get(f"{base}/posts").json()["posts"]
    photo = probe.post(f"{base}/photos").json()
    upload = photo["upload"]
    httpx.post(upload["url"], data=upload["fields"], files={"file": ("p.png", _png())}, timeout=30).raise_for_status()
    while (status := probe.get(f"{base}/photos/{photo['id']}").json())["status"] != "ready":
        time.sleep(0.01)
    paths = [f"{base}/", f"{base}/posts/{posts[0]['id']}", status["thumbnailUrl"]]
    for path in paths:  # warm: every read after this is a CloudFront hit
        probe.get(path).raise_for_status()
    probe.close()
    latencies: list[list[float]] = [[] for _ in range(readers)]
    errors = [0] * readers
    stop = time.perf_counter() + seconds
    barrier = threading.Barrier(readers)

    def reader(slot: int) -> None:
        client, _ = _client(blog.url("SiteUrl"))
        barrier.wait()
        n = slot
        while time.perf_counter() < stop:
            start = time.perf_counter()
            if client.get(paths[n % len(paths)]).status_code != 200:
                errors[slot] += 1
            latencies[slot].append(time.perf_counter() - start)
            n += 1
        client.close()

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(readers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    flat = [value for values in latencies for value in values]
    return {"readers": readers, "seconds": round(elapsed, 2), "requests": len(flat), "errors": sum(errors),
            "requests_per_second": round(len(flat) / elapsed, 1), **_ms(flat)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.blueprints")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--name", default=datetime.now(UTC).strftime("%Y%m%dT%H%M"))
    args = parser.parse_args(argv)
    readers, seconds, rounds = (50, 5.0, 5) if args.quick else (50, 20.0, 20)
    inbox = _Inbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    data_dir = tempfile.mkdtemp(prefix="cloudlet-bench-blueprint-")
    started = time.perf_counter()
    blog = start_blueprint("myblog", data_dir, free_port(),
                           {"CLOUDLET_SMTP_HOST": "127.0.0.1", "CLOUDLET_SMTP_PORT": str(smtp_port)})
    deployed_in = time.perf_counter() - started
    try:
        results = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "start_and_deploy_seconds": round(deployed_in, 2),
            "write_path": write_path(blog, inbox, rounds),
            "read_path": read_path(blog, readers, seconds),
        }
    finally:
        blog.server.stop()
        smtp.stop()
    path = os.path.join(os.path.dirname(__file__), "results", f"blueprints-{args.name}.json")
    with open(path, "w") as fh:
        json.dump(results, fh, indent=2)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
