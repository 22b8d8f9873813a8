"""Long polling: receivers wait for a queue without polling it.

A waiting ReceiveMessage sleeps on a future that resolves when (a) a send commits to its
queue, in this process or, through a nudge, in another one sharing the data directory, (b)
the clock reaches the moment a delayed or in-flight message becomes visible, or its wait ends.
A nudge can be lost, so with other processes about a waiter also looks at the queue every
`fallback` seconds of wall time, with a cheap read.
"""

from __future__ import annotations

import asyncio
import contextlib

from cloudlet.core.clock import Clock
from cloudlet.core.nudges import Nudges

_TOPIC = "sqs:"


class Waiters:
    def __init__(self, clock: Clock, fallback: float, nudges: Nudges) -> None:
        self._clock = clock
        self._fallback = fallback
        self._waiting: dict[int, set[asyncio.Future[None]]] = {}
        self._nudges = nudges
        nudges.subscribe(_TOPIC, lambda topic: self._wake(int(topic[len(_TOPIC):])))

    def notify(self, queue_id: int) -> None:
        """Wakes every receiver waiting on the queue, here and in the other processes (call after
        the send commits)."""
        self._wake(queue_id)
        self._nudges.publish(f"{_TOPIC}{queue_id}")

    def _wake(self, queue_id: int) -> None:
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
