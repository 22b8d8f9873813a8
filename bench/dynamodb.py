"""DynamoDB figures (`--only dynamodb` or one of FIGURES): what a table user feels, cloudlet
against its peers, measured with one boto3 client per thread (one attempt per call).

- **ddb_latency**: PutItem, then GetItem of the items just written, in a loop: median and p99.
- **ddb_throughput**: GetItem calls per second from 8 client threads (each its own client) for
  a few seconds. The client runs in this process and shares the machine's cores with the target.
- **ddb_capacity**: the server alone, without a Python client in the way: wrk (2 threads, 16
  connections, as the STS capacity figure) replaying one SigV4-signed GetItem of an existing item.
- **ddb_query**: a Query answering one whole partition of 100 items (about 10 KB), median and p99,
  on a table of 10k items and on one of LARGE items (1M; 100k with --quick), in turn, so that
  whatever else the machine does weighs on both alike. Filling uses BatchWriteItem of 25 items
  from 8 threads within FILL_BUDGET seconds; a target that cannot reach the size in time is
  measured at the size it reached, which the figures say. Queries stop after QUERY_BUDGET
  seconds (`queries` says how many were timed). `large_over_small` is the large table's median
  over the small one's: 1.0 means Query cost does not depend on table size.
- **ddb_transact**: TransactWriteItems of 10 Puts of new items: median and p99.
- **ddb_durability**: PutItem of DURABLE_ITEMS items, each acknowledged; then the target and its
  children get SIGKILL (kill -9) and it starts again on the same port and data directory, as a
  user would restart it. How many of those items GetItem finds (0 when the table is gone).
  It restarts the target, so it runs last.
"""

from __future__ import annotations

import contextlib
import json
import random
import signal
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import boto3
import psutil
from botocore.config import Config
from botocore.exceptions import ClientError

from bench import loads
from bench.client import ACCESS_KEY, REGION, SECRET_KEY, TargetFailed, sts_client, wait_ready
from bench.measure import percentile
from bench.peers import Running
from bench.report import Row

FIGURES = ("ddb_latency", "ddb_throughput", "ddb_capacity", "ddb_query", "ddb_transact", "ddb_durability")
ALIAS = "dynamodb"  # --only dynamodb selects every figure above
TARGETS = frozenset({"cloudlet", "cloudlet-2w", "moto", "ministack"})  # the floor answers nothing but STS
THREADS = 8
PARTITION = 100  # items per partition key: what one Query answers
BATCH = 25  # BatchWriteItem's limit
FILL_BUDGET = 420.0
QUERY_WARMUP = 20
QUERY_BUDGET = 90.0
DURABLE_ITEMS = 200
PAYLOAD = "x" * 64

ROWS = (
    Row("DynamoDB PutItem, median", "ddb_latency", "put_median_ms", "ms"),
    Row("DynamoDB PutItem, p99", "ddb_latency", "put_p99_ms", "ms"),
    Row("DynamoDB GetItem, median", "ddb_latency", "get_median_ms", "ms"),
    Row("DynamoDB GetItem, p99", "ddb_latency", "get_p99_ms", "ms"),
    Row("DynamoDB GetItem, 8 client threads", "ddb_throughput", "gets_per_s", "calls/s", True),
    Row("DynamoDB GetItem under wrk", "ddb_capacity", "requests_per_s", "req/s", True),
    Row("DynamoDB GetItem under wrk, p50", "ddb_capacity", "p50_ms", "ms"),
    Row("DynamoDB Query of 100 items, 10k-item table, median", "ddb_query", "small_median_ms", "ms"),
    Row("DynamoDB Query of 100 items, large table, median", "ddb_query", "large_median_ms", "ms"),
    Row("DynamoDB Query of 100 items, large table, p99", "ddb_query", "large_p99_ms", "ms"),
    Row("DynamoDB items in the large table", "ddb_query", "large_items", "items", True),
    Row(
        "DynamoDB large-table fill rate (BatchWriteItem, 8 threads)",
        "ddb_query",
        "fill_items_per_s",
        "items/s",
        True,
    ),
    Row("DynamoDB Query large / small median", "ddb_query", "large_over_small", "ratio"),
    Row("DynamoDB TransactWriteItems of 10, median", "ddb_transact", "median_ms", "ms"),
    Row("DynamoDB TransactWriteItems of 10, p99", "ddb_transact", "p99_ms", "ms"),
    Row(
        "DynamoDB items found after kill -9 and restart", "ddb_durability", "found_after_kill", "items", True
    ),
)


