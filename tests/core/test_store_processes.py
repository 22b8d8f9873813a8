"""Store contract across processes: durability after SIGKILL, shared writers, reset."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import suppress

from cloudlet.core.clock import Clock
from cloudlet.core.migrations import Migration
from cloudlet.core.outbox import Dispatcher, emit
from cloudlet.core.store import Store, _tables

ITEMS = [Migration("0001_items", "CREATE TABLE items (k TEXT PRIMARY KEY, v INTEGER)")]

PRELUDE = """
import os, signal, sys
from cloudlet.core.clock import Clock
from cloudlet.core.migrations import Migration
from cloudlet.core.outbox import Dispatcher, emit
from cloudlet.core.store import Store
store = Store(sys.argv[1])
store.migrate("test", [Migration("0001_items", "CREATE TABLE items (k TEXT PRIMARY KEY, v INTEGER)")])
"""


def child(code: str, data_dir: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", PRELUDE + code, data_dir], text=True, **kwargs)


def open_store(data_dir: str) -> Store:
    store = Store(data_dir)
    store.migrate("test", ITEMS)
    return store


def test_committed_data_survives_sigkill_and_uncommitted_does_not(tmp_path):
    process = child("""
for i in range(100):
    with store.db() as conn:
        conn.execute("INSERT INTO items VALUES (?, ?)", (f"k{i}", i))
store.write_blob("whole.bin", [b"x" * 65536] * 4)

def chunks():
    yield b"y" * 65536
    os.kill(os.getpid(), signal.SIGKILL)

with store.db() as conn:
    conn.execute("INSERT INTO items VALUES ('uncommitted', -1)")
    store.write_blob("half.bin", chunks())
""", str(tmp_path))
    assert process.wait(30) == -signal.SIGKILL
    store = open_store(str(tmp_path))
    with store.read() as conn:
        rows = dict(conn.execute("SELECT k, v FROM items").fetchall())
    assert len(rows) == 100 and rows["k99"] == 99 and "uncommitted" not in rows
    assert os.path.getsize(store.blob_path("whole.bin")) == 4 * 65536
    assert not os.path.exists(store.blob_path("half.bin"))  # a reader never sees half a file
    store.close()


def test_processes_share_the_write_lock(tmp_path):
    open_store(str(tmp_path)).close()
    code = """
for _ in range(150):
    with store.db() as conn:
        row = conn.execute("SELECT v FROM items WHERE k = 'counter'").fetchone()
        conn.execute("INSERT OR REPLACE INTO items VALUES ('counter', ?)", ((row[0] if row else 0) + 1,))
"""
    processes = [child(code, str(tmp_path)) for _ in range(2)]
    assert [p.wait(60) for p in processes] == [0, 0]
    store = open_store(str(tmp_path))
    with store.read() as conn:
        assert conn.execute("SELECT v FROM items WHERE k = 'counter'").fetchone()[0] == 300
    store.close()


def test_a_writer_holds_the_turn_from_begin_to_commit(tmp_path):
    """Another process sees the turn taken for exactly as long as a db() block is open, and
    waits for it in the kernel (a blocking lock returns once the writer commits)."""
    store = open_store(str(tmp_path))
    probe = child("""
import fcntl
fd = os.open(store.db_path + "-writer", os.O_RDWR)
for line in sys.stdin:
    if line.strip() == "try":
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            print("taken", flush=True)
        else:
            fcntl.lockf(fd, fcntl.LOCK_UN)
            print("free", flush=True)
    elif line.strip() == "wait":
        fcntl.lockf(fd, fcntl.LOCK_EX)
        with store.db() as conn:
            row = conn.execute("SELECT v FROM items WHERE k = 'a'").fetchone()
        fcntl.lockf(fd, fcntl.LOCK_UN)
        print("got", row[0], flush=True)
""", str(tmp_path), stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def ask(command: str) -> str:
        probe.stdin.write(command + "\n")
        probe.stdin.flush()
        return probe.stdout.readline().strip()

    try:
        assert ask("try") == "free"
        with store.db() as conn:
            conn.execute("INSERT INTO items VALUES ('a', 1)")
            assert ask("try") == "taken"
            with store.db() as inner:  # a savepoint: the turn is still the outer block's
                inner.execute("UPDATE items SET v = 2 WHERE k = 'a'")
            assert ask("try") == "taken"
            probe.stdin.write("wait\n")
            probe.stdin.flush()
        assert probe.stdout.readline().strip() == "got 2"
        with suppress(RuntimeError), store.db() as conn:
            conn.execute("UPDATE items SET v = 3 WHERE k = 'a'")
            raise RuntimeError("rolled back")
        assert ask("try") == "free"
    finally:
        probe.stdin.close()
        assert probe.wait(30) == 0
        store.close()


def test_reset_wipes_rows_and_blobs_under_another_live_process(tmp_path):
    process = child("""
