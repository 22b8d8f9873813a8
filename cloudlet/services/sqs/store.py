"""SQS's tables: queues, their messages, FIFO deduplication ids and message move tasks.

A message's state is two numbers: `visible_at` (clock time from which a receive may take it;
later than now while delayed or in flight) and `receive_count` (0 until first received, so an
invisible message with no receives is delayed, one with receives is in flight).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from cloudlet.core.migrations import Migration

MIGRATIONS = (
    Migration("0001_queues_messages", """
        CREATE TABLE sqs_queues (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account_id TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            arn TEXT NOT NULL UNIQUE,
            fifo INTEGER NOT NULL,
            attributes TEXT NOT NULL,
            tags TEXT NOT NULL,
            created_at REAL NOT NULL,
            modified_at REAL NOT NULL,
            purged_at REAL,
            sequence INTEGER NOT NULL DEFAULT 0,
            UNIQUE (account_id, region, name)
        );
        CREATE TABLE sqs_messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            queue_id INTEGER NOT NULL REFERENCES sqs_queues (id) ON DELETE CASCADE,
            message_id TEXT NOT NULL,
            body TEXT NOT NULL,
            body_md5 TEXT NOT NULL,
            attributes TEXT,
            system TEXT,
            group_id TEXT,
            dedup_id TEXT,
            sequence TEXT,
            sent_at REAL NOT NULL,
            visible_at REAL NOT NULL,
            receive_count INTEGER NOT NULL DEFAULT 0,
            first_received_at REAL,
            receipt TEXT
        );
        CREATE INDEX sqs_messages_visible ON sqs_messages (queue_id, visible_at, id);
        CREATE INDEX sqs_messages_sent ON sqs_messages (queue_id, sent_at);
        CREATE TABLE sqs_dedup (
            queue_id INTEGER NOT NULL REFERENCES sqs_queues (id) ON DELETE CASCADE,
            scope_key TEXT NOT NULL,
            message_id TEXT NOT NULL,
            sequence TEXT,
            expires_at REAL NOT NULL,
            PRIMARY KEY (queue_id, scope_key)
        );
        CREATE INDEX sqs_dedup_expiry ON sqs_dedup (queue_id, expires_at);
        CREATE TABLE sqs_move_tasks (
            handle TEXT PRIMARY KEY,
            source_arn TEXT NOT NULL,
            destination_arn TEXT,
            max_per_second INTEGER,
            status TEXT NOT NULL,
            moved INTEGER NOT NULL DEFAULT 0,
            to_move INTEGER NOT NULL,
            failure TEXT,
            started_at REAL NOT NULL
        );
        CREATE INDEX sqs_move_tasks_source ON sqs_move_tasks (source_arn, started_at);
    """),
    # A deleted queue's name is held for a minute; a FIFO receive with a ReceiveRequestAttemptId
    # remembers what it handed out for five, so a retried receive gets the same messages.
    Migration("0002_deleted_names_receive_attempts", """
        CREATE TABLE sqs_deleted_names (
            account_id TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            deleted_at REAL NOT NULL,
            PRIMARY KEY (account_id, region, name)
        );
        CREATE TABLE sqs_receive_attempts (
            queue_id INTEGER NOT NULL REFERENCES sqs_queues (id) ON DELETE CASCADE,
            attempt_id TEXT NOT NULL,
            received TEXT NOT NULL,
            expires_at REAL NOT NULL,
            PRIMARY KEY (queue_id, attempt_id)
        );
    """),
)

_dumps = json.JSONEncoder(separators=(",", ":")).encode


@dataclass
class Queue:
    id: int
    account_id: str
    region: str
    name: str
    arn: str
    fifo: bool
    attributes: dict[str, str]
    tags: dict[str, str]
    created_at: float
    modified_at: float
    purged_at: float | None
    sequence: int

    @property
    def visibility_timeout(self) -> int:
        return int(self.attributes["VisibilityTimeout"])

    def int_attribute(self, name: str) -> int:
        return int(self.attributes[name])

    def redrive_policy(self) -> dict[str, Any] | None:
        text = self.attributes.get("RedrivePolicy")
        return json.loads(text) if text else None


@dataclass
class Message:
    id: int
    queue_id: int
    message_id: str
    body: str
    body_md5: str
    attributes: dict[str, dict[str, Any]]
    system: dict[str, str]
    group_id: str | None
    dedup_id: str | None
    sequence: str | None
    sent_at: float
    visible_at: float
    receive_count: int
    first_received_at: float | None
    receipt: str | None


@dataclass
class NewMessage:
    message_id: str
    body: str
    body_md5: str
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    system: dict[str, str] = field(default_factory=dict)
    group_id: str | None = None
    dedup_id: str | None = None
    sequence: str | None = None
    sent_at: float = 0.0
    visible_at: float = 0.0


_QUEUE_COLUMNS = ("id, account_id, region, name, arn, fifo, attributes, tags, created_at, modified_at,"
                  " purged_at, sequence")
_MESSAGE_COLUMNS = ("id, queue_id, message_id, body, body_md5, attributes, system, group_id, dedup_id,"
                    " sequence, sent_at, visible_at, receive_count, first_received_at, receipt")


def _queue(row: sqlite3.Row | None) -> Queue | None:
    if row is None:
        return None
    return Queue(row[0], row[1], row[2], row[3], row[4], bool(row[5]), json.loads(row[6]), json.loads(row[7]),
                 row[8], row[9], row[10], row[11])


def _message(row: sqlite3.Row) -> Message:
    return Message(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]) if row[5] else {},
                   json.loads(row[6]) if row[6] else {}, *row[7:])


# -- queues ------------------------------------------------------------------------------------


def find_queue(conn: sqlite3.Connection, account_id: str, region: str, name: str) -> Queue | None:
    return _queue(conn.execute(
        f"SELECT {_QUEUE_COLUMNS} FROM sqs_queues WHERE account_id = ? AND region = ? AND name = ?",
        (account_id, region, name)).fetchone())


def find_queue_by_arn(conn: sqlite3.Connection, arn: str) -> Queue | None:
    return _queue(conn.execute(f"SELECT {_QUEUE_COLUMNS} FROM sqs_queues WHERE arn = ?", (arn,)).fetchone())


def find_queue_by_id(conn: sqlite3.Connection, queue_id: int) -> Queue | None:
    return _queue(conn.execute(f"SELECT {_QUEUE_COLUMNS} FROM sqs_queues WHERE id = ?", (queue_id,)).fetchone())


def insert_queue(conn: sqlite3.Connection, account_id: str, region: str, name: str, arn: str, fifo: bool,
                 attributes: dict[str, str], tags: dict[str, str], now: float) -> Queue:
    cursor = conn.execute(
        "INSERT INTO sqs_queues (account_id, region, name, arn, fifo, attributes, tags, created_at, modified_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (account_id, region, name, arn, int(fifo), _dumps(attributes), _dumps(tags), now, now))
    assert cursor.lastrowid is not None
    return Queue(cursor.lastrowid, account_id, region, name, arn, fifo, attributes, tags, now, now, None, 0)


def list_queue_names(conn: sqlite3.Connection, account_id: str, region: str, prefix: str, after: str,
                     limit: int) -> list[str]:
    # Names sort bytewise (SQLite's default), so a prefix is a range; `after` resumes a page.
    rows = conn.execute(
        "SELECT name FROM sqs_queues WHERE account_id = ? AND region = ? AND name >= ? AND name > ?"
        " AND substr(name, 1, ?) = ? ORDER BY name LIMIT ?",
        (account_id, region, prefix, after, len(prefix), prefix, limit)).fetchall()
    return [row[0] for row in rows]


def update_attributes(conn: sqlite3.Connection, queue: Queue, attributes: dict[str, str], now: float) -> None:
    conn.execute("UPDATE sqs_queues SET attributes = ?, modified_at = ? WHERE id = ?",
                 (_dumps(attributes), now, queue.id))


def update_tags(conn: sqlite3.Connection, queue: Queue, tags: dict[str, str]) -> None:
    conn.execute("UPDATE sqs_queues SET tags = ? WHERE id = ?", (_dumps(tags), queue.id))


def delete_queue(conn: sqlite3.Connection, queue: Queue, now: float) -> None:
    conn.execute("DELETE FROM sqs_queues WHERE id = ?", (queue.id,))
    conn.execute("INSERT OR REPLACE INTO sqs_deleted_names VALUES (?, ?, ?, ?)",
                 (queue.account_id, queue.region, queue.name, now))


def deleted_since(conn: sqlite3.Connection, account_id: str, region: str, name: str, since: float) -> bool:
    """Whether a queue of this name was deleted after `since`; forgets older deletions of the account."""
    conn.execute("DELETE FROM sqs_deleted_names WHERE account_id = ? AND region = ? AND deleted_at <= ?",
                 (account_id, region, since))
    return conn.execute("SELECT 1 FROM sqs_deleted_names WHERE account_id = ? AND region = ? AND name = ?",
                        (account_id, region, name)).fetchone() is not None


def purge_queue(conn: sqlite3.Connection, queue: Queue, now: float) -> None:
    conn.execute("DELETE FROM sqs_messages WHERE queue_id = ?", (queue.id,))
    conn.execute("UPDATE sqs_queues SET purged_at = ? WHERE id = ?", (now, queue.id))


def next_sequence(conn: sqlite3.Connection, queue: Queue) -> int:
    row = conn.execute("UPDATE sqs_queues SET sequence = sequence + 1 WHERE id = ? RETURNING sequence",
                       (queue.id,)).fetchone()
    return row[0]


def queues_with_dead_letter_target(conn: sqlite3.Connection, account_id: str, region: str,
                                   target_arn: str) -> list[Queue]:
    rows = conn.execute(
        f"SELECT {_QUEUE_COLUMNS} FROM sqs_queues WHERE account_id = ? AND region = ?"
        " AND json_extract(attributes, '$.RedrivePolicy') LIKE ? ORDER BY name",
        (account_id, region, f"%{target_arn}%")).fetchall()
    queues = [_queue(row) for row in rows]
    return [q for q in queues if q is not None and (q.redrive_policy() or {}).get("deadLetterTargetArn") == target_arn]


def message_counts(conn: sqlite3.Connection, queue_id: int, now: float, sent_after: float) -> tuple[int, int, int]:
    """(visible, in flight, delayed), not counting messages past their retention."""
    row = conn.execute(
        "SELECT COALESCE(SUM(visible_at <= ?), 0), COALESCE(SUM(visible_at > ? AND receive_count > 0), 0),"
        " COALESCE(SUM(visible_at > ? AND receive_count = 0), 0) FROM sqs_messages"
        " WHERE queue_id = ? AND sent_at > ?",
        (now, now, now, queue_id, sent_after)).fetchone()
    return row[0], row[1], row[2]


# -- messages ----------------------------------------------------------------------------------


def insert_message(conn: sqlite3.Connection, queue_id: int, message: NewMessage) -> int:
    cursor = conn.execute(
        "INSERT INTO sqs_messages (queue_id, message_id, body, body_md5, attributes, system, group_id, dedup_id,"
        " sequence, sent_at, visible_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (queue_id, message.message_id, message.body, message.body_md5,
         _dumps(message.attributes) if message.attributes else None,
         _dumps(message.system) if message.system else None, message.group_id, message.dedup_id,
         message.sequence, message.sent_at, message.visible_at))
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def expire_messages(conn: sqlite3.Connection, queue_id: int, sent_before: float) -> None:
    conn.execute("DELETE FROM sqs_messages WHERE queue_id = ? AND sent_at <= ?", (queue_id, sent_before))


def visible_messages(conn: sqlite3.Connection, queue_id: int, now: float, limit: int) -> list[Message]:
    rows = conn.execute(
        f"SELECT {_MESSAGE_COLUMNS} FROM sqs_messages WHERE queue_id = ? AND visible_at <= ?"
        " ORDER BY visible_at, id LIMIT ?", (queue_id, now, limit)).fetchall()
    return [_message(row) for row in rows]


def visible_messages_in_order(conn: sqlite3.Connection, queue_id: int, now: float, limit: int,
                              skip_groups: set[str]) -> list[Message]:
    """FIFO: the oldest visible messages (send order) outside the groups in `skip_groups`."""
    marks = ", ".join("?" * len(skip_groups))
    rows = conn.execute(
        f"SELECT {_MESSAGE_COLUMNS} FROM sqs_messages WHERE queue_id = ? AND visible_at <= ?"
        f" AND group_id NOT IN ({marks}) ORDER BY id LIMIT ?",
        (queue_id, now, *skip_groups, limit)).fetchall()
    return [_message(row) for row in rows]


def groups_in_flight(conn: sqlite3.Connection, queue_id: int, now: float) -> set[str]:
    rows = conn.execute(
        "SELECT DISTINCT group_id FROM sqs_messages WHERE queue_id = ? AND visible_at > ? AND receive_count > 0",
        (queue_id, now)).fetchall()
    return {row[0] for row in rows}


def has_visible(conn: sqlite3.Connection, queue_id: int, now: float) -> bool:
    return conn.execute("SELECT 1 FROM sqs_messages WHERE queue_id = ? AND visible_at <= ? LIMIT 1",
                        (queue_id, now)).fetchone() is not None


def next_visible_at(conn: sqlite3.Connection, queue_id: int, now: float) -> float | None:
    row = conn.execute("SELECT MIN(visible_at) FROM sqs_messages WHERE queue_id = ? AND visible_at > ?",
                       (queue_id, now)).fetchone()
    return row[0]


def mark_received(conn: sqlite3.Connection, message: Message, receipt: str, visible_at: float, now: float) -> None:
    message.receive_count += 1
    message.first_received_at = message.first_received_at or now
    message.receipt, message.visible_at = receipt, visible_at
    conn.execute(
        "UPDATE sqs_messages SET receive_count = ?, first_received_at = ?, receipt = ?, visible_at = ? WHERE id = ?",
        (message.receive_count, message.first_received_at, receipt, visible_at, message.id))


def find_message(conn: sqlite3.Connection, queue_id: int, row_id: int) -> Message | None:
    row = conn.execute(f"SELECT {_MESSAGE_COLUMNS} FROM sqs_messages WHERE id = ? AND queue_id = ?",
                       (row_id, queue_id)).fetchone()
    return _message(row) if row else None


def delete_message(conn: sqlite3.Connection, row_id: int) -> None:
    conn.execute("DELETE FROM sqs_messages WHERE id = ?", (row_id,))


def set_visible_at(conn: sqlite3.Connection, row_id: int, visible_at: float) -> None:
    conn.execute("UPDATE sqs_messages SET visible_at = ? WHERE id = ?", (visible_at, row_id))


def move_message(conn: sqlite3.Connection, message: Message, target: Queue, system: dict[str, str],
                 visible_at: float, sequence: str | None) -> None:
    """Moves a message to another queue as it is (id, body, attributes, sent time), unreceived."""
    conn.execute(
        "UPDATE sqs_messages SET queue_id = ?, system = ?, visible_at = ?, receive_count = 0,"
        " first_received_at = NULL, receipt = NULL, sequence = ? WHERE id = ?",
        (target.id, _dumps(system) if system else None, visible_at, sequence, message.id))


# -- FIFO deduplication ------------------------------------------------------------------------


def find_duplicate(conn: sqlite3.Connection, queue_id: int, scope_key: str, now: float) -> tuple[str, str] | None:
    row = conn.execute(
        "SELECT message_id, sequence FROM sqs_dedup WHERE queue_id = ? AND scope_key = ? AND expires_at > ?",
        (queue_id, scope_key, now)).fetchone()
    return (row[0], row[1]) if row else None


def remember_dedup(conn: sqlite3.Connection, queue_id: int, scope_key: str, message_id: str, sequence: str | None,
                   expires_at: float) -> None:
    conn.execute("INSERT OR REPLACE INTO sqs_dedup VALUES (?, ?, ?, ?, ?)",
                 (queue_id, scope_key, message_id, sequence, expires_at))


def forget_expired_dedup(conn: sqlite3.Connection, queue_id: int, now: float) -> None:
    conn.execute("DELETE FROM sqs_dedup WHERE queue_id = ? AND expires_at <= ?", (queue_id, now))


# -- FIFO receive attempts --------------------------------------------------------------------


def find_receive_attempt(conn: sqlite3.Connection, queue_id: int, attempt_id: str,
                         now: float) -> tuple[list[tuple[int, str, float]], float] | None:
    """([(message row, receipt token, visible_at)], expires_at) of an earlier receive with this id."""
    conn.execute("DELETE FROM sqs_receive_attempts WHERE queue_id = ? AND expires_at <= ?", (queue_id, now))
    row = conn.execute("SELECT received, expires_at FROM sqs_receive_attempts WHERE queue_id = ? AND attempt_id = ?",
                       (queue_id, attempt_id)).fetchone()
    return ([(item[0], item[1], item[2]) for item in json.loads(row[0])], row[1]) if row else None


def remember_receive_attempt(conn: sqlite3.Connection, queue_id: int, attempt_id: str,
                             received: list[tuple[int, str, float]], expires_at: float) -> None:
    conn.execute("INSERT OR REPLACE INTO sqs_receive_attempts VALUES (?, ?, ?, ?)",
                 (queue_id, attempt_id, _dumps(received), expires_at))


def forget_receive_attempt(conn: sqlite3.Connection, queue_id: int, attempt_id: str) -> None:
    conn.execute("DELETE FROM sqs_receive_attempts WHERE queue_id = ? AND attempt_id = ?", (queue_id, attempt_id))


def messages_by_rows(conn: sqlite3.Connection, queue_id: int, rows: list[int]) -> dict[int, Message]:
    marks = ", ".join("?" * len(rows))
    found = conn.execute(f"SELECT {_MESSAGE_COLUMNS} FROM sqs_messages WHERE queue_id = ? AND id IN ({marks})",
                         (queue_id, *rows)).fetchall()
    return {message.id: message for message in map(_message, found)}


# -- message move tasks ------------------------------------------------------------------------


@dataclass
class MoveTask:
    handle: str
    source_arn: str
    destination_arn: str | None
    max_per_second: int | None
    status: str
    moved: int
    to_move: int
    failure: str | None
    started_at: float


def insert_move_task(conn: sqlite3.Connection, task: MoveTask) -> None:
    conn.execute("INSERT INTO sqs_move_tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (task.handle, task.source_arn, task.destination_arn, task.max_per_second, task.status,
                  task.moved, task.to_move, task.failure, task.started_at))


def find_move_task(conn: sqlite3.Connection, handle: str) -> MoveTask | None:
    row = conn.execute("SELECT * FROM sqs_move_tasks WHERE handle = ?", (handle,)).fetchone()
    return MoveTask(*row) if row else None


def move_tasks(conn: sqlite3.Connection, source_arn: str, limit: int) -> list[MoveTask]:
    rows = conn.execute("SELECT * FROM sqs_move_tasks WHERE source_arn = ? ORDER BY started_at DESC LIMIT ?",
                        (source_arn, limit)).fetchall()
    return [MoveTask(*row) for row in rows]


def running_move_tasks(conn: sqlite3.Connection) -> list[MoveTask]:
    rows = conn.execute("SELECT * FROM sqs_move_tasks WHERE status = 'RUNNING'").fetchall()
    return [MoveTask(*row) for row in rows]


def update_move_task(conn: sqlite3.Connection, handle: str, *, status: str | None = None, moved: int = 0,
                     failure: str | None = None) -> None:
    conn.execute("UPDATE sqs_move_tasks SET status = COALESCE(?, status), moved = moved + ?,"
                 " failure = COALESCE(?, failure) WHERE handle = ?", (status, moved, failure, handle))
