"""State outlives the process: kill -9, restart, several workers on one data directory."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

import pytest

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import free_port, start_server


@pytest.fixture
def data_dir() -> Iterator[str]:
    path = tempfile.mkdtemp(prefix="cloudlet-durable-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _session_client(endpoint: str, creds: dict) -> object:
    return make_client(endpoint, "sts", aws_access_key_id=creds["AccessKeyId"],
                       aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])


def test_acknowledged_state_survives_kill_9(data_dir):
    first = start_server(data_dir)
    try:
        creds = make_client(first.endpoint, "sts").assume_role(
            RoleArn="arn:aws:iam::123456789012:role/keeper", RoleSessionName="durable")["Credentials"]
    finally:
        first.stop(kill=True)
    second = start_server(data_dir)
    try:
        identity = _session_client(second.endpoint, creds).get_caller_identity()
        assert identity["Arn"] == "arn:aws:sts::123456789012:assumed-role/keeper/durable"
    finally:
        second.stop()


def test_workers_share_one_data_directory(data_dir):
    server = start_server(data_dir, "--workers", "2")
    try:
        creds = make_client(server.endpoint, "sts").get_session_token()["Credentials"]
        # A fresh client per call opens a fresh connection, so calls spread over both workers.
        for _ in range(12):
            assert _session_client(server.endpoint, creds).get_caller_identity()["Account"] == "000000000000"
        assert server.get("/_cloudlet/health")["status"] == "running"
    finally:
        server.stop()


def test_ctrl_c_stops_cleanly_and_ephemeral_state_goes():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "cloudlet", "up", "--ephemeral", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    banner = []
    for line in process.stdout:
        banner.append(line)
        if line.strip().startswith("data dir"):
            break
    data_dir = banner[-1].split()[-1]
    assert any(f"http://localhost:{port}" in line for line in banner)
    assert os.path.isdir(data_dir)
    assert make_client(f"http://127.0.0.1:{port}", "sts").get_caller_identity()["Account"] == "000000000000"
    process.send_signal(signal.SIGINT)
    assert process.wait(15) == 0
    assert not os.path.exists(data_dir)


def test_services_with_state_resume_at_start_and_unused_ones_stay_unloaded(data_dir):
    first = start_server(data_dir)
    try:
        queue_url = make_client(first.endpoint, "sqs").create_queue(QueueName="resumed")["QueueUrl"]
        make_client(first.endpoint, "sqs").send_message(QueueUrl=queue_url, MessageBody="later", DelaySeconds=1)
    finally:
        first.stop(kill=True)
    second = start_server(data_dir)
    try:
        deadline = time.monotonic() + 10
        services = second.get("/_cloudlet/health")["services"]
        while services["sqs"] != "running" and time.monotonic() < deadline:
            time.sleep(0.05)
            services = second.get("/_cloudlet/health")["services"]
        assert services["sqs"] == "running"  # no request for SQS came: it started with the server
        assert services["dynamodb"] == services["lambda"] == "available"
        received = make_client(second.endpoint, "sqs").receive_message(QueueUrl=queue_url, WaitTimeSeconds=5)
        assert [m["Body"] for m in received["Messages"]] == ["later"]
        make_client(second.endpoint, "dynamodb").list_tables()
        assert second.get("/_cloudlet/health")["services"]["dynamodb"] == "running"
    finally:
        second.stop()
