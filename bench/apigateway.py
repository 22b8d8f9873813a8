"""API Gateway figures, cloudlet against MiniStack: HTTP and REST APIs in front of a warm Lambda,
a REST stage-cache hit, and a WebSocket API's message round trip and @connections push.

    .venv/bin/python -m bench.apigateway [--quick] [--printing] [--name NAME] [--targets cloudlet,ministack]

Each target is started by `bench.peers` (its own defaults, fresh port and data directory), one
after the other, given the same Python 3.12 function and APIs through boto3, and measured by the
same clients in this process: every figure comes from the same run. Both targets serve the
path forms of the invoke URLs used here, `/_aws/lambda-url/URLID/` and
`/_aws/execute-api/APIID/STAGE/...` (HTTP and WebSocket), so both are called through them.

- **health**: the target's own health URL (`/_cloudlet/health`, `/_ministack/health`): the floor
  of one HTTP request through its edge.
- **function_url**: the warm function through its Function URL: edge + Lambda invoke.
- **http_api**: the same function through an HTTP API built route by route (AWS_PROXY
  integration, payload 2.0, a `$default` route, an auto-deployed `$default` stage; MiniStack
  ignores quick create's `Target`). `http_api - function_url` is the gateway's own overhead
  beyond the Lambda invoke (`derived.gateway_overhead_ms`).
- **rest_api**: a REST API GET (AWS_PROXY) on a stage without caching: REST gateway + invoke.
- **rest_cache_hit**: the same method on a stage with caching on (cache cluster 0.5, TTL 3600 s),
  after the first call filled the cache. Every HTTP invoke answers a new body, so
  `distinct_bodies` of 1 shows that no timed call reached the Lambda. A target that answers
  more than one body does not cache: the figure is recorded as unsupported, with the timings it
  did show. `rest_cache_hit - health` is what a hit costs beyond the edge's floor
  (`derived.cache_hit_over_floor_ms`).
- **websocket**: a WebSocket API (`$request.body.action`, an AWS_PROXY integration, a `$default`
  route with a `$default` route response, an auto-deployed stage; the function may be invoked by
  apigateway.amazonaws.com). The `websockets` sync client sends a text frame and receives the
  `body` the function echoes: send to receive, on one open connection.
- **websocket_push**: boto3's `apigatewaymanagementapi` PostToConnection at the stage URL, from
  the call's start until the open socket receives the data (the connection's id is asked of the
  function once, before the clock).

Median and p99 of `calls` sequential calls each, after `warmup` calls; then `requests_per_s` of
each figure from 8 client threads for a few seconds (each thread its own HTTP client or its own
WebSocket connection and management client). The client threads share the machine's 2 cores with
the server, so requests/s compare targets, not capacity. A figure a peer cannot do is listed
under `unsupported` with the answer it gave; a cloudlet failure is an error. `server_log` counts
tracebacks, ERROR and 5xx lines in each server's log. Ratios are peer / cloudlet.

The handler prints nothing by default. MiniStack waits up to 50 ms for log output after each
invoke, so its figures through the Lambda carry that wait for a silent handler; `--printing`
makes the handler print one line per invoke (`bench.lambda_` measures both kinds of handler).

Writes bench/results/apigateway-<name>.json and prints a table; exits 1 if a figure failed.
No figure is asserted.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, replace
from importlib import metadata
from typing import Any

import boto3
import botocore.exceptions
import httpx
from botocore.config import Config
from websockets.sync.client import ClientConnection, connect

from bench import report
from bench.client import ACCESS_KEY, REGION, SECRET_KEY, TargetFailed, sts_client, wait_ready
from bench.measure import percentile
from bench.peers import TARGETS as ALL_TARGETS
from bench.peers import Running
from bench.report import Row

TARGETS = ("cloudlet", "ministack")
FIGURES = ("health", "function_url", "http_api", "rest_api", "rest_cache_hit", "websocket", "websocket_push")
HTTP_FIGURES = ("health", "function_url", "http_api", "rest_api", "rest_cache_hit")
HEALTH = {"cloudlet": "/_cloudlet/health", "ministack": "/_ministack/health"}
ROLE = "arn:aws:iam::000000000000:role/bench"
STAGE = "prod"
THREADS = 8

# HTTP calls answer a new body each invoke, so identical bodies from the cached stage prove hits.
# WebSocket messages are echoed, except "whoami", which answers the connection's id. With
# --printing the handler also prints a line per invoke (MiniStack waits up to 50 ms for log
# output from a handler that prints nothing; bench.lambda_ measures both kinds).
HANDLER = """
import time
def handler(event, context):
    {print}
    request = event.get("requestContext") or {{}}
    if request.get("eventType") == "MESSAGE":
        body = event.get("body") or ""
        return {{"statusCode": 200, "body": request["connectionId"] if body == "whoami" else body}}
    return {{"statusCode": 200, "body": str(time.time_ns())}}
