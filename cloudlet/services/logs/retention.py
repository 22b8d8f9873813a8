"""Retention: the periods AWS allows, and the sweeper that deletes what has aged out.

Reads already hide events past their group's retention; the sweeper removes them from the
store. It sleeps on the shared clock, so moving the clock forward runs it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from cloudlet.services.logs import store
from cloudlet.services.logs.errors import InvalidParameterException

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

log = logging.getLogger("cloudlet.logs")

DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
DAY_MS = 24 * 3600 * 1000
SWEEP_INTERVAL = 600.0  # clock seconds between sweeps


def check_days(days: int) -> None:
    if days not in DAYS:
        raise InvalidParameterException(
            f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(map(str, DAYS))}]"
        )


def cutoff(now_ms: int, days: int | None) -> int | None:
    return now_ms - days * DAY_MS if days else None


class Sweeper:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="logs-retention")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await self.env.clock.sleep(SWEEP_INTERVAL)
            try:
                self.sweep()
            except Exception:
                log.exception("retention sweep failed; trying again next interval")

    def sweep(self) -> int:
        now_ms = int(self.env.clock.now() * 1000)
        deleted = 0
        with self.env.store.db() as conn:
            for group in store.groups_with_retention(conn):
                limit = cutoff(now_ms, group.retention_days)
                assert limit is not None
                deleted += store.delete_events_before(conn, group.account, group.region, group.name, limit)
        return deleted
