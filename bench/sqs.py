"""SQS figures (`--only sqs` or one of FIGURES): what a queue user feels, cloudlet against its peers.

- **sqs_send**: SendMessage median and p99 (one boto3 client, one attempt each) on a queue
  filled to 0, 10k and 100k messages (100k skipped with --quick). Filling uses batches of 10
  from 8 threads, within FILL_BUDGET seconds; a target that cannot reach a depth in time
  reports the depth it reached instead of a latency.
- **sqs_capacity**: the server alone, without a Python client in the way: wrk (2 threads, 16
  connections, 10 s; 3 s with --quick) replaying one SendMessage (JSON protocol, as boto3 sends
  it) signed just before the load, onto one queue that grows by every request: requests/s and
  latency percentiles.
- **sqs_cycle**: send+receive+delete throughput with batches of 10 (SendMessageBatch,
  ReceiveMessage of 10, DeleteMessageBatch) from 1 and from 4 client threads on one queue:
  messages through the whole cycle per second.
- **sqs_longpoll**: a ReceiveMessage waiting (WaitTimeSeconds=10) on an empty queue; another
  client sends. Receivers here and in the fan-outs run in processes of their own, as consumers
  do (a thread of this process would wait for the GIL behind the sender's answer). `wake_ms` is from the SendMessage call's start to the receive's return, and
  `after_send_ms` from the send's answer to the receive's (near zero or below: the waiting
  receive answered first).
- **sqs_s3_fanout**: S3 -> SQS. A bucket's notification configuration sends ObjectCreated events
  to a queue whose policy lets s3.amazonaws.com SendMessage. A ReceiveMessage waits
  (WaitTimeSeconds=10); `median_ms`/`p99_ms` are from the PutObject call's start to the return of
  the receive that holds that object's event.
- **sqs_sns_fanout**: SNS -> SQS. FANOUT_QUEUES queues (policies letting sns.amazonaws.com
  SendMessage) subscribed to one topic, raw delivery off; a long poll waits on each queue in its
  own thread. `median_ms`/`p99_ms` are from the Publish call's start until the last of the
  queues has returned the message (`first_queue_median_ms`: the first of them).

A peer without a fan-out feature (its configuration call refused, or no event within
FANOUT_TIMEOUT seconds) gets `{"unsupported": why, "answered": what it said}` instead of numbers;
for cloudlet the same is a failure.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import boto3
import psutil
from botocore.config import Config

from bench import loads
from bench.client import ACCESS_KEY, REGION, SECRET_KEY, TargetFailed
from bench.measure import percentile
from bench.report import Row

FIGURES = ("sqs_send", "sqs_capacity", "sqs_cycle", "sqs_longpoll", "sqs_s3_fanout", "sqs_sns_fanout")
ALIAS = "sqs"  # --only sqs selects every figure above
TARGETS = frozenset({"cloudlet", "cloudlet-2w", "moto", "ministack"})  # the floor answers nothing but STS
FILL_BUDGET = 90.0
FILL_THREADS = 8
WARMUP = 30
BODY = "x" * 200  # a typical small JSON event
FANOUT_QUEUES = 10
FANOUT_TIMEOUT = 10.0
SETTLE = 0.2  # lets waiting receives reach the server: nothing outside the target can notify us

ROWS = (
    Row("SQS SendMessage, empty queue, median", "sqs_send", "depth_0_median_ms", "ms"),
    Row("SQS SendMessage, 10k deep, median", "sqs_send", "depth_10000_median_ms", "ms"),
    Row("SQS SendMessage, 100k deep, median", "sqs_send", "depth_100000_median_ms", "ms"),
    Row("SQS SendMessage, 100k deep, p99", "sqs_send", "depth_100000_p99_ms", "ms"),
    Row("SQS SendMessage under wrk", "sqs_capacity", "requests_per_s", "req/s", True),
    Row("SQS SendMessage under wrk, p50", "sqs_capacity", "p50_ms", "ms"),
    Row("SQS send+receive+delete x10, 1 client", "sqs_cycle", "one_client_messages_per_s", "msg/s", True),
    Row("SQS send+receive+delete x10, 4 clients", "sqs_cycle", "four_clients_messages_per_s", "msg/s", True),
    Row("SQS long-poll wake-up, send start to receive, median", "sqs_longpoll", "wake_median_ms", "ms"),
    Row("SQS long-poll wake-up, send answer to receive, median", "sqs_longpoll", "after_send_median_ms", "ms"),
    Row("S3 PutObject to SQS event received, median", "sqs_s3_fanout", "median_ms", "ms"),
    Row("S3 PutObject to SQS event received, p99", "sqs_s3_fanout", "p99_ms", "ms"),
    Row(f"SNS Publish to all {FANOUT_QUEUES} SQS queues received, median", "sqs_sns_fanout", "median_ms", "ms"),
    Row(f"SNS Publish to all {FANOUT_QUEUES} SQS queues received, p99", "sqs_sns_fanout", "p99_ms", "ms"),
)


@dataclass(frozen=True)
class SqsSettings:
    depths: tuple[int, ...] = (0, 10_000, 100_000)
    sends: int = 300
    cycle_seconds: float = 5.0
    wakeups: int = 30
    fanouts: int = 30
    load: loads.Load = field(default_factory=loads.Load)


QUICK = SqsSettings(depths=(0, 10_000), sends=100, cycle_seconds=2.0, wakeups=10, fanouts=10,
                    load=loads.Load(seconds=3))


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
    if "sqs_capacity" in wanted:
        take("sqs_capacity", lambda: capacity(endpoint, settings.load))
    if "sqs_cycle" in wanted:
        take("sqs_cycle", lambda: cycle_throughput(endpoint, settings.cycle_seconds))
    if "sqs_longpoll" in wanted:
        take("sqs_longpoll", lambda: long_poll_wakeup(endpoint, settings.wakeups))
    if "sqs_s3_fanout" in wanted:
        take("sqs_s3_fanout", lambda: _unless_unsupported(endpoint, lambda: s3_fanout(endpoint, settings.fanouts)))
    if "sqs_sns_fanout" in wanted:
        take("sqs_sns_fanout", lambda: _unless_unsupported(endpoint, lambda: sns_fanout(endpoint, settings.fanouts)))


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


# -- SendMessage under wrk -----------------------------------------------------------------------


def capacity(endpoint: str, load: loads.Load) -> dict[str, Any]:
    url = _new_queue(client(endpoint))
    body = json.dumps({"QueueUrl": url, "MessageBody": BODY})
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.SendMessage"}
    return loads.replay(endpoint, "sqs", body, headers, '"MessageId"', load)


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
    sender = client(endpoint)
    url = _new_queue(sender)
    wake, after = [], []
    with _pollers(endpoint, 1) as pool:
        for n in range(samples + 1):  # the first warms the path and is dropped
            future = pool.submit(_poll, url)
            # The pause lets the receive reach the server and start waiting: there is nothing
            # to be notified by from outside the target.
            time.sleep(SETTLE)
            began = time.perf_counter()
            _call(sender.send_message, QueueUrl=url, MessageBody=BODY)
            answered = time.perf_counter()
            returned, handle = future.result(timeout=30)
            if handle is None:
                raise TargetFailed("a waiting ReceiveMessage returned without the message sent")
            _call(sender.delete_message, QueueUrl=url, ReceiptHandle=handle)
            if n:
                wake.append((returned - began) * 1000)
                after.append((returned - answered) * 1000)
    return {
        "samples": samples,
        "wake_median_ms": round(statistics.median(wake), 3),
        "wake_max_ms": round(max(wake), 3),
        "after_send_median_ms": round(statistics.median(after), 3),
    }


# -- receivers in processes of their own -------------------------------------------------------
# A consumer is another program than its producer, and receivers in threads of this process
# would wait for the GIL while the sender's answer is parsed: milliseconds that are the bench's,
# not the target's. time.perf_counter is the system's monotonic clock, the same in every process.

_POLLER: dict[str, Any] = {}


def _start_poller(endpoint: str, gathered: Any) -> None:
    _POLLER["sqs"] = client(endpoint)
    _POLLER["gathered"] = gathered


def _ready() -> int:
    # Held until every process of the pool holds one: each takes exactly one, however slowly
    # the machine spawns them.
    _POLLER["gathered"].wait(timeout=120)
    return os.getpid()


@contextlib.contextmanager
def _pollers(endpoint: str, count: int) -> Iterator[ProcessPoolExecutor]:
    """`count` started receiver processes, each with its SQS client built."""
    context = multiprocessing.get_context("spawn")
    gathered = context.Barrier(count)
    with ProcessPoolExecutor(count, mp_context=context, initializer=_start_poller,
                             initargs=(endpoint, gathered)) as pool:
        started = {f.result(timeout=150) for f in [pool.submit(_ready) for _ in range(count)]}
        if len(started) != count:
            raise TargetFailed(f"{count} receiver processes wanted, {len(started)} started")
        yield pool


def _poll(url: str) -> tuple[float, str | None]:
    messages = _call(_POLLER["sqs"].receive_message, QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
    return time.perf_counter(), (messages[0]["ReceiptHandle"] if messages else None)


def _wait_in_poller(url: str, token: str, deadline: float) -> float | None:
    return _wait_for(_POLLER["sqs"], url, token, deadline)


# -- fan-out: S3 -> SQS and SNS -> SQS -------------------------------------------------------


class Unsupported(TargetFailed):
    """The target refused or ignored a fan-out feature; `answered` is what it said."""

    def __init__(self, why: str, answered: str) -> None:
        super().__init__(f"{why}: {answered}")
        self.why, self.answered = why, answered


def _unless_unsupported(endpoint: str, figure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return figure()
    except Unsupported as exc:
        if _served_by_cloudlet(endpoint):
            raise  # cloudlet is meant to do all of it: there it is a failure
        return {"unsupported": exc.why, "answered": exc.answered}


def _served_by_cloudlet(endpoint: str) -> bool:
    """Whether the process listening on the endpoint's port is cloudlet (sqs.measure is given no name)."""
    port = int(endpoint.rsplit(":", 1)[1])
    for conn in psutil.net_connections("tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
            try:
                return "cloudlet" in psutil.Process(conn.pid).cmdline()
            except psutil.Error:
                return False
    return False


def _aws_client(endpoint: str, service: str) -> Any:
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                    region_name=REGION)
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=30,
                    s3={"addressing_style": "path"})
    return session.client(service, endpoint_url=endpoint, config=config)


