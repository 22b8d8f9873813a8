"""Fixtures: a real cloudlet server per test module, and boto3 clients pointed at it."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator

import boto3
import pytest
from botocore.config import Config as BotoConfig

from cloudlet.testing.server import RunningServer, start_server

REGION = "us-east-1"


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


def make_client(endpoint: str, service: str, **kwargs) -> object:
    kwargs.setdefault("region_name", REGION)
    kwargs.setdefault("aws_access_key_id", "test")
    kwargs.setdefault("aws_secret_access_key", "test")
    kwargs.setdefault("config", BotoConfig(retries={"max_attempts": 1}))
    return boto3.session.Session().client(service, endpoint_url=endpoint, **kwargs)


@pytest.fixture(scope="module")
def client(endpoint: str) -> Callable[..., object]:
    """client("s3") -> a boto3 client for the module's server (test/test credentials)."""
    return lambda service, **kwargs: make_client(endpoint, service, **kwargs)
