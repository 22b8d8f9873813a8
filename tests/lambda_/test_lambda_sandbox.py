"""Each execution environment in a bubblewrap sandbox: a function sees its code at /var/task, its
layers at /opt, its own /tmp and processes, and nothing else of the machine; it still reaches
cloudlet through the API."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROLE, make_zip

from cloudlet.runtime import opt_view, sandbox
from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server


def _bwrap_problem() -> str | None:
    executable = shutil.which("bwrap")
    return sandbox.probe(executable, None) if executable else "bwrap is not installed"


BWRAP_PROBLEM = _bwrap_problem()
needs_bwrap = pytest.mark.skipif(BWRAP_PROBLEM is not None, reason=f"bwrap cannot run here: {BWRAP_PROBLEM}")

SEER = """
import json, os
import boto3
def listing(path):
    try:
        return sorted(os.listdir(path))
    except OSError as exc:
        return type(exc).__name__
def handler(event, context):
    with open("/tmp/mine", "w") as fh:
        fh.write(context.function_name)
    try:
        import sbx_layer
        layer = sbx_layer.__file__
    except ImportError:
        layer = None
    return {
        "task_root": os.environ["LAMBDA_TASK_ROOT"], "cwd": os.getcwd(), "tmpdir": os.environ["TMPDIR"],
        "code": listing("/var/task"), "opt": listing("/opt/python"), "layer": layer,
        "tmp": listing("/tmp"), "root": listing("/"), "home": listing(event.get("home", "/")),
        "pid": os.getpid(), "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "seen": [path for path in event.get("paths", []) if os.path.lexists(path)],
        "buckets": [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]],
    }
"""


def _invoke(lam, name: str, event: dict | None = None) -> dict:
    reply = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}))
    payload = json.loads(reply["Payload"].read())
    assert "FunctionError" not in reply, payload
    return payload


@needs_bwrap
def test_function_sees_only_its_own_sandbox(lam, create, client, server):
    client("s3").create_bucket(Bucket="seen-from-a-sandbox")
    layer = lam.publish_layer_version(
        LayerName="sbx", Content={"ZipFile": make_zip({"python/sbx_layer.py": "WHO = 'layer'"})}
    )
    create("seer-a", SEER, Layers=[layer["LayerVersionArn"]])
    create("seer-b", {"app.py": SEER, "b_only.py": ""})
    _invoke(lam, "seer-b")  # leaves a file in its /tmp
    other_tmp = [os.path.dirname(p) for p in glob.glob("/tmp/cloudlet-lambda-*/seer-b-*/mine")]
    other_code = glob.glob(os.path.join(server.data_dir, "blobs", "lambda", "code", "*", "b_only.py"))
    assert other_tmp and other_code, "the other function's /tmp and code, as the machine sees them"
    home = os.path.expanduser("~")
    secrets = [server.data_dir, os.path.join(server.data_dir, "cloudlet.db"), *other_tmp, *other_code]
    seen = _invoke(lam, "seer-a", {"paths": secrets, "home": home})

    assert seen["task_root"] == seen["cwd"] == "/var/task" and seen["code"] == ["app.py"]
    assert seen["opt"] == ["sbx_layer.py"] and seen["layer"] == "/opt/python/sbx_layer.py"
    assert seen["tmpdir"] == "/tmp" and seen["tmp"] == ["mine"], "a /tmp of its own"
    assert seen["seen"] == [], "cloudlet's data, other functions' code and /tmp, the server's home"
    assert seen["home"] in ("FileNotFoundError", _on_the_way_to_python(home))
    assert not {"home", "work", "root", "srv"} & set(seen["root"]) - set(_on_the_way_to_python("/"))
    assert seen["pid"] in seen["processes"] and len(seen["processes"]) <= 2, "only its own processes"
    assert "seen-from-a-sandbox" in seen["buckets"], "cloudlet through the API, with the role's credentials"


def _on_the_way_to_python(directory: str) -> list[str]:
    """What of `directory` a sandbox shows: only the way to the interpreter's installation."""
    prefix = os.path.realpath(sys.base_prefix)
    relative = os.path.relpath(prefix, directory)
    return [] if relative.startswith("..") else [relative.split(os.sep)[0]]


SPAWNER = """
import subprocess
def handler(event, context):
    done = subprocess.run(["sh", "-c", "for p in /proc/[0-9]*; do cat $p/comm; done"], capture_output=True, text=True)
    return done.stdout.split()
"""