with store.db() as conn:
    conn.execute("INSERT INTO items VALUES ('a', 1)")
store.write_blob("bucket/key", [b"body"])
print("ready", flush=True)
sys.stdin.readline()
with store.read() as conn:
    print(conn.execute("SELECT COUNT(*) FROM items").fetchone()[0], sorted(os.listdir(store.blobs_dir)), flush=True)
with store.db() as conn:  # the other process's store keeps working on the same file
    conn.execute("INSERT INTO items VALUES ('after', 2)")
store.write_blob("bucket/again", [b"more"])
print("done", flush=True)
""", str(tmp_path), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdout.readline().strip() == "ready"
    store = open_store(str(tmp_path))
    inode = os.stat(os.path.join(str(tmp_path), "cloudlet.db")).st_ino
    store.reset()
    process.stdin.write("go\n")
    process.stdin.flush()
    assert process.stdout.readline().strip() == "0 []"
    assert process.stdout.readline().strip() == "done"
    process.communicate(timeout=30)
    assert process.returncode == 0
    with store.read() as conn:
        assert [tuple(row) for row in conn.execute("SELECT k, v FROM items")] == [("after", 2)]
    assert os.listdir(store.blobs_dir) == ["bucket"]
    assert os.stat(os.path.join(str(tmp_path), "cloudlet.db")).st_ino == inode
    store.migrate("test", ITEMS)  # the schema history survived: nothing to do
    store.close()


def test_reset_keeps_schema_clock_and_subscriptions(tmp_path):
    store = open_store(str(tmp_path))
    clock = Clock(store)
    clock.advance(3600)
    dispatcher = Dispatcher(store, clock)
    dispatcher.subscribe("topic", lambda event: None, name="keeper")
    with store.db() as conn:
        conn.execute("INSERT INTO items VALUES ('a', 1)")
        assert emit(conn, "topic", {}) == 1
    reset_calls = []
    store.on_reset(lambda: reset_calls.append(True))
    store.reset()
    assert reset_calls == [True]
    assert dispatcher.pending() == 0
    with store.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0
        assert emit(conn, "topic", {}) == 1  # still subscribed; ids start again
    assert Clock(store).offset() == 3600
    store.close()


def test_a_reset_by_another_process_reaches_our_reset_listeners(tmp_path):
    ours, theirs = open_store(str(tmp_path)), open_store(str(tmp_path))
    seen: list[str] = []
    ours.on_reset(lambda: seen.append("reset"))
    assert ours.check_reset() is False
    theirs.reset()
    assert seen == []  # another Store: only noticed when we look
    assert ours.check_reset() is True and seen == ["reset"]
    assert ours.check_reset() is False

    async def main() -> None:
        dispatcher = Dispatcher(ours, Clock(ours), poll_interval=0.02)
        noticed = asyncio.get_running_loop().create_future()
        ours.on_reset(lambda: noticed.done() or noticed.set_result(True))
        await dispatcher.start()
        theirs.reset()
        await asyncio.wait_for(noticed, 5)  # the dispatcher's poll looks for us
        await dispatcher.stop()

    asyncio.run(main())
    ours.close()
    theirs.close()


def test_reset_with_fts_tables(tmp_path):
    store = Store(str(tmp_path))
    store.migrate("search", [Migration("0001", "CREATE VIRTUAL TABLE docs USING fts5(body)")])
    with store.db() as conn:
        conn.execute("INSERT INTO docs VALUES ('hello world')")
    store.reset()
    with store.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM docs WHERE docs MATCH 'hello'").fetchone()[0] == 0
        conn.execute("INSERT INTO docs VALUES ('hello again')")
        assert conn.execute("SELECT COUNT(*) FROM docs WHERE docs MATCH 'hello'").fetchone()[0] == 1
    store.close()


def test_old_sqlite_without_table_list_finds_the_same_tables(tmp_path):
    class WithoutTableList:  # what SQLite before 3.37 answers
        def __init__(self, conn: sqlite3.Connection) -> None:
            self.conn = conn

        def execute(self, sql: str, *args):
            if "pragma_table_list" in sql:
                raise sqlite3.OperationalError("no such table: pragma_table_list")
            return self.conn.execute(sql, *args)

    conn = sqlite3.connect(str(tmp_path / "t.db"))
    conn.executescript("""
        CREATE VIRTUAL TABLE docs USING fts5(body);
        CREATE TABLE docs_archive (x);
        CREATE TABLE counters (id INTEGER PRIMARY KEY AUTOINCREMENT);
    """)
    modern = {entry for entry in _tables(conn) if entry[0] != "sqlite_schema"}
    assert modern == set(_tables(WithoutTableList(conn)))
    assert ("docs_archive", "table") in modern and ("docs_data", "shadow") in modern
    conn.close()
