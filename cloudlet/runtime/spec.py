"""What the runtime needs to know: the function to run, one invocation, and its outcome."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FunctionSpec:
    """One version of a function, as configured: everything an execution environment needs."""

    name: str
    arn: str  # unqualified
    version: str  # "$LATEST" or "1", "2"...
    revision: str  # changes with code or configuration: environments of an old one retire
    runtime: str  # "python3.12", "provided.al2023"...
    handler: str
    code_dir: str
    memory: int
    timeout: int
    role: str
    account: str
    region: str
    environment: dict[str, str] = field(default_factory=dict)
    layers: tuple[str, ...] = ()  # unpacked layer directories, in order
    reserved_concurrency: int | None = None
    log_group_name: str = ""  # LoggingConfig.LogGroup; empty for the default /aws/lambda/NAME
    log_format: str = "Text"  # or "JSON": the runtime then writes application logs as JSON
    log_level: str = ""  # LoggingConfig.ApplicationLogLevel, for JSON logs
    ephemeral_mb: int = 512  # EphemeralStorage.Size: the largest file it may write

    @property
    def log_group(self) -> str:
        return self.log_group_name or f"/aws/lambda/{self.name}"

    @property
    def is_custom(self) -> bool:
        return self.runtime.startswith("provided")


@dataclass
class Invocation:
    request_id: str
    payload: bytes
    invoked_arn: str
    deadline: float = 0.0  # wall-clock epoch seconds, set when the invocation starts
    client_context: str | None = None  # JSON text
    identity: str | None = None  # JSON text
    trace_id: str = ""

    def runtime_headers(self) -> list[tuple[str, str]]:
        headers = [
            ("Lambda-Runtime-Aws-Request-Id", self.request_id),
            ("Lambda-Runtime-Deadline-Ms", str(int(self.deadline * 1000))),
            ("Lambda-Runtime-Invoked-Function-Arn", self.invoked_arn),
            ("Lambda-Runtime-Trace-Id", self.trace_id or _trace_id(self.request_id)),
        ]
        if self.client_context:
            headers.append(("Lambda-Runtime-Client-Context", self.client_context))
        if self.identity:
            headers.append(("Lambda-Runtime-Cognito-Identity", self.identity))
        return headers


def _trace_id(request_id: str) -> str:
    return f"Root=1-{int(time.time()):08x}-{request_id.replace('-', '')[:24]};Sampled=0"


@dataclass
class InvocationResult:
    payload: bytes
    function_error: str | None  # "Unhandled" when the function failed, as X-Amz-Function-Error
    log: str  # this invocation's log, START to REPORT
    duration_ms: float
    init_duration_ms: float | None = None  # set on a cold start
    error_type: str | None = None  # Runtime.ImportModuleError, Sandbox.Timedout...
    events: list[tuple[int, str]] = field(default_factory=list)  # (epoch ms, line) of `log`
    log_stream: str = ""  # the environment's stream, as in /aws/lambda/NAME

    @property
    def failed(self) -> bool:
        return self.function_error is not None


class Throttled(Exception):
    """No environment may start now: the function's or the account's concurrency is used up."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