def _queue_for(sqs: Any, service: str, source_arn: str) -> tuple[str, str]:
    """A new queue whose policy lets `service` send to it from `source_arn`; (url, arn)."""
    url = _new_queue(sqs)
    arn = _call(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sqs:SendMessage", "Resource": arn,
        "Condition": {"ArnLike": {"aws:SourceArn": source_arn}}}]}
    _call(sqs.set_queue_attributes, QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


def _wait_for(sqs: Any, url: str, token: str, deadline: float) -> float | None:
    """Long-polls until a message containing `token` arrives (others, e.g. s3:TestEvent, are
    deleted and skipped); the perf_counter when that receive returned, None if none came."""
    while (left := deadline - time.perf_counter()) > 0:
        messages = _call(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=10,
                         WaitTimeSeconds=max(1, min(10, int(left)))).get("Messages", [])
        returned = time.perf_counter()
        found = False
        for message in messages:
            found = found or token in message["Body"]
            _call(sqs.delete_message, QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if found:
            return returned
    return None


def _fanout_result(samples: int, timings: list[float], answered: list[float]) -> dict[str, Any]:
    return {
        "samples": samples,
        "median_ms": round(statistics.median(timings), 3),
        "p99_ms": round(percentile(timings, 99), 3),
        "max_ms": round(max(timings), 3),
        "call_answer_median_ms": round(statistics.median(answered), 3),
    }


def s3_fanout(endpoint: str, samples: int) -> dict[str, Any]:
    s3, sqs = _aws_client(endpoint, "s3"), client(endpoint)
    bucket = f"bench-fanout-{uuid.uuid4().hex[:10]}"
    _call(s3.create_bucket, Bucket=bucket)
    url, arn = _queue_for(sqs, "s3.amazonaws.com", f"arn:aws:s3:::{bucket}")
    config = {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
    try:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    except Exception as exc:  # a peer without the feature says so here
        raise Unsupported("PutBucketNotificationConfiguration refused", repr(exc)) from exc
    stored = _call(s3.get_bucket_notification_configuration, Bucket=bucket).get("QueueConfigurations", [])
    timings, answered = [], []
    with _pollers(endpoint, 1) as pool:
        for n in range(samples + 1):  # the first warms the notification path and is dropped
            token = uuid.uuid4().hex  # matched alone: an event may URL-encode the rest of the key
            key = f"fanout/{token}.json"
            future = pool.submit(_wait_in_poller, url, token, time.perf_counter() + FANOUT_TIMEOUT + SETTLE)
            time.sleep(SETTLE)
            began = time.perf_counter()
            _call(s3.put_object, Bucket=bucket, Key=key, Body=BODY.encode())
            done = time.perf_counter()
            returned = future.result(timeout=FANOUT_TIMEOUT + 30)
            if returned is None:
                if n == 0:
                    raise Unsupported(f"no ObjectCreated event in the queue within {FANOUT_TIMEOUT:.0f} s of PutObject",
                                      f"notification configuration accepted, read back as {stored!r}")
                raise TargetFailed(f"the ObjectCreated event of put {n} never arrived")
            if n:
                timings.append((returned - began) * 1000)
                answered.append((done - began) * 1000)
    return _fanout_result(samples, timings, answered)


def sns_fanout(endpoint: str, samples: int) -> dict[str, Any]:
    sns, sqs = _aws_client(endpoint, "sns"), client(endpoint)
    try:
        topic = sns.create_topic(Name=f"bench-fanout-{uuid.uuid4().hex[:10]}")["TopicArn"]
    except Exception as exc:
        raise Unsupported("CreateTopic refused", repr(exc)) from exc
    urls = []
    for _ in range(FANOUT_QUEUES):
        url, arn = _queue_for(sqs, "sns.amazonaws.com", topic)
        try:
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "false"})
        except Exception as exc:
            raise Unsupported("Subscribe of an SQS queue refused", repr(exc)) from exc
        urls.append(url)
    timings, answered, first = [], [], []
    with _pollers(endpoint, len(urls)) as pool:
        for n in range(samples + 1):  # the first warms the delivery path and is dropped
            token = uuid.uuid4().hex
            deadline = time.perf_counter() + FANOUT_TIMEOUT + SETTLE
            futures = [pool.submit(_wait_in_poller, u, token, deadline) for u in urls]
            time.sleep(SETTLE)
            began = time.perf_counter()
            _call(sns.publish, TopicArn=topic, Message=json.dumps({"token": token, "pad": BODY}))
            done = time.perf_counter()
            returned = [f.result(timeout=FANOUT_TIMEOUT + 30) for f in futures]
            missing = sum(r is None for r in returned)
            if missing:
                if n == 0 and missing == len(urls):
                    raise Unsupported(f"no queue received the message within {FANOUT_TIMEOUT:.0f} s of Publish",
                                      "Publish and the SQS subscriptions were accepted")
                raise TargetFailed(f"publish {n}: {missing} of {len(urls)} queues never received the message")
            if n:
                timings.append((max(r for r in returned if r is not None) - began) * 1000)
                answered.append((done - began) * 1000)
                first.append((min(r for r in returned if r is not None) - began) * 1000)
    return {**_fanout_result(samples, timings, answered), "first_queue_median_ms": round(statistics.median(first), 3)}
