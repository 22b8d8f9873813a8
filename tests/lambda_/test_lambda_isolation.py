"""What a function can see: its code, its layers, the AWS runtime's boto3; not cloudlet's own
packages, nor the server's environment."""

from __future__ import annotations

import base64
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

import pytest
from conftest import ROLE, make_zip

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server

PROBE = """
import importlib.util, os
import six  # the function's own copy (boto3, which needs the real one, is not imported here)
def handler(event, context):
    return {
        "hidden": [m for m in ("cloudlet", "httpx", "uvicorn", "cryptography") if importlib.util.find_spec(m)],
        "runtime": [m for m in ("boto3", "botocore", "awslambdaric") if importlib.util.find_spec(m)],
        "six": getattr(six, "WHO", "runtime"),
        "exit": callable(exit),
        "server_variables": sorted(k for k in os.environ if k.startswith(("CLOUDLET", "PYTEST"))),
        "tmp": os.environ["TMPDIR"],
        "task_root": os.environ["LAMBDA_TASK_ROOT"],
    }
"""


def test_function_sees_only_its_code_and_the_runtime(lam, create):
    create("probe", {"app.py": PROBE, "six.py": "WHO = 'function'"})
    result = json.loads(lam.invoke(FunctionName="probe")["Payload"].read())
    assert result["hidden"] == [], "server packages must not be importable in a function"
    assert result["runtime"] == ["boto3", "botocore", "awslambdaric"] and result["exit"] is True
    assert result["six"] == "function", "the function's own copy of a runtime package wins"
    assert result["server_variables"] == []
    if result["task_root"] == "/var/task":  # sandboxed: its own /tmp, at AWS's path
        assert result["tmp"] == "/tmp"
    else:
        assert "probe-" in result["tmp"]


LIMITS = """
import resource
def handler(event, context):
    return {name: resource.getrlimit(getattr(resource, name))
            for name in ("RLIMIT_NOFILE", "RLIMIT_CORE", "RLIMIT_FSIZE")}
"""


def test_resource_limits_as_on_aws(lam, create):
    create("limits", LIMITS)
    create("limits-big", LIMITS, EphemeralStorage={"Size": 2048})
    small = json.loads(lam.invoke(FunctionName="limits")["Payload"].read())
    assert small["RLIMIT_NOFILE"] == [1024, 1024]
    assert small["RLIMIT_CORE"] == [0, 0]
    assert small["RLIMIT_FSIZE"] == [512 * 1024 * 1024] * 2  # no file beyond the ephemeral storage
    big = json.loads(lam.invoke(FunctionName="limits-big")["Payload"].read())
    assert big["RLIMIT_FSIZE"] == [2048 * 1024 * 1024] * 2


# A custom runtime reporting what it may do: who it runs as, its limits, and which of cloudlet's
# files it can reach.
WHO_BOOTSTRAP = '''#!/bin/sh
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
can() { if "$@" >/dev/null 2>&1; then echo true; else echo false; fi; }
while true; do
  HEADERS="$(mktemp)"
  curl -sS -D "$HEADERS" "$API/invocation/next" >/dev/null
  REQUEST_ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  BODY="{\\"uid\\": $(id -u), \\"files\\": $(ulimit -n), \\"processes\\": $(awk '/^Max processes/ {print $3}' /proc/self/limits),
    \\"own_code\\": $(can cat "$LAMBDA_TASK_ROOT/bootstrap"),
    \\"write_tmp\\": $(can touch "$TMPDIR/x"),
    \\"read_db\\": $(can cat "$DATA_DIR/cloudlet.db"),
    \\"list_data\\": $(can ls "$DATA_DIR"),
    \\"list_code\\": $(can ls "$DATA_DIR/blobs/lambda/code"),
    \\"list_s3\\": $(can ls "$DATA_DIR/blobs/s3")}"
  curl -sS -X POST "$API/invocation/$REQUEST_ID/response" -d "$BODY" >/dev/null
done
'''

WHOAMI = """
import os
def handler(event, context):
    return {"uid": os.getuid()}
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="--lambda-user needs cloudlet to run as root")
def test_functions_run_as_the_lambda_user(tmp_path):
    # Functions run from the data directory: the user must be able to pass the directories above.
    refused = subprocess.run(
        [sys.executable, "-m", "cloudlet", "up", "--data-dir", str(tmp_path / "closed"), "--port", "0",
         "--lambda-user", "nobody"], capture_output=True, text=True, timeout=30,
    )
    assert refused.returncode == 2 and "cannot reach the data directory" in refused.stderr
    base = tempfile.mkdtemp(prefix="cloudlet-user-test-")
    os.chmod(base, 0o711)
    data_dir = os.path.join(base, "data")
    server = start_server(data_dir, "--lambda-user", "nobody")
    try:
        client = make_client(server.endpoint, "lambda")
        s3 = make_client(server.endpoint, "s3")
        s3.create_bucket(Bucket="private-bucket")
        s3.put_object(Bucket="private-bucket", Key="secret", Body=b"not for functions")
        python = client.create_function(FunctionName="whoami", Runtime="python3.11", Role=ROLE,
                                        Handler="app.handler", Code={"ZipFile": make_zip({"app.py": WHOAMI})})
        assert os.path.isdir(python_code_dir(data_dir, python["CodeSha256"]))
        client.create_function(
            FunctionName="who", Runtime="provided.al2023", Role=ROLE, Handler="none",
            Code={"ZipFile": make_zip({"bootstrap": WHO_BOOTSTRAP}, {"bootstrap": 0o755})},
            Environment={"Variables": {"DATA_DIR": data_dir}},
        )
        seen = json.loads(client.invoke(FunctionName="who")["Payload"].read())
        assert seen == {
            "uid": pwd.getpwnam("nobody").pw_uid, "files": 1024, "processes": 1024,
            "own_code": True, "write_tmp": True,
            # cloudlet's store and S3's objects are closed; other functions' packages cannot be
            # listed (each is named by its SHA-256, so only a function given one finds it)
            "read_db": False, "list_data": False, "list_code": False, "list_s3": False,
        }, seen
        # Python functions run as that user too, when it may start the server's interpreter.
        reply = client.invoke(FunctionName="whoami")
        payload = json.loads(reply["Payload"].read())
        probe = subprocess.run(["su", "-s", "/bin/sh", "nobody", "-c", f"{sys.executable} -S -c pass"],
                               capture_output=True)
        if probe.returncode == 0:
            assert payload == {"uid": pwd.getpwnam("nobody").pw_uid}
        else:
            assert reply.get("FunctionError") == "Unhandled"
            assert "Permission denied" in payload["errorMessage"]
            assert "cannot run Python as nobody" in server.log()
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def python_code_dir(data_dir: str, sha256_b64: str) -> str:
    return os.path.join(data_dir, "blobs", "lambda", "code", base64.b64decode(sha256_b64).hex())


def test_lambda_user_must_exist_and_be_unprivileged(tmp_path):
    for user in ("no-such-user-here", "root"):
        done = subprocess.run(
            [sys.executable, "-m", "cloudlet", "up", "--data-dir", str(tmp_path), "--port", "0",
             "--lambda-user", user],
            capture_output=True, text=True, timeout=30,
        )
        assert done.returncode == 2, done.stderr
        assert "--lambda-user" in done.stderr
