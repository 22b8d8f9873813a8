"""Store contract: transactions, snapshots, connections per thread, commit listeners."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest

from cloudlet.core.clock import Clock
from cloudlet.core.migrations import Migration
from cloudlet.core.outbox import Dispatcher, emit
from cloudlet.core.store import Store, StoreClosed


@pytest.fixture
def store(tmp_path):
    store = Store(str(tmp_path))
    store.migrate("test", [Migration("0001_items", "CREATE TABLE items (k TEXT PRIMARY KEY, v INTEGER)")])
    yield store
    store.close()


def items(store: Store) -> dict[str, int]:
    with store.read() as conn:
        return {row["k"]: row["v"] for row in conn.execute("SELECT k, v FROM items")}


def test_layout(store, tmp_path):
    assert store.path == str(tmp_path)
    assert (tmp_path / "cloudlet.db").is_file()
    assert store.blobs_dir == str(tmp_path / "blobs") and (tmp_path / "blobs").is_dir()
    with store.read() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_full_fsync_mode(tmp_path):
    store = Store(str(tmp_path), fsync="full")
    with store.read() as conn:
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.close()
    with pytest.raises(ValueError):
        Store(str(tmp_path), fsync="sometimes")


def test_commit_and_rollback_on_exception(store):
    with store.db() as conn:
        conn.execute("INSERT INTO items VALUES ('a', 1)")
    with pytest.raises(ZeroDivisionError), store.db() as conn:
        conn.execute("INSERT INTO items VALUES ('b', 2)")
        1 / 0  # noqa: B018
    assert items(store) == {"a": 1}
    with store.db() as conn:  # the connection is usable again, not stuck in a transaction
        conn.execute("INSERT INTO items VALUES ('c', 3)")
    assert items(store) == {"a": 1, "c": 3}


def test_nested_db_joins_the_outer_transaction(store, tmp_path):
    other = Store(str(tmp_path))  # its own connection, as another process would have
    with store.db() as outer:
        outer.execute("INSERT INTO items VALUES ('a', 1)")
        with store.db() as inner:
            assert inner is outer
            inner.execute("INSERT INTO items VALUES ('b', 2)")
        assert items(other) == {}  # nothing is visible before the outermost commit
    assert items(other) == {"a": 1, "b": 2}
    other.close()


def test_outer_failure_undoes_nested_work(store):
    with pytest.raises(KeyError), store.db() as conn:
        with store.db() as inner:
            inner.execute("INSERT INTO items VALUES ('a', 1)")
        conn.execute("INSERT INTO items VALUES ('b', 2)")
        raise KeyError("b")
    assert items(store) == {}


def test_a_caught_nested_failure_undoes_only_its_own_work(store):
    with store.db() as conn:
        conn.execute("INSERT INTO items VALUES ('a', 1)")
        with pytest.raises(sqlite3.IntegrityError), store.db() as inner:
            inner.execute("INSERT INTO items VALUES ('b', 2)")
            inner.execute("INSERT INTO items VALUES ('a', 3)")  # duplicate key
        conn.execute("INSERT INTO items VALUES ('c', 3)")
    assert items(store) == {"a": 1, "c": 3}


def test_read_inside_db_sees_uncommitted_writes(store):
    with store.db() as conn:
        conn.execute("INSERT INTO items VALUES ('a', 1)")
        assert items(store) == {"a": 1}


def test_read_is_a_snapshot(store, tmp_path):
    writer = Store(str(tmp_path))
    with store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0
        with writer.db() as other:
            other.execute("INSERT INTO items VALUES ('a', 1)")
        assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0
    assert items(store) == {"a": 1}
    writer.close()


def test_read_refuses_writes_and_db_inside_read(store):
    with pytest.raises(RuntimeError, match="for reads"), store.read() as conn:
        conn.execute("INSERT INTO items VALUES ('a', 1)")
    assert items(store) == {}
    with pytest.raises(RuntimeError, match=r"db\(\) inside"), store.read(), store.db():
        pass


def test_a_transaction_across_an_await_is_refused(store):
    async def holder(opened: asyncio.Event, release: asyncio.Event) -> None:
        with store.db() as conn:
            conn.execute("INSERT INTO items VALUES ('held', 1)")
            opened.set()
            await release.wait()  # the mistake: other tasks run while the transaction is open

    async def main() -> None:
        opened, release = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(holder(opened, release))
        await opened.wait()
        with pytest.raises(RuntimeError, match="must not span an await"), store.db():
            pass
        with pytest.raises(RuntimeError, match="must not span an await"), store.read():
            pass
        release.set()
        await task

    asyncio.run(main())
    assert items(store) == {"held": 1}


def test_threads_write_concurrently_through_their_own_connections(store):
    def work(n: int) -> None:
        for i in range(50):
            with store.db() as conn:
                row = conn.execute("SELECT v FROM items WHERE k = 'counter'").fetchone()
                conn.execute("INSERT OR REPLACE INTO items VALUES ('counter', ?)", ((row[0] if row else 0) + 1,))
            with store.db() as conn:
                conn.execute("INSERT INTO items VALUES (?, ?)", (f"t{n}-{i}", i))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = items(store)
    assert result.pop("counter") == 200  # no lost update: BEGIN IMMEDIATE serialises writers
    assert len(result) == 200


def test_commit_listener_runs_only_for_commits_that_emitted(store):
    calls: list[str] = []
    store.on_commit_with_events(lambda: calls.append("committed"))
    Dispatcher(store, Clock(store)).subscribe("topic", lambda event: None, name="listener-test")
    with store.db() as conn:
        conn.execute("INSERT INTO items VALUES ('a', 1)")
    assert calls == []
    with store.db() as conn:
        with store.db() as inner:
            emit(inner, "topic", {"n": 1})
        assert calls == []  # not before the outermost commit
    assert calls == ["committed"]
    with pytest.raises(ValueError), store.db() as conn:
        emit(conn, "topic", {"n": 2})
        raise ValueError
    assert calls == ["committed"]  # rolled back: nothing to deliver


def test_closed_store_refuses_use(tmp_path):
    store = Store(str(tmp_path))
    store.close()
    with pytest.raises(StoreClosed), store.db():
        pass
