"""Internal events: written with their cause, delivered at least once by a dispatcher.

`emit(conn, ...)` writes an event in the caller's transaction, so it exists if and only if the
change that caused it committed. At that moment it is fanned out to one delivery per consumer
of its topic. A consumer is a name subscribed to a topic; subscriptions persist in the store,
so a consumer receives every event emitted after it first subscribed in this data directory,
even while no process runs it (after a restart, it catches up). Subscribe with a fixed name
per role (route per resource inside the handler): a name that never subscribes again keeps
its deliveries until `forget(name)`.

Each (event, consumer) delivery is handled by one dispatcher at a time: it is claimed with a
lease (LEASE seconds of wall time, renewed while the handler runs). A lease held by a process
that died is released as soon as another dispatcher on this machine notices (at start, then
every LEASE/3); otherwise it expires. A failing handler is retried with exponential backoff
and jitter on the Clock; after max_attempts the delivery is moved to `_outbox_dead`, where it
stays until inspected (`dead_letters`) and redriven or forgotten.

Order: deliveries of one consumer whose events share a topic and key run one at a time, in
commit order (SQLite serialises writers, so event ids are commit order). A delayed event holds
back later events of its key; a dead one no longer does. Events without a key run concurrently.

Wake-ups: a commit that emitted events notifies this process's dispatchers at once (Store
calls `notify`); delayed events and retries wake it at their due time on the Clock (at once
when advance() passes it); events committed by other processes and leases to reclaim are found
by a poll every POLL_INTERVAL (0.1 s) of wall time.

At least once means a handler may see an event again (after a crash, or a lost lease): every
consumer must be idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import os
import random
import secrets
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudlet.core.migrations import Migration

if TYPE_CHECKING:
    import sqlite3

    from cloudlet.core.clock import Clock, TimerHandle
    from cloudlet.core.store import Store

log = logging.getLogger("cloudlet.outbox")

POLL_INTERVAL = 0.1
LEASE = 30.0
DEFAULT_MAX_ATTEMPTS = 10
MAX_INFLIGHT = 64

MIGRATIONS = (
    Migration("0001_outbox", """
        CREATE TABLE _outbox_consumers (
            name TEXT PRIMARY KEY,
            topic TEXT NOT NULL,
            since REAL NOT NULL
        );
        CREATE INDEX _outbox_consumers_topic ON _outbox_consumers (topic);
        CREATE TABLE _outbox_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            topic TEXT NOT NULL,
            key TEXT,
            payload TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE TABLE _outbox_deliveries (
            event_id INTEGER NOT NULL,
            consumer TEXT NOT NULL,
            ordering TEXT,
            blocked INTEGER NOT NULL DEFAULT 0,
            next_at REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            lease_owner TEXT,
            lease_until REAL NOT NULL DEFAULT 0,
            error TEXT,
            PRIMARY KEY (event_id, consumer)
        );
        CREATE INDEX _outbox_deliveries_due ON _outbox_deliveries (consumer, blocked, next_at);
        CREATE INDEX _outbox_deliveries_order ON _outbox_deliveries (consumer, ordering, event_id);
        CREATE TABLE _outbox_dead (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id INTEGER NOT NULL,
            consumer TEXT NOT NULL,
            topic TEXT NOT NULL,
            key TEXT,
            payload TEXT NOT NULL,
            created_at REAL NOT NULL,
            attempts INTEGER NOT NULL,
            error TEXT,
            died_at REAL NOT NULL
        );
    """),
)
# Who listens to what is configuration, not data: Store.reset() keeps it.
CONFIGURATION_TABLES = ("_outbox_consumers",)


@dataclass(frozen=True)
class Event:
    id: int
    topic: str
    key: str | None
    payload: dict[str, Any]
    created_at: float  # clock time of the commit that emitted it
    consumer: str
    attempt: int  # 1 on first delivery


@dataclass(frozen=True)
class DeadLetter:
    id: int
    event_id: int
    consumer: str
    topic: str
    key: str | None
    payload: dict[str, Any]
    created_at: float
    attempts: int
    error: str | None
    died_at: float


Handler = Callable[[Event], Awaitable[None] | None]
Backoff = Callable[[int], float]


def exponential_backoff(base: float = 1.0, cap: float = 300.0, jitter: float = 0.5) -> Backoff:
    """attempt n -> min(cap, base * 2**(n-1)) seconds, minus up to `jitter` of it at random."""

    def delay(attempt: int) -> float:
        full = min(cap, base * 2 ** (attempt - 1))
        return full * (1 - jitter * random.random())

    return delay


def emit(conn: sqlite3.Connection, topic: str, payload: dict[str, Any], *, delay: float = 0.0,
         key: str | None = None) -> int:
    """Writes an event in the caller's open transaction; returns its id (0: nobody listens)."""
    writing = getattr(conn, "writing", None)
    if writing is None:
        raise TypeError("emit() needs a connection from Store.db()")
    if not writing:
        raise RuntimeError("emit() belongs in the transaction of the change that causes it (Store.db())")
    offset, consumers = conn.execute(
        "SELECT offset_seconds, (SELECT COUNT(*) FROM _outbox_consumers WHERE topic = ?)"
        " FROM _clock WHERE id = 1", (topic,),
    ).fetchone()
    if not consumers:
        return 0
    now = time.time() + offset
    event_id = conn.execute(
        "INSERT INTO _outbox_events (topic, key, payload, created_at) VALUES (?, ?, ?, ?)",
        (topic, key, _to_json(payload), now),
    ).lastrowid
    ordering = _ordering(topic, key)
    conn.execute(_FAN_OUT, (event_id, ordering, now + delay, ordering, ordering, topic))
    conn.emitted = True  # type: ignore[attr-defined]  # Store.db() notifies dispatchers on commit
    assert event_id is not None
    return event_id


