"""Long polling: receivers wait for a queue without polling it.

A waiting ReceiveMessage sleeps on a future that resolves when (a) a send in this process
commits to its queue, (b) the clock reaches the moment a delayed or in-flight message becomes
visible, or its wait ends. Sends made by another process sharing the data directory cannot
notify it, so a waiter also looks at the queue every `fallback` seconds of wall time, with a
cheap read.
"""

from __future__ import annotations

import asyncio
import contextlib

from cloudlet.core.clock import Clock


class Waiters:
    def __init__(self, clock: Clock, fallback: float) -> None:
        self._clock = clock
        self._fallback = fallback
        self._waiting: dict[int, set[asyncio.Future[None]]] = {}

    def notify(self, queue_id: int) -> None:
        """Wakes every receiver waiting on the queue (call after the send commits)."""
        for future in self._waiting.get(queue_id, ()):
            if not future.done():
                future.set_result(None)

    def waiting(self, queue_id: int) -> int:
        return len(self._waiting.get(queue_id, ()))

    async def wait(self, queue_id: int, until: float) -> bool:
        """Waits until notified or clock time `until`: True; False when only the fallback ran out."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiters = self._waiting.setdefault(queue_id, set())
        waiters.add(future)
        timer = self._clock.call_at(until, _resolve, future)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(future), self._fallback)
            return future.done()
        finally:
            timer.cancel()
            waiters.discard(future)
            if not waiters:
                self._waiting.pop(queue_id, None)
            if not future.done():
                future.cancel()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
