"""A real cloudlet server in a subprocess, for tests, benchmarks and blueprints."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningServer:
    endpoint: str
    data_dir: str
    process: subprocess.Popen
    log_path: str
    args: list[str] = field(default_factory=list)

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(f"{self.endpoint}{path}", timeout=10) as reply:
            return json.load(reply)

    def post(self, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body or {}).encode()
        request = urllib.request.Request(f"{self.endpoint}{path}", data=data, method="POST")
        with urllib.request.urlopen(request, timeout=10) as reply:
            return json.load(reply)

    def reset(self) -> None:
        self.post("/_cloudlet/reset")

    def advance_clock(self, seconds: float) -> float:
        return self.post("/_cloudlet/clock", {"advance": seconds})["now"]

    def log(self) -> str:
        with open(self.log_path, errors="replace") as fh:
            return fh.read()

    def stop(self, kill: bool = False) -> None:
        if self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_server(data_dir: str | None = None, *extra: str, port: int | None = None,
                 timeout: float = 20.0) -> RunningServer:
    """Starts `python -m cloudlet up` on a free port and waits until it answers."""
    data_dir = data_dir or tempfile.mkdtemp(prefix="cloudlet-test-")
    port = port or free_port()
    log_path = os.path.join(data_dir, "server.log")
    args = [sys.executable, "-m", "cloudlet", "up", "--port", str(port), "--data-dir", data_dir, *extra]
    os.makedirs(data_dir, exist_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    server = RunningServer(f"http://127.0.0.1:{port}", data_dir, process, log_path, args)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"cloudlet exited with {process.returncode}:\n{server.log()}")
        try:
            server.get("/_cloudlet/health")
            return server
        except OSError:
            time.sleep(0.02)
    server.stop(kill=True)
    raise RuntimeError(f"cloudlet did not answer within {timeout}s:\n{server.log()}")
