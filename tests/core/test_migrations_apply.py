"""Named, append-only migrations per namespace."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

import pytest

from cloudlet.core.migrations import Migration, MigrationError, applied_migrations, split_statements
from cloudlet.core.store import Store

V1 = [
    Migration("0001_tables", """
        CREATE TABLE queues (name TEXT PRIMARY KEY, created REAL);
        CREATE TABLE messages (id INTEGER PRIMARY KEY, queue TEXT NOT NULL, body TEXT);
    """),
]


def add_default_queue(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO queues VALUES ('default', 0)")


V2 = [*V1, Migration("0002_index", "CREATE INDEX messages_queue ON messages (queue)"),
      Migration("0003_default_queue", add_default_queue)]


@pytest.fixture
def store(tmp_path):
    store = Store(str(tmp_path))
    yield store
    store.close()


def history(store: Store, namespace: str) -> list[str]:
    with store.read() as conn:
        return applied_migrations(conn, namespace)


def test_applies_in_order_and_records_each(store):
    store.migrate("sqs", V1)
    assert history(store, "sqs") == ["0001_tables"]
    store.migrate("sqs", V2)
    assert history(store, "sqs") == ["0001_tables", "0002_index", "0003_default_queue"]
    with store.read() as conn:
        assert conn.execute("SELECT name FROM queues").fetchall()[0][0] == "default"
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'messages_queue'").fetchone()


def test_rerunning_is_a_no_op(store):
    store.migrate("sqs", V2)
    store.migrate("sqs", V2)  # the callable would fail on a duplicate key if it ran twice
    with store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM queues").fetchone()[0] == 1
    assert len(history(store, "sqs")) == 3


def test_namespaces_are_independent(store):
    store.migrate("sqs", V1)
    store.migrate("sns", [Migration("0001_tables", "CREATE TABLE topics (arn TEXT PRIMARY KEY)")])
    assert history(store, "sqs") == ["0001_tables"] and history(store, "sns") == ["0001_tables"]


def test_reformatting_sql_is_not_a_change(store):
    store.migrate("sqs", V1)
    reformatted = [Migration("0001_tables", " ".join(V1[0].apply.split()))]
    store.migrate("sqs", reformatted)


@pytest.mark.parametrize("later, message", [
    ([Migration("0001_tables", "CREATE TABLE queues (name TEXT PRIMARY KEY)")], "changed after it was applied"),
    ([Migration("0001_renamed", V1[0].apply)], "append-only"),
    ([V2[1], V1[0]], "append-only"),
    ([], "does not know"),
])
def test_changed_removed_or_reordered_history_is_refused(store, later, message):
    store.migrate("sqs", V1)
    with pytest.raises(MigrationError, match=message):
        store.migrate("sqs", later)


def test_a_failing_migration_is_neither_applied_nor_recorded(store):
    store.migrate("sqs", V1)
    broken = [*V1, Migration("0002_broken", "CREATE TABLE extra (x); INSERT INTO nowhere VALUES (1)")]
    with pytest.raises(sqlite3.OperationalError):
        store.migrate("sqs", broken)
    assert history(store, "sqs") == ["0001_tables"]
    with store.read() as conn:
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'extra'").fetchone() is None


def test_duplicate_names_are_refused(store):
    with pytest.raises(MigrationError, match="listed twice"):
        store.migrate("sqs", [*V1, V1[0]])


def test_statements_split_like_sqlite_reads_them():
    sql = """
        CREATE TABLE a (x TEXT);  -- a comment; with a semicolon
        INSERT INTO a VALUES ('semi;colon');
        CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM a WHERE x = ''; END;
        INSERT INTO a VALUES ('no trailing semicolon')
    """
    statements = split_statements(sql)
    assert len(statements) == 4
    assert "'semi;colon'" in statements[1] and statements[2].rstrip().endswith("END;")
    with pytest.raises(MigrationError, match="incomplete"):
        split_statements("INSERT INTO a VALUES ('unterminated")


def test_core_tables_exist_on_open(store):
    assert history(store, "core.clock") == ["0001_clock"]
    assert history(store, "core.outbox") == ["0001_outbox"]


def test_two_processes_migrating_a_fresh_directory_at_once(tmp_path):
    # Each child applies the same list; a migration that ran twice would fail (no IF NOT
    # EXISTS, and a unique key), so both succeeding proves one applied it and one waited.
    code = """
import sys, time
from cloudlet.core.migrations import Migration
from cloudlet.core.store import Store
start = float(sys.argv[2])
while time.time() < start:
    pass
store = Store(sys.argv[1])
store.migrate("race", [Migration(f"{i:04}", f"CREATE TABLE t{i} (x PRIMARY KEY); INSERT INTO t{i} VALUES (1)")
                       for i in range(20)])
"""
    start = str(time.time() + 0.8)  # after the children's imports
    processes = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path), start], stderr=subprocess.PIPE,
                                  text=True) for _ in range(3)]
    results = [(p.communicate(timeout=60)[1], p.returncode) for p in processes]
    assert all(code == 0 for _, code in results), results
    store = Store(str(tmp_path))
    assert len(history(store, "race")) == 20
    store.close()
