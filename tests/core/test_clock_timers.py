"""The clock: advance() moves every timer forward at once, across processes sharing a store."""

from __future__ import annotations

import asyncio
import sys
import threading
import time

import pytest

from cloudlet.core.clock import Clock
from cloudlet.core.store import Store


@pytest.fixture
def store(tmp_path):
    store = Store(str(tmp_path))
    yield store
    store.close()


def test_now_is_wall_time_plus_the_offset(store):
    clock = Clock(store)
    assert abs(clock.now() - time.time()) < 1
    before_wall, before_mono = clock.now(), clock.monotonic()
    clock.advance(86400)
    assert clock.now() - before_wall == pytest.approx(86400, abs=1)
    assert clock.monotonic() - before_mono == pytest.approx(86400, abs=1)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


def test_advance_wakes_sleepers_at_once(store):
    clock = Clock(store)

    async def main() -> float:
        sleeper = asyncio.create_task(clock.sleep(3600))
        await asyncio.sleep(0)
        started = time.monotonic()
        clock.advance(3600)
        await asyncio.wait_for(sleeper, 5)
        return time.monotonic() - started

    assert asyncio.run(main()) < 1  # an hour of clock time, no waiting


def test_a_partial_advance_leaves_the_rest_to_real_time(store):
    clock = Clock(store)

    async def main() -> None:
        deadline = clock.now() + 100.2
        sleeper = asyncio.create_task(clock.sleep_until(deadline))
        await asyncio.sleep(0)
        clock.advance(100)
        await asyncio.sleep(0)
        assert not sleeper.done()
        await asyncio.wait_for(sleeper, 5)  # the remaining 200 ms pass in real time
        assert clock.now() >= deadline

    asyncio.run(main())


def test_call_at_fires_in_deadline_order_and_cancel_works(store):
    clock = Clock(store)
    fired: list[str] = []

    async def main() -> None:
        now = clock.now()
        clock.call_at(now + 30, fired.append, "b")
        clock.call_at(now + 10, fired.append, "a")
        cancelled = clock.call_at(now + 20, fired.append, "cancelled")
        clock.call_at(now + 90, fired.append, "later")
        cancelled.cancel()
        clock.advance(60)
        assert fired == ["a", "b"]  # on the loop thread, advance() runs due callbacks itself
        assert clock.pending_timers() == 1
        clock.call_later(0.01, fired.append, "real time")
        done = asyncio.get_running_loop().create_future()
        clock.call_later(0.02, done.set_result, None)
        await asyncio.wait_for(done, 5)

    asyncio.run(main())
    assert fired == ["a", "b", "real time"]


def test_a_failing_callback_does_not_stop_the_others(store):
    clock = Clock(store)
    fired: list[int] = []
    errors: list[dict] = []

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: errors.append(context))
        clock.call_later(5, lambda: 1 / 0)
        clock.call_later(6, fired.append, 6)
        clock.advance(10)

    asyncio.run(main())
    assert fired == [6]
    assert isinstance(errors[0]["exception"], ZeroDivisionError)


def test_sleep_until_the_past_returns(store):
    clock = Clock(store)
    asyncio.run(asyncio.wait_for(clock.sleep_until(clock.now() - 10), 1))


def test_advance_from_another_thread_wakes_the_loop(store):
    clock = Clock(store)

    async def main() -> None:
        sleeper = asyncio.create_task(clock.sleep(600))
        await asyncio.sleep(0)
        thread = threading.Thread(target=clock.advance, args=(600,))
        thread.start()
        await asyncio.wait_for(sleeper, 5)
        thread.join()

    asyncio.run(main())


def test_clocks_sharing_a_store_share_the_offset(store, tmp_path):
    ours = Clock(store, refresh=0.05)
    other_store = Store(str(tmp_path))  # another process's view of the directory
    other = Clock(other_store)

    async def main() -> None:
        sleeper = asyncio.create_task(ours.sleep(400))
        await asyncio.sleep(0)
        other.advance(500)
        # Nothing advanced `ours`: it notices the other clock within its refresh interval.
        await asyncio.wait_for(sleeper, 5)

    asyncio.run(main())
    assert ours.offset() == pytest.approx(500)
    other_store.close()


def test_advance_in_another_process_reaches_our_sleepers(store):
    clock = Clock(store)
    code = "import sys\nfrom cloudlet.core.clock import Clock\nfrom cloudlet.core.store import Store\n" \
           "Clock(Store(sys.argv[1])).advance(7200)\n"

    async def main() -> None:
        sleeper = asyncio.create_task(clock.sleep(7200))
        process = await asyncio.create_subprocess_exec(sys.executable, "-c", code, store.path)
        assert await process.wait() == 0
        await asyncio.wait_for(sleeper, 5)

    asyncio.run(main())


def test_without_a_store_the_offset_is_private():
    clock = Clock()
    clock.advance(10)
    assert clock.offset() == 10 and Clock().offset() == 0


def test_a_new_event_loop_starts_with_no_stale_timers(store):
    clock = Clock(store)

    async def leave_a_timer() -> None:
        clock.call_later(1000, lambda: None)

    asyncio.run(leave_a_timer())

    async def main() -> int:
        clock.call_later(1000, lambda: None)
        return clock.pending_timers()

    assert asyncio.run(main()) == 1
