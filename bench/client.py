"""The one client every target is measured with, and the wait for a target to answer it."""

from __future__ import annotations

import socket
import time
from typing import Any

import boto3
from botocore.config import Config

from bench.peers import Running

REGION = "us-east-1"
ACCESS_KEY = SECRET_KEY = "test"

# Readiness is polled: a foreign process has nothing to notify us with but its socket. 5 ms
# between tries keeps the poll's own error under the noise of a Python process start.
POLL_INTERVAL = 0.005


class TargetFailed(RuntimeError):
    """A target exited, never answered, or answered with an error."""


def sts_client(endpoint: str) -> Any:
    """boto3 as a user would configure it, except that one attempt is all it gets: a retry
    would hide an error and double a latency."""
    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                    region_name=REGION)
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=30)
    return session.client("sts", endpoint_url=endpoint, config=config)


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.05):
            return True
    except OSError:
        return False


def wait_ready(running: Running, client: Any, timeout: float = 60.0) -> float:
    """Seconds from the process start to its first successful GetCallerIdentity."""
    deadline = running.started_at + timeout
    last_error: Exception | None = None
    while time.perf_counter() < deadline:
        if running.exited() is not None:
            raise TargetFailed(f"{running.target.name} exited with {running.exited()}:\n{running.log_tail()}")
        if port_open(running.port):
            try:
                client.get_caller_identity()
                return time.perf_counter() - running.started_at
            except Exception as exc:  # a half-started server fails in any way it likes
                last_error = exc
        time.sleep(POLL_INTERVAL)
    raise TargetFailed(f"{running.target.name} did not answer GetCallerIdentity within {timeout:.0f} s "
                       f"(last error: {last_error!r}):\n{running.log_tail()}")
