"""Fixtures: a real cloudlet server per test module, and boto3 clients pointed at it."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator

import pytest

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import RunningServer, start_server
from cloudlet.testing.sink import Sink


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data_dir = str(tmp_path_factory.mktemp("cloudlet"))
    running = start_server(data_dir)
    yield running
    running.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def endpoint(server: RunningServer) -> str:
    return server.endpoint


@pytest.fixture(scope="module")
def client(endpoint: str) -> Callable[..., object]:
    """client("s3") -> a boto3 client for the module's server (test/test credentials)."""
    return lambda service, **kwargs: make_client(endpoint, service, **kwargs)


@pytest.fixture(scope="module")
def reports() -> Iterator[Sink]:
    """Where test functions report what they saw (they run sandboxed: no files to leave)."""
    running = Sink()
    yield running
    running.close()
