"""Shipping what functions print to CloudWatch Logs (/aws/lambda/NAME, one stream per environment).

An invocation only appends its lines to a buffer; a flush shortly after writes every stream's
new lines with the Logs service's public operations (CreateLogGroup, CreateLogStream,
PutLogEvents), batched within PutLogEvents' limits. The warm invoke path pays no write, and a
burst of invokes costs one flush. Timestamps are put on cloudlet's clock, as Logs judges them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from cloudlet.aws.errors import ServiceError
from cloudlet.edge.types import Headers, Principal, Request, RequestContext

if TYPE_CHECKING:
    from cloudlet.runtime.spec import FunctionSpec, InvocationResult
    from cloudlet.services.environment import Environment

log = logging.getLogger("cloudlet.lambda")

FLUSH_DELAY = 0.02  # seconds: invokes within this window share one flush
MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26
MAX_MESSAGE_BYTES = 256 * 1024  # Lambda cuts longer lines, as on AWS
MAX_SPAN_MS = 24 * 3600 * 1000

StreamKey = tuple[str, str, str, str]  # account, region, group, stream


class LogShipper:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self._pending: dict[StreamKey, list[tuple[int, str]]] = defaultdict(list)
        self._known: set[StreamKey] = set()  # streams this process has created or seen
        self._scheduled: asyncio.TimerHandle | None = None
        self._flushing: asyncio.Task | None = None

    def add(self, spec: FunctionSpec, result: InvocationResult) -> None:
        if not result.events or not result.log_stream:
            return
        shift = int(self.env.clock.offset() * 1000)
        key = (spec.account, spec.region, spec.log_group, result.log_stream)
        self._pending[key].extend((stamp + shift, _cut(message)) for stamp, message in result.events)
        if self._scheduled is None:
            self._scheduled = asyncio.get_running_loop().call_later(FLUSH_DELAY, self._start_flush)

    def _start_flush(self) -> None:
        self._scheduled = None
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self.flush(), name="lambda-log-flush")
        else:  # one flush at a time; the running one is followed by another
            self._scheduled = asyncio.get_running_loop().call_later(FLUSH_DELAY, self._start_flush)

    async def flush(self) -> None:
        pending, self._pending = self._pending, defaultdict(list)
        if not pending:
            return
        logs = await self.env.registry.provider("logs")
        for key, events in pending.items():
            try:
                self._ship(logs, key, sorted(events, key=lambda event: event[0]))
            except ServiceError as exc:
                log.warning("could not write %d log events to %s %s: %s", len(events), key[2], key[3], exc)
            except Exception:  # a function's log is never worth a failed flush of the others
                log.exception("could not write %d log events to %s %s", len(events), key[2], key[3])

    async def stop(self) -> None:
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None
        if self._flushing is not None:
            with contextlib.suppress(Exception):
                await self._flushing
        # At shutdown only into a Logs service that is running: creating one now would change
        # the registry while it stops its providers.
        if any(provider.service == "logs" for provider in self.env.registry.started()):
            await self.flush()

    def _ship(self, logs: Any, key: StreamKey, events: list[tuple[int, str]]) -> None:
        account, region, group, stream = key
        ctx = RequestContext(
            Request("POST", "/", "", Headers()),
            region=region,
            principal=Principal("", account, f"arn:aws:iam::{account}:root", account),
        )
        if key not in self._known:
            self._create(logs, ctx, group, stream)
            self._known.add(key)
        for batch in _batches(events):
            params = {
                "logGroupName": group,
                "logStreamName": stream,
                "logEvents": [{"timestamp": stamp, "message": message} for stamp, message in batch],
            }
            try:
                logs.put_log_events(ctx, params)
            except ServiceError as exc:
                if exc.code != "ResourceNotFoundException":
                    raise
                self._create(logs, ctx, group, stream)  # deleted meanwhile: AWS's Lambda recreates it too
                logs.put_log_events(ctx, params)

    @staticmethod
    def _create(logs: Any, ctx: RequestContext, group: str, stream: str) -> None:
        for operation, params in (
            (logs.create_log_group, {"logGroupName": group}),
            (logs.create_log_stream, {"logGroupName": group, "logStreamName": stream}),
        ):
            try:
                operation(ctx, params)
            except ServiceError as exc:
                if exc.code != "ResourceAlreadyExistsException":
                    raise


def _cut(message: str) -> str:
    data = message.encode()
    return message if len(data) <= MAX_MESSAGE_BYTES else data[:MAX_MESSAGE_BYTES].decode(errors="ignore")


def _batches(events: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """Consecutive runs within PutLogEvents' count, size and 24-hour limits."""
    batches: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    size = 0
    for stamp, message in events:
        cost = len(message.encode()) + EVENT_OVERHEAD
        if current and (
            len(current) >= MAX_BATCH_EVENTS
            or size + cost > MAX_BATCH_BYTES
            or stamp - current[0][0] > MAX_SPAN_MS
        ):
            batches.append(current)
            current, size = [], 0
        current.append((stamp, message))
        size += cost
    if current:
        batches.append(current)
    return batches
