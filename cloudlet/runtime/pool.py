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
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from cloudlet.core.clock import Clock
from cloudlet.runtime import isolation, layout, runtime_path
from cloudlet.runtime.environment import EnvironmentStartError, ExecutionEnvironment
from cloudlet.runtime.spec import FunctionSpec, Invocation, InvocationResult, Throttled
from cloudlet.runtime.variables import function_variables

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


class EnvironmentPool:
    def __init__(self, clock: Clock, settings: PoolSettings, credentials: Credentials) -> None:
        self._clock = clock
        self._settings = settings
        self._credentials = credentials
        self._idle: dict[tuple[str, str, str], list[ExecutionEnvironment]] = {}
        self._busy: dict[str, int] = {}  # unqualified function ARN -> running invocations
        self._total_busy = 0
        self._reaper: asyncio.Task | None = None
        self._confinement = isolation.Confinement()

    def confine(self, confinement: isolation.Confinement) -> None:
        """How environments started from now on are held (--lambda-user, --lambda-sandbox)."""
        self._confinement = confinement

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
        held = self._confinement
        scratch = os.path.join(self._settings.scratch_dir, f"{spec.name}-{os.urandom(6).hex()}")
        view = held.sandbox.layout(spec) if held.sandbox else self._host_layout(spec, scratch)
        variables = function_variables(spec, self._settings.endpoint, await self._credentials(spec), view)
        if held.user is not None:
            os.makedirs(scratch)
            isolation.give_to(held.user, scratch)
        env = ExecutionEnvironment(spec, variables, view, scratch, self._timer, held)
        await env.start()
        return env

    def _host_layout(self, spec: FunctionSpec, scratch: str) -> layout.Layout:
        runtime_dir = runtime_path.build(os.path.join(self._settings.scratch_dir, "runtime"))
        if self._confinement.user is not None:
            os.chmod(runtime_dir, 0o755)
        return layout.on_host(spec, runtime_dir, scratch)

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
