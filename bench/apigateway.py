"""API Gateway figures: an HTTP API in front of a warm Lambda, and a REST API stage-cache hit.

    .venv/bin/python -m bench.apigateway [--quick] [--name NAME]

One cloudlet server (fresh temporary data directory), one keep-alive httpx client, every figure
from the same run:

- **health**: `GET /_cloudlet/health`, the floor of one HTTP request through cloudlet's edge.
- **function_url**: the warm function through its Function URL: edge + Lambda invoke.
- **http_api**: the same function through an HTTP API (payload 2.0, `$default` stage).
  `http_api - function_url` is the gateway's own overhead beyond the Lambda invoke.
- **rest_cache_hit**: a REST API GET with stage caching on, after the first call filled the cache
  (the Lambda is never invoked again: every invoke answers a new body, and `distinct_bodies` of 1
  shows all timed calls were hits). `rest_cache_hit - health` is what a hit costs beyond the
  edge's floor.
- **requests_per_s**: 8 client threads for a few seconds on the HTTP API and on the cache hit.

Median and p99 of CALLS sequential requests each. Writes bench/results/apigateway-<name>.json
and prints the figures. MiniStack is not in this run (the harness's peers need it installed);
no figure is asserted.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server

ROLE = "arn:aws:iam::000000000000:role/bench"
# Each invoke answers a new body, so identical bodies from the REST stage prove cache hits.
HANDLER = "import time\ndef handler(event, context):\n    return {'statusCode': 200, 'body': str(time.time_ns())}\n"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", HANDLER)
    return buffer.getvalue()


def _latency(http: httpx.Client, url: str, calls: int, headers: dict[str, str] | None = None) -> dict[str, float]:
    for _ in range(max(20, calls // 10)):
        http.get(url, headers=headers)
    samples = []
    bodies = set()
    for _ in range(calls):
        start = time.perf_counter()
        reply = http.get(url, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        if reply.status_code != 200:
            raise RuntimeError(f"{url} answered {reply.status_code}: {reply.text[:200]}")
        bodies.add(reply.content)
    return {"median_ms": round(statistics.median(samples), 3), "p99_ms": round(percentile(samples, 0.99), 3),
            "calls": calls, "distinct_bodies": len(bodies)}


def _throughput(url: str, seconds: float, headers: dict[str, str] | None = None, threads: int = 8) -> float:
    stop = time.monotonic() + seconds
    counts: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        done = 0
        with httpx.Client(timeout=30) as http:
            while time.monotonic() < stop:
                if http.get(url, headers=headers).status_code == 200:
                    done += 1
        with lock:
            counts.append(done)

    with ThreadPoolExecutor(threads) as pool:
        for _ in range(threads):
            pool.submit(worker)
    return round(sum(counts) / seconds, 1)


def _setup(endpoint: str) -> dict[str, Any]:
    lam = make_client(endpoint, "lambda")
    fn = lam.create_function(FunctionName="bench-api", Role=ROLE, Runtime="python3.11", Handler="app.handler",
                             Code={"ZipFile": _zip()})["FunctionArn"]
    for statement, principal, action, extra in (
        ("gateway", "apigateway.amazonaws.com", "lambda:InvokeFunction", {}),
        ("url", "*", "lambda:InvokeFunctionUrl", {"FunctionUrlAuthType": "NONE"}),
    ):
        lam.add_permission(FunctionName="bench-api", StatementId=statement, Action=action, Principal=principal,
                           **extra)
    url_id = lam.create_function_url_config(FunctionName="bench-api", AuthType="NONE")["FunctionUrl"]
    url_id = url_id.split("//", 1)[1].split(".", 1)[0]

    v2 = make_client(endpoint, "apigatewayv2")
    http_api = v2.create_api(Name="bench", ProtocolType="HTTP", Target=fn)["ApiId"]

    rest = make_client(endpoint, "apigateway")
    api = rest.create_rest_api(name="bench-rest")["id"]
    root = rest.get_resources(restApiId=api)["items"][0]["id"]
    resource = rest.create_resource(restApiId=api, parentId=root, pathPart="item")["id"]
    rest.put_method(restApiId=api, resourceId=resource, httpMethod="GET", authorizationType="NONE")
    rest.put_integration(restApiId=api, resourceId=resource, httpMethod="GET", type="AWS_PROXY",
                         integrationHttpMethod="POST",
                         uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}/invocations")
    rest.create_deployment(restApiId=api, stageName="prod", cacheClusterEnabled=True, cacheClusterSize="0.5")
    rest.update_stage(restApiId=api, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"},
        {"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": "3600"},
    ])
    return {
        "health": f"{endpoint}/_cloudlet/health",
        "function_url": f"{endpoint}/_aws/lambda-url/{url_id}/",
        "http_api": f"{endpoint}/_aws/execute-api/{http_api}/",
        "rest_cache_hit": f"{endpoint}/_aws/execute-api/{api}/prod/item",
    }


def run(quick: bool) -> dict[str, Any]:
    calls, seconds = (300, 2.0) if quick else (2000, 5.0)
    data_dir = tempfile.mkdtemp(prefix="cloudlet-bench-apigw-")
    server = start_server(data_dir)
    try:
        urls = _setup(server.endpoint)
        figures: dict[str, Any] = {}
        with httpx.Client(timeout=30) as http:
            for name, url in urls.items():
                figures[name] = _latency(http, url, calls)
        figures["gateway_overhead_ms"] = round(figures["http_api"]["median_ms"]
                                               - figures["function_url"]["median_ms"], 3)
        figures["cache_hit_over_floor_ms"] = round(figures["rest_cache_hit"]["median_ms"]
                                                   - figures["health"]["median_ms"], 3)
        figures["requests_per_s"] = {
            "http_api": _throughput(urls["http_api"], seconds),
            "rest_cache_hit": _throughput(urls["rest_cache_hit"], seconds),
        }
        return {"settings": {"calls": calls, "seconds": seconds, "threads": 8}, "figures": figures}
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--name", default=datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
    args = parser.parse_args()
    load_start = os.getloadavg()
    result = run(args.quick)
    doc = {
        "name": args.name,
        "date": datetime.now(UTC).isoformat(),
        "command": "python -m bench.apigateway" + (" --quick" if args.quick else ""),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_average_at_start": [round(v, 2) for v in load_start],
                    "load_average_at_end": [round(v, 2) for v in os.getloadavg()]},
        "targets": {"cloudlet": result},
        "peers": "MiniStack not installed here: cloudlet only",
    }
    os.makedirs("bench/results", exist_ok=True)
    path = f"bench/results/apigateway-{args.name}.json"
    with open(path, "w") as fh:
        json.dump(doc, fh, indent=2)
    print(json.dumps(doc, indent=2))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
