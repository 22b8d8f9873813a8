"""What functions print lands in CloudWatch Logs: /aws/lambda/NAME, a stream per environment."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import threading
import time

import pytest
from botocore.exceptions import ClientError

PRINTER = """
import logging
print("cold start line")
def handler(event, context):
    print("hello from", context.function_name, event.get("n"))
    logging.getLogger().warning("a warning")
    return {"ok": True}
"""
STREAM = re.compile(r"^\d{4}/\d{2}/\d{2}/\[(\$LATEST|\d+)\][0-9a-f]{32}$")


def wait_for_events(logs, group: str, predicate, timeout: float = 15.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            events = (
                logs.get_paginator("filter_log_events")
                .paginate(logGroupName=group)
                .build_full_result()["events"]
            )
        except logs.exceptions.ResourceNotFoundException:
            events = []
        if predicate(events):
            return events
        if time.monotonic() > deadline:
            raise AssertionError(f"{group} never matched: {[e['message'] for e in events]}")
        time.sleep(0.02)  # logs are shipped just after the invoke returns: nothing to await here


def reports(events: list[dict]) -> list[str]:
    return [e["message"] for e in events if e["message"].startswith("REPORT ")]


@pytest.fixture(scope="module")
def logs(client):
    return client("logs")


@pytest.fixture(scope="module")
def printer(create):
    create("printer", PRINTER, MemorySize=256)
    return "printer"


def test_output_and_platform_lines_go_to_the_function_log_group(lam, logs, printer):
    first = lam.invoke(FunctionName=printer, Payload=b'{"n": 1}')
    second = lam.invoke(FunctionName=printer, Payload=b'{"n": 2}')
    ids = [reply["ResponseMetadata"]["RequestId"] for reply in (first, second)]
    events = wait_for_events(logs, "/aws/lambda/printer", lambda found: len(reports(found)) == 2)
    streams = {e["logStreamName"] for e in events}
    assert len(streams) == 1, "two calls in a row reuse one warm environment: one stream"
    assert STREAM.match(streams.pop())
    lines = [e["message"] for e in events]
    assert lines[0].startswith("INIT_START Runtime Version: python:3.11.")
    assert "\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:" in lines[0]
    assert "cold start line" in lines and "hello from printer 1" in lines and "hello from printer 2" in lines
    assert any("a warning" in line for line in lines)
    assert (
        lines.index(f"START RequestId: {ids[0]} Version: $LATEST")
        < lines.index("hello from printer 1")
        < lines.index(f"END RequestId: {ids[0]}")
    )
    cold, warm = reports(events)
    pattern = (
        r"^REPORT RequestId: {}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB"
        r"\tMax Memory Used: \d+ MB"
    )
    assert re.match(pattern.format(ids[0]) + r"\tInit Duration: [\d.]+ ms", cold)
    assert re.match(pattern.format(ids[1]) + "$", warm)
    group = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/printer")["logGroups"]
    assert [g["logGroupName"] for g in group] == ["/aws/lambda/printer"]


def test_tail_still_answers_in_the_invoke_reply(lam, printer):
    reply = lam.invoke(FunctionName=printer, Payload=b'{"n": 3}', LogType="Tail")
    tail = base64.b64decode(reply["LogResult"]).decode()
    assert "hello from printer 3" in tail and "REPORT RequestId:" in tail


def test_each_version_and_environment_has_its_own_stream(lam, logs, create):
    create("versioned", PRINTER, Publish=True)
    lam.invoke(FunctionName="versioned", Qualifier="1", Payload=b'{"n": 1}')
    lam.invoke(FunctionName="versioned", Payload=b'{"n": 2}')
    events = wait_for_events(logs, "/aws/lambda/versioned", lambda found: len(reports(found)) == 2)
    streams = sorted({e["logStreamName"] for e in events})
    assert len(streams) == 2
    assert {STREAM.match(s).group(1) for s in streams} == {"1", "$LATEST"}


def test_log_group_deleted_by_the_user_comes_back(lam, logs, create):
    create("recreated", PRINTER)
    lam.invoke(FunctionName="recreated", Payload=b'{"n": 1}')
    wait_for_events(logs, "/aws/lambda/recreated", lambda found: len(reports(found)) == 1)
    logs.delete_log_group(logGroupName="/aws/lambda/recreated")
    lam.invoke(FunctionName="recreated", Payload=b'{"n": 2}')
    events = wait_for_events(logs, "/aws/lambda/recreated", lambda found: len(reports(found)) == 1)
    assert "hello from recreated 2" in [e["message"] for e in events]


def cloudlet(*args: str) -> list[str]:
    return [os.path.join(os.path.dirname(sys.executable), "cloudlet"), *args]


def test_cloudlet_logs_prints_and_follows(lam, logs, printer, endpoint):
    lam.invoke(FunctionName=printer, Payload=b'{"n": 40}')
    wait_for_events(
        logs, "/aws/lambda/printer", lambda found: any("printer 40" in e["message"] for e in found)
    )
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test")
    once = subprocess.run(
        cloudlet("logs", printer, "--endpoint-url", endpoint),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert once.returncode == 0, once.stderr
    assert re.search(r"^\S+ \S+\[\$LATEST\]\w+ hello from printer 40$", once.stdout, re.MULTILINE)
    missing = subprocess.run(
        cloudlet("logs", "never-ran", "--endpoint-url", endpoint),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 1 and "/aws/lambda/never-ran does not exist" in missing.stderr
    follower = subprocess.Popen(
        cloudlet("logs", printer, "--follow", "--since", "5m", "--endpoint-url", endpoint),
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    guard = threading.Timer(30, follower.kill)  # a follower that never prints would block the loop below
    guard.start()
    try:
        lam.invoke(FunctionName=printer, Payload=b'{"n": 41}')
        assert follower.stdout is not None
        assert any("hello from printer 41" in line for line in follower.stdout)
    finally:
        guard.cancel()
        follower.kill()
        follower.wait(timeout=10)


LEVELS = """
import logging
def handler(event, context):
    logging.getLogger().info("quiet detail")
    logging.getLogger().warning("loud problem")
    return 1
"""


def test_logging_config_group_format_and_level(lam, logs, create):
    config = create(
        "json-logger",
        LEVELS,
        LoggingConfig={"LogGroup": "/custom/app", "LogFormat": "JSON", "ApplicationLogLevel": "WARN"},
    )
    assert config["LoggingConfig"] == {
        "LogGroup": "/custom/app",
        "LogFormat": "JSON",
        "ApplicationLogLevel": "WARN",
        "SystemLogLevel": "INFO",
    }
    lam.invoke(FunctionName="json-logger")
    events = wait_for_events(logs, "/custom/app", lambda found: len(reports(found)) == 1)
    application = [json.loads(e["message"]) for e in events if e["message"].startswith("{")]
    assert [(line["level"], line["message"]) for line in application] == [("WARNING", "loud problem")]
    assert not logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/json-logger")["logGroups"]
    text = lam.update_function_configuration(FunctionName="json-logger", LoggingConfig={"LogFormat": "Text"})
    assert text["LoggingConfig"] == {"LogGroup": "/custom/app", "LogFormat": "Text"}
    with pytest.raises(ClientError) as exc:
        lam.update_function_configuration(
            FunctionName="json-logger", LoggingConfig={"ApplicationLogLevel": "DEBUG"}
        )
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException"
