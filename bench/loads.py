"""Server capacity under wrk: one pre-signed POST (GetCallerIdentity, GetItem, SendMessage...)
replayed over many connections.

A signed request stays valid for 15 minutes of clock skew either side of its X-Amz-Date, so
one request signed just before the load covers the whole run, and wrk replays the exact bytes
without a client in Python in the way.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from dataclasses import dataclass
from typing import Any

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from bench.client import ACCESS_KEY, REGION, SECRET_KEY, TargetFailed

BODY = "Action=GetCallerIdentity&Version=2011-06-15"
MARKER = "BENCH_RESULT "

# wrk calls done() once with the merged statistics of every thread; latencies are microseconds.
_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%s{"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,' ..
    '"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"max_us":%.0f,"mean_us":%.0f}\\n',
    "MARKER", summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""


@dataclass(frozen=True)
class Load:
    seconds: int = 10
    threads: int = 2
    connections: int = 16


def wrk_path() -> str | None:
    return shutil.which("wrk")


def signed(endpoint: str, service: str, body: str, headers: dict[str, str], method: str = "POST",
           path: str = "/") -> dict[str, str]:
    """The headers of a SigV4-signed request to endpoint, signed now."""
    request = AWSRequest(method=method, url=f"{endpoint}{path}", data=body or None, headers=headers)
    signer = S3SigV4Auth if service == "s3" else SigV4Auth  # S3 signs x-amz-content-sha256 too
    signer(Credentials(ACCESS_KEY, SECRET_KEY), service, REGION).add_auth(request)
    return dict(request.headers.items())


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def replay(endpoint: str, service: str, body: str, headers: dict[str, str], expect: str, load: Load, *,
           method: str = "POST", path: str = "/") -> dict[str, Any]:
    """wrk replaying one request, signed now, over `load`; `expect` must be in its answer."""
    wrk = wrk_path()
    if wrk is None:
        raise TargetFailed("wrk is not installed (apt-get install -y wrk): no capacity figure")
    headers = signed(endpoint, service, body, headers, method, path)
    # One replay by hand first: wrk counts an error answer as fast as a good one.
    check = urllib.request.Request(f"{endpoint}{path}", data=body.encode() or None, headers=headers, method=method)
    try:
        with urllib.request.urlopen(check, timeout=30) as reply:
            text = reply.read().decode(errors="replace")
    except OSError as exc:
        raise TargetFailed(f"the pre-signed {service} request was refused: {exc}") from exc
    if expect not in text:
        raise TargetFailed(f"the pre-signed {service} request got an unexpected answer: {text[:300]}")
    lines = [f"wrk.method = {_lua_string(method)}", f"wrk.path = {_lua_string(path)}"]
    lines += [f"wrk.body = {_lua_string(body)}"] if body else []
    lines += [f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}" for name, value in headers.items()]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + _DONE.replace('"MARKER"', _lua_string(MARKER)))
    try:
        args = [wrk, f"-t{load.threads}", f"-c{load.connections}", f"-d{load.seconds}s", "--timeout", "5s",
                "-s", script.name, f"{endpoint}/"]
        done = subprocess.run(args, capture_output=True, text=True, timeout=load.seconds + 60)
    finally:
        os.unlink(script.name)
    return _summary(done, load)


def capacity(endpoint: str, load: Load) -> dict[str, Any]:
    """GetCallerIdentity: the edge's own request path, no service state."""
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    return replay(endpoint, "sts", BODY, headers, "GetCallerIdentityResult", load)


def _summary(done: subprocess.CompletedProcess, load: Load) -> dict[str, Any]:
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith(MARKER)), None)
    if line is None:
        raise TargetFailed(f"wrk printed no result (exit {done.returncode}): {done.stderr or done.stdout}")
    raw = json.loads(line[len(MARKER):])
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts"))
    return {
        "requests_per_s": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "requests": raw["requests"],
        "errors": errors,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "threads": load.threads,
        "connections": load.connections,
        "seconds": load.seconds,
        "error_detail": {k: v for k, v in raw.items() if k.endswith(("_errors", "timeouts")) and v},
    }
