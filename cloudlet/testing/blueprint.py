"""A blueprint deployed by a real `cloudlet up --blueprint NAME`, for end-to-end tests."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config

from cloudlet.blueprints import local_url
from cloudlet.testing.server import RunningServer, start_server


@dataclass
class Deployed:
    server: RunningServer
    name: str
    port: int
    outputs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.server.endpoint, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test",
                            config=Config(retries={"max_attempts": 1}))

    def url(self, key: str) -> str:
        return local_url(self.outputs[key], self.port)


def wait_for_deploy(server: RunningServer, name: str, timeout: float = 120.0) -> None:
    """The blueprint deploys in the server's own `up`; its log says when it is done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = server.log()
        if f"blueprint {name} deployed" in log:
            return
        if f"blueprint {name} was not deployed" in log:
            raise AssertionError(log[-4000:])
        time.sleep(0.1)
    raise AssertionError(f"blueprint {name} did not deploy within {timeout}s:\n{server.log()[-4000:]}")


def start_blueprint(name: str, data_dir: str, port: int, env: dict[str, str] | None = None) -> Deployed:
    saved = {key: os.environ.get(key) for key in env or {}}
    os.environ.update(env or {})
    try:
        # a log per start: wait_for_deploy must not read the previous run's line
        log = os.path.join(data_dir, "server.log")
        if os.path.exists(log):
            os.rename(log, f"{log}.{time.time_ns()}")
        server = start_server(data_dir, "--blueprint", name, port=port)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    wait_for_deploy(server, name)
    deployed = Deployed(server, name, port, env=dict(env or {}))
    stack = deployed.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    deployed.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    return deployed


def http(method: str, url: str, **kwargs: Any) -> Any:
    """requests to a `*.localhost` address, which browsers resolve to this machine but the C
    library's resolver may not: connect to 127.0.0.1 and name the host in the Host header."""
    import requests

    parts = urlsplit(url)
    headers = dict(kwargs.pop("headers", None) or {})
    if parts.hostname and parts.hostname.endswith(".localhost"):
        headers.setdefault("Host", parts.netloc)
        url = urlunsplit((parts.scheme, f"127.0.0.1:{parts.port or 80}", parts.path, parts.query, ""))
    return requests.request(method, url, headers=headers, timeout=kwargs.pop("timeout", 10), **kwargs)
