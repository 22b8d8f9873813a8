"""SQS fixtures: a client, and fresh queue names so tests in a module never share a queue."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture(scope="module")
def sqs(client):
    return client("sqs")


@pytest.fixture
def name() -> str:
    return "q-" + uuid.uuid4().hex[:12]


@pytest.fixture
def queue(sqs, name) -> str:
    return sqs.create_queue(QueueName=name)["QueueUrl"]
