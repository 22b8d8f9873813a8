"""Runs the event source mappings: one poller per enabled mapping, in the process that holds its lease.

Mappings are rows; this reconciles what runs here with them whenever an operation changes one
(poke), and every RENEW seconds of wall time, when it also renews its leases and takes over
mappings whose process is gone. Several worker processes sharing a data directory thus run
each mapping exactly once. Reconciling also moves transitional states on (Creating ->
Enabled, Disabling -> Disabled, Deleting -> removed) once the poller has started or stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
from typing import TYPE_CHECKING

from cloudlet.core import outbox
from cloudlet.services.lambda_ import mappings, store
from cloudlet.services.lambda_.pollers import Poller
from cloudlet.services.lambda_.sqs_source import SqsPoller
from cloudlet.services.lambda_.stream_source import StreamPoller

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment
    from cloudlet.services.lambda_.invoke import Invoker

log = logging.getLogger("cloudlet.lambda.mappings")

LEASE = 15.0
RENEW = LEASE / 3
STREAM_TOPIC = "dynamodb.stream-record"  # emitted by DynamoDB with each stream record
STREAM_CONSUMER = "lambda.event-source-mappings"
POLLERS: dict[str, type[Poller]] = {mappings.SQS: SqsPoller, mappings.DYNAMODB: StreamPoller}


class MappingRunner:
    def __init__(self, env: Environment, invoker: Invoker) -> None:
        self.env = env
        self.invoker = invoker
        self.owner = f"{os.getpid()}:{secrets.token_hex(6)}"
        self._running: dict[str, tuple[int, Poller]] = {}  # uuid -> (revision it runs, poller)
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self.env.dispatcher.subscribe(STREAM_TOPIC, self._on_stream_record, name=STREAM_CONSUMER, max_attempts=1)
        self._task = asyncio.create_task(self._supervise(), name="lambda-event-source-mappings")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for _, poller in self._running.values():
            await poller.stop()
        self._running.clear()
        with contextlib.suppress(Exception), self.env.store.db() as conn:
            store.release_mappings(conn, self.owner)

    def poke(self) -> None:
        """A mapping changed: reconcile now."""
        self._wake.set()

    def _on_stream_record(self, event: outbox.Event) -> None:
        arn = event.payload.get("stream_arn")
        for _, poller in self._running.values():
            if poller.source_arn == arn:
                poller.wake()

    async def _supervise(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self._reconcile()
            except Exception:
                log.exception("reconciling event source mappings failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), RENEW)

    async def _reconcile(self) -> None:
        wall = time.time()
        with self.env.store.db() as conn:
            found = store.claimable_mappings(conn, self.owner, wall)
            held = store.lease_mappings(conn, [m.uuid for m in found], self.owner, wall + LEASE, wall)
        ours = {m.uuid: m for m in found if m.uuid in held}
        for uuid in [u for u in self._running if u not in ours]:  # deleted, or another process has it
            await self._running.pop(uuid)[1].stop()
        moves: list[tuple[store.Mapping, str | None]] = []
        for mapping in ours.values():
            moves.append((mapping, await self._apply(mapping)))
        with self.env.store.db() as conn:
            for mapping, state in moves:
                if state is None:
                    store.delete_mapping(conn, mapping.uuid, mapping.revision)
                elif state != mapping.state:
                    store.set_mapping_state(conn, mapping.uuid, state, mapping.revision)

    async def _apply(self, mapping: store.Mapping) -> str | None:
        """Makes this process run (or not run) the mapping; returns its settled state (None: gone)."""
        running = self._running.get(mapping.uuid)
        wanted = mapping.state != "Deleting" and mapping.config.get("Enabled", True)
        if running is not None and (not wanted or running[0] != mapping.revision):
            del self._running[mapping.uuid]
            await running[1].stop()
            running = None
        if mapping.state == "Deleting":
            return None
        if not wanted:
            return "Disabled"
        if running is None:
            poller = POLLERS[mappings.source_kind(mapping.source_arn)](self.env, self.invoker, mapping)
            poller.start()
            self._running[mapping.uuid] = (mapping.revision, poller)
        return "Enabled"
