"""The execution environments of one server process: reuse warm ones, start cold ones, reap idle ones.

Concurrency is counted here, per process: an invocation holds one environment from start to
end, so busy environments are the function's concurrency. A function's reserved concurrency
caps its own count; the account limit caps the sum. (With `--workers N` each process counts
its own environments, so the limits hold per process.)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from cloudlet.core.clock import Clock
from cloudlet.runtime import isolation, runtime_path
from cloudlet.runtime.environment import EnvironmentStartError, ExecutionEnvironment
from cloudlet.runtime.spec import FunctionSpec, Invocation, InvocationResult, Throttled

log = logging.getLogger("cloudlet.runtime")

ACCOUNT_CONCURRENCY = 1000
IDLE_TIMEOUT = 300.0  # seconds of clock time an idle environment is kept warm
REAP_INTERVAL = 30.0

Credentials = Callable[[FunctionSpec], Awaitable[dict[str, str]]]


@dataclass(frozen=True)
class PoolSettings:
    endpoint: str  # AWS_ENDPOINT_URL inside functions: cloudlet itself
    scratch_dir: str  # private /tmp-like directories live here
    account_concurrency: int = ACCOUNT_CONCURRENCY
    idle_timeout: float = IDLE_TIMEOUT
    user: isolation.LambdaUser | None = None  # --lambda-user: functions run as this user


class EnvironmentPool:
    def __init__(self, clock: Clock, settings: PoolSettings, credentials: Credentials) -> None:
        self._clock = clock
        self._settings = settings
        self._credentials = credentials
        self._idle: dict[tuple[str, str, str], list[ExecutionEnvironment]] = {}
        self._busy: dict[str, int] = {}  # unqualified function ARN -> running invocations
        self._total_busy = 0
        self._reaper: asyncio.Task | None = None

    async def invoke(self, spec: FunctionSpec, invocation: Invocation) -> InvocationResult:
        self._reserve(spec)
        try:
            env = self._warm(spec)
            if env is None:
                try:
                    env = await self._spawn(spec)
                except EnvironmentStartError as exc:
                    return _start_failure(invocation, exc)
            try:
                return await env.invoke(invocation)
            finally:
                self._release(env)
        finally:
            self._busy[spec.arn] -= 1
            self._total_busy -= 1

    def running(self, arn: str) -> int:
        return self._busy.get(arn, 0)

    def retire(self, arn: str) -> None:
        """Stops the idle environments of a function (its code or configuration changed, or it is gone)."""
        for key in [key for key in self._idle if key[0] == arn]:
            for env in self._idle.pop(key):
                self._dispose(env)

    def start(self) -> None:
        if self._reaper is None:
            self._reaper = asyncio.create_task(self._reap_forever(), name="lambda-reaper")

    async def close(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
            self._reaper = None
        for envs in self._idle.values():
            for env in envs:
                self._dispose(env)
        self._idle.clear()

    # -- internals -------------------------------------------------------------------------------

    def _reserve(self, spec: FunctionSpec) -> None:
        busy = self._busy.get(spec.arn, 0)
        if spec.reserved_concurrency is not None and busy >= spec.reserved_concurrency:
            raise Throttled("ReservedFunctionConcurrentInvocationLimitExceeded", "Rate Exceeded.")
        if self._total_busy >= self._settings.account_concurrency:
            raise Throttled("ConcurrentInvocationLimitExceeded", "Rate Exceeded.")
        self._busy[spec.arn] = busy + 1
        self._total_busy += 1

    def _warm(self, spec: FunctionSpec) -> ExecutionEnvironment | None:
        idle = self._idle.get(_key(spec))
        while idle:
            env = idle.pop()
            if not env.dead:
                return env
            self._dispose(env)
        return None

    async def _spawn(self, spec: FunctionSpec) -> ExecutionEnvironment:
        user = self._settings.user
        runtime_dir = runtime_path.build(os.path.join(self._settings.scratch_dir, "runtime"))
        variables = _variables(spec, self._settings.endpoint, await self._credentials(spec), runtime_dir)
        scratch = os.path.join(self._settings.scratch_dir, f"{spec.name}-{os.urandom(6).hex()}")
        variables["TMPDIR"] = variables["HOME"] = scratch
        if user is not None:
            os.chmod(runtime_dir, 0o755)
            os.makedirs(scratch)
            isolation.give_to(user, scratch)
        env = ExecutionEnvironment(spec, variables, scratch, self._timer, user)
        await env.start()
        return env

    def _timer(self, seconds: float, callback: Callable[[], None]) -> Callable[[], None]:
        handle = self._clock.call_at(self._clock.now() + seconds, callback)
        return handle.cancel

    def _release(self, env: ExecutionEnvironment) -> None:
        if env.dead:
            self._dispose(env)
        else:
            env.idle_since = self._clock.monotonic()
            self._idle.setdefault(_key(env.spec), []).append(env)

    def _dispose(self, env: ExecutionEnvironment) -> None:
        env.kill()
        shutil.rmtree(env.scratch, ignore_errors=True)

    async def _reap_forever(self) -> None:
        while True:
            await self._clock.sleep(REAP_INTERVAL)
            self._reap()

    def _reap(self) -> None:
        # Idle time is judged on the clock, so tests can age environments by advancing it.
        now = self._clock.monotonic()
        for key, envs in list(self._idle.items()):
            keep = []
            for env in envs:
                if env.dead or now - env.idle_since > self._settings.idle_timeout:
                    self._dispose(env)
                else:
                    keep.append(env)
            if keep:
                self._idle[key] = keep
            else:
                del self._idle[key]


def _key(spec: FunctionSpec) -> tuple[str, str, str]:
    return spec.arn, spec.version, spec.revision


def _start_failure(invocation: Invocation, exc: EnvironmentStartError) -> InvocationResult:
    body = {
        "errorType": exc.error_type,
        "errorMessage": f"RequestId: {invocation.request_id} Error: {exc.message}",
    }
    text = f"{exc.error_type}: {exc.message}"
    return InvocationResult(
        json.dumps(body).encode(),
        "Unhandled",
        text + "\n",
        0.0,
        None,
        exc.error_type,
        [(int(time.time() * 1000), text)],
    )


def _variables(
    spec: FunctionSpec, endpoint: str, credentials: dict[str, str], runtime_dir: str
) -> dict[str, str]:
    """The environment AWS gives a function: its own variables, then the reserved ones."""
    task_root = spec.code_dir
    # Each layer is its own directory laid out as AWS's /opt. On AWS later layers overwrite
    # earlier ones in /opt, so here later layers come first on every search path.
    opts = list(reversed(spec.layers))
    # python/lib/pythonX.Y/site-packages for the configured runtime and, when it differs, for
    # the interpreter that actually runs the function.
    versions = dict.fromkeys([spec.runtime, f"python{sys.version_info.major}.{sys.version_info.minor}"])
    paths = [task_root]
    for opt in opts:
        paths += [
            os.path.join(opt, "python", "lib", v, "site-packages") for v in versions if v.startswith("python")
        ]
        paths.append(os.path.join(opt, "python"))
    variables = dict(spec.environment)
    variables.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_ENDPOINT_URL": endpoint,
            "_HANDLER": spec.handler,
            "LAMBDA_TASK_ROOT": task_root,
            "LAMBDA_RUNTIME_DIR": runtime_dir,
            "PATH": os.pathsep.join(
                [
                    os.path.dirname(sys.executable),
                    "/usr/local/bin",
                    "/usr/bin",
                    "/bin",
                    *(os.path.join(opt, "bin") for opt in opts),
                ]
            ),
            "LD_LIBRARY_PATH": os.pathsep.join(os.path.join(opt, "lib") for opt in opts),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PYTHONPATH": os.pathsep.join([*paths, runtime_dir]),
            **credentials,
        }
    )
    if spec.log_format == "JSON":
        variables["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        variables["AWS_LAMBDA_LOG_LEVEL"] = spec.log_level or "INFO"
    if spec.is_custom:
        variables.pop("PYTHONPATH")
    if not opts:
        variables.pop("LD_LIBRARY_PATH")
    return variables
