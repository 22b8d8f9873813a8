"""The figures taken with boto3 from this process: start time, idle memory, STS round trip."""

from __future__ import annotations

import math
import statistics
import time
from typing import Any

from bench.client import TargetFailed, sts_client, wait_ready
from bench.peers import Running, Target

MB = 1024 * 1024


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: a value that was actually observed."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def startup(target: Target, runs: int) -> dict[str, Any]:
    """Popen to first successful GetCallerIdentity, each run on a fresh port and data dir."""
    samples = []
    for _ in range(runs):
        running = Running(target)
        client = sts_client(running.endpoint)  # built before the clock starts: it is the user's cost
        try:
            samples.append(wait_ready(running.start(), client) * 1000)
        finally:
            running.stop()
    return {
        "median_ms": round(statistics.median(samples), 1),
        "min_ms": round(min(samples), 1),
        "max_ms": round(max(samples), 1),
        "samples_ms": [round(s, 1) for s in samples],
    }


def idle_rss(running: Running, idle_seconds: float = 1.0) -> dict[str, Any]:
    """RSS of the server and its children once it has served a call and sat idle."""
    # The pause is the measurement itself (let lazy start-up work settle), not a wait for an event.
    time.sleep(idle_seconds)
    return {"idle_rss_mb": round(running.rss_bytes() / MB, 1), "processes": len(running.processes())}


def sts_loop(client: Any, calls: int, warmup: int) -> dict[str, Any]:
    """GetCallerIdentity in a tight loop: the latency a boto3 user feels, boto3's own cost included."""
    errors: list[str] = []
    for _ in range(warmup):
        _call(client, errors)
    if errors:
        raise TargetFailed(f"GetCallerIdentity failed during warm-up: {errors[0]}")
    timings = []
    for _ in range(calls):
        began = time.perf_counter()
        if _call(client, errors):
            timings.append((time.perf_counter() - began) * 1000)
    if not timings:
        raise TargetFailed(f"every GetCallerIdentity failed: {errors[0]}")
    return {
        "calls": calls,
        "median_ms": round(statistics.median(timings), 3),
        "p99_ms": round(percentile(timings, 99), 3),
        "mean_ms": round(statistics.fmean(timings), 3),
        "min_ms": round(min(timings), 3),
        "errors": len(errors),
        **({"first_error": errors[0]} if errors else {}),
    }


def _call(client: Any, errors: list[str]) -> bool:
    try:
        client.get_caller_identity()
        return True
    except Exception as exc:  # counted and reported, never retried
        errors.append(repr(exc))
        return False
