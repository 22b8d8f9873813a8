"""One execution environment: a runtime process, its Runtime API, its log, one invocation at a time.

Lifecycle: start() spawns the runtime (awslambdaric for Python, the package's `bootstrap` for
custom runtimes) in its own session, inside a sandbox of its own when there is one (sandbox.py); its first GET /next ends the init phase. invoke() hands
an invocation to that poll and waits for /response or /error. A timeout, resident memory past
MemorySize, an init failure or the process exiting ends the environment: the pool never
reuses a dead one.

Output: stdout and stderr share one pipe read on the event loop. A runtime writes its output
before it posts the result, so when /response arrives everything printed is already in the
pipe; draining it then gives every invocation exactly its own lines without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from cloudlet.runtime import isolation, runtime_path, sandbox
from cloudlet.runtime.api import RuntimeApi
from cloudlet.runtime.layout import Layout
from cloudlet.runtime.spec import FunctionSpec, Invocation, InvocationResult

log = logging.getLogger("cloudlet.runtime")

LogEvent = tuple[int, str]  # (epoch milliseconds, message)
OUT_OF_MEMORY = "Runtime.OutOfMemory"
MEMORY_CHECK_INTERVAL = 0.05  # seconds between resident-memory checks while a function runs
INIT_TIMEOUT = 10.0  # seconds AWS gives an on-demand init before the invocation's own timeout
_PYTHON = f"python{sys.version_info.major}.{sys.version_info.minor}"


class ExecutionEnvironment:
    def __init__(
        self,
        spec: FunctionSpec,
        variables: dict[str, str],
        layout: Layout,
        scratch: str,
        schedule_timeout: Callable[[float, Callable[[], None]], Callable[[], None]],
        confinement: isolation.Confinement | None = None,
    ) -> None:
        self.spec = spec
        self.layout = layout
        self.confinement = confinement or isolation.Confinement()
        self.user = self.confinement.user
        self.id = secrets.token_hex(16)
        day = datetime.now(UTC).strftime("%Y/%m/%d")
        self.log_stream = f"{day}/[{spec.version}]{self.id}"
        self._variables = variables
        self.scratch = scratch
        self._schedule_timeout = schedule_timeout
        self._api = RuntimeApi(self)
        self._process: asyncio.subprocess.Process | None = None
        self._runtime_pid: int | None = None  # the function's own process, inside the sandbox
        self._output_fd = -1
        self._partial = b""
        self._events: list[LogEvent] = []
        self._inbox: asyncio.Queue[Invocation] = asyncio.Queue(maxsize=1)
        self._current: Invocation | None = None
        self._outcome: asyncio.Future[tuple[bytes, str | None]] | None = None
        self._spawned_at = 0.0
        self._init_ms: float | None = None
        self._cold = True
        self.dead = False
        self.idle_since = 0.0  # set by the pool, on its clock
        self._peak_mb = 0
        self._memory_watch: Callable[[], None] = _nothing
        self._cancel_timeout: Callable[[], None] = _nothing
        self._started = 0.0

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        address = await self._api.start()
        reader, writer = os.pipe()
        os.set_blocking(reader, False)
        self._output_fd = reader
        env = dict(
            self._variables, AWS_LAMBDA_RUNTIME_API=address, AWS_LAMBDA_LOG_STREAM_NAME=self.log_stream
        )
        os.makedirs(self.scratch, exist_ok=True)
        self._spawned_at = time.perf_counter()
        self._log(_init_start(self.spec))
        refusal = self._refusal()
        if refusal is not None:
            self._close_early(reader, writer)
            raise EnvironmentStartError(refusal)
        try:
            self._process = await asyncio.create_subprocess_exec(
                *self._command(),
                cwd=self.spec.code_dir,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=writer,
                stderr=writer,
                start_new_session=True,
                preexec_fn=isolation.pre_exec(self.spec.ephemeral_mb, self.user),
            )
        except OSError as exc:
            self._close_early(reader)
            raise EnvironmentStartError(self._start_error(exc)) from exc
        finally:
            os.close(writer)
        if self.confinement.sandbox is None:
            self._runtime_pid = self._process.pid
        asyncio.get_running_loop().add_reader(reader, self._read_output)
        self._watcher = asyncio.create_task(self._watch_exit(), name=f"lambda-env-{self.id[:8]}")
        if not self.spec.is_custom and not self.spec.runtime.startswith(_PYTHON):
            self._log(f"cloudlet: {self.spec.runtime} is not installed here; running on {_PYTHON}")

    def _command(self) -> list[str]:
        if self.spec.is_custom:
            argv = [self.layout.bootstrap]
        else:
            argv = [self.layout.python, "-S", "-c", runtime_path.LAUNCHER, self.spec.handler]
        if self.confinement.sandbox is None:
            return argv
        return self.confinement.sandbox.command(self.spec, self.layout, self.scratch, argv)

    def _refusal(self) -> tuple[str, str] | None:
        """Why the runtime cannot start, when that is known before starting it: inside a sandbox
        bwrap itself starts, and would only fail later and less clearly."""
        # lexists: a bootstrap may link to where only the sandbox resolves it (/opt/...).
        if self.spec.is_custom and not os.path.lexists(os.path.join(self.spec.code_dir, "bootstrap")):
            return self._bootstrap_missing()
        problem = self.confinement.python_problem
        if not self.spec.is_custom and problem and self.confinement.sandbox is not None:
            assert self.user is not None
            return "Runtime.Unknown", f"cloudlet cannot run Python as {self.user.name}: {problem}"
        return None

    def _start_error(self, exc: OSError) -> tuple[str, str]:
        if self.spec.is_custom:
            return self._bootstrap_missing()
        if self.user is not None:
            return "Runtime.Unknown", f"cloudlet cannot run Python as {self.user.name}: {exc}"
        return "Runtime.Unknown", str(exc)

    def _bootstrap_missing(self) -> tuple[str, str]:
        return "Runtime.InvalidEntrypoint", f"Couldn't find valid bootstrap(s): [{self.layout.bootstrap}]"

    def _close_early(self, *fds: int) -> None:
        for fd in fds:
            os.close(fd)
        self._api.close()
        self.dead = True

    def kill(self) -> None:
        """Ends the environment at once (the whole process group: a bootstrap's children too)."""
        self.dead = True
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, signal.SIGKILL)
        self._api.close()

    async def _watch_exit(self) -> None:
        assert self._process is not None
        code = await self._process.wait()
        self.dead = True
        self._drain()
        self._close_output()
        self._api.close()
        if self._outcome is not None and not self._outcome.done():
            self._fail("Runtime.ExitError", f"Runtime exited with error: {self._exit_reason(code)}")

    def _exit_reason(self, code: int) -> str:
        if code > 128 and self.confinement.sandbox is not None:
            code = 128 - code  # bwrap exits 128+N when the function dies of signal N
        if code < 0:
            with contextlib.suppress(ValueError):
                return f"signal: {signal.Signals(-code).name}"
            return f"signal: {-code}"
        return f"exit status {code}"

    # -- invoking --------------------------------------------------------------------------------

    async def invoke(self, invocation: Invocation) -> InvocationResult:
        if self.dead:
            raise RuntimeError("invoke() on a dead execution environment")
        loop = asyncio.get_running_loop()
        self._outcome = loop.create_future()
        self._current = invocation
        self._log(f"START RequestId: {invocation.request_id} Version: {self.spec.version}")
        self._started = time.perf_counter()
        # The function's timeout starts when the runtime takes the invocation (next_invocation);
        # until then a cold runtime may still be initializing, which AWS allows INIT_TIMEOUT for.
        invocation.deadline = time.time() + self.spec.timeout
        waiting = self.spec.timeout + (INIT_TIMEOUT if self._init_ms is None else 0)
        self._cancel_timeout = self._schedule_timeout(waiting, self._timed_out)
        self._memory_watch = self._schedule_timeout(MEMORY_CHECK_INTERVAL, self._check_memory)
        self._inbox.put_nowait(invocation)
        try:
            payload, error_type = await self._outcome
            peak = self._peak_mb = max(self._peak_mb, self._memory_mb("VmHWM"))
            if peak > self.spec.memory and error_type != OUT_OF_MEMORY:
                # A peak between two checks: on AWS the function would not have lived to answer.
                self.kill()
                payload, error_type = self._failure(
                    OUT_OF_MEMORY, "Runtime exited with error: signal: killed"
                )
        finally:
            self._cancel_timeout()
            self._memory_watch()
            self._current = None
        duration = (time.perf_counter() - self._started) * 1000
        init_ms, self._cold = (self._init_ms if self._cold else None), False
        self._log(f"END RequestId: {invocation.request_id}")
        self._log(self._report(invocation.request_id, duration, init_ms, error_type))
        events, self._events = self._events, []
        failed = error_type is not None
        return InvocationResult(
            payload,
            "Unhandled" if failed else None,
            _text(events),
            duration,
            init_ms,
            error_type,
            events,
            self.log_stream,
        )

    def _report(self, request_id: str, duration: float, init_ms: float | None, error_type: str | None) -> str:
        billed = max(1, int(duration + 0.999))
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\tBilled Duration: {billed} ms"
            f"\tMemory Size: {self.spec.memory} MB\tMax Memory Used: {min(self._peak_mb, self.spec.memory)} MB"
        )
        if init_ms is not None:
            report += f"\tInit Duration: {init_ms:.2f} ms"
        if error_type == "Sandbox.Timedout":
            report += "\tStatus: timeout"
        elif error_type == OUT_OF_MEMORY:
            report += f"\tStatus: error\tError Type: {OUT_OF_MEMORY}"
        return report

    def _memory_mb(self, field: str) -> int:
        """VmRSS (now) or VmHWM (peak) of the runtime process, in MB; 0 where /proc is missing."""
        if self._process is None or self._process.returncode is not None:
            return 0
        if self._runtime_pid is None:
            self._runtime_pid = sandbox.runtime_pid(self._process.pid)
            if self._runtime_pid is None:
                return 0
        try:
            with open(f"/proc/{self._runtime_pid}/status") as fh:
                for line in fh:
                    if line.startswith(field + ":"):
                        return int(line.split()[1]) // 1024
        except OSError:
            pass
        return 0

    def _check_memory(self) -> None:
        """Runs every MEMORY_CHECK_INTERVAL while an invocation runs: past MemorySize, the runtime dies."""
        if self._current is None or self._outcome is None or self._outcome.done():
            return
        used = self._memory_mb("VmRSS")
        if used <= self.spec.memory:
            self._memory_watch = self._schedule_timeout(MEMORY_CHECK_INTERVAL, self._check_memory)
            return
        self._peak_mb = max(self._peak_mb, used)
        self._drain()
        self.kill()
        self._fail(OUT_OF_MEMORY, "Runtime exited with error: signal: killed")

    def _timed_out(self) -> None:
        invocation = self._current
        if invocation is None or self._outcome is None or self._outcome.done():
            return
        self._drain()
        self.kill()
        seconds = f"{self.spec.timeout:.2f}"
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        self._log(f"{stamp} {invocation.request_id} Task timed out after {seconds} seconds")
        self._fail("Sandbox.Timedout", f"Task timed out after {seconds} seconds")

    def _fail(self, error_type: str, message: str) -> None:
        if self._outcome is not None and not self._outcome.done():
            self._outcome.set_result(self._failure(error_type, message))

    def _failure(self, error_type: str, message: str) -> tuple[bytes, str]:
        invocation = self._current
        request_id = invocation.request_id if invocation else ""
        body = {"errorType": error_type, "errorMessage": f"RequestId: {request_id} Error: {message}"}
        return json.dumps(body).encode(), error_type

    # -- the Runtime API's view (RuntimeHost) ----------------------------------------------------

    async def next_invocation(self) -> Invocation:
        if self._init_ms is None:
            self._init_ms = (time.perf_counter() - self._spawned_at) * 1000
        invocation = await self._inbox.get()
        if invocation is self._current:
            self._started = time.perf_counter()
            invocation.deadline = time.time() + self.spec.timeout
            self._cancel_timeout()
            self._cancel_timeout = self._schedule_timeout(self.spec.timeout, self._timed_out)
        return invocation

    def invocation_done(self, request_id: str, body: bytes, error_type: str | None) -> bool:
        current = self._current
        if (
            current is None
            or current.request_id != request_id
            or self._outcome is None
            or self._outcome.done()
        ):
            return False
        self._drain()
        self._outcome.set_result((body, error_type))
        return True

    def init_failed(self, body: bytes, error_type: str | None) -> None:
        self._drain()
        self.dead = True  # the runtime exits next; a later invoke gets a fresh environment
        if self._outcome is not None and not self._outcome.done():
            self._outcome.set_result((body, error_type or _error_type(body) or "Runtime.Unknown"))

    # -- output ----------------------------------------------------------------------------------

    def _read_output(self) -> None:
        try:
            data = os.read(self._output_fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._close_output()
            return
        self._take(data)

    def _drain(self) -> None:
        """Everything the runtime wrote so far, read now rather than when the loop gets to it."""
        while self._output_fd >= 0:
            try:
                data = os.read(self._output_fd, 65536)
            except (BlockingIOError, OSError):
                break
            if not data:
                break
            self._take(data)
        if self._partial:
            self._log(self._partial.decode(errors="replace"))
            self._partial = b""

    def _take(self, data: bytes) -> None:
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            self._log(line.decode(errors="replace").rstrip("\r"))

    def _log(self, message: str) -> None:
        self._events.append((int(time.time() * 1000), message))

    def _close_output(self) -> None:
        if self._output_fd >= 0:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(self._output_fd)
            os.close(self._output_fd)
            self._output_fd = -1


class EnvironmentStartError(Exception):
    def __init__(self, detail: tuple[str, str]) -> None:
        super().__init__(detail[1])
        self.error_type, self.message = detail


def _init_start(spec: FunctionSpec) -> str:
    """The platform line AWS writes when an environment starts initializing."""
    family, _, version = spec.runtime.partition("python")
    name = f"python:{version}" if not family and version else spec.runtime.replace(".", ":", 1)
    return (
        f"INIT_START Runtime Version: {name}.cloudlet\tRuntime Version ARN: "
        f"arn:aws:lambda:{spec.region}::runtime:cloudlet"
    )


def _nothing() -> None:
    pass


def _text(events: list[LogEvent]) -> str:
    # awslambdaric joins a multi-line error with \r so it stays one log event; a reader wants lines.
    return "".join(message.replace("\r", "\n") + "\n" for _, message in events)


def _error_type(body: bytes) -> str | None:
    try:
        value = json.loads(body).get("errorType")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None