"""


def handler_code(printing: bool) -> str:
    return HANDLER.format(print="print('handled', context.aws_request_id)" if printing else "pass")


LABELS = (
    ("health", "health URL"),
    ("function_url", "Function URL, warm Lambda"),
    ("http_api", "HTTP API, warm Lambda"),
    ("rest_api", "REST API, warm Lambda"),
    ("rest_cache_hit", "REST API, stage cache hit"),
    ("websocket", "WebSocket message round trip"),
    ("websocket_push", "WebSocket PostToConnection push"),
)
ROWS = (
    *(row for figure, label in LABELS for row in (
        Row(f"{label}, median", figure, "median_ms", "ms"),
        Row(f"{label}, p99", figure, "p99_ms", "ms"),
        Row(f"{label}, 8 clients", figure, "requests_per_s", "req/s", higher_is_better=True),
    )),
    Row("gateway overhead (http_api - function_url)", "derived", "gateway_overhead_ms", "ms"),
    Row("cache hit over floor (rest_cache_hit - health)", "derived", "cache_hit_over_floor_ms", "ms"),
)


@dataclass(frozen=True)
class ApiSettings:
    calls: int = 2000
    warmup: int = 200
    seconds: float = 5.0
    threads: int = THREADS
    printing: bool = False


QUICK = ApiSettings(calls=300, warmup=30, seconds=2.0)


class Unsupported(TargetFailed):
    """The target answered that it does not do this (an error, a refused handshake, no caching)."""

    def __init__(self, reason: str, observed: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.observed = observed


def _client(endpoint: str, service: str) -> Any:
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                    region_name=REGION)
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=30)
    return session.client(service, endpoint_url=endpoint, config=config)


def _zip(code: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", code)
    return buffer.getvalue()


def _answered(step: str, exc: Exception) -> Unsupported:
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return Unsupported(f"{step} answered HTTP {status} {error.get('Code')}: {error.get('Message')}")
    return Unsupported(f"{step} failed: {exc!r}")


def _step(step: str, call: Callable[[], Any]) -> Any:
    """One setup call; an error answer means the target does not have the feature."""
    try:
        return call()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise _answered(step, exc) from exc


# ---------------------------------------------------------------------------------------------
# Setup: one function, then each front door to it


def create_function(endpoint: str, printing: bool) -> str:
    lam = _client(endpoint, "lambda")
    name = f"bench-api-{uuid.uuid4().hex[:8]}"
    try:
        arn = lam.create_function(FunctionName=name, Role=ROLE, Runtime="python3.12", Handler="app.handler",
                                  Code={"ZipFile": _zip(handler_code(printing))}, Timeout=30)["FunctionArn"]
        deadline = time.monotonic() + 60
        while lam.get_function_configuration(FunctionName=name).get("State", "Active") != "Active":
            if time.monotonic() > deadline:
                raise TargetFailed(f"{name} never became Active")
            time.sleep(0.01)  # a state in another process: polled as a user's waiter does
        lam.add_permission(FunctionName=name, StatementId="gateway", Action="lambda:InvokeFunction",
                           Principal="apigateway.amazonaws.com")
    except botocore.exceptions.ClientError as exc:
        raise TargetFailed(f"the function could not be set up: {exc}") from exc
    return arn


def function_url(endpoint: str, arn: str) -> str:
    lam = _client(endpoint, "lambda")
    _step("AddPermission lambda:InvokeFunctionUrl", lambda: lam.add_permission(
        FunctionName=arn, StatementId="url", Action="lambda:InvokeFunctionUrl", Principal="*",
        FunctionUrlAuthType="NONE"))
    url = _step("CreateFunctionUrlConfig", lambda: lam.create_function_url_config(
        FunctionName=arn, AuthType="NONE"))["FunctionUrl"]
    url_id = url.split("//", 1)[1].split(".", 1)[0]
    return f"{endpoint}/_aws/lambda-url/{url_id}/"


def http_api(endpoint: str, arn: str) -> str:
    # Built route by route rather than by quick create (CreateApi Target=), which MiniStack ignores.
    v2 = _client(endpoint, "apigatewayv2")
    api = _step("CreateApi HTTP", lambda: v2.create_api(Name="bench-http", ProtocolType="HTTP"))["ApiId"]
    integration = _step("CreateIntegration", lambda: v2.create_integration(
        ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=arn, PayloadFormatVersion="2.0"))["IntegrationId"]
    _step("CreateRoute $default", lambda: v2.create_route(ApiId=api, RouteKey="$default",
                                                          Target=f"integrations/{integration}"))
    _step("CreateStage $default", lambda: v2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True))
    return f"{endpoint}/_aws/execute-api/{api}/"


def rest_api(endpoint: str, arn: str) -> dict[str, str]:
    rest = _client(endpoint, "apigateway")
    api = _step("CreateRestApi", lambda: rest.create_rest_api(name="bench-rest"))["id"]
    root = rest.get_resources(restApiId=api)["items"][0]["id"]
    resource = _step("CreateResource", lambda: rest.create_resource(restApiId=api, parentId=root,
                                                                    pathPart="item"))["id"]
    _step("PutMethod", lambda: rest.put_method(restApiId=api, resourceId=resource, httpMethod="GET",
                                               authorizationType="NONE"))
    uri = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"
    _step("PutIntegration", lambda: rest.put_integration(
        restApiId=api, resourceId=resource, httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
        uri=uri))
    deployment = _step("CreateDeployment", lambda: rest.create_deployment(restApiId=api, stageName="live"))["id"]
    _step("CreateStage cached", lambda: rest.create_stage(
        restApiId=api, stageName="cached", deploymentId=deployment, cacheClusterEnabled=True,
        cacheClusterSize="0.5"))
    _step("UpdateStage caching", lambda: rest.update_stage(restApiId=api, stageName="cached", patchOperations=[
        {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"},
        {"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": "3600"},
    ]))
    return {"rest_api": f"{endpoint}/_aws/execute-api/{api}/live/item",
            "rest_cache_hit": f"{endpoint}/_aws/execute-api/{api}/cached/item"}


def websocket_api(endpoint: str, arn: str) -> str:
    v2 = _client(endpoint, "apigatewayv2")
    api = _step("CreateApi WEBSOCKET", lambda: v2.create_api(
        Name="bench-ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"))["ApiId"]
    integration = _step("CreateIntegration", lambda: v2.create_integration(
        ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=arn))["IntegrationId"]
    route = _step("CreateRoute $default", lambda: v2.create_route(
        ApiId=api, RouteKey="$default", Target=f"integrations/{integration}",
        RouteResponseSelectionExpression="$default"))["RouteId"]
    _step("CreateRouteResponse", lambda: v2.create_route_response(ApiId=api, RouteId=route,
                                                                  RouteResponseKey="$default"))
    _step("CreateStage", lambda: v2.create_stage(ApiId=api, StageName=STAGE, AutoDeploy=True))
    return api


# ---------------------------------------------------------------------------------------------
# Measurement


def _summary(samples: list[float]) -> dict[str, Any]:
    return {"median_ms": round(statistics.median(samples), 3), "p99_ms": round(percentile(samples, 99), 3),
            "min_ms": round(min(samples), 3), "calls": len(samples)}


def _get(http: httpx.Client, url: str) -> httpx.Response:
    try:
        reply = http.get(url)
    except httpx.HTTPError as exc:
        raise Unsupported(f"GET {url} failed: {exc!r}") from exc
    if reply.status_code != 200:
        raise Unsupported(f"GET {url} answered HTTP {reply.status_code}: {reply.text[:200]}")
    return reply


def http_latency(url: str, settings: ApiSettings, cached: bool = False) -> dict[str, Any]:
    with httpx.Client(timeout=30) as http:
        samples, bodies = [], set()
        for n in range(settings.warmup + settings.calls):
            if n == settings.warmup:
                if cached and len(bodies) > 1:
                    # The warm-up already shows the stage does not cache: its timings are what it does.
                    observed = {**_summary(samples), "distinct_bodies": len(bodies)}
                    raise Unsupported(_no_cache(len(bodies), f"the first {n} (the warm-up)"), observed=observed)
                samples, bodies = [], set()
            started = time.perf_counter()
            reply = _get(http, url)
            samples.append((time.perf_counter() - started) * 1000)
            bodies.add(reply.content)
    result = {**_summary(samples), "distinct_bodies": len(bodies)}
    if cached and len(bodies) > 1:
        raise Unsupported(_no_cache(len(bodies), str(settings.calls)), observed=result)
    return result


def _no_cache(bodies: int, calls: str) -> str:
    return (f"stage caching was accepted (CreateStage cacheClusterEnabled, UpdateStage /*/*/caching/enabled) "
            f"but the cached stage answered {bodies} distinct bodies in {calls} calls: every call reached "
            f"the Lambda, none was a cache hit")


def ws_url(endpoint: str, api: str) -> str:
    return endpoint.replace("http://", "ws://", 1) + f"/_aws/execute-api/{api}/{STAGE}"


def _open(url: str) -> ClientConnection:
    try:
        return connect(url, open_timeout=10)
    except Exception as exc:  # a refused handshake comes in several exception types
        raise Unsupported(f"WebSocket connect to {url} failed: {exc!r}") from exc


def _exchange(ws: ClientConnection, message: str) -> str:
    ws.send(message)
    try:
        reply = ws.recv(timeout=10)
    except TimeoutError as exc:
        raise Unsupported(f"no reply to a WebSocket message within 10 s (sent {message!r})") from exc
    except Exception as exc:
        raise Unsupported(f"the WebSocket closed instead of replying: {exc!r}") from exc
    return reply if isinstance(reply, str) else reply.decode(errors="replace")


def _echo_once(ws: ClientConnection, n: int) -> None:
    message = json.dumps({"n": n})
    reply = _exchange(ws, message)
    if reply != message:
        raise Unsupported(f"the WebSocket answered {reply[:200]!r} to {message!r}, not the echo")


def ws_latency(url: str, settings: ApiSettings) -> dict[str, Any]:
    with _open(url) as ws:
        for n in range(settings.warmup):
            _echo_once(ws, n)
        samples = []
        for n in range(settings.calls):
            started = time.perf_counter()
            _echo_once(ws, n)
            samples.append((time.perf_counter() - started) * 1000)
    return _summary(samples)


class Pusher:
    """One open connection, its id (asked of the function) and a management client at the stage URL."""

    def __init__(self, endpoint: str, api: str, stack: ExitStack) -> None:
        self.ws = stack.enter_context(_open(ws_url(endpoint, api)))
        self.connection_id = _exchange(self.ws, "whoami")
        self.manage = _client(f"{endpoint}/_aws/execute-api/{api}/{STAGE}", "apigatewaymanagementapi")

    def push(self, n: int) -> None:
        data = f"push-{n}"
        try:
            self.manage.post_to_connection(ConnectionId=self.connection_id, Data=data.encode())
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            raise _answered("PostToConnection", exc) from exc
        try:
            got = self.ws.recv(timeout=10)
        except TimeoutError as exc:
            raise Unsupported("PostToConnection succeeded but the socket received nothing within 10 s") from exc
        got = got if isinstance(got, str) else got.decode(errors="replace")
        if got != data:
            raise Unsupported(f"the socket received {got[:200]!r} after PostToConnection of {data!r}")


def push_latency(endpoint: str, api: str, settings: ApiSettings) -> dict[str, Any]:
    with ExitStack() as stack:
        pusher = Pusher(endpoint, api, stack)
        for n in range(settings.warmup):
            pusher.push(n)
        samples = []
        for n in range(settings.calls):
            started = time.perf_counter()
            pusher.push(n)
            samples.append((time.perf_counter() - started) * 1000)
    return _summary(samples)


Opener = Callable[[ExitStack], Callable[[int], None]]


def throughput(open_worker: Opener, settings: ApiSettings) -> dict[str, Any]:
    """Calls/s from `threads` threads, each with its own client, opened and used once before the clock."""
    counts = [0] * settings.threads
    errors: list[str] = []
    start = threading.Barrier(settings.threads + 1)
    stop_at = [0.0]
    with ExitStack() as stack:
        workers = [open_worker(stack) for _ in range(settings.threads)]

        def run(slot: int) -> None:
            start.wait()
            n = 0
            while time.perf_counter() < stop_at[0] and not errors:
                try:
                    workers[slot](n)
                except Exception as exc:  # recorded, and every thread stops
                    errors.append(str(exc))
                    return
                n += 1
            counts[slot] = n

        threads = [threading.Thread(target=run, args=(slot,)) for slot in range(settings.threads)]
        for thread in threads:
            thread.start()
        began = time.perf_counter()
        stop_at[0] = began + settings.seconds
        start.wait()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
    if errors:
        raise TargetFailed(f"under {settings.threads} clients: {errors[0]}")
    return {"requests_per_s": round(sum(counts) / elapsed, 1), "threads": settings.threads,
            "seconds": round(elapsed, 2)}


def _http_worker(url: str) -> Opener:
    def open_worker(stack: ExitStack) -> Callable[[int], None]:
        http = stack.enter_context(httpx.Client(timeout=30))
        _get(http, url)
        return lambda n: _get(http, url)
    return open_worker


def _ws_worker(url: str) -> Opener:
    def open_worker(stack: ExitStack) -> Callable[[int], None]:
        ws = stack.enter_context(_open(url))
        _echo_once(ws, -1)
        return lambda n: _echo_once(ws, n)
    return open_worker


def _push_worker(endpoint: str, api: str) -> Opener:
    def open_worker(stack: ExitStack) -> Callable[[int], None]:
        pusher = Pusher(endpoint, api, stack)
        pusher.push(-1)
        return pusher.push
    return open_worker


# ---------------------------------------------------------------------------------------------
# One target


def measure(target_name: str, endpoint: str, settings: ApiSettings, result: dict[str, Any]) -> None:
    figures: dict[str, Any] = result["figures"]

    def take(names: tuple[str, ...], call: Callable[[], Any]) -> Any:
        """The call's value, or None with its failure recorded against every figure it stands for."""
        try:
            value = call()
        except TargetFailed as exc:
            # cloudlet is meant to do all of it, so there an unsupported answer is a failure too.
            if isinstance(exc, Unsupported) and target_name != report.BASELINE:
                kind, entry = "unsupported", {"reason": str(exc),
                                              **({"observed": exc.observed} if exc.observed else {})}
            else:
                kind, entry = "errors", str(exc)
            for name in names:
                result[kind][name] = entry
            print(f"  {'/'.join(names)}: {kind.upper()}: {exc}", flush=True)
            return None
        print(f"  {'/'.join(names)}: {value}", flush=True)
        return value

    arn = create_function(endpoint, settings.printing)
    urls: dict[str, str] = {"health": endpoint + HEALTH[target_name]}
    urls.update(take(("function_url",), lambda: {"function_url": function_url(endpoint, arn)}) or {})
    urls.update(take(("http_api",), lambda: {"http_api": http_api(endpoint, arn)}) or {})
    urls.update(take(("rest_api", "rest_cache_hit"), lambda: rest_api(endpoint, arn)) or {})
    ws_api = take(("websocket", "websocket_push"), lambda: websocket_api(endpoint, arn))
    if ws_api:
        urls["websocket"] = ws_url(endpoint, ws_api)
    result["urls"] = urls

    for figure in HTTP_FIGURES:
        if figure in urls:
            latency = take((figure,), lambda figure=figure: http_latency(urls[figure], settings,
                                                                           cached=figure == "rest_cache_hit"))
            if latency:
                figures[figure] = latency
    if ws_api:
        latency = take(("websocket",), lambda: ws_latency(urls["websocket"], settings))
        if latency:
            figures["websocket"] = latency
        push = take(("websocket_push",), lambda: push_latency(endpoint, ws_api, settings))
        if push:
            figures["websocket_push"] = push

    openers = {figure: _http_worker(urls[figure]) for figure in HTTP_FIGURES if figure in figures}
    if "websocket" in figures:
        openers["websocket"] = _ws_worker(urls["websocket"])
    if "websocket_push" in figures:
        openers["websocket_push"] = _push_worker(endpoint, ws_api)
    for figure, opener in openers.items():
        rate = take((figure,), lambda opener=opener: throughput(opener, settings))
        if rate:
            figures[figure].update(rate)

    derived = {}
    if "http_api" in figures and "function_url" in figures:
        derived["gateway_overhead_ms"] = round(figures["http_api"]["median_ms"]
                                               - figures["function_url"]["median_ms"], 3)
    if "rest_cache_hit" in figures and "health" in figures:
        derived["cache_hit_over_floor_ms"] = round(figures["rest_cache_hit"]["median_ms"]
                                                   - figures["health"]["median_ms"], 3)
    if derived:
        figures["derived"] = derived


