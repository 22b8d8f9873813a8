"""Files written whole: temp name, then rename; streaming without buffering."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from cloudlet.core.store import Store, atomic_write, atomic_write_async


def test_atomic_write_replaces_whole_files(tmp_path):
    target = tmp_path / "sub" / "object"
    assert atomic_write(str(target), [b"first ", b"version"]) == 13
    assert target.read_bytes() == b"first version"
    assert atomic_write(str(target), iter([b"second"]), fsync=True) == 6
    assert target.read_bytes() == b"second"
    assert os.listdir(target.parent) == ["object"]


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "object"
    target.write_bytes(b"old")

    def chunks():
        yield b"new partial"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        atomic_write(str(target), chunks())
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["object"]


def test_async_write_streams_chunks_to_disk_as_they_arrive(tmp_path):
    target = tmp_path / "object"
    chunk = b"z" * 1024 * 1024
    seen_on_disk: list[int] = []

    async def body():
        for _ in range(4):
            # What is already written sits in the temp file, not in memory; the target
            # does not exist until the last chunk is in.
            temps = [name for name in os.listdir(tmp_path) if name != "object"]
            seen_on_disk.append(sum(os.path.getsize(tmp_path / name) for name in temps))
            assert not target.exists()
            yield chunk
            await asyncio.sleep(0)

    size = asyncio.run(atomic_write_async(str(target), body(), fsync=True))
    assert size == 4 * len(chunk) and target.stat().st_size == size
    assert seen_on_disk == [0, len(chunk), 2 * len(chunk), 3 * len(chunk)]


def test_async_write_cancelled_midway_leaves_nothing(tmp_path):
    target = tmp_path / "object"

    async def main() -> None:
        gate = asyncio.Event()

        async def body():
            yield b"part"
            gate.set()
            await asyncio.Event().wait()  # the client stalls forever
            yield b"never"

        task = asyncio.create_task(atomic_write_async(str(target), body()))
        await gate.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert os.listdir(tmp_path) == []


def test_store_blob_helpers_follow_the_fsync_setting(tmp_path):
    store = Store(str(tmp_path), fsync="full")
    assert store.write_blob("a/b", [b"data"]) == 4
    assert Path(store.blob_path("a", "b")).read_bytes() == b"data"

    async def body():
        yield b"streamed"

    assert asyncio.run(store.write_blob_async("c", body())) == 8
    assert Path(store.blob_path("c")).read_bytes() == b"streamed"
    store.close()
