"""Invoke: async events with retries, DryRun, payload limits, the AWS CLI, and a custom runtime."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time

import pytest
from botocore.exceptions import ClientError

RECORDER = '''
import json
def handler(event, context):
    with open(event["path"], "a") as fh:
        fh.write(context.aws_request_id + "\\n")
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


def wait_for_lines(path: str, count: int, timeout: float = 10.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as fh:
                lines = fh.read().split()
            if len(lines) >= count:
                return lines
        time.sleep(0.02)  # the effect is in another process: nothing to await
    raise AssertionError(f"{path} did not reach {count} lines")


@pytest.fixture(scope="module")
def recorder(create):
    create("recorder", RECORDER)
    return "recorder"


def test_event_invocation_runs_later_with_the_request_id(lam, recorder, tmp_path):
    path = str(tmp_path / "calls")
    reply = lam.invoke(FunctionName=recorder, InvocationType="Event", Payload=json.dumps({"path": path}))
    assert reply["StatusCode"] == 202
    assert wait_for_lines(path, 1) == [reply["ResponseMetadata"]["RequestId"]]


def test_failed_event_invocation_is_retried_twice(lam, recorder, tmp_path, server):
    path = str(tmp_path / "failing")
    lam.invoke(FunctionName=recorder, InvocationType="Event", Payload=json.dumps({"path": path, "fail": True}))
    assert len(wait_for_lines(path, 1)) == 1
    server.advance_clock(61)
    assert len(wait_for_lines(path, 2)) == 2
    server.advance_clock(121)
    lines = wait_for_lines(path, 3)
    assert len(set(lines)) == 1  # the same request id on every attempt
    server.advance_clock(600)
    time.sleep(0.3)
    assert len(wait_for_lines(path, 3)) == 3  # and no fourth


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


def test_aws_cli_invoke(recorder, endpoint, tmp_path):
    out = tmp_path / "out.json"
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
    aws = os.path.join(os.path.dirname(sys.executable), "aws")
    payload = json.dumps({"path": str(tmp_path / "cli")})
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