def _log_problems(running: Running) -> dict[str, Any]:
    """Tracebacks, errors and 5xx lines in the server's log: a figure can look fine while requests fail."""
    try:
        with open(running.log_path, errors="replace") as fh:
            lines = [line.rstrip() for line in fh]
    except FileNotFoundError:
        return {}
    bad = [line for line in lines if "Traceback" in line or "ERROR" in line or any(
        f" {status} " in line for status in (500, 502, 503, 504))]
    found: dict[str, Any] = {"log_lines": len(lines), "problem_lines": len(bad), "first_problems": bad[:5]}
    if "Traceback (most recent call last):" in lines:
        at = lines.index("Traceback (most recent call last):")
        found["first_traceback"] = lines[at:at + 60]
    return found


def run_target(target_name: str, settings: ApiSettings) -> dict[str, Any]:
    target = ALL_TARGETS[target_name]
    result: dict[str, Any] = {"version": target.version(), "about": target.about, "figures": {},
                              "errors": {}, "unsupported": {}}
    running = Running(target)
    print(f"{target_name} ({result['version']})", flush=True)
    try:
        wait_ready(running.start(), sts_client(running.endpoint))
        measure(target_name, running.endpoint, settings, result)
    except TargetFailed as exc:
        result["errors"]["ready"] = str(exc)
    finally:
        result["server_log"] = _log_problems(running)
        running.stop()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.apigateway", description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--targets", default=",".join(TARGETS), help="targets in run order")
    parser.add_argument("--quick", action="store_true", help="300 calls and 2 s of load per figure")
    parser.add_argument("--printing", action="store_true", help="the handler prints a line per invoke")
    parser.add_argument("--name", default=time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
                        help="writes bench/results/apigateway-NAME.json (default: the UTC date and time)")
    args = parser.parse_args(argv)
    settings = replace(QUICK if args.quick else ApiSettings(), printing=args.printing)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = [t for t in targets if t not in HEALTH]
    if unknown:
        raise SystemExit(f"unknown target: {', '.join(unknown)} (known: {', '.join(TARGETS)})")
    report.ROWS = ROWS
    machine = report.machine()
    results = {name: run_target(name, settings) for name in targets}
    doc = report.document(f"apigateway-{args.name}", {**asdict(settings), "figures": list(FIGURES)}, machine,
                          results)
    doc["command"] = " ".join(["python -m bench.apigateway", *(sys.argv[1:] if argv is None else argv)])
    doc["client"]["httpx"] = httpx.__version__
    doc["client"]["websockets"] = metadata.version("websockets")
    path = report.write(doc)
    print(report.table(doc))
    for name, result in results.items():
        for figure, why in result["unsupported"].items():
            print(f"{name} {figure}: unsupported: {why['reason']}")
    print(f"results: {path}")
    return 1 if any(r["errors"] for r in results.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
