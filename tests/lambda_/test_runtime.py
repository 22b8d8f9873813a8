"""Functions running under awslambdaric: event, context, environment, errors, timeouts, reuse."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

HANDLER = '''
import json, os, sys, time
import boto3

COLD = time.time()
print("init ran")

def handler(event, context):
    print("event", json.dumps(event))
    action = event.get("action")
    if action == "fail":
        raise ValueError("boom")
    if action == "exit":
        sys.exit(3)
    if action == "segv":
        os.kill(os.getpid(), 11)
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "sts":
        return boto3.client("sts").get_caller_identity()["Arn"]
    if action == "unserializable":
        return {1, 2}
    return {
        "environment": context.log_stream_name, "cold": COLD, "event": event,
        "request_id": context.aws_request_id, "arn": context.invoked_function_arn,
        "remaining": context.get_remaining_time_in_millis(), "memory": context.memory_limit_in_mb,
        "log_group": context.log_group_name, "log_stream": context.log_stream_name,
        "env": {k: os.environ.get(k) for k in ("AWS_LAMBDA_FUNCTION_NAME", "_HANDLER", "AWS_REGION",
                "LAMBDA_TASK_ROOT", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_ENDPOINT_URL",
                "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "AWS_LAMBDA_FUNCTION_VERSION", "CLOUDLET_CONFIG",
                "MY_SETTING")},
        "cwd": os.getcwd(),
    }
'''


@pytest.fixture(scope="module")
def fn(create):
    create("runtime-fn", HANDLER, Timeout=2, MemorySize=256, Environment={"Variables": {"MY_SETTING": "on"}})
    return "runtime-fn"


def invoke(lam, name, event=None, **kwargs):
    reply = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}), **kwargs)
    return reply, json.loads(reply["Payload"].read())


def test_event_context_and_environment(lam, fn):
    reply, body = invoke(lam, fn, {"hello": "world"})
    assert reply["StatusCode"] == 200 and "FunctionError" not in reply
    assert reply["ExecutedVersion"] == "$LATEST"
    assert body["event"] == {"hello": "world"}
    assert body["request_id"] == reply["ResponseMetadata"]["RequestId"]
    assert body["arn"] == "arn:aws:lambda:us-east-1:000000000000:function:runtime-fn"
    assert 1000 < body["remaining"] <= 2000
    assert body["memory"] == "256"
    assert body["log_group"] == "/aws/lambda/runtime-fn"
    assert body["log_stream"].split("/")[3].startswith("[$LATEST]")
    env = body["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "runtime-fn" and env["_HANDLER"] == "app.handler"
    assert env["AWS_REGION"] == "us-east-1" and env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST" and env["MY_SETTING"] == "on"
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA") and env["AWS_SESSION_TOKEN"]
    assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert env["CLOUDLET_CONFIG"] is None  # nothing of the server leaks into functions
    assert env["LAMBDA_TASK_ROOT"] == body["cwd"]


def test_warm_environment_is_reused(lam, fn):
    _, first = invoke(lam, fn)
    _, second = invoke(lam, fn)
    assert first["environment"] == second["environment"] and first["cold"] == second["cold"]


def test_boto3_inside_reaches_cloudlet_with_role_credentials(lam, fn):
    _, arn = invoke(lam, fn, {"action": "sts"})
    assert arn == "arn:aws:sts::000000000000:assumed-role/lambda-role/runtime-fn"


def test_handler_exception_is_unhandled_function_error(lam, fn):
    reply, body = invoke(lam, fn, {"action": "fail"})
    assert reply["StatusCode"] == 200 and reply["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError" and body["errorMessage"] == "boom"
    assert body["requestId"] == reply["ResponseMetadata"]["RequestId"]
    assert any("raise ValueError" in line for line in body["stackTrace"])


def test_unserializable_result(lam, fn):
    reply, body = invoke(lam, fn, {"action": "unserializable"})
    assert reply["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.MarshalError"


@pytest.mark.parametrize(("action", "reason"), [("exit", "exit status 3"), ("segv", "signal: SIGSEGV")])
def test_crash_is_a_function_error_and_next_call_is_fresh(lam, fn, action, reason):
    _, before = invoke(lam, fn)
    reply, body = invoke(lam, fn, {"action": action})
    assert reply["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ExitError"
    assert body["errorMessage"].endswith(f"Error: Runtime exited with error: {reason}")
    _, after = invoke(lam, fn)
    assert after["environment"] != before["environment"]


def test_timeout_kills_the_environment(lam, fn):
    _, before = invoke(lam, fn)
    reply, body = invoke(lam, fn, {"action": "sleep", "seconds": 30}, LogType="Tail")
    assert reply["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    assert body["errorMessage"].endswith("Task timed out after 2.00 seconds")
    log = base64.b64decode(reply["LogResult"]).decode()
    assert "Task timed out after 2.00 seconds" in log and "Status: timeout" in log
    _, after = invoke(lam, fn)
    assert after["environment"] != before["environment"]


def test_log_tail_has_output_and_report(lam, fn):
    reply, _ = invoke(lam, fn, {"marker": "tail-me"}, LogType="Tail")
    log = base64.b64decode(reply["LogResult"]).decode()
    request_id = reply["ResponseMetadata"]["RequestId"]
    lines = log.splitlines()
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST" or "init ran" in lines[0]
    assert 'event {"marker": "tail-me"}' in lines
    assert f"END RequestId: {request_id}" in lines
    assert lines[-1].startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    assert "Memory Size: 256 MB" in lines[-1]


def test_import_error_is_runtime_import_module_error(lam, create):
    create("broken-import", "import not_a_module\ndef handler(e, c):\n    return 1\n")
    reply, body = invoke(lam, "broken-import")
    assert reply["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"] == "Unable to import module 'app': No module named 'not_a_module'"


def test_missing_handler_function(lam, create):
    create("no-handler", "def other(e, c):\n    return 1\n")
    _, body = invoke(lam, "no-handler")
    assert body["errorType"] == "Runtime.HandlerNotFound"


def test_reserved_concurrency_zero_throttles(lam, create):
    create("throttled", "def handler(e, c):\n    return 1\n")
    lam.put_function_concurrency(FunctionName="throttled", ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as exc:
        invoke(lam, "throttled")
    error = exc.value.response
    assert error["Error"]["Code"] == "TooManyRequestsException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert error["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_idle_environment_is_reaped(lam, fn, server):
    _, before = invoke(lam, fn)
    server.advance_clock(400)  # past the idle timeout and a reaper pass
    _, after = invoke(lam, fn)
    assert after["environment"] != before["environment"]
