"""Lambda figures (`--only lambda` or one of FIGURES): what a function user feels, against MiniStack.

moto and LocalStack cannot run functions without Docker, so MiniStack is the one peer.

- **lambda_warm**: Invoke round trip (boto3, one attempt) on a warm function, median and p99,
  for a handler that prints a line and one that prints nothing (a runtime that waits for log
  output pays for silence).
- **lambda_cold**: CreateFunction's call start to the first Invoke's answer, for fresh functions.
- **lambda_concurrent**: invokes per second from 8 client threads on one function.
- **lambda_sqs** / **lambda_stream**: SendMessage / PutItem to the handler seeing the record,
  through an event source mapping: the handler stamps its arrival time and sends it to a reply
  queue (same machine, same clock).

Runs inside `python -m bench`, or alone: `python -m bench.lambda_ [--quick] [--targets ...]`.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import boto3
from botocore.config import Config

from bench import report
from bench.client import ACCESS_KEY, REGION, SECRET_KEY, TargetFailed, sts_client, wait_ready
from bench.measure import percentile
from bench.peers import TARGETS as ALL_TARGETS
from bench.peers import Running
from bench.report import Row

FIGURES = ("lambda_warm", "lambda_cold", "lambda_concurrent", "lambda_sqs", "lambda_stream")
ALIAS = "lambda"
TARGETS = frozenset({"cloudlet", "ministack"})
ROLE = "arn:aws:iam::000000000000:role/bench"
THREADS = 8

ROWS = (
    Row("Lambda warm invoke, handler prints, median", "lambda_warm", "printing_median_ms", "ms"),
    Row("Lambda warm invoke, handler prints, p99", "lambda_warm", "printing_p99_ms", "ms"),
    Row("Lambda warm invoke, silent handler, median", "lambda_warm", "silent_median_ms", "ms"),
    Row("Lambda warm invoke, silent handler, p99", "lambda_warm", "silent_p99_ms", "ms"),
    Row("Lambda cold start (create to first answer), median", "lambda_cold", "median_ms", "ms"),
    Row("Lambda invokes/s, 8 clients", "lambda_concurrent", "invokes_per_s", "inv/s", True),
    Row("SQS to handler, median", "lambda_sqs", "median_ms", "ms"),
    Row("DynamoDB stream to handler, median", "lambda_stream", "median_ms", "ms"),
)

SILENT = "def handler(event, context):\n    return event\n"
PRINTING = "def handler(event, context):\n    print('handled', event.get('n'))\n    return event\n"
# Records its arrival at once, then reports it: the figure is send -> handler, not the reply.
STAMPER = """
import json, os, time
import boto3
sqs = boto3.client("sqs", endpoint_url=os.environ["BENCH_ENDPOINT"], region_name="us-east-1")
def handler(event, context):
    arrived = time.time()
    for record in event["Records"]:
        body = record.get("body") or json.dumps(record["dynamodb"]["NewImage"]["sent"]["N"])
        sqs.send_message(QueueUrl=os.environ["REPLY_URL"], MessageBody=json.dumps({"sent": float(json.loads(body)),
                                                                                   "arrived": arrived}))
