"""Invoke: async events with retries, DryRun, payload limits, the AWS CLI, and a custom runtime."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import sys
import time

import pytest
from botocore.exceptions import ClientError

from cloudlet.testing.sink import SINK_RECORD

RECORDER = SINK_RECORD + '''
def handler(event, context):
    record(event["sink"], context.aws_request_id)
    if event.get("fail"):
        raise RuntimeError("try again")
    return event
'''

BOOTSTRAP = '''#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  REQUEST_ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  echo "handling $REQUEST_ID with $_HANDLER"
  case "$EVENT" in
    *fail*) curl -sS -X POST "$API/invocation/$REQUEST_ID/error" -H "Lambda-Runtime-Function-Error-Type: Custom.Failure" \\
              -d '{"errorMessage":"shell said no","errorType":"Custom.Failure"}' >/dev/null ;;
    *) curl -sS -X POST "$API/invocation/$REQUEST_ID/response" -d "{\\"echo\\":$EVENT,\\"fn\\":\\"$AWS_LAMBDA_FUNCTION_NAME\\"}" >/dev/null ;;
  esac
done
'''


@pytest.fixture(scope="module")
def recorder(create):
    create("recorder", RECORDER)
    return "recorder"


def test_event_invocation_runs_later_with_the_request_id(lam, recorder, reports):
    event = {"sink": reports.url_for("calls")}
    reply = lam.invoke(FunctionName=recorder, InvocationType="Event", Payload=json.dumps(event))
    assert reply["StatusCode"] == 202
    assert reports.wait("calls", 1) == [reply["ResponseMetadata"]["RequestId"]]


def test_failed_event_invocation_is_retried_twice(lam, recorder, reports, server):
    event = {"sink": reports.url_for("failing"), "fail": True}
    lam.invoke(FunctionName=recorder, InvocationType="Event", Payload=json.dumps(event))
    assert len(reports.wait("failing", 1)) == 1
    assert len(_advance_until(server, reports, "failing", 2, 61)) == 2
    lines = _advance_until(server, reports, "failing", 3, 121)
    assert len(set(lines)) == 1  # the same request id on every attempt
    server.advance_clock(600)
    time.sleep(0.3)
    assert len(reports.records("failing")) == 3  # and no fourth


def _advance_until(server, reports, channel: str, count: int, seconds: float) -> list[str]:
    """Moves the clock by `seconds` until attempt `count` has run. The server schedules a retry
    just after the failed attempt answers, which the handler's record comes before: a first move
    can be too early, and the retry is then due one move later."""
    for _ in range(10):
        server.advance_clock(seconds)
        with contextlib.suppress(AssertionError):
            return reports.wait(channel, count, timeout=1)
    raise AssertionError(f"attempt {count} never ran")


def test_dry_run(lam, recorder):
    assert lam.invoke(FunctionName=recorder, InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName="missing", InvocationType="DryRun")
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_payload_limits_and_bad_json(lam, recorder):
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName=recorder, Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"')
    assert exc.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName=recorder, InvocationType="Event", Payload=b'"' + b"x" * (1024 * 1024) + b'"')
    assert exc.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    with pytest.raises(ClientError) as exc:
        lam.invoke(FunctionName=recorder, Payload=b"{not json")
    assert exc.value.response["Error"]["Code"] == "InvalidRequestContentException"


def test_aws_cli_invoke(recorder, endpoint, tmp_path, reports):
    out = tmp_path / "out.json"
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
    aws = os.path.join(os.path.dirname(sys.executable), "aws")
    payload = json.dumps({"sink": reports.url_for("cli")})
    result = subprocess.run(
        [aws, "lambda", "invoke", "--endpoint-url", endpoint, "--function-name", recorder,
         "--payload", payload, "--log-type", "Tail", str(out)],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["StatusCode"] == 200 and summary["ExecutedVersion"] == "$LATEST"
    assert "REPORT RequestId:" in base64.b64decode(summary["LogResult"]).decode()
    assert json.loads(out.read_text()) == json.loads(payload)


def test_custom_runtime_bootstrap_script(lam, create):
    create("shell-fn", {"bootstrap": BOOTSTRAP}, Runtime="provided.al2023", Handler="function.handler")
    reply = lam.invoke(FunctionName="shell-fn", Payload=json.dumps({"n": 1}), LogType="Tail")
    assert json.loads(reply["Payload"].read()) == {"echo": {"n": 1}, "fn": "shell-fn"}
    log = base64.b64decode(reply["LogResult"]).decode()
    assert f"handling {reply['ResponseMetadata']['RequestId']} with function.handler" in log
    failed = lam.invoke(FunctionName="shell-fn", Payload=json.dumps({"fail": 1}))
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorType"] == "Custom.Failure"


def test_custom_runtime_without_bootstrap(lam, create):
    create("no-bootstrap", {"other.sh": "echo"}, Runtime="provided.al2023", Handler="x")
    reply = lam.invoke(FunctionName="no-bootstrap")
    assert reply["FunctionError"] == "Unhandled"
    assert json.loads(reply["Payload"].read())["errorType"] == "Runtime.InvalidEntrypoint"