@needs_bwrap
def test_child_processes_stay_in_the_sandbox(lam, create):
    create("spawner", SPAWNER)
    names = _invoke(lam, "spawner")
    # bwrap's init as PID 1, the runtime, and the shell it started (which lists before it runs cat)
    assert sorted(names) == ["bwrap", os.path.basename(sandbox.interpreter())[:15], "sh"], names


WRITER = """
import os
def handler(event, context):
    outcome = {}
    for path in ("/var/task/new.txt", "/opt/new.txt", "/usr/new.txt", "/new.txt", "/tmp/new.txt"):
        try:
            open(path, "w").close()
            outcome[path] = "written"
        except OSError as exc:
            outcome[path] = type(exc).__name__
    return outcome
"""


@needs_bwrap
def test_only_tmp_is_writable(lam, create):
    create("writer", WRITER)
    outcome = _invoke(lam, "writer")
    assert outcome.pop("/tmp/new.txt") == "written"
    assert set(outcome.values()) <= {"OSError", "PermissionError"}, outcome


BOOTSTRAP = """#!/bin/sh
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  curl -sS -D "$HEADERS" "$API/invocation/next" >/dev/null
  ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"pwd\\": \\"$(pwd)\\", \\"me\\": \\"$0\\"}" >/dev/null
done
"""


@needs_bwrap
def test_custom_runtime_bootstrap_runs_from_var_task(lam, create):
    create("sandboxed-shell", {"bootstrap": BOOTSTRAP}, Runtime="provided.al2023", Handler="x")
    assert _invoke(lam, "sandboxed-shell") == {"pwd": "/var/task", "me": "/var/task/bootstrap"}


def test_bwrap_mode_refuses_to_start_without_bwrap(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "cloudlet", "up", "--data-dir", str(tmp_path), "--port", "0",
         "--lambda-sandbox", "bwrap"],
        capture_output=True, text=True, timeout=30, env={**os.environ, "PATH": str(tmp_path)},
    )
    assert done.returncode == 2, done.stderr
    assert "--lambda-sandbox bwrap" in done.stderr and "bwrap is not installed" in done.stderr


@pytest.mark.parametrize("how", ["auto without bwrap", "none"])
def test_unsandboxed_functions_run_as_plain_processes(tmp_path, monkeypatch, how):
    if how == "none":
        server = start_server(str(tmp_path), "--lambda-sandbox", "none")
    else:
        monkeypatch.setenv("PATH", str(tmp_path))  # the server finds no bwrap
        server = start_server(str(tmp_path))
    try:
        lam = make_client(server.endpoint, "lambda")
        lam.create_function(FunctionName="plain", Runtime="python3.11", Role=ROLE, Handler="app.handler",
                            Code={"ZipFile": make_zip({"app.py": SEER})})
        seen = _invoke(lam, "plain")
        assert seen["task_root"].startswith(str(tmp_path)) and seen["tmpdir"] != "/tmp"
        not_sandboxed = "Lambda functions are not sandboxed" in server.log()
        assert not_sandboxed == (how != "none"), server.log()
    finally:
        server.stop()


def test_layers_merge_into_opt_as_aws_extracts_them(tmp_path):
    low, high, alone = tmp_path / "low", tmp_path / "high", tmp_path / "alone"
    for path, text in [(low / "python" / "shared.py", "low"), (low / "python" / "only_low.py", "low"),
                       (high / "python" / "shared.py", "high"), (high / "bin" / "tool", "high"),
                       (alone / "python" / "x.py", "")]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (high / "link").symlink_to("/etc/shadow")  # followed inside the sandbox, never on the host
    mounts = opt_view.mounts((str(low), str(high)), "/opt")
    triples = {tuple(mounts[i:i + 3]) for i in range(2, len(mounts), 3)}
    assert mounts[:2] == ("--dir", "/opt")
    assert triples == {
        ("--ro-bind", str(high / "python" / "shared.py"), "/opt/python/shared.py"),
        ("--ro-bind", str(low / "python" / "only_low.py"), "/opt/python/only_low.py"),
        ("--ro-bind", str(high / "bin"), "/opt/bin"),
        ("--symlink", "/etc/shadow", "/opt/link"),
    }
    assert opt_view.mounts((str(alone),), "/opt") == ("--dir", "/opt", "--ro-bind", str(alone), "/opt")
    assert opt_view.mounts((), "/opt") == ("--dir", "/opt")
