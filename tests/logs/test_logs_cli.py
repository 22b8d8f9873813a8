"""The AWS CLI against cloudlet's CloudWatch Logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def now_ms() -> int:
    return int(time.time() * 1000)


def aws(endpoint: str, *args: str) -> str:
    env = dict(
        os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1"
    )
    command = [
        os.path.join(os.path.dirname(sys.executable), "aws"),
        "--endpoint-url",
        endpoint,
        "logs",
        *args,
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_cli_create_put_and_read(endpoint, logs):
    aws(endpoint, "create-log-group", "--log-group-name", "/cli/app")
    aws(endpoint, "create-log-stream", "--log-group-name", "/cli/app", "--log-stream-name", "main")
    events = json.dumps([{"timestamp": now_ms(), "message": "hello from the cli"}])
    put = json.loads(
        aws(
            endpoint,
            "put-log-events",
            "--log-group-name",
            "/cli/app",
            "--log-stream-name",
            "main",
            "--log-events",
            events,
        )
    )
    assert put["nextSequenceToken"]
    got = logs.get_log_events(logGroupName="/cli/app", logStreamName="main")
    assert [e["message"] for e in got["events"]] == ["hello from the cli"]
    filtered = json.loads(
        aws(endpoint, "filter-log-events", "--log-group-name", "/cli/app", "--filter-pattern", "hello")
    )
    assert [e["message"] for e in filtered["events"]] == ["hello from the cli"]
