"""SQS figures (`--only sqs` or one of FIGURES): what a queue user feels, cloudlet against its peers.

- **sqs_send**: SendMessage median and p99 (one boto3 client, one attempt each) on a queue
  filled to 0, 10k and 100k messages (100k skipped with --quick). Filling uses batches of 10
  from 8 threads, within FILL_BUDGET seconds; a target that cannot reach a depth in time
  reports the depth it reached instead of a latency.
- **sqs_cycle**: send+receive+delete throughput with batches of 10 (SendMessageBatch,
  ReceiveMessage of 10, DeleteMessageBatch) from 1 and from 4 client threads on one queue:
  messages through the whole cycle per second.
- **sqs_longpoll**: a ReceiveMessage waiting (WaitTimeSeconds=10) on an empty queue; another
  client sends. `wake_ms` is from the SendMessage call's start to the receive's return, and
  `after_send_ms` from the send's answer to the receive's (near zero or below: the waiting
  receive answered first).
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from bench.client import ACCESS_KEY, REGION, SECRET_KEY, TargetFailed
from bench.measure import percentile
from bench.report import Row

FIGURES = ("sqs_send", "sqs_cycle", "sqs_longpoll")
ALIAS = "sqs"  # --only sqs selects every figure above
TARGETS = frozenset({"cloudlet", "moto", "ministack"})  # the floor answers nothing but STS
FILL_BUDGET = 90.0
FILL_THREADS = 8
WARMUP = 30
BODY = "x" * 200  # a typical small JSON event

ROWS = (
    Row("SQS SendMessage, empty queue, median", "sqs_send", "depth_0_median_ms", "ms"),
    Row("SQS SendMessage, 10k deep, median", "sqs_send", "depth_10000_median_ms", "ms"),
    Row("SQS SendMessage, 100k deep, median", "sqs_send", "depth_100000_median_ms", "ms"),
    Row("SQS SendMessage, 100k deep, p99", "sqs_send", "depth_100000_p99_ms", "ms"),
    Row("SQS send+receive+delete x10, 1 client", "sqs_cycle", "one_client_messages_per_s", "msg/s", True),
    Row("SQS send+receive+delete x10, 4 clients", "sqs_cycle", "four_clients_messages_per_s", "msg/s", True),
    Row("SQS long-poll wake-up, send start to receive, median", "sqs_longpoll", "wake_median_ms", "ms"),
    Row("SQS long-poll wake-up, send answer to receive, median", "sqs_longpoll", "after_send_median_ms", "ms"),
)


@dataclass(frozen=True)
class SqsSettings:
    depths: tuple[int, ...] = (0, 10_000, 100_000)
    sends: int = 300
    cycle_seconds: float = 5.0
    wakeups: int = 30


QUICK = SqsSettings(depths=(0, 10_000), sends=100, cycle_seconds=2.0, wakeups=10)


def expand(names: list[str]) -> list[str]:
    """`sqs` in --only stands for every SQS figure."""
    return [figure for name in names for figure in (FIGURES if name == ALIAS else (name,))]


def applies(target_name: str, figure: str) -> bool:
    return figure in FIGURES and target_name in TARGETS


def client(endpoint: str, read_timeout: float = 30) -> Any:
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                    region_name=REGION)
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=read_timeout,
                    max_pool_connections=FILL_THREADS)
    return session.client("sqs", endpoint_url=endpoint, config=config)


def measure(endpoint: str, wanted: list[str], settings: SqsSettings,
            take: Callable[[str, Callable[[], Any]], None]) -> None:
    """Takes each wanted SQS figure through `take(figure, measurement)` (the harness's _take)."""
    if "sqs_send" in wanted:
        take("sqs_send", lambda: send_latency(endpoint, settings))
    if "sqs_cycle" in wanted:
        take("sqs_cycle", lambda: cycle_throughput(endpoint, settings.cycle_seconds))
    if "sqs_longpoll" in wanted:
        take("sqs_longpoll", lambda: long_poll_wakeup(endpoint, settings.wakeups))


def _new_queue(sqs: Any) -> str:
    return sqs.create_queue(QueueName=f"bench-{uuid.uuid4().hex[:10]}")["QueueUrl"]


def _call(action: Callable[..., Any], **params: Any) -> Any:
    try:
        return action(**params)
    except Exception as exc:  # any failure ends the figure: a retry would hide it
        raise TargetFailed(f"{getattr(action, '__name__', action)} failed: {exc!r}") from exc


# -- SendMessage latency at depth ----------------------------------------------------------------


def send_latency(endpoint: str, settings: SqsSettings) -> dict[str, Any]:
    sqs = client(endpoint)
    url = _call(sqs.create_queue, QueueName=f"bench-depth-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    result: dict[str, Any] = {"sends_per_depth": settings.sends}
    for _ in range(WARMUP):  # the first calls pay for connections and lazy start-up
        _call(sqs.send_message, QueueUrl=url, MessageBody=BODY)
    depth = WARMUP
    for wanted in settings.depths:
        if wanted > depth + 10:
            reached, seconds = _fill(endpoint, url, wanted - depth)
            depth += reached
            result[f"depth_{wanted}_fill_s"] = round(seconds, 1)
            if depth < wanted:
                result[f"depth_{wanted}_reached"] = depth
                break  # deeper ones would not be reached either
        timings = []
        for _ in range(settings.sends):
            began = time.perf_counter()
            _call(sqs.send_message, QueueUrl=url, MessageBody=BODY)
            timings.append((time.perf_counter() - began) * 1000)
        depth += settings.sends
        result[f"depth_{wanted}_median_ms"] = round(statistics.median(timings), 3)
        result[f"depth_{wanted}_p99_ms"] = round(percentile(timings, 99), 3)
    _call(sqs.delete_queue, QueueUrl=url)
    return result


def _fill(endpoint: str, url: str, count: int) -> tuple[int, float]:
    """Adds `count` messages in batches of 10 from several threads; (added, seconds)."""
    batches = count // 10
    deadline = time.perf_counter() + FILL_BUDGET
    next_batch = iter(range(batches))
    lock = threading.Lock()
    sent = [0]
    entries = [{"Id": str(i), "MessageBody": BODY} for i in range(10)]

    def worker() -> None:
        sqs = client(endpoint)
        while time.perf_counter() < deadline:
            with lock:
                if next(next_batch, None) is None:
                    return
            _call(sqs.send_message_batch, QueueUrl=url, Entries=entries)
            with lock:
                sent[0] += 10

    began = time.perf_counter()
    with ThreadPoolExecutor(FILL_THREADS) as pool:
        for future in [pool.submit(worker) for _ in range(FILL_THREADS)]:
            future.result()
    return sent[0], time.perf_counter() - began


# -- send + receive + delete -------------------------------------------------------------------


def cycle_throughput(endpoint: str, seconds: float) -> dict[str, Any]:
    return {
        "one_client_messages_per_s": _cycles(endpoint, 1, seconds),
        "four_clients_messages_per_s": _cycles(endpoint, 4, seconds),
        "seconds": seconds,
    }


def _cycles(endpoint: str, threads: int, seconds: float) -> float:
    url = _new_queue(client(endpoint))
    entries = [{"Id": str(i), "MessageBody": BODY} for i in range(10)]
    deadline = time.perf_counter() + seconds

    def worker() -> int:
        sqs, done = client(endpoint), 0
        while time.perf_counter() < deadline:
            _call(sqs.send_message_batch, QueueUrl=url, Entries=entries)
            received = _call(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if received:
                handles = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(received)]
                _call(sqs.delete_message_batch, QueueUrl=url, Entries=handles)
            done += len(received)
        return done

    began = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        total = sum(future.result() for future in [pool.submit(worker) for _ in range(threads)])
    return round(total / (time.perf_counter() - began), 1)


# -- long-poll wake-up ---------------------------------------------------------------------------


def long_poll_wakeup(endpoint: str, samples: int) -> dict[str, Any]:
    sender, poller = client(endpoint), client(endpoint, read_timeout=30)
    url = _new_queue(sender)
    wake, after = [], []
    with ThreadPoolExecutor(1) as pool:
        for _ in range(samples):
            future = pool.submit(_poll, poller, url)
            # The pause lets the receive reach the server and start waiting: there is nothing
            # to be notified by from outside the target.
            time.sleep(0.2)
            began = time.perf_counter()
            _call(sender.send_message, QueueUrl=url, MessageBody=BODY)
            answered = time.perf_counter()
            returned, message = future.result(timeout=30)
            if message is None:
                raise TargetFailed("a waiting ReceiveMessage returned without the message sent")
            _call(sender.delete_message, QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            wake.append((returned - began) * 1000)
            after.append((returned - answered) * 1000)
    return {
        "samples": samples,
        "wake_median_ms": round(statistics.median(wake), 3),
        "wake_max_ms": round(max(wake), 3),
        "after_send_median_ms": round(statistics.median(after), 3),
    }


def _poll(sqs: Any, url: str) -> tuple[float, dict[str, Any] | None]:
    messages = _call(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
    return time.perf_counter(), (messages[0] if messages else None)
