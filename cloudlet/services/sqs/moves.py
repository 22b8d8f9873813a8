"""Message move tasks: redriving a dead-letter queue back to its sources (or elsewhere).

A task is a row; the process that starts it (or, after a restart, the first to start its SQS
service) moves the messages in chunks, one transaction per chunk, at most
MaxNumberOfMessagesPerSecond per second of clock time. Each chunk re-reads the task, so a
cancel (from any process) stops it at the next chunk.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from cloudlet.services.environment import Environment
from cloudlet.services.sqs import receiving, store

log = logging.getLogger("cloudlet.sqs")

CHUNK = 100


def new_handle(source_arn: str) -> str:
    raw = json.dumps({"taskId": str(uuid.uuid4()), "sourceArn": source_arn}, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode()


def describe(task: store.MoveTask) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Status": task.status,
        "SourceArn": task.source_arn,
        "ApproximateNumberOfMessagesMoved": task.moved,
        "ApproximateNumberOfMessagesToMove": task.to_move,
        "StartedTimestamp": int(task.started_at * 1000),
    }
    if task.status == "RUNNING":
        entry["TaskHandle"] = task.handle
    if task.destination_arn:
        entry["DestinationArn"] = task.destination_arn
    if task.max_per_second:
        entry["MaxNumberOfMessagesPerSecond"] = task.max_per_second
    if task.failure:
        entry["FailureReason"] = task.failure
    return entry


class MoveRunner:
    def __init__(self, env: Environment, moved: Callable[[int], None]) -> None:
        self.env = env
        self._moved = moved  # called with the destination queue id after each chunk
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def run(self, handle: str) -> None:
        if handle not in self._tasks:
            task = asyncio.get_running_loop().create_task(self._run(handle), name=f"sqs-move-{handle[:12]}")
            self._tasks[handle] = task
            task.add_done_callback(lambda _: self._tasks.pop(handle, None))

    async def stop(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def _run(self, handle: str) -> None:
        while True:
            try:
                more, rate = self._chunk(handle)
            except Exception as exc:  # a bug must not leave the task RUNNING for ever
                log.exception("message move task %s failed", handle)
                with self.env.store.db() as conn:
                    store.update_move_task(conn, handle, status="FAILED", failure=str(exc)[:500])
                return
            if not more:
                return
            if rate:
                await self.env.clock.sleep(1.0)
            else:
                await asyncio.sleep(0)

    def _chunk(self, handle: str) -> tuple[bool, int | None]:
        """Moves one chunk; (whether to go on, the per-second rate)."""
        now = self.env.clock.now()
        destinations: set[int] = set()
        with self.env.store.db() as conn:
            task = store.find_move_task(conn, handle)
            if task is None or task.status != "RUNNING":
                return False, None
            source = store.find_queue_by_arn(conn, task.source_arn)
            if source is None:
                store.update_move_task(conn, handle, status="FAILED", failure="The source queue was deleted.")
                return False, None
            limit = min(task.max_per_second or CHUNK, CHUNK)
            batch = store.visible_messages(conn, source.id, now, limit)
            moved = 0
            for message in batch:
                target_arn = task.destination_arn or message.system.get("DeadLetterQueueSourceArn")
                target = store.find_queue_by_arn(conn, target_arn) if target_arn else None
                if target is None:
                    store.update_move_task(conn, handle, status="FAILED", moved=moved,
                                           failure=f"The destination queue {target_arn} does not exist.")
                    return False, None
                system = {k: v for k, v in message.system.items() if k != "DeadLetterQueueSourceArn"}
                receiving.move_to(conn, message, target, system, now)
                destinations.add(target.id)
                moved += 1
            done = len(batch) < limit
            store.update_move_task(conn, handle, moved=moved, status="COMPLETED" if done else None)
        for queue_id in destinations:
            self._moved(queue_id)
        return not done, task.max_per_second
