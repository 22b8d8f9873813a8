"""Nudges between processes sharing a data directory (several in one process here: each binds
its own socket, as each worker process does)."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from cloudlet.core.nudges import Nudges

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="nudges use Linux's abstract sockets")


async def _until(condition, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the nudge never arrived")


def test_a_published_topic_reaches_the_other_processes_subscribers_once_per_iteration(tmp_path):
    async def scenario() -> None:
        first, second = Nudges(str(tmp_path)), Nudges(str(tmp_path))
        seen: list[str] = []
        first.subscribe("sqs:", seen.append)
        first.subscribe("other:", lambda topic: seen.append("wrong " + topic))
        first.start()
        second.start()  # finds the first one and greets it
        try:
            assert second.peers == 1
            await _until(lambda: first.peers == 1)  # the greeting arrived
            for _ in range(3):
                second.publish("sqs:7")  # coalesced: one nudge for the loop iteration
            second.publish("sqs:8")
            await _until(lambda: len(seen) == 2)
            await asyncio.sleep(0.05)
            assert sorted(seen) == ["sqs:7", "sqs:8"]
            first.publish("sqs:9")  # nobody subscribed in the second: nothing happens, nothing fails
            await asyncio.sleep(0.05)
        finally:
            first.stop()
            second.stop()

    asyncio.run(scenario())


def test_a_gone_process_is_forgotten_and_other_directories_are_not_peers(tmp_path):
    async def scenario() -> None:
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        mine, gone, elsewhere = Nudges(str(tmp_path / "a")), Nudges(str(tmp_path / "a")), Nudges(str(tmp_path / "b"))
        mine.start()
        gone.start()
        elsewhere.start()
        try:
            await _until(lambda: mine.peers == 1)
            assert gone.peers == 1 and elsewhere.peers == 0
            gone.stop()
            mine.publish("sqs:1")
            await _until(lambda: mine.peers == 0)
        finally:
            mine.stop()
            elsewhere.stop()

    asyncio.run(scenario())


def test_nudges_cross_real_processes(tmp_path):
    """A child process subscribes; this one publishes; the child prints what arrived."""
    code = f"""
import asyncio, sys
from cloudlet.core.nudges import Nudges

async def main():
    nudges = Nudges({str(tmp_path)!r})
    got = asyncio.get_running_loop().create_future()
    nudges.subscribe("sqs:", lambda topic: got.done() or got.set_result(topic))
    nudges.start()
    print("ready", flush=True)
    print(await asyncio.wait_for(got, 30), flush=True)
    nudges.stop()

asyncio.run(main())
"""
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"

        async def publish() -> None:
            nudges = Nudges(str(tmp_path))
            nudges.start()
            try:
                assert nudges.peers == 1
                nudges.publish("sqs:42")
                await asyncio.sleep(0.05)
            finally:
                nudges.stop()

        asyncio.run(publish())
        assert child.stdout.readline().strip() == "sqs:42"
        assert child.wait(30) == 0
    finally:
        child.kill()


def test_without_a_data_directory_nothing_is_bound_or_sent():
    async def scenario() -> None:
        alone = Nudges(None)
        alone.start()
        alone.publish("sqs:1")
        assert not alone.available and alone.peers == 0
        alone.stop()

    asyncio.run(scenario())
