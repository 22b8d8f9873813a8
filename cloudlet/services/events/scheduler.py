"""Scheduled rules: one clock timer per rule, firing AWS's "Scheduled Event" to its targets.

The next firing time lives in the rule's row. A firing claims it with a conditional update in
the transaction that writes the deliveries, so a firing happens once even when several
processes hold a timer for the rule, and never without its deliveries. A firing that was due
while no server ran (or that an advance of the clock skipped past) happens once, late; the
following one is the first due after now.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import TYPE_CHECKING, Any

from cloudlet.services.events import publishing, schedules, store

if TYPE_CHECKING:
    from cloudlet.core.clock import TimerHandle
    from cloudlet.services.environment import Environment


def scheduled_event(rule: store.Rule, due: float) -> dict[str, Any]:
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": rule.account_id, "time": publishing.iso(due), "region": rule.region,
            "resources": [rule.arn], "detail": {}}


class Scheduler:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self._timers: dict[str, TimerHandle] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        with self.env.store.read() as conn:
            due = [(rule.arn, rule.next_fire_at) for rule in store.scheduled_rules(conn)]
        for arn, when in due:
            self.arm(arn, when)

    def stop(self) -> None:
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()

    def arm(self, arn: str, when: float | None) -> None:
        """(Re)sets the rule's timer; None stops it. Safe from any thread."""
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):
            if asyncio.get_running_loop() is loop:
                self._arm(arn, when)
                return
        loop.call_soon_threadsafe(self._arm, arn, when)

    def _arm(self, arn: str, when: float | None) -> None:
        old = self._timers.pop(arn, None)
        if old is not None:
            old.cancel()
        if when is not None:
            self._timers[arn] = self.env.clock.call_at(when, self._fire, arn, when)

    def _fire(self, arn: str, due: float) -> None:
        self._timers.pop(arn, None)
        now = self.env.clock.now()
        with self.env.store.db() as conn:
            rule = store.rule_by_arn(conn, arn)
            if rule is None or rule.next_fire_at != due or not rule.enabled or not rule.schedule:
                return
            following = schedules.parse(rule.schedule, due).next_after(max(due, now))
            if not store.move_schedule(conn, arn, due, following):
                return
            publishing.emit_for_rule(conn, rule, scheduled_event(rule, due), now)
        self._arm(arn, following)
