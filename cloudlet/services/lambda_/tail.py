"""`cloudlet logs FUNCTION [--follow]`: a function's CloudWatch Logs, printed as they arrive.

A client of the Logs API like any other (FilterLogEvents on /aws/lambda/NAME), so it works
against a cloudlet on another machine as it does against a local one.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO

POLL_SECONDS = 1.0


def tail(
    endpoint: str, region: str, function: str, *, follow: bool, since: float, out: TextIO = sys.stdout
) -> int:
    import boto3  # imported here: the rest of the CLI starts without it
    from botocore.exceptions import ClientError, EndpointConnectionError

    session = boto3.session.Session(region_name=region)
    keys: dict[str, Any] = {}
    if session.get_credentials() is None:
        keys = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
    logs = session.client("logs", endpoint_url=endpoint, **keys)
    group = f"/aws/lambda/{function}"
    start = int((time.time() - since) * 1000)
    seen: set[str] = set()  # ids of events printed at timestamp `start`
    while True:
        try:
            start, seen = _print_new(logs, group, start, seen, out)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
            if not follow:
                print(f"log group {group} does not exist (has {function} run yet?)", file=sys.stderr)
                return 1
        except EndpointConnectionError as exc:
            print(f"cloudlet is not answering at {endpoint}: {exc}", file=sys.stderr)
            return 1
        if not follow:
            return 0
        time.sleep(POLL_SECONDS)  # polling the API is what a tail does; nothing to be told by


def _print_new(logs: Any, group: str, start: int, seen: set[str], out: TextIO) -> tuple[int, set[str]]:
    pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group, startTime=start)
    for page in pages:
        for event in page["events"]:
            if event["eventId"] in seen:
                continue
            if event["timestamp"] > start:
                start, seen = event["timestamp"], set()
            seen.add(event["eventId"])
            stamp = datetime.fromtimestamp(event["timestamp"] / 1000, UTC).isoformat()
            out.write(f"{stamp} {event['logStreamName']} {event['message']}\n")
    out.flush()
    return start, seen


def parse_since(text: str) -> float:
    """'30s', '10m', '2h', '1d' -> seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text and text[-1] in units and text[:-1].isdigit():
        return int(text[:-1]) * units[text[-1]]
    if text.isdigit():
        return float(text)
    raise ValueError(f"--since takes a duration such as 30s, 10m, 2h or 1d, not {text!r}")


def default_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
