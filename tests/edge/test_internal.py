"""cloudlet's own endpoints and CLI commands against a running server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import botocore.exceptions
import pytest

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import RunningServer


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cloudlet", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})})


def test_health_lists_services(server: RunningServer):
    health = server.get("/_cloudlet/health")
    assert health["status"] == "running"
    assert health["services"]["sts"] in ("available", "running")
    assert health["data_dir"].startswith(server.data_dir)


def test_status_command_prints_health(server: RunningServer):
    result = _cli("status", "--endpoint-url", server.endpoint)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "running"


def test_status_command_reports_a_dead_endpoint():
    result = _cli("status", "--endpoint-url", "http://127.0.0.1:9")
    assert result.returncode == 1
    assert "not answering" in result.stderr


def test_services_command_reads_the_code():
    result = _cli("services")
    assert result.returncode == 0
    assert "sts:" in result.stdout
    assert "  GetCallerIdentity" in result.stdout
    assert "DecodeAuthorizationMessage" not in result.stdout


def test_coverage_doc_is_current():
    result = _cli("services", "--markdown")
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "coverage.md")) as fh:
        assert fh.read().strip() == result.stdout.strip(), "regenerate: cloudlet services --markdown > docs/coverage.md"


def test_reset_wipes_state(server: RunningServer, client):
    creds = client("sts").get_session_token()["Credentials"]
    session = client("sts", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                     aws_session_token=creds["SessionToken"])
    session.get_caller_identity()
    assert server.post("/_cloudlet/reset") == {"reset": True}
    try:
        session.get_caller_identity()
    except Exception as exc:  # the issued credentials are gone with the rest of the state
        assert "InvalidClientTokenId" in str(exc)
    else:
        raise AssertionError("credentials survived a reset")


def test_clock_moves_forward_only(server: RunningServer):
    before = server.get("/_cloudlet/clock")["now"]
    after = server.advance_clock(3600)
    assert after >= before + 3600
    request = urllib.request.Request(f"{server.endpoint}/_cloudlet/clock", data=b'{"advance": -5}', method="POST")
    try:
        urllib.request.urlopen(request, timeout=5)
    except urllib.error.HTTPError as exc:
        assert exc.code == 400
    else:
        raise AssertionError("negative advance accepted")


def test_unknown_internal_endpoint_is_404(server: RunningServer):
    try:
        urllib.request.urlopen(f"{server.endpoint}/_cloudlet/nope", timeout=5)
    except urllib.error.HTTPError as exc:
        assert exc.code == 404
    else:
        raise AssertionError("expected 404")


def test_request_log_names_service_operation_status_duration_and_request_id(server: RunningServer):
    sqs = make_client(server.endpoint, "sqs")
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        sqs.get_queue_url(QueueName="no-such-queue-for-the-log")
    request_id = missing.value.response["ResponseMetadata"]["RequestId"]
    pattern = re.compile(
        r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO cloudlet\.request: "
        rf"sqs GetQueueUrl 400 \d+\.\d\dms {request_id}$", re.M)
    deadline = time.monotonic() + 5
    while not pattern.search(server.log()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pattern.search(server.log()), server.log()[-2000:]
