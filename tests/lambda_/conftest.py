"""Helpers for Lambda tests: deployment packages built in memory."""

from __future__ import annotations

import json
import time

import pytest

from cloudlet.testing.packages import zip_files as make_zip

ROLE = "arn:aws:iam::000000000000:role/lambda-role"


@pytest.fixture(scope="module")
def zip_of():
    return make_zip


@pytest.fixture(scope="module")
def lam(client):
    return client("lambda")


@pytest.fixture(scope="module")
def create(lam):
    """create(name, code, **config) -> CreateFunction's reply; handler defaults to app.handler."""

    def create(name: str, code: str | dict[str, str], **config):
        files = {"app.py": code} if isinstance(code, str) else code
        config.setdefault("Runtime", "python3.11")
        config.setdefault("Handler", "app.handler")
        return lam.create_function(FunctionName=name, Role=ROLE, Code={"ZipFile": make_zip(files)}, **config)

    return create


def drain_queue(sqs, url: str, count: int, timeout: float = 30.0) -> list[dict]:
    """Receives (and deletes) JSON messages until `count` came; long polls, so no sleeping."""
    found: list[dict] = []
    deadline = time.monotonic() + timeout
    while len(found) < count and time.monotonic() < deadline:
        reply = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in reply.get("Messages", []):
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def wait_for_state(lam, uuid: str, state: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        mapping = lam.get_event_source_mapping(UUID=uuid)
        if mapping["State"] == state:
            return mapping
        if time.monotonic() > deadline:
            raise AssertionError(f"mapping {uuid} never reached {state}: {mapping['State']}")
        time.sleep(0.02)  # the state moves in the server's runner: nothing to await from here


@pytest.fixture(scope="module")
def drain():
    return drain_queue


@pytest.fixture(scope="module")
def wait_state():
    return wait_for_state


@pytest.fixture(scope="module")
def sqs(client):
    return client("sqs")
