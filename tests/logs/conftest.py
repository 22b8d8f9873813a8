"""Helpers for CloudWatch Logs tests."""

from __future__ import annotations

import contextlib

import pytest


@pytest.fixture(scope="module")
def logs(client):
    return client("logs")


@pytest.fixture(scope="module")
def stream(logs):
    """stream(group, name) -> (group, name), both created."""

    def make(group: str, name: str = "s") -> tuple[str, str]:
        with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
            logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName=name)
        return group, name

    return make
