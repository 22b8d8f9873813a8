"""Outbox and dispatcher in one process: at least once, per-key order, retries, dead letters."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable

import pytest

from cloudlet.core.clock import Clock
from cloudlet.core.outbox import Dispatcher, Event, emit, exponential_backoff
from cloudlet.core.store import Store


@pytest.fixture
def store(tmp_path):
    store = Store(str(tmp_path))
    yield store
    store.close()


@pytest.fixture
def clock(store):
    return Clock(store)


def run(main: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(main(), 20))


def emit_one(store: Store, topic: str, payload: dict, **kwargs) -> int:
    with store.db() as conn:
        return emit(conn, topic, payload, **kwargs)


def table_sizes(store: Store) -> dict[str, int]:
    with store.read() as conn:
        return {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("_outbox_events", "_outbox_deliveries", "_outbox_dead")}


def test_each_consumer_gets_each_event_once_then_it_is_deleted(store, clock):
    dispatcher = Dispatcher(store, clock)
    sync_got: list[Event] = []
    async_got: list[Event] = []

    async def async_handler(event: Event) -> None:
        await asyncio.sleep(0)
        async_got.append(event)

    dispatcher.subscribe("orders", sync_got.append, name="billing")
    dispatcher.subscribe("orders", async_handler, name="shipping")
    dispatcher.subscribe("other", sync_got.append, name="unrelated")

    async def main() -> None:
        await dispatcher.start()
        ids = [emit_one(store, "orders", {"n": n}) for n in range(3)]
        await dispatcher.wait_idle()
        await dispatcher.stop()
        for got, consumer in ((sync_got, "billing"), (async_got, "shipping")):
            assert sorted(event.id for event in got) == ids
            assert sorted(event.payload["n"] for event in got) == [0, 1, 2]
            assert {(event.topic, event.consumer, event.attempt) for event in got} == {("orders", consumer, 1)}

    run(main)
    assert table_sizes(store) == {"_outbox_events": 0, "_outbox_deliveries": 0, "_outbox_dead": 0}


def test_an_event_exists_only_if_its_cause_committed(store, clock):
    Dispatcher(store, clock).subscribe("t", lambda event: None, name="c")
    with pytest.raises(RuntimeError, match="transaction"), store.read() as conn:
        emit(conn, "t", {})
    with pytest.raises(ZeroDivisionError), store.db() as conn:
        emit(conn, "t", {})
        1 / 0  # noqa: B018
    assert table_sizes(store)["_outbox_events"] == 0
    assert emit_one(store, "nobody-listens", {}) == 0
    assert table_sizes(store)["_outbox_events"] == 0
    assert emit_one(store, "t", {}) > 0
    assert table_sizes(store) == {"_outbox_events": 1, "_outbox_deliveries": 1, "_outbox_dead": 0}


def test_events_committed_while_no_dispatcher_runs_are_delivered_later(store, clock):
    Dispatcher(store, clock).subscribe("t", lambda event: None, name="c")  # subscribed once, long ago
    ids = [emit_one(store, "t", {"n": n}, key="k") for n in range(5)]
    got: list[int] = []
    later = Dispatcher(store, clock)
    later.subscribe("t", lambda event: got.append(event.id), name="c")

    async def main() -> None:
        await later.start()
        await later.wait_idle()
        await later.stop()

    run(main)
    assert got == ids


def test_events_of_one_key_run_one_at_a_time_in_commit_order(store, clock):
    dispatcher = Dispatcher(store, clock)
    running: dict[str, int] = defaultdict(int)
    most_at_once = {"per key": 0, "overall": 0}
    order: dict[str, list[int]] = defaultdict(list)

    async def handler(event: Event) -> None:
        key = event.key
        running[key] += 1
        most_at_once["per key"] = max(most_at_once["per key"], running[key])
        most_at_once["overall"] = max(most_at_once["overall"], sum(running.values()))
        for _ in range(event.payload["n"] % 4):  # uneven work, so events could overtake
            await asyncio.sleep(0)
        order[key].append(event.payload["n"])
        running[key] -= 1

    dispatcher.subscribe("stream", handler, name="reader")

    async def main() -> None:
        await dispatcher.start()
        for n in range(30):
            emit_one(store, "stream", {"n": n}, key=f"shard-{n % 3}")
        await dispatcher.wait_idle()
        await dispatcher.stop()

    run(main)
    for shard in range(3):
        assert order[f"shard-{shard}"] == list(range(shard, 30, 3))
    assert most_at_once["per key"] == 1
    assert most_at_once["overall"] > 1  # different keys do run side by side


def test_failures_retry_with_backoff_on_the_clock(store, clock):
    dispatcher = Dispatcher(store, clock, poll_interval=0.02)
    attempts: list[int] = []

    def flaky(event: Event) -> None:
        attempts.append(event.attempt)
        if event.attempt < 3:
            raise ConnectionError("downstream unavailable")

    dispatcher.subscribe("t", flaky, name="flaky", backoff=lambda attempt: 60.0 * attempt)

    async def main() -> None:
        await dispatcher.start()
        emit_one(store, "t", {})
        await dispatcher.wait_idle()
        assert attempts == [1]
        with store.read() as conn:
            row = conn.execute("SELECT attempts, error, next_at FROM _outbox_deliveries").fetchone()
        assert row["attempts"] == 1 and "ConnectionError: downstream unavailable" in row["error"]
        assert row["next_at"] == pytest.approx(clock.now() + 60, abs=2)
        clock.advance(59)
        await dispatcher.wait_idle()
        assert attempts == [1]  # not due yet
        clock.advance(1)
        await dispatcher.wait_idle()
        assert attempts == [1, 2]
        clock.advance(120)
        await dispatcher.wait_idle()
        await dispatcher.stop()

    run(main)
    assert attempts == [1, 2, 3]
    assert table_sizes(store)["_outbox_deliveries"] == 0


def test_exponential_backoff_doubles_up_to_the_cap_with_jitter():
    backoff = exponential_backoff(base=1.0, cap=10.0, jitter=0.5)
    for attempt, full in ((1, 1), (2, 2), (3, 4), (4, 8), (5, 10), (30, 10)):
        delays = [backoff(attempt) for _ in range(50)]
        assert all(full / 2 <= delay <= full for delay in delays)
        assert len(set(delays)) > 1


def test_exhausted_deliveries_become_inspectable_dead_letters(store, clock):
    dispatcher = Dispatcher(store, clock)
    healthy: list[int] = []
    broken = {"fixed": False}
    delivered_after_fix: list[Event] = []

    def fragile(event: Event) -> None:
        if not broken["fixed"]:
            raise ValueError(f"cannot handle {event.payload}")
        delivered_after_fix.append(event)

    dispatcher.subscribe("t", fragile, name="fragile", max_attempts=2, backoff=lambda attempt: 1.0)
    dispatcher.subscribe("t", lambda event: healthy.append(event.id), name="healthy")

    async def main() -> None:
        await dispatcher.start()
        event_id = emit_one(store, "t", {"poison": True}, key="k")
        await dispatcher.wait_idle()
        clock.advance(1)
        await dispatcher.wait_idle()
        [dead] = dispatcher.dead_letters()
        assert (dead.event_id, dead.consumer, dead.topic, dead.key) == (event_id, "fragile", "t", "k")
        assert dead.payload == {"poison": True} and dead.attempts == 2
        assert dead.error == "ValueError: cannot handle {'poison': True}"
        assert dispatcher.pending() == 0 and healthy == [event_id]
        # A dead event no longer holds back its key.
        later = emit_one(store, "t", {"poison": False}, key="k")
        broken["fixed"] = True
        await dispatcher.wait_idle()
        assert [event.id for event in delivered_after_fix] == [later]
        redriven = dispatcher.redrive(dead.id)
        await dispatcher.wait_idle()
        await dispatcher.stop()
        assert [event.id for event in delivered_after_fix] == [later, redriven]
        assert delivered_after_fix[-1].payload == {"poison": True}

    run(main)
    assert dispatcher.dead_letters() == []
    assert table_sizes(store) == {"_outbox_events": 0, "_outbox_deliveries": 0, "_outbox_dead": 0}


def test_a_retrying_event_holds_back_its_key_only(store, clock):
    dispatcher = Dispatcher(store, clock)
    got: list[str] = []

    def handler(event: Event) -> None:
        if event.payload["name"] == "a1" and event.attempt == 1:
            raise RuntimeError("first try fails")
        got.append(event.payload["name"])

    dispatcher.subscribe("t", handler, name="c", backoff=lambda attempt: 30.0)

    async def main() -> None:
        await dispatcher.start()
        for name, key in (("a1", "a"), ("a2", "a"), ("b1", "b"), ("b2", "b")):
            emit_one(store, "t", {"name": name}, key=key)
        await dispatcher.wait_idle()
        assert got == ["b1", "b2"]
        clock.advance(30)
        await dispatcher.wait_idle()
        await dispatcher.stop()

    run(main)
    assert got == ["b1", "b2", "a1", "a2"]


def test_delayed_events_become_due_on_the_clock(store, clock):
    dispatcher = Dispatcher(store, clock, poll_interval=60)  # only the clock can wake it in time
    got: list[tuple[str, float]] = []
    dispatcher.subscribe("t", lambda event: got.append((event.payload["name"], clock.now())), name="c")

    async def main() -> None:
        await dispatcher.start()
        now = clock.now()
        emit_one(store, "t", {"name": "later"}, delay=300)
        emit_one(store, "t", {"name": "now"})
        await dispatcher.wait_idle()
        assert [name for name, _ in got] == ["now"]
        clock.advance(300)
        await dispatcher.wait_idle()
        await dispatcher.stop()
        assert got[1][0] == "later" and got[1][1] >= now + 300

    run(main)


def test_a_slow_handler_times_out_as_a_failed_attempt(store, clock):
    dispatcher = Dispatcher(store, clock)

    async def hangs(event: Event) -> None:
        await asyncio.Event().wait()

    dispatcher.subscribe("t", hangs, name="c", timeout=0.05, max_attempts=1)

    async def main() -> None:
        await dispatcher.start()
        emit_one(store, "t", {})
        await dispatcher.wait_idle()
        await dispatcher.stop()

    run(main)
    [dead] = dispatcher.dead_letters()
    assert dead.error.startswith("TimeoutError")


def test_stop_releases_running_deliveries_without_counting_them(store, clock):
    first = Dispatcher(store, clock)
    started = []

    async def hangs(event: Event) -> None:
        started.append(event.attempt)
        await asyncio.Event().wait()

    first.subscribe("t", hangs, name="c")
    second = Dispatcher(store, clock)
    got: list[Event] = []
    second.subscribe("t", got.append, name="c")

    async def main() -> None:
        await first.start()
        emit_one(store, "t", {})
        while not started:
            await asyncio.sleep(0)
        await first.stop(grace=0.01)
        await second.start()
        await second.wait_idle()
        await second.stop()

    run(main)
    assert started == [1] and [event.attempt for event in got] == [1]


def test_an_expired_lease_is_reclaimed(store, clock):
    dispatcher = Dispatcher(store, clock, poll_interval=0.02)
    got: list[Event] = []
    dispatcher.subscribe("t", got.append, name="c")
    emit_one(store, "t", {})
    with store.db() as conn:  # claimed by a process on another machine, which then vanished
        conn.execute("UPDATE _outbox_deliveries SET lease_owner = 'elsewhere:1::x', lease_until = ?,"
                     " attempts = 1", (time.time() + 0.5,))

    async def main() -> None:
        await dispatcher.start()
        await dispatcher.wait_idle()
        assert got == []  # the lease still holds
        while not got:
            await asyncio.sleep(0.02)
        await dispatcher.stop()

    run(main)
    assert got[0].attempt == 2


def test_a_commit_on_a_worker_thread_wakes_the_dispatcher(store, clock):
    dispatcher = Dispatcher(store, clock, poll_interval=60)  # only notify can deliver in time

    async def main() -> None:
        delivered = asyncio.get_running_loop().create_future()
        dispatcher.subscribe("t", lambda event: delivered.set_result(event.payload), name="c")
        await dispatcher.start()
        await asyncio.to_thread(emit_one, store, "t", {"from": "thread"})
        assert await asyncio.wait_for(delivered, 5) == {"from": "thread"}
        await dispatcher.stop()

    run(main)


def test_change_to_consumer_latency_is_milliseconds(store, clock):
    dispatcher = Dispatcher(store, clock, poll_interval=60)  # no polling: notify alone
    latencies: list[float] = []
    waiting: dict[int, tuple[float, asyncio.Future]] = {}

    def handler(event: Event) -> None:
        committed, future = waiting.pop(event.id)
        latencies.append(time.perf_counter() - committed)
        future.set_result(None)

    dispatcher.subscribe("t", handler, name="c")

    async def main() -> None:
        await dispatcher.start()
        loop = asyncio.get_running_loop()
        for n in range(200):
            future = loop.create_future()
            with store.db() as conn:
                conn.execute("SELECT 1")  # the change itself
                event_id = emit(conn, "t", {"n": n})
                waiting[event_id] = (time.perf_counter(), future)
            await future
        await dispatcher.stop()

    run(main)
    median = statistics.median(latencies)
    print(f"\noutbox change-to-consumer latency: median {median * 1000:.2f} ms,"
          f" p95 {statistics.quantiles(latencies, n=20)[-1] * 1000:.2f} ms over {len(latencies)} events")
    assert median < 0.5  # a sanity bound only: milliseconds expected, a poll would be 60 s


def test_two_dispatchers_sharing_a_store_deliver_each_event_once(store, clock, tmp_path):
    other_store = Store(str(tmp_path))  # another process would have its own connections
    deliveries: dict[int, list[str]] = defaultdict(list)
    dispatchers = [Dispatcher(store, clock, max_inflight=4, poll_interval=0.02),
                   Dispatcher(other_store, Clock(other_store), max_inflight=4, poll_interval=0.02)]

    def recorder(label: str) -> Callable[[Event], Awaitable[None]]:
        async def handler(event: Event) -> None:
            deliveries[event.id].append(label)
            await asyncio.sleep(0.001)  # some work, so both dispatchers get a share
        return handler

    for label, dispatcher in zip(("one", "two"), dispatchers, strict=True):
        dispatcher.subscribe("t", recorder(label), name="c")

    async def main() -> None:
        for dispatcher in dispatchers:
            await dispatcher.start()
        ids = [emit_one(store, "t", {"n": n}) for n in range(100)]
        while dispatchers[0].pending():
            await dispatchers[0].wait_idle()
            await dispatchers[1].wait_idle()
        for dispatcher in dispatchers:
            await dispatcher.stop()
        assert sorted(deliveries) == ids

    run(main)
    assert all(len(labels) == 1 for labels in deliveries.values())
    shares = {label: sum(labels.count(label) for labels in deliveries.values()) for label in ("one", "two")}
    print(f"\nshares of 100 events between two dispatchers: {shares}")
    other_store.close()


def test_forget_removes_a_consumer_and_its_backlog(store, clock):
    dispatcher = Dispatcher(store, clock)
    dispatcher.subscribe("t", lambda event: None, name="gone")
    dispatcher.subscribe("t", lambda event: None, name="stays")
    emit_one(store, "t", {})
    dispatcher.forget("gone")
    assert dispatcher.pending("gone") == 0 and dispatcher.pending("stays") == 1
    assert emit_one(store, "t", {}) > 0
    assert dispatcher.pending() == 2
    dispatcher.forget("stays")
    assert table_sizes(store)["_outbox_events"] == 0
    assert emit_one(store, "t", {}) == 0