@dataclass(frozen=True)
class DdbSettings:
    load: loads.Load = field(default_factory=loads.Load)
    calls: int = 2000
    warmup: int = 200
    throughput_seconds: float = 5.0
    small_items: int = 10_000
    large_items: int = 1_000_000
    queries: int = 300
    transactions: int = 300


QUICK = DdbSettings(
    load=loads.Load(seconds=3),
    calls=300,
    warmup=50,
    throughput_seconds=2.0,
    large_items=100_000,
    queries=100,
    transactions=100,
)


def expand(names: list[str]) -> list[str]:
    """`dynamodb` in --only stands for every DynamoDB figure."""
    return [figure for name in names for figure in (FIGURES if name == ALIAS else (name,))]


def applies(target_name: str, figure: str) -> bool:
    return figure in FIGURES and target_name in TARGETS


def client(endpoint: str) -> Any:
    session = boto3.session.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
    )
    config = Config(
        retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=60, max_pool_connections=THREADS
    )
    return session.client("dynamodb", endpoint_url=endpoint, config=config)


def measure(
    running: Running, wanted: list[str], settings: DdbSettings, take: Callable[[str, Callable[[], Any]], None]
) -> None:
    """Takes each wanted DynamoDB figure through `take(figure, measurement)` (the harness's _take)."""
    endpoint = running.endpoint
    if "ddb_latency" in wanted or "ddb_throughput" in wanted or "ddb_capacity" in wanted:
        table = _new_table(client(endpoint))
        if "ddb_latency" in wanted:
            take("ddb_latency", lambda: latency(endpoint, table, settings))
        if "ddb_throughput" in wanted:
            take("ddb_throughput", lambda: throughput(endpoint, table, settings))
        if "ddb_capacity" in wanted:
            take("ddb_capacity", lambda: capacity(endpoint, table, settings))
    if "ddb_query" in wanted:
        take("ddb_query", lambda: query_by_size(endpoint, settings))
    if "ddb_transact" in wanted:
        take("ddb_transact", lambda: transact_latency(endpoint, settings))
    if "ddb_durability" in wanted:
        take("ddb_durability", lambda: durability(running))


def _call(action: Callable[..., Any], **params: Any) -> Any:
    try:
        return action(**params)
    except Exception as exc:  # any failure ends the figure: a retry would hide it
        raise TargetFailed(f"{getattr(action, '__name__', action)} failed: {exc!r}") from exc


def _new_table(ddb: Any) -> str:
    name = f"bench-{uuid.uuid4().hex[:10]}"
    _call(
        ddb.create_table,
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
    )
    # Every target answers ACTIVE within a call or two; the waiter polls for those that do not.
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    return name


def _item(partition: int, position: int) -> dict[str, Any]:
    return {"pk": {"S": f"p{partition:07d}"}, "sk": {"N": str(position)}, "payload": {"S": PAYLOAD}}


def _key(partition: int, position: int) -> dict[str, Any]:
    return {"pk": {"S": f"p{partition:07d}"}, "sk": {"N": str(position)}}


def _timed(action: Callable[..., Any], **params: Any) -> float:
    began = time.perf_counter()
    _call(action, **params)
    return (time.perf_counter() - began) * 1000


def _summary(prefix: str, timings: list[float]) -> dict[str, float]:
    return {
        f"{prefix}median_ms": round(statistics.median(timings), 3),
        f"{prefix}p99_ms": round(percentile(timings, 99), 3),
    }


# -- PutItem / GetItem ---------------------------------------------------------------------------