@dataclass(frozen=True)
class Subscription:
    topic: str
    name: str
    handler: Handler
    max_attempts: int
    backoff: Backoff
    timeout: float | None


class Dispatcher:
    def __init__(self, store: Store, clock: Clock, *, lease: float = LEASE,
                 poll_interval: float = POLL_INTERVAL, max_inflight: int = MAX_INFLIGHT) -> None:
        self._store = store
        self._clock = clock
        self._lease = lease
        self._poll_interval = poll_interval
        self._max_inflight = max_inflight
        self._owner = ""  # set by start(): this process, as seen by the others
        self._subscriptions: dict[str, Subscription] = {}
        self._inflight: dict[tuple[int, str], asyncio.Task] = {}
        # Finished deliveries, recorded together at the start of the next pass (one commit).
        self._outcomes: list[tuple[Outcome, Event, tuple[Any, ...]]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None
        self._task: asyncio.Task | None = None
        self._wake: asyncio.Event | None = None
        self._idle: asyncio.Event | None = None
        self._due_timer: TimerHandle | None = None
        self._due_at: float | None = None
        self._housekeeping_at = 0.0
        self._reset_checked_at = 0.0
        self._unlisten: Callable[[], None] | None = None

    # -- consumers -------------------------------------------------------------------------------

    def subscribe(self, topic: str, handler: Handler, *, name: str, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
                  backoff: Backoff | None = None, timeout: float | None = None) -> None:
        """Delivers every event of `topic` to handler, at least once, as consumer `name`.

        handler(event) may be sync (runs on the event loop: keep it quick) or async; an
        exception (or exceeding `timeout` seconds) is a failed attempt.
        """
        if name in self._subscriptions:
            raise ValueError(f"consumer {name!r} is already subscribed")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        with self._store.db() as conn:
            # A name keeps its pending deliveries if its topic is renamed in the code.
            conn.execute(
                "INSERT INTO _outbox_consumers (name, topic, since) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET topic = excluded.topic",
                (name, topic, self._clock.now()),
            )
        self._subscriptions[name] = Subscription(topic, name, handler, max_attempts,
                                                 backoff or exponential_backoff(), timeout)
        self.notify()

    def forget(self, name: str) -> None:
        """Removes consumer `name` for good: its subscription, pending and dead deliveries."""
        self._subscriptions.pop(name, None)
        with self._store.db() as conn:
            conn.execute("DELETE FROM _outbox_consumers WHERE name = ?", (name,))
            conn.execute("DELETE FROM _outbox_deliveries WHERE consumer = ?", (name,))
            conn.execute("DELETE FROM _outbox_dead WHERE consumer = ?", (name,))
            conn.execute("DELETE FROM _outbox_events WHERE NOT EXISTS"
                         " (SELECT 1 FROM _outbox_deliveries d WHERE d.event_id = _outbox_events.id)")

    # -- running ---------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._owner = _lease_owner()
        self._wake, self._idle = asyncio.Event(), asyncio.Event()
        self._unlisten = self._store.on_commit_with_events(self.notify)
        self._task = asyncio.create_task(self._run(), name="cloudlet-dispatcher")

    async def stop(self, grace: float = 5.0) -> None:
        """Stops claiming; gives running handlers `grace` seconds, then cancels them.

        A cancelled delivery is released, not counted as an attempt: it will run again.
        """
        if self._task is None:
            return
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
        self._cancel_due_timer()
        tasks = list(self._inflight.values())
        if tasks:
            _, running = await asyncio.wait(tasks, timeout=grace)
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        self._record_outcomes()
        self._loop = None

    def notify(self) -> None:
        """Something may be due: look now. Safe from any thread."""
        loop = self._loop
        if loop is None:
            return
        if threading.get_ident() == self._thread:
            self._wake_up()
        else:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                loop.call_soon_threadsafe(self._wake_up)

    async def wait_idle(self, timeout: float = 10.0) -> None:
        """Waits until a pass finds nothing to deliver and no handler runs (for tests)."""
        if self._idle is None:
            raise RuntimeError("the dispatcher is not running")
        self.notify()
        await asyncio.wait_for(self._idle.wait(), timeout)

    # -- inspection ------------------------------------------------------------------------------

    def pending(self, consumer: str | None = None) -> int:
        """Deliveries not yet done (due, delayed, retrying or running), not counting dead ones."""
        with self._store.read() as conn:
            if consumer is None:
                return conn.execute("SELECT COUNT(*) FROM _outbox_deliveries").fetchone()[0]
            return conn.execute("SELECT COUNT(*) FROM _outbox_deliveries WHERE consumer = ?",
                                (consumer,)).fetchone()[0]

    def dead_letters(self, consumer: str | None = None, limit: int = 100) -> list[DeadLetter]:
        query = "SELECT * FROM _outbox_dead"
        args: tuple[Any, ...] = ()
        if consumer is not None:
            query, args = query + " WHERE consumer = ?", (consumer,)
        with self._store.read() as conn:
            rows = conn.execute(query + " ORDER BY id LIMIT ?", (*args, limit)).fetchall()
        return [DeadLetter(row["id"], row["event_id"], row["consumer"], row["topic"], row["key"],
                           json.loads(row["payload"]), row["created_at"], row["attempts"], row["error"],
                           row["died_at"]) for row in rows]

    def redrive(self, dead_id: int) -> int:
        """Delivers a dead letter again to its consumer, as a new event; returns its id."""
        with self._store.db() as conn:
            row = conn.execute("SELECT * FROM _outbox_dead WHERE id = ?", (dead_id,)).fetchone()
            if row is None:
                raise KeyError(f"no dead letter {dead_id}")
            now = self._clock.now()
            event_id = conn.execute(
                "INSERT INTO _outbox_events (topic, key, payload, created_at) VALUES (?, ?, ?, ?)",
                (row["topic"], row["key"], row["payload"], now),
            ).lastrowid
            ordering = _ordering(row["topic"], row["key"])
            conn.execute(
                "INSERT INTO _outbox_deliveries (event_id, consumer, ordering, next_at, blocked)"
                f" VALUES (?, ?, ?, ?, {_BEHIND_ANOTHER.format(consumer='?')})",
                (event_id, row["consumer"], ordering, now, ordering, row["consumer"], ordering),
            )
            conn.execute("DELETE FROM _outbox_dead WHERE id = ?", (dead_id,))
            conn.emitted = True  # type: ignore[attr-defined]
        assert event_id is not None
        return event_id

    # -- the loop --------------------------------------------------------------------------------

    def _wake_up(self) -> None:
        if self._wake is not None and self._idle is not None:
            self._idle.clear()
            self._wake.set()

    async def _run(self) -> None:
        assert self._wake is not None and self._idle is not None and self._loop is not None
        while True:
            self._wake.clear()
            try:
                self._record_outcomes()
                self._check_reset()
                self._housekeeping()
                claimed = self._claim_due()
                self._arm_due_timer(self._next_due())
            except Exception:
                log.exception("dispatcher pass failed; retrying after the poll interval")
                claimed = 0
            if not claimed and not self._inflight and not self._outcomes:
                self._idle.set()
            poll = self._loop.call_later(self._poll_interval, self._wake.set)
            try:
                await self._wake.wait()
            finally:
                poll.cancel()

    def _consumers(self) -> list[str]:
        return list(self._subscriptions)

    def _claim_due(self) -> int:
        capacity = self._max_inflight - len(self._inflight)
        consumers = self._consumers()
        if capacity <= 0 or not consumers:
            return 0
        now, wall = self._clock.now(), time.time()
        with self._store.read() as conn:  # most passes find nothing: no write lock for that
            if not _due(conn, consumers, now, wall, capacity):
                return 0
        with self._store.db() as conn:
            rows = [row for row in _due(conn, consumers, now, wall, capacity)
                    if (row["event_id"], row["consumer"]) not in self._inflight]
            conn.executemany(
                "UPDATE _outbox_deliveries SET lease_owner = ?, lease_until = ?, attempts = attempts + 1"
                " WHERE event_id = ? AND consumer = ?",
                [(self._owner, wall + self._lease, row["event_id"], row["consumer"]) for row in rows],
            )
        for row in rows:
            self._launch(row)
        return len(rows)

    def _launch(self, row: sqlite3.Row) -> None:
        subscription = self._subscriptions.get(row["consumer"])
        if subscription is None:  # unsubscribed while claiming
            return
        event = Event(row["event_id"], row["topic"], row["key"], json.loads(row["payload"]),
                      row["created_at"], row["consumer"], row["attempts"] + 1)
        key = (event.id, event.consumer)
        self._inflight[key] = asyncio.create_task(self._deliver(subscription, event),
                                                  name=f"deliver {event.topic}#{event.id} to {event.consumer}")

    async def _deliver(self, subscription: Subscription, event: Event) -> None:
        try:
            result = subscription.handler(event)
            if inspect.isawaitable(result):
                async with asyncio.timeout(subscription.timeout):
                    await result
        except asyncio.CancelledError:
            self._outcomes.append((_release, event, ()))
            raise
        except Exception as exc:
            log.warning("delivery of %s#%d to %s failed (attempt %d): %r", event.topic, event.id,
                        event.consumer, event.attempt, exc)
            if event.attempt >= subscription.max_attempts:
                self._outcomes.append((_bury, event, (_describe(exc),)))
            else:
                retry_at = self._clock.now() + subscription.backoff(event.attempt)
                self._outcomes.append((_retry, event, (retry_at, _describe(exc))))
        else:
            self._outcomes.append((_done, event, ()))
        finally:
            self._inflight.pop((event.id, event.consumer), None)
            self._wake_up()

    def _record_outcomes(self) -> None:
        if not self._outcomes:
            return
        outcomes = self._outcomes
        try:
            with self._store.db() as conn:
                for outcome, event, args in outcomes:
                    outcome(conn, event, self._owner, *args)
        except Exception:
            # Kept for the next pass; the leases stay renewed meanwhile, so no one else runs them.
            log.exception("recording %d delivery outcomes failed; retrying", len(outcomes))
            return
        del self._outcomes[:len(outcomes)]

    def _next_due(self) -> float | None:
        consumers = self._consumers()
        if not consumers:
            return None
        with self._store.read() as conn:
            return conn.execute(
                f"SELECT MIN(next_at) FROM _outbox_deliveries WHERE consumer IN ({_marks(consumers)})"
                " AND blocked = 0 AND next_at > ?", (*consumers, self._clock.now()),
            ).fetchone()[0]

    def _arm_due_timer(self, due: float | None) -> None:
        if due == self._due_at:
            return
        self._cancel_due_timer()
        if due is not None:
            assert self._wake is not None
            self._due_timer, self._due_at = self._clock.call_at(due, self._wake.set), due

    def _cancel_due_timer(self) -> None:
        if self._due_timer is not None:
            self._due_timer.cancel()
        self._due_timer = self._due_at = None

    def _check_reset(self) -> None:
        """The poll is this process's heartbeat: it also notices another process's reset."""
        wall = time.time()
        if wall >= self._reset_checked_at:
            self._reset_checked_at = wall + self._poll_interval
            self._store.check_reset()

    def _housekeeping(self) -> None:
        """Every lease/3: renew the leases of running handlers, free those of dead processes."""
        wall = time.time()
        if wall < self._housekeeping_at:
            return
        self._housekeeping_at = wall + self._lease / 3
        held = [*self._inflight, *((event.id, event.consumer) for _, event, _ in self._outcomes)]
        with self._store.db() as conn:
            conn.executemany(
                "UPDATE _outbox_deliveries SET lease_until = ? WHERE event_id = ? AND consumer = ? AND lease_owner = ?",
                [(wall + self._lease, event_id, consumer, self._owner) for event_id, consumer in held],
            )
            owners = conn.execute("SELECT DISTINCT lease_owner FROM _outbox_deliveries"
                                  " WHERE lease_owner IS NOT NULL AND lease_until > ?", (wall,)).fetchall()
            for (owner,) in owners:
                if not _owner_alive(owner):
                    log.info("releasing the deliveries leased by %s, which is gone", owner)
                    conn.execute("UPDATE _outbox_deliveries SET lease_owner = NULL, lease_until = 0"
                                 " WHERE lease_owner = ?", (owner,))


# -- delivery outcomes, recorded in one transaction per dispatcher pass ----------------------------

Outcome = Callable[..., None]


def _done(conn: sqlite3.Connection, event: Event, owner: str) -> None:
    # Delivered is delivered, even if the lease was lost meanwhile.
    conn.execute("DELETE FROM _outbox_deliveries WHERE event_id = ? AND consumer = ?", (event.id, event.consumer))
    _next_in_line(conn, event)
    _drop_if_delivered(conn, event.id)


def _retry(conn: sqlite3.Connection, event: Event, owner: str, retry_at: float, error: str) -> None:
    conn.execute(
        "UPDATE _outbox_deliveries SET lease_owner = NULL, lease_until = 0, next_at = ?, error = ?"
        " WHERE event_id = ? AND consumer = ? AND lease_owner = ?",
        (retry_at, error, event.id, event.consumer, owner),
    )


def _release(conn: sqlite3.Connection, event: Event, owner: str) -> None:
    conn.execute(
        "UPDATE _outbox_deliveries SET lease_owner = NULL, lease_until = 0, attempts = attempts - 1"
        " WHERE event_id = ? AND consumer = ? AND lease_owner = ?",
        (event.id, event.consumer, owner),
    )


def _bury(conn: sqlite3.Connection, event: Event, owner: str, error: str) -> None:
    moved = conn.execute(
        "INSERT INTO _outbox_dead (event_id, consumer, topic, key, payload, created_at, attempts, error, died_at)"
        " SELECT d.event_id, d.consumer, e.topic, e.key, e.payload, e.created_at, d.attempts, ?, ?"
        " FROM _outbox_deliveries d JOIN _outbox_events e ON e.id = d.event_id"
        " WHERE d.event_id = ? AND d.consumer = ? AND d.lease_owner = ?",
        (error, time.time(), event.id, event.consumer, owner),
    ).rowcount
    if moved:
        conn.execute("DELETE FROM _outbox_deliveries WHERE event_id = ? AND consumer = ?",
                     (event.id, event.consumer))
        _next_in_line(conn, event)
        _drop_if_delivered(conn, event.id)


def _next_in_line(conn: sqlite3.Connection, event: Event) -> None:
    """Unblocks the oldest remaining delivery of the event's key to the same consumer."""
    ordering = _ordering(event.topic, event.key)
    if ordering is not None:
        conn.execute(
            "UPDATE _outbox_deliveries SET blocked = 0 WHERE consumer = ? AND event_id ="
            " (SELECT MIN(event_id) FROM _outbox_deliveries WHERE consumer = ? AND ordering = ?)",
            (event.consumer, event.consumer, ordering),
        )


def _drop_if_delivered(conn: sqlite3.Connection, event_id: int) -> None:
    conn.execute("DELETE FROM _outbox_events WHERE id = ? AND NOT EXISTS"
                 " (SELECT 1 FROM _outbox_deliveries WHERE event_id = ?)", (event_id, event_id))


# Per consumer and ordering key, only the oldest delivery is unblocked: a new one starts
# blocked when an older one is still there (parameters: ordering, ordering).
_BEHIND_ANOTHER = ("(? IS NOT NULL AND EXISTS (SELECT 1 FROM _outbox_deliveries p"
                   " WHERE p.consumer = {consumer} AND p.ordering = ?))")
_FAN_OUT = ("INSERT INTO _outbox_deliveries (event_id, consumer, ordering, next_at, blocked)"
            f" SELECT ?, c.name, ?, ?, {_BEHIND_ANOTHER.format(consumer='c.name')}"
            " FROM _outbox_consumers c WHERE c.topic = ?")
_to_json = json.JSONEncoder(separators=(",", ":")).encode


def _ordering(topic: str, key: str | None) -> str | None:
    return None if key is None else f"{topic}\x00{key}"


def _due(conn: sqlite3.Connection, consumers: list[str], now: float, wall: float, limit: int) -> list[sqlite3.Row]:
    """Deliveries to claim: first in line for their key, due, and not leased."""
    return conn.execute(
        "SELECT d.event_id, d.consumer, d.attempts, e.topic, e.key, e.payload, e.created_at"
        " FROM _outbox_deliveries d JOIN _outbox_events e ON e.id = d.event_id"
        f" WHERE d.consumer IN ({_marks(consumers)}) AND d.blocked = 0 AND d.next_at <= ? AND d.lease_until <= ?"
        " ORDER BY d.next_at LIMIT ?",
        (*consumers, now, wall, limit),
    ).fetchall()


def _marks(values: list[str]) -> str:
    return ", ".join("?" * len(values))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "TimeoutError: the handler ran past its timeout"
    return f"{type(exc).__name__}: {exc}"[:2000]


# -- lease owners: which process holds a lease, and is it still there ---------------------------

_HOST = socket.gethostname()


def _lease_owner() -> str:
    pid = os.getpid()
    return f"{_HOST}:{pid}:{_process_start(pid)}:{secrets.token_hex(4)}"


def _process_start(pid: int) -> str:
    """The process's start time in clock ticks (Linux), so a reused pid is not mistaken for it."""
    stat = _proc_stat(pid)
    return stat[19] if stat and len(stat) > 19 else ""


def _proc_stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    # Fields after the command name, which is in parentheses and may itself contain spaces.
    return data[data.rindex(b")") + 2:].decode().split()


def _owner_alive(owner: str) -> bool:
    try:
        host, pid_text, started, _ = owner.split(":")
        pid = int(pid_text)
    except ValueError:
        return True
    if host != _HOST:
        return True  # another machine's process: only its lease expiry tells
    if os.path.isdir("/proc/self"):
        stat = _proc_stat(pid)
        return stat is not None and stat[0] != "Z" and (not started or stat[19] == started)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
