"""Outbox across processes: events survive a SIGKILL, dispatchers in two processes share work."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time

from cloudlet.core.clock import Clock
from cloudlet.core.migrations import Migration
from cloudlet.core.outbox import Dispatcher, Event, emit
from cloudlet.core.store import Store

PRELUDE = """
import asyncio, os, signal, sys
from cloudlet.core.clock import Clock
from cloudlet.core.migrations import Migration
from cloudlet.core.outbox import Dispatcher, emit
from cloudlet.core.store import Store
store = Store(sys.argv[1])
clock = Clock(store)
dispatcher = Dispatcher(store, clock)
"""


def run_child(code: str, data_dir: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", PRELUDE + code, data_dir], text=True, **kwargs)


async def deliver_all(data_dir: str, consumer: str, count: int) -> list[Event]:
    store = Store(data_dir)
    dispatcher = Dispatcher(store, Clock(store))
    got: list[Event] = []
    dispatcher.subscribe("orders", got.append, name=consumer)
    await dispatcher.start()
    await dispatcher.wait_idle()
    await dispatcher.stop()
    assert len(got) == count and dispatcher.pending() == 0
    store.close()
    return got


def test_events_committed_before_a_sigkill_are_delivered_after_restart(tmp_path):
    child = run_child("""
dispatcher.subscribe("orders", lambda event: None, name="billing")
for n in range(5):
    with store.db() as conn:
        emit(conn, "orders", {"n": n}, key="customer-1")
os.kill(os.getpid(), signal.SIGKILL)  # before any dispatcher ran
""", str(tmp_path))
    assert child.wait(30) == -signal.SIGKILL
    got = asyncio.run(asyncio.wait_for(deliver_all(str(tmp_path), "billing", 5), 20))
    assert [event.payload["n"] for event in got] == [0, 1, 2, 3, 4]
    assert all(event.attempt == 1 for event in got)


def test_a_delivery_cut_short_by_a_sigkill_is_delivered_after_restart(tmp_path):
    # The handler kills its own process mid-delivery, leaving a 30 s lease behind; the next
    # dispatcher sees the lease holder is gone and takes the delivery over at once.
    child = run_child("""
def dies(event):
    os.kill(os.getpid(), signal.SIGKILL)

dispatcher.subscribe("orders", dies, name="billing")
with store.db() as conn:
    emit(conn, "orders", {"n": 1})

async def main():
    await dispatcher.start()
    await asyncio.Event().wait()

asyncio.run(main())
""", str(tmp_path))
    assert child.wait(30) == -signal.SIGKILL
    store = Store(str(tmp_path))
    with store.read() as conn:
        lease = conn.execute("SELECT lease_owner, lease_until FROM _outbox_deliveries").fetchone()
    assert lease["lease_owner"] and lease["lease_until"] > time.time() + 20
    store.close()
    started = time.monotonic()
    [event] = asyncio.run(asyncio.wait_for(deliver_all(str(tmp_path), "billing", 1), 20))
    assert event.attempt == 2  # the cut-short delivery counts as an attempt
    assert time.monotonic() - started < 10  # well before the lease would have expired


def test_dispatchers_in_two_processes_deliver_each_event_once(tmp_path):
    seen = [Migration("0001", "CREATE TABLE seen (event_id INTEGER, pid INTEGER)")]
    child = run_child("""
store.migrate("test", [Migration("0001", "CREATE TABLE seen (event_id INTEGER, pid INTEGER)")])

async def record(event):
    with store.db() as conn:
        conn.execute("INSERT INTO seen VALUES (?, ?)", (event.id, os.getpid()))
    await asyncio.sleep(0.002)

dispatcher.subscribe("orders", record, name="billing")

async def main():
    await dispatcher.start()
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    await dispatcher.stop()

asyncio.run(main())
""", str(tmp_path), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert child.stdout.readline().strip() == "ready"
    store = Store(str(tmp_path))
    store.migrate("test", seen)
    dispatcher = Dispatcher(store, Clock(store))

    async def record(event: Event) -> None:
        with store.db() as conn:
            conn.execute("INSERT INTO seen VALUES (?, ?)", (event.id, 0))
        await asyncio.sleep(0.002)

    dispatcher.subscribe("orders", record, name="billing")

    async def main() -> list[int]:
        await dispatcher.start()
        ids = []
        for n in range(200):
            with store.db() as conn:
                ids.append(emit(conn, "orders", {"n": n}))
        # The other process's share can only be watched, not awaited.
        deadline = time.monotonic() + 15
        while dispatcher.pending() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await dispatcher.stop()
        return ids

    ids = asyncio.run(asyncio.wait_for(main(), 20))
    child.communicate("stop\n", timeout=30)
    assert child.returncode == 0
    with store.read() as conn:
        rows = conn.execute("SELECT event_id, pid FROM seen ORDER BY event_id").fetchall()
    assert [row["event_id"] for row in rows] == ids  # every event, each exactly once
    by_child = sum(1 for row in rows if row["pid"] != 0)
    print(f"\nthe other process delivered {by_child} of {len(ids)}")
    store.close()
