"""The targets a run can measure and how each is started and stopped.

A target is a command line plus environment built from a port and a fresh data directory.
Adding a peer (LocalStack, once a machine with Docker runs the bench) is one more `Target`
in `TARGETS`.
"""

from __future__ import annotations

import compileall
import contextlib
import functools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata

import psutil

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

Launch = Callable[[int, str], tuple[list[str], dict[str, str]]]


@dataclass(frozen=True)
class Target:
    name: str
    launch: Launch
    version: Callable[[], str]
    about: str
    # Figures that make no sense for a target are skipped rather than reported as zero.
    figures: frozenset[str] = field(default_factory=lambda: frozenset(FIGURES))


FIGURES = ("startup", "rss", "sts", "capacity")


def _package_version(name: str) -> Callable[[], str]:
    def version() -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"
    return version


@functools.cache
def _compile_cloudlet() -> None:
    # pip compiles an installed package's bytecode, as the peers' was; an editable checkout
    # under PYTHONDONTWRITEBYTECODE would otherwise compile every module at every start.
    import cloudlet

    compileall.compile_dir(os.path.dirname(cloudlet.__file__), quiet=1)


def _cloudlet(port: int, data_dir: str) -> tuple[list[str], dict[str, str]]:
    _compile_cloudlet()
    return [sys.executable, "-m", "cloudlet", "up", "--port", str(port), "--data-dir", data_dir], {}


def _cloudlet_workers(port: int, data_dir: str) -> tuple[list[str], dict[str, str]]:
    args, env = _cloudlet(port, data_dir)
    return [*args, "--workers", "2"], env


def _moto(port: int, data_dir: str) -> tuple[list[str], dict[str, str]]:
    return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], {"MOTO_PORT": str(port)}


def _ministack(port: int, data_dir: str) -> tuple[list[str], dict[str, str]]:
    # MiniStack reads its port from GATEWAY_PORT and binds 0.0.0.0 unless told otherwise; its PID
    # file goes to the temp dir and its optional state under /tmp, so both are pointed at data_dir.
    env = {
        "GATEWAY_PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        "TMPDIR": data_dir,
        "STATE_DIR": os.path.join(data_dir, "state"),
        "S3_DATA_DIR": os.path.join(data_dir, "s3"),
    }
    return [sys.executable, "-m", "ministack"], env


def _floor(port: int, data_dir: str) -> tuple[list[str], dict[str, str]]:
    # The floor server is a module of this package, which is not installed: it runs from the checkout.
    path = os.pathsep.join(p for p in (REPO_ROOT, os.environ.get("PYTHONPATH")) if p)
    return [sys.executable, "-m", "bench.floor", "--port", str(port)], {"PYTHONPATH": path}


TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target("cloudlet", _cloudlet, _package_version("cloudlet"),
               "python -m cloudlet up (SQLite store, SigV4 verified)"),
        Target("cloudlet-2w", _cloudlet_workers, _package_version("cloudlet"),
               "python -m cloudlet up --workers 2 (two edge processes sharing one data directory)"),
        Target("moto", _moto, _package_version("moto"), "moto server (werkzeug, in memory)"),
        Target("ministack", _ministack, _package_version("ministack"), "MiniStack (hypercorn, in memory)"),
        Target("floor", _floor, lambda: f"python {sys.version.split()[0]}",
               "asyncio server answering a canned GetCallerIdentity: the cost of HTTP alone"),
    )
}

DEFAULT_TARGETS = ("cloudlet", "moto", "ministack", "floor")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Running:
    """One started target: its process, port and throwaway data directory."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.port = free_port()
        self.data_dir = tempfile.mkdtemp(prefix=f"bench-{target.name}-")
        self.log_path = os.path.join(self.data_dir, "server.log")
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0

    def start(self) -> Running:
        """Launches the process; `started_at` is taken right before Popen, the start of the clock."""
        args, extra_env = self.target.launch(self.port, self.data_dir)
        env = {**os.environ, **extra_env}
        with open(self.log_path, "wb") as log:
            self.started_at = time.perf_counter()
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=self.data_dir,
                                            env=env, start_new_session=True)
        return self

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def processes(self) -> list[psutil.Process]:
        """The server and every process it started (workers, reloaders)."""
        if self.process is None:
            return []
        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def rss_bytes(self) -> int:
        total = 0
        for proc in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                total += proc.memory_info().rss
        return total

    def log_tail(self, lines: int = 20) -> str:
        try:
            with open(self.log_path, errors="replace") as fh:
                return "".join(fh.readlines()[-lines:])
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        # Children are collected before the parent goes, since they are re-parented after.
        family = self.processes()
        for proc in family:
            _signal(proc, signal.SIGTERM)
        _, alive = psutil.wait_procs(family, timeout=5)
        for proc in alive:
            _signal(proc, signal.SIGKILL)
        psutil.wait_procs(alive, timeout=5)
        if self.process is not None:
            self.process.wait(5)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def _signal(proc: psutil.Process, sig: signal.Signals) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        proc.send_signal(sig)
