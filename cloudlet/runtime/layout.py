"""Where a function's process finds its code, layers, runtime packages and /tmp: at the host's own
paths when it runs unconfined, at AWS's (/var/task, /opt, /var/runtime, /tmp) inside a sandbox.
The variables it gets (LAMBDA_TASK_ROOT, PYTHONPATH, PATH...) name these paths."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from cloudlet.runtime.spec import FunctionSpec


@dataclass(frozen=True)
class Layout:
    task_root: str
    opts: tuple[str, ...]  # directories laid out as AWS's /opt, the one that wins first
    runtime_dir: str  # AWS's runtime packages (boto3, awslambdaric...), last on the import path
    tmp: str
    python: str  # the interpreter that runs Python functions; empty where there is none

    @property
    def bootstrap(self) -> str:
        return f"{self.task_root}/bootstrap"


def on_host(spec: FunctionSpec, runtime_dir: str, scratch: str) -> Layout:
    # Each layer is its own directory. On AWS later layers overwrite earlier ones in /opt, so
    # here later layers come first on every search path.
    return Layout(spec.code_dir, tuple(reversed(spec.layers)), runtime_dir, scratch, sys.executable)


def in_sandbox(spec: FunctionSpec, python: str) -> Layout:
    """AWS's paths; the sandbox merges the layers into one /opt. `python` is empty for custom
    runtimes, which get no interpreter, as on AWS's provided runtimes."""
    return Layout("/var/task", ("/opt",) if spec.layers else (), "/var/runtime", "/tmp", python)