"""


@dataclass(frozen=True)
class LambdaSettings:
    warm_calls: int = 500
    warmup: int = 50
    cold_starts: int = 5
    concurrent_seconds: float = 5.0
    deliveries: int = 30


QUICK = LambdaSettings(warm_calls=100, warmup=20, cold_starts=2, concurrent_seconds=2.0, deliveries=10)


def expand(names: list[str]) -> list[str]:
    return [figure for name in names for figure in (FIGURES if name == ALIAS else (name,))]


def applies(target_name: str, figure: str) -> bool:
    return figure in FIGURES and target_name in TARGETS


def measure(
    endpoint: str, wanted: list[str], settings: LambdaSettings, take: Callable[[str, Callable[[], Any]], None]
) -> None:
    if "lambda_warm" in wanted:
        take("lambda_warm", lambda: warm(endpoint, settings))
    if "lambda_cold" in wanted:
        take("lambda_cold", lambda: cold(endpoint, settings.cold_starts))
    if "lambda_concurrent" in wanted:
        take("lambda_concurrent", lambda: concurrent(endpoint, settings.concurrent_seconds))
    if "lambda_sqs" in wanted:
        take("lambda_sqs", lambda: through_source(endpoint, "sqs", settings.deliveries))
    if "lambda_stream" in wanted:
        take("lambda_stream", lambda: through_source(endpoint, "stream", settings.deliveries))


def _client(endpoint: str, service: str) -> Any:
    session = boto3.session.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
    )
    config = Config(
        retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=60, max_pool_connections=THREADS
    )
    return session.client(service, endpoint_url=endpoint, config=config)


def _zip(code: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", code)
    return buffer.getvalue()


def _create(lam: Any, code: str, **extra: Any) -> str:
    name = f"bench-{uuid.uuid4().hex[:10]}"
    try:
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": _zip(code)},
            Timeout=30,
            **extra,
        )
        _wait_active(lam, name)
    except Exception as exc:
        raise TargetFailed(f"CreateFunction failed: {exc!r}") from exc
    return name


def _wait_active(lam: Any, name: str) -> None:
    deadline = time.monotonic() + 60
    while lam.get_function_configuration(FunctionName=name).get("State", "Active") != "Active":
        if time.monotonic() > deadline:
            raise TargetFailed(f"{name} never became Active")
        time.sleep(0.01)  # a state in another process: polled as a user's waiter does


def _invoke(lam: Any, name: str, payload: bytes = b'{"n": 1}') -> None:
    try:
        reply = lam.invoke(FunctionName=name, Payload=payload)
        reply["Payload"].read()
    except Exception as exc:
        raise TargetFailed(f"Invoke failed: {exc!r}") from exc
    if reply.get("FunctionError"):
        raise TargetFailed(f"the function failed: {reply['FunctionError']}")


def _timings(lam: Any, name: str, calls: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        _invoke(lam, name)
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        _invoke(lam, name)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def warm(endpoint: str, settings: LambdaSettings) -> dict[str, Any]:
    lam = _client(endpoint, "lambda")
    result: dict[str, Any] = {"calls": settings.warm_calls}
    for label, code in (("printing", PRINTING), ("silent", SILENT)):
        samples = _timings(lam, _create(lam, code), settings.warm_calls, settings.warmup)
        result[f"{label}_median_ms"] = round(statistics.median(samples), 2)
        result[f"{label}_p99_ms"] = round(percentile(samples, 99), 2)
    return result


def cold(endpoint: str, starts: int) -> dict[str, Any]:
    lam = _client(endpoint, "lambda")
    samples = []
    for _ in range(starts):
        started = time.perf_counter()
        _invoke(lam, _create(lam, PRINTING))
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "starts": starts,
        "median_ms": round(statistics.median(samples), 1),
        "max_ms": round(max(samples), 1),
    }


def concurrent(endpoint: str, seconds: float) -> dict[str, Any]:
    lam = _client(endpoint, "lambda")
    name = _create(lam, SILENT)
    for _ in range(THREADS):
        _invoke(lam, name)
    counts = [0] * THREADS
    errors: list[str] = []
    deadline = time.perf_counter() + seconds

    def run(slot: int) -> None:
        while time.perf_counter() < deadline and not errors:
            try:
                _invoke(lam, name)
            except TargetFailed as exc:
                errors.append(str(exc))
                return
            counts[slot] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise TargetFailed(errors[0])
    return {"threads": THREADS, "seconds": seconds, "invokes_per_s": round(sum(counts) / seconds, 1)}


def through_source(endpoint: str, kind: str, deliveries: int) -> dict[str, Any]:
    lam, sqs = _client(endpoint, "lambda"), _client(endpoint, "sqs")
    reply_url = sqs.create_queue(QueueName=f"bench-reply-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    name = _create(
        lam, STAMPER, Environment={"Variables": {"BENCH_ENDPOINT": endpoint, "REPLY_URL": reply_url}}
    )
    send = _source(endpoint, kind, lam, name)
    latencies = []
    try:
        for _ in range(deliveries + 2):  # the first two warm the environment and the pollers
            send(time.time())
            reply = _receive(sqs, reply_url)
            latencies.append((reply["arrived"] - reply["sent"]) * 1000)
    except Exception as exc:
        raise TargetFailed(f"{kind} delivery failed: {exc!r}") from exc
    samples = latencies[2:]
    return {
        "deliveries": deliveries,
        "median_ms": round(statistics.median(samples), 2),
        "p99_ms": round(percentile(samples, 99), 2),
    }


def _source(endpoint: str, kind: str, lam: Any, name: str) -> Callable[[float], None]:
    if kind == "sqs":
        sqs = _client(endpoint, "sqs")
        url = sqs.create_queue(QueueName=f"bench-src-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        _map(lam, name, arn, BatchSize=1)
        return lambda sent: sqs.send_message(QueueUrl=url, MessageBody=json.dumps(sent))
    ddb = _client(endpoint, "dynamodb")
    table = f"bench-{uuid.uuid4().hex[:8]}"
    description = ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]
    _map(lam, name, description["LatestStreamArn"], BatchSize=1, StartingPosition="LATEST")
    return lambda sent: ddb.put_item(
        TableName=table, Item={"id": {"S": uuid.uuid4().hex}, "sent": {"N": repr(sent)}}
    )


def _map(lam: Any, name: str, arn: str, **extra: Any) -> None:
    uuid_ = lam.create_event_source_mapping(FunctionName=name, EventSourceArn=arn, **extra)["UUID"]
    deadline = time.monotonic() + 30
    while lam.get_event_source_mapping(UUID=uuid_)["State"] != "Enabled":
        if time.monotonic() > deadline:
            raise TargetFailed("the event source mapping never became Enabled")
        time.sleep(0.01)  # state moves in the target: polled as a user's waiter does


def _receive(sqs: Any, url: str) -> dict[str, float]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, MaxNumberOfMessages=1).get(
            "Messages", []
        )
        if messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
            return json.loads(messages[0]["Body"])
    raise TargetFailed("the handler never reported the record")


def main(argv: list[str] | None = None) -> int:
    """Standalone run: each target started fresh, every Lambda figure taken, one results file."""
    parser = argparse.ArgumentParser(prog="python -m bench.lambda_")
    parser.add_argument("--targets", default="cloudlet,ministack")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--name")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else LambdaSettings()
    report.ROWS = ROWS
    results = {}
    for target_name in [t.strip() for t in args.targets.split(",") if t.strip()]:
        target = ALL_TARGETS[target_name]
        result: dict[str, Any] = {
            "version": target.version(),
            "about": target.about,
            "figures": {},
            "errors": {},
        }
        running = Running(target)
        try:
            wait_ready(running.start(), sts_client(running.endpoint))
            measure(
                running.endpoint,
                list(FIGURES),
                settings,
                lambda figure, take, result=result: _take(result, figure, take),
            )
        except TargetFailed as exc:
            result["errors"]["ready"] = str(exc)
        finally:
            running.stop()
        results[target_name] = result
    name = args.name or time.strftime("lambda-%Y%m%dT%H%M%SZ", time.gmtime())
    doc = report.document(name, {**asdict(settings), "figures": list(FIGURES)}, report.machine(), results)
    path = report.write(doc)
    print(report.table(doc))
    print(f"results: {path}")
    return 1 if any(r["errors"] for r in results.values()) else 0


def _take(result: dict[str, Any], figure: str, take: Callable[[], Any]) -> None:
    try:
        result["figures"][figure] = take()
        print(f"  {figure}: {result['figures'][figure]}", flush=True)
    except TargetFailed as exc:
        result["errors"][figure] = str(exc)
        print(f"  {figure}: FAILED: {exc}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
