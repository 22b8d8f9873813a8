"""S3 figures (`--only s3` or one of FIGURES): what an object store user feels, against the peers.

- **s3_small**: PutObject and GetObject of 1 KiB, median and p99 (one boto3 client, one attempt
  each), and GetObject throughput from 8 client threads.
- **s3_capacity**: the server alone: wrk (2 threads, 16 connections, 10 s; 3 s with --quick)
  replaying one signed GetObject of a 1 KiB object (path style), requests/s and latency.
- **s3_list**: ListObjectsV2 over a bucket of LIST_KEYS keys (filled with empty objects from
  8 threads within FILL_BUDGET seconds; a target that cannot reports the keys it reached): the
  first page of 1,000 keys, median of 20, and the whole listing page by page.
- **s3_large**: one 50 MiB PutObject and GetObject (body read to the end), MB/s, best of 3.
- **s3_huge**: a 1 GiB object uploaded (boto3 upload_file, 64 MiB parts) and downloaded,
  MB/s each, with the server's peak RSS (all its processes) sampled every 20 ms during the
  transfers against its RSS before: flat means bodies are streamed, not held. 256 MiB with
  --quick.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

from bench import loads
from bench.client import ACCESS_KEY, REGION, SECRET_KEY, TargetFailed
from bench.measure import MB, percentile
from bench.peers import Running
from bench.report import Row

FIGURES = ("s3_small", "s3_capacity", "s3_list", "s3_large", "s3_huge")
ALIAS = "s3"
TARGETS = frozenset({"cloudlet", "cloudlet-2w", "moto", "ministack"})
# The floor keeps PUT bodies in memory and returns them on GET: what boto3 and the loopback allow.
FLOOR_FIGURES = frozenset({"s3_small", "s3_capacity", "s3_large"})
WARMUP = 30
THREADS = 8
MiB = 1024 * 1024
LIST_KEYS = 100_000
FILL_BUDGET = 420.0  # 8 boto3 threads put about 350 empty objects a second on a 2-core machine

ROWS = (
    Row("S3 PutObject 1 KiB, median", "s3_small", "put_median_ms", "ms"),
    Row("S3 PutObject 1 KiB, p99", "s3_small", "put_p99_ms", "ms"),
    Row("S3 GetObject 1 KiB, median", "s3_small", "get_median_ms", "ms"),
    Row("S3 GetObject 1 KiB, p99", "s3_small", "get_p99_ms", "ms"),
    Row("S3 GetObject 1 KiB, 8 threads", "s3_small", "get_8_threads_per_s", "ops/s", True),
    Row("S3 GetObject 1 KiB under wrk", "s3_capacity", "requests_per_s", "req/s", True),
    Row("S3 GetObject 1 KiB under wrk, p50", "s3_capacity", "p50_ms", "ms"),
    Row("S3 ListObjectsV2, first 1,000 of 100k keys, median", "s3_list", "first_page_median_ms", "ms"),
    Row("S3 ListObjectsV2, all 100k keys page by page", "s3_list", "full_listing_s", "s"),
    Row("S3 PutObject 50 MiB", "s3_large", "put_mb_per_s", "MB/s", True),
    Row("S3 GetObject 50 MiB", "s3_large", "get_mb_per_s", "MB/s", True),
    Row("S3 1 GiB upload_file", "s3_huge", "upload_mb_per_s", "MB/s", True),
    Row("S3 1 GiB download_file", "s3_huge", "download_mb_per_s", "MB/s", True),
    Row("S3 RSS growth during 1 GiB transfers", "s3_huge", "rss_growth_mb", "MB"),
)


@dataclass(frozen=True)
class S3Settings:
    calls: int = 500
    threads_seconds: float = 5.0
    large_repeats: int = 3
    huge_bytes: int = 1024 * MiB
    list_keys: int = LIST_KEYS
    load: loads.Load = field(default_factory=loads.Load)


QUICK = S3Settings(calls=100, threads_seconds=2.0, large_repeats=1, huge_bytes=256 * MiB, list_keys=10_000,
                   load=loads.Load(seconds=3))


def expand(names: list[str]) -> list[str]:
    return [figure for name in names for figure in (FIGURES if name == ALIAS else (name,))]


def applies(target_name: str, figure: str) -> bool:
    return figure in FIGURES and (target_name in TARGETS or (target_name == "floor" and figure in FLOOR_FIGURES))


def client(endpoint: str) -> Any:
    session = boto3.session.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
    )
    config = Config(
        retries={"total_max_attempts": 1},
        connect_timeout=2,
        read_timeout=300,
        max_pool_connections=THREADS,
        s3={"addressing_style": "path"},
    )
    return session.client("s3", endpoint_url=endpoint, config=config)


def measure(
    running: Running, wanted: list[str], settings: S3Settings, take: Callable[[str, Callable[[], Any]], None]
) -> None:
    if "s3_small" in wanted:
        take("s3_small", lambda: small_objects(running.endpoint, settings))
    if "s3_capacity" in wanted:
        take("s3_capacity", lambda: capacity(running.endpoint, settings.load))
    if "s3_list" in wanted:
        take("s3_list", lambda: listing(running.endpoint, settings.list_keys))
    if "s3_large" in wanted:
        take("s3_large", lambda: large_object(running.endpoint, settings.large_repeats))
    if "s3_huge" in wanted:
        take("s3_huge", lambda: huge_object(running, settings.huge_bytes))


def _call(action: Callable[..., Any], **params: Any) -> Any:
    try:
        return action(**params)
    except Exception as exc:  # any failure ends the figure: a retry would hide it
        raise TargetFailed(f"{getattr(action, '__name__', action)} failed: {exc!r}") from exc


def _bucket(s3: Any) -> str:
    name = f"bench-{uuid.uuid4().hex[:12]}"
    _call(s3.create_bucket, Bucket=name)
    return name


def _timed(action: Callable[[], Any], count: int) -> list[float]:
    timings = []
    for _ in range(count):
        began = time.perf_counter()
        action()
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def small_objects(endpoint: str, settings: S3Settings) -> dict[str, Any]:
    s3 = client(endpoint)
    bucket, body = _bucket(s3), os.urandom(1024)
    for i in range(WARMUP):
        _call(s3.put_object, Bucket=bucket, Key=f"warm/{i}", Body=body)
        _call(s3.get_object, Bucket=bucket, Key=f"warm/{i}")["Body"].read()
    keys = iter(range(10**9))
    puts = _timed(
        lambda: _call(s3.put_object, Bucket=bucket, Key=f"k/{next(keys)}", Body=body), settings.calls
    )
    gets = _timed(lambda: _call(s3.get_object, Bucket=bucket, Key="k/0")["Body"].read(), settings.calls)
    return {
        "calls": settings.calls,
        "put_median_ms": round(statistics.median(puts), 3),
        "put_p99_ms": round(percentile(puts, 99), 3),
        "get_median_ms": round(statistics.median(gets), 3),
        "get_p99_ms": round(percentile(gets, 99), 3),
        "get_8_threads_per_s": _threaded_gets(endpoint, bucket, settings.threads_seconds),
    }


def _threaded_gets(endpoint: str, bucket: str, seconds: float) -> float:
    # Clients are built (and warmed) before the clock starts: building one costs more than many calls.
    clients = [client(endpoint) for _ in range(THREADS)]
    for s3 in clients:
        _call(s3.get_object, Bucket=bucket, Key="k/0")["Body"].read()
    deadline = time.perf_counter() + seconds

    def worker(s3: Any) -> int:
        done = 0
        while time.perf_counter() < deadline:
            _call(s3.get_object, Bucket=bucket, Key="k/0")["Body"].read()
            done += 1
        return done

    began = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        total = sum(f.result() for f in [pool.submit(worker, s3) for s3 in clients])
    return round(total / (time.perf_counter() - began), 1)


def capacity(endpoint: str, load: loads.Load) -> dict[str, Any]:
    s3 = client(endpoint)
    bucket = _bucket(s3)
    _call(s3.put_object, Bucket=bucket, Key="k/0", Body=b"c" * 1024)
    return loads.replay(endpoint, "s3", "", {}, "c" * 1024, load, method="GET", path=f"/{bucket}/k/0")


def listing(endpoint: str, keys: int) -> dict[str, Any]:
    s3 = client(endpoint)
    bucket = _bucket(s3)
    reached, fill_s = _fill_keys(endpoint, bucket, keys)
    result: dict[str, Any] = {"keys": keys, "fill_s": round(fill_s, 1)}
    if reached < keys:
        return {**result, "reached": reached}
    firsts = _timed(lambda: _call(s3.list_objects_v2, Bucket=bucket, MaxKeys=1000), 20)
    began, listed, token = time.perf_counter(), 0, None
    while True:
        page = _call(s3.list_objects_v2, Bucket=bucket, **({"ContinuationToken": token} if token else {}))
        listed += page.get("KeyCount", 0)
        token = page.get("NextContinuationToken")
        if not token:
            break
    if listed != keys:
        raise TargetFailed(f"the listing returned {listed} keys of {keys}")
    return {**result, "first_page_median_ms": round(statistics.median(firsts), 3),
            "full_listing_s": round(time.perf_counter() - began, 3)}


def _fill_keys(endpoint: str, bucket: str, keys: int) -> tuple[int, float]:
    """Empty objects k/000000.. from THREADS clients; (keys written, seconds)."""
    deadline = time.perf_counter() + FILL_BUDGET
    names = iter(range(keys))
    lock = threading.Lock()

    def worker() -> int:
        s3, done = client(endpoint), 0
        while time.perf_counter() < deadline:
            with lock:
                n = next(names, None)
            if n is None:
                break
            _call(s3.put_object, Bucket=bucket, Key=f"k/{n:06d}", Body=b"")
            done += 1
        return done

    began = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        written = sum(f.result() for f in [pool.submit(worker) for _ in range(THREADS)])
    return written, time.perf_counter() - began


def large_object(endpoint: str, repeats: int) -> dict[str, Any]:
    s3 = client(endpoint)
    bucket, body = _bucket(s3), os.urandom(50 * MiB)
    puts, gets = [], []
    for i in range(repeats):
        began = time.perf_counter()
        _call(s3.put_object, Bucket=bucket, Key=f"large/{i}", Body=body)
        puts.append(time.perf_counter() - began)
        began = time.perf_counter()
        data = _call(s3.get_object, Bucket=bucket, Key=f"large/{i}")["Body"].read()
        gets.append(time.perf_counter() - began)
        if len(data) != len(body):
            raise TargetFailed(f"GetObject returned {len(data)} bytes of {len(body)}")
    return {
        "repeats": repeats,
        "put_mb_per_s": round(len(body) / MB / min(puts), 1),
        "get_mb_per_s": round(len(body) / MB / min(gets), 1),
    }


class _PeakRss:
    """Samples the target's RSS in a thread while a transfer runs."""

    def __init__(self, running: Running) -> None:
        self.running, self.peak, self._stop = running, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.running.rss_bytes())


