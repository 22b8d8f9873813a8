"""What every event source poller shares: its mapping, its tasks, waking, invoking the function.

A poller runs one mapping in this process (the runner holds the mapping's lease). It reads
its source through the source service's public operations, invokes the function
synchronously with a batch, and records its progress in the mapping's row.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudlet.edge.types import new_request_id
from cloudlet.services import event_patterns as patterns
from cloudlet.services.lambda_ import mappings, names, store
from cloudlet.services.lambda_.destinations import service_context, to_json
from cloudlet.services.lambda_.errors import LambdaError

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment
    from cloudlet.services.lambda_.invoke import Invoker

log = logging.getLogger("cloudlet.lambda.mappings")

FALLBACK = 0.5  # wall seconds: how often an idle poller looks without being woken (other processes)
OK, PROBLEM = "OK", "PROBLEM: Function call failed"


@dataclass(frozen=True)
class Outcome:
    request_id: str
    failed: bool
    payload: bytes
    function_error: str | None
    executed_version: str
    status: int = 200

    def response(self) -> Any:
        try:
            return json.loads(self.payload) if self.payload else None
        except ValueError:
            return None


class Poller:
    def __init__(self, env: Environment, invoker: Invoker, mapping: store.Mapping) -> None:
        self.env = env
        self.invoker = invoker
        self.mapping = mapping
        self.config = mapping.config
        self.ctx = service_context(mapping.account, mapping.region)
        self.filters = mappings.compiled_filters(self.config)
        self.report_failures = mappings.REPORT_BATCH_ITEM_FAILURES in self.config["FunctionResponseTypes"]
        self._tasks: set[asyncio.Task] = set()
        self._wakeup = asyncio.Event()
        self._last_result: str | None = None

    @property
    def source_arn(self) -> str:
        return self.mapping.source_arn

    def start(self) -> None:
        raise NotImplementedError

    def spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine, name=f"lambda-esm {self.mapping.uuid}")
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("event source mapping %s poller failed", self.mapping.uuid, exc_info=task.exception())

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task

    def wake(self) -> None:
        self._wakeup.set()

    async def idle(self, until: float | None = None) -> None:
        """Waits to be woken (a new record), until clock time `until`, or the fallback interval."""
        timer = self.env.clock.call_at(until, self._wakeup.set) if until is not None else None
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), FALLBACK)
        finally:
            if timer is not None:
                timer.cancel()
            self._wakeup.clear()

    def matches(self, view: dict[str, Any]) -> bool:
        return not self.filters or any(patterns.matches(pattern, view) for pattern in self.filters)

    async def invoke(self, event: dict[str, Any]) -> Outcome:
        request_id = new_request_id()
        ref = names.parse(self.mapping.function_arn, self.mapping.account, self.mapping.region)
        try:
            spec = self.invoker.resolve(ref)
            result = await self.invoker.run(spec, ref, request_id, to_json(event).encode())
        except LambdaError as exc:  # the function is gone, or throttled: the batch is not processed
            log.info("mapping %s could not invoke %s: %s", self.mapping.uuid, ref.qualified_arn, exc)
            return Outcome(request_id, True, b"", exc.code, ref.qualifier or "$LATEST", exc.status)
        except Exception:  # a failure to start the function is the batch's failure, not the poller's
            log.exception("mapping %s could not invoke %s", self.mapping.uuid, ref.qualified_arn)
            return Outcome(request_id, True, b"", "ServiceException", ref.qualifier or "$LATEST", 500)
        return Outcome(request_id, result.failed, result.payload, result.function_error, spec.version)

    def record(self, result: str, checkpoint: str | None = None) -> None:
        if result == self._last_result and checkpoint is None:
            return
        self._last_result = result
        with self.env.store.db() as conn:
            store.set_mapping_progress(conn, self.mapping.uuid, result, checkpoint)

    def failed_ids(self, outcome: Outcome, ids: list[str]) -> set[str]:
        """The records of a batch the function did not process, from its answer.

        A function error fails them all; with ReportBatchItemFailures, the answer's
        batchItemFailures name them, and a malformed entry fails them all, as on AWS.
        """
        if outcome.failed:
            return set(ids)
        answer = outcome.response() if self.report_failures else None
        failures = answer.get("batchItemFailures") if isinstance(answer, dict) else None
        if not failures:
            return set()
        failed = set()
        for failure in failures:
            item = failure.get("itemIdentifier") if isinstance(failure, dict) else None
            if not isinstance(item, str) or item not in ids:
                return set(ids)
            failed.add(item)
        return failed