def latency(endpoint: str, table: str, settings: DdbSettings) -> dict[str, Any]:
    ddb = client(endpoint)
    for n in range(settings.warmup):  # the first calls pay for connections and lazy start-up
        _call(ddb.put_item, TableName=table, Item=_item(n, 0))
        _call(ddb.get_item, TableName=table, Key=_key(n, 0))
    puts = [_timed(ddb.put_item, TableName=table, Item=_item(n, 1)) for n in range(settings.calls)]
    gets = [_timed(ddb.get_item, TableName=table, Key=_key(n, 1)) for n in range(settings.calls)]
    found = _call(ddb.get_item, TableName=table, Key=_key(settings.calls - 1, 1)).get("Item")
    if found != _item(settings.calls - 1, 1):
        raise TargetFailed(f"GetItem answered {found!r} for an item just written")
    return {"calls": settings.calls, **_summary("put_", puts), **_summary("get_", gets)}


def throughput(endpoint: str, table: str, settings: DdbSettings) -> dict[str, Any]:
    """GetItem of items latency() wrote (or missing ones: the same work for the target)."""
    deadline = time.perf_counter() + settings.throughput_seconds
    keys = max(settings.calls, 1)

    def worker(seed: int) -> int:
        ddb, done, pick = client(endpoint), 0, random.Random(seed)
        _call(ddb.get_item, TableName=table, Key=_key(0, 1))  # the connection, before the clock matters
        while time.perf_counter() < deadline:
            _call(ddb.get_item, TableName=table, Key=_key(pick.randrange(keys), 1))
            done += 1
        return done

    began = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        total = sum(future.result() for future in [pool.submit(worker, seed) for seed in range(THREADS)])
    return {
        "gets_per_s": round(total / (time.perf_counter() - began), 1),
        "threads": THREADS,
        "seconds": settings.throughput_seconds,
    }


# -- GetItem under wrk ---------------------------------------------------------------------------


def capacity(endpoint: str, table: str, settings: DdbSettings) -> dict[str, Any]:
    """wrk replaying one GetItem signed now: a signature holds for 15 minutes of clock skew."""
    _call(client(endpoint).put_item, TableName=table, Item=_item(1, 1))  # if ddb_latency did not
    body = json.dumps({"TableName": table, "Key": _key(1, 1)})
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.GetItem"}
    return loads.replay(endpoint, "dynamodb", body, headers, '"Item"', settings.load)


# -- Query on a small and a large table ----------------------------------------------------------


def query_by_size(endpoint: str, settings: DdbSettings) -> dict[str, Any]:
    """Fills a small and a large table, then queries them in turn, so both see the same machine."""
    ddb = client(endpoint)
    small_table, large_table = _new_table(ddb), _new_table(ddb)
    small = settings.small_items // PARTITION
    filled, seconds = _fill(endpoint, small_table, 0, small, FILL_BUDGET)
    if filled < small:
        raise TargetFailed(f"only {filled * PARTITION} items loaded in {seconds:.0f} s")
    large, seconds = _fill(endpoint, large_table, 0, settings.large_items // PARTITION, FILL_BUDGET)
    result: dict[str, Any] = {
        "small_items": small * PARTITION,
        "large_items": large * PARTITION,
        "fill_s": round(seconds, 1),
        "fill_items_per_s": round(large * PARTITION / seconds, 1) if seconds else 0.0,
    }
    timings = _interleaved(
        ddb, [("small", small_table, small), ("large", large_table, large)], settings.queries
    )
    result.update(_summary("small_", timings["small"]))
    result.update(_summary("large_", timings["large"]))
    result["large_over_small"] = round(result["large_median_ms"] / result["small_median_ms"], 2)
    result["queries"] = len(timings["large"])
    return result


def _interleaved(ddb: Any, tables: list[tuple[str, str, int]], count: int) -> dict[str, list[float]]:
    """Query timings per label, taking the tables in turn: a few warm-up rounds, then `count`
    rounds or as many as QUERY_BUDGET allows (a peer whose Query scans the whole table takes
    seconds per call), but at least one."""
    pick = random.Random(7)
    timings: dict[str, list[float]] = {label: [] for label, _, _ in tables}
    began = time.perf_counter()
    for _ in range(QUERY_WARMUP):
        if time.perf_counter() - began > QUERY_BUDGET / 10:
            break
        for _, table, partitions in tables:
            _query(ddb, table, pick.randrange(partitions))
    began = time.perf_counter()
    for _ in range(count):
        for label, table, partitions in tables:
            timings[label].append(_query(ddb, table, pick.randrange(partitions)))
        if time.perf_counter() - began > QUERY_BUDGET:
            break
    return timings


def _query(ddb: Any, table: str, partition: int) -> float:
    began = time.perf_counter()
    reply = _call(
        ddb.query,
        TableName=table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": f"p{partition:07d}"}},
    )
    spent = (time.perf_counter() - began) * 1000
    if reply["Count"] != PARTITION:
        raise TargetFailed(f"Query of partition {partition} answered {reply['Count']} items, not {PARTITION}")
    return spent


def _fill(endpoint: str, table: str, first: int, end: int, budget: float) -> tuple[int, float]:
    """Writes partitions [first, end) with BatchWriteItem from several threads, stopping at the
    budget; (partitions complete from 0, seconds). A partition is written by one thread, so the
    complete ones are a prefix of those handed out, up to the threads still writing."""
    deadline = time.perf_counter() + budget
    pending: Iterator[int] = iter(range(first, end))
    lock = threading.Lock()
    done: list[int] = []

    def worker() -> None:
        ddb = client(endpoint)
        while time.perf_counter() < deadline:
            with lock:
                partition = next(pending, None)
            if partition is None:
                return
            items = [_item(partition, position) for position in range(PARTITION)]
            for start in range(0, PARTITION, BATCH):
                _write_batch(ddb, table, items[start : start + BATCH])
            with lock:
                done.append(partition)

    began = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(worker) for _ in range(THREADS)]:
            future.result()
    seconds = time.perf_counter() - began
    complete = set(done)
    reached = first
    while reached in complete:
        reached += 1
    return reached, seconds