def huge_object(running: Running, size: int) -> dict[str, Any]:
    s3 = client(running.endpoint)
    bucket = _bucket(s3)
    config = TransferConfig(multipart_threshold=64 * MiB, multipart_chunksize=64 * MiB, max_concurrency=4)
    with tempfile.TemporaryDirectory(prefix="bench-s3-") as tmp:
        source, target = os.path.join(tmp, "up.bin"), os.path.join(tmp, "down.bin")
        block = os.urandom(MiB)
        with open(source, "wb") as fh:
            for _ in range(size // MiB):
                fh.write(block)
        before = running.rss_bytes()
        with _PeakRss(running) as rss:
            began = time.perf_counter()
            _call(s3.upload_file, Filename=source, Bucket=bucket, Key="huge", Config=config)
            up = time.perf_counter() - began
            began = time.perf_counter()
            _call(s3.download_file, Bucket=bucket, Key="huge", Filename=target, Config=config)
            down = time.perf_counter() - began
        if os.path.getsize(target) != size:
            raise TargetFailed(f"download_file wrote {os.path.getsize(target)} bytes of {size}")
    return {
        "bytes": size,
        "upload_mb_per_s": round(size / MB / up, 1),
        "download_mb_per_s": round(size / MB / down, 1),
        "rss_before_mb": round(before / MB, 1),
        "rss_peak_mb": round(rss.peak / MB, 1),
        "rss_growth_mb": round((rss.peak - before) / MB, 1),
    }
