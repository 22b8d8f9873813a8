"""S3 test helpers: a fresh bucket per test, so modules share one server without interfering."""

from __future__ import annotations

import itertools
import uuid

import pytest

_counter = itertools.count()


@pytest.fixture
def s3(client):
    return client("s3")


@pytest.fixture
def bucket(s3):
    name = f"test-{next(_counter)}-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    return name
