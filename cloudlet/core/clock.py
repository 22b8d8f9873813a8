"""The one clock every timer uses (visibility timeouts, delays, TTL, retries, schedules).

Time is wall time plus an offset that only grows: `advance()` moves it forward for every
process sharing the data directory, and wakes at once every sleeper and timer it passes, so
tests exercise hours of behaviour without sleeping. The offset lives in the store (`_clock`);
`now()` re-reads it at most every `refresh` seconds (REFRESH_INTERVAL, 0.1 s), so an advance
made by another process takes effect here within that interval. Without a store (unit tests of
pure logic) the offset is this object's alone.

Timers follow asyncio's rules: `call_at` and `sleep_until` run on the event loop thread;
`advance` and `now` may be called from any thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cloudlet.core.migrations import Migration

if TYPE_CHECKING:
    from cloudlet.core.store import Store

REFRESH_INTERVAL = 0.1

MIGRATIONS = (
    Migration("0001_clock", """
        CREATE TABLE _clock (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            offset_seconds REAL NOT NULL
        );
        INSERT INTO _clock (id, offset_seconds) VALUES (1, 0);
    """),
)


class TimerHandle:
    __slots__ = ("_clock", "args", "callback", "cancelled", "when")

    def __init__(self, clock: Clock, when: float, callback: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self._clock = clock
        self.when = when
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        if not self.cancelled:
            self.cancelled = True
            self._clock._cancelled += 1

    def __repr__(self) -> str:
        state = " cancelled" if self.cancelled else ""
        return f"<TimerHandle when={self.when:.3f} {self.callback!r}{state}>"


class Clock:
    def __init__(self, store: Store | None = None, *, refresh: float = REFRESH_INTERVAL) -> None:
        self._store = store
        self._refresh = refresh
        self._offset = 0.0
        self._read_at = float("-inf")
        self._timers: list[tuple[float, int, TimerHandle]] = []
        self._cancelled = 0
        self._seq = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._alarm: asyncio.TimerHandle | None = None
        self._lock = threading.Lock()

    # -- reading time ------------------------------------------------------------------------

    def now(self) -> float:
        """Epoch seconds on this clock."""
        return time.time() + self.offset()

    def monotonic(self) -> float:
        """A monotonic reading that also moves with advance()."""
        return time.monotonic() + self.offset()

    def offset(self) -> float:
        """Seconds this clock is ahead of wall time."""
        if self._store is not None and time.monotonic() - self._read_at >= self._refresh:
            self._reload()
        return self._offset

    def _reload(self) -> None:
        assert self._store is not None
        with self._store.read() as conn:
            row = conn.execute("SELECT offset_seconds FROM _clock WHERE id = 1").fetchone()
        self._read_at = time.monotonic()
        offset = float(row[0]) if row else 0.0
        if offset != self._offset:
            # Another process advanced the clock. Timers fire from the loop, never from inside
            # whatever transaction happened to ask the time.
            self._offset = offset
            self._schedule_fire()

    # -- moving time ---------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Moves time forward; timers and sleepers whose deadline has passed fire at once."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        if self._store is None:
            self._offset += seconds
        else:
            with self._store.db() as conn:
                conn.execute("UPDATE _clock SET offset_seconds = offset_seconds + ? WHERE id = 1", (seconds,))
                row = conn.execute("SELECT offset_seconds FROM _clock WHERE id = 1").fetchone()
            self._offset = float(row[0])
            self._read_at = time.monotonic()
        if self._on_loop_thread():
            self._fire_due()
        else:
            self._schedule_fire()

    # -- timers --------------------------------------------------------------------------------

    def call_at(self, when: float, callback: Callable[..., Any], *args: Any) -> TimerHandle:
        """Runs callback(*args) on the running loop once now() >= when (clock time)."""
        self._bind(asyncio.get_running_loop())
        handle = TimerHandle(self, when, callback, args)
        with self._lock:
            heapq.heappush(self._timers, (when, next(self._seq), handle))
            earliest = self._timers[0][2] is handle
        if earliest:
            self._arm()
        return handle

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> TimerHandle:
        return self.call_at(self.now() + delay, callback, *args)

    async def sleep_until(self, when: float) -> None:
        """Returns once now() >= when: at that wall time, or as soon as advance() passes it."""
        if when <= self.now():
            await asyncio.sleep(0)
            return
        future = asyncio.get_running_loop().create_future()
        handle = self.call_at(when, _resolve, future)
        try:
            await future
        finally:
            handle.cancel()

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self.now() + seconds)

    def pending_timers(self) -> int:
        with self._lock:
            return sum(1 for _, _, handle in self._timers if not handle.cancelled)

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._loop is loop:
            return
        old = self._loop
        if old is not None and old.is_running() and not old.is_closed():
            raise RuntimeError("this Clock's timers already run on another event loop")
        # Timers of a finished loop can never fire; forget them.
        with self._lock:
            self._timers.clear()
            self._cancelled = 0
        self._loop, self._alarm = loop, None

    def _on_loop_thread(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def _schedule_fire(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        if self._on_loop_thread():
            loop.call_soon(self._fire_due)
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._fire_due)

    def _fire_due(self) -> None:
        now = self.now()
        due = []
        with self._lock:
            while self._timers and self._timers[0][0] <= now:
                handle = heapq.heappop(self._timers)[2]
                if handle.cancelled:
                    self._cancelled -= 1
                else:
                    handle.cancelled = True  # fired: a later cancel() is a no-op
                    due.append(handle)
            self._compact()
        for handle in due:
            try:
                handle.callback(*handle.args)
            except Exception as exc:
                assert self._loop is not None
                self._loop.call_exception_handler(
                    {"message": "exception in a clock timer callback", "exception": exc, "handle": handle}
                )
        self._arm()

    def _compact(self) -> None:
        # cancel() leaves handles in the heap; drop them once they dominate it.
        if len(self._timers) > 64 and self._cancelled * 2 > len(self._timers):
            self._timers = [entry for entry in self._timers if not entry[2].cancelled]
            heapq.heapify(self._timers)
            self._cancelled = 0

    def _arm(self) -> None:
        """(Re)schedules the one loop callback that fires the earliest timer."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        if self._alarm is not None:
            self._alarm.cancel()
            self._alarm = None
        with self._lock:
            while self._timers and self._timers[0][2].cancelled:
                heapq.heappop(self._timers)
                self._cancelled -= 1
            if not self._timers:
                return
            earliest = self._timers[0][0]
        delay = max(0.0, earliest - self.now())
        if self._store is not None:
            # Wake at least every refresh interval to notice another process's advance().
            delay = min(delay, self._refresh)
        self._alarm = loop.call_later(delay, self._fire_due)


def _resolve(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)