def _write_batch(ddb: Any, table: str, items: list[dict[str, Any]]) -> None:
    requests = [{"PutRequest": {"Item": item}} for item in items]
    for _ in range(20):  # a peer may leave items unprocessed; the documented answer is to resend them
        reply = _call(ddb.batch_write_item, RequestItems={table: requests})
        requests = reply.get("UnprocessedItems", {}).get(table, [])
        if not requests:
            return
    raise TargetFailed("BatchWriteItem kept leaving items unprocessed")


# -- TransactWriteItems ----------------------------------------------------------------------------


def transact_latency(endpoint: str, settings: DdbSettings) -> dict[str, Any]:
    ddb = client(endpoint)
    table = _new_table(ddb)

    def transaction(n: int) -> list[dict[str, Any]]:
        return [{"Put": {"TableName": table, "Item": _item(n, position)}} for position in range(10)]

    for n in range(20):
        _call(ddb.transact_write_items, TransactItems=transaction(n))
    timings = [
        _timed(ddb.transact_write_items, TransactItems=transaction(n))
        for n in range(20, 20 + settings.transactions)
    ]
    return {"transactions": settings.transactions, **_summary("", timings)}


# -- durability ------------------------------------------------------------------------------------


def durability(running: Running) -> dict[str, Any]:
    ddb = client(running.endpoint)
    table = _new_table(ddb)
    for n in range(DURABLE_ITEMS):
        _call(ddb.put_item, TableName=table, Item=_item(n, 0))
    _kill(running)
    restarted = wait_ready(running.start(), sts_client(running.endpoint))
    ddb = client(running.endpoint)
    found = 0
    table_found = True
    for n in range(DURABLE_ITEMS):
        try:
            found += ddb.get_item(TableName=table, Key=_key(n, 0)).get("Item") == _item(n, 0)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                raise TargetFailed(f"GetItem after restart failed: {exc!r}") from exc
            table_found = False
            break
    return {
        "written": DURABLE_ITEMS,
        "found_after_kill": found,
        "table_after_kill": table_found,
        "restart_s": round(restarted, 2),
    }


def _kill(running: Running) -> None:
    family = running.processes()
    for proc in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.send_signal(signal.SIGKILL)
    psutil.wait_procs(family, timeout=10)
    if running.process is not None:
        running.process.wait(10)
