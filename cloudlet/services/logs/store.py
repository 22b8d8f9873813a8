"""CloudWatch Logs' tables: log groups, their streams, and the events in them.

Events are ordered by (timestamp, id): id breaks ties in the order they were put, and both
together are the position paging tokens point at.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cloudlet.core.migrations import Migration

MIGRATIONS = (
    Migration(
        "0001_groups_streams_events",
        """
        CREATE TABLE logs_groups (
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            created INTEGER NOT NULL,
            retention_days INTEGER,
            kms_key_id TEXT,
            group_class TEXT NOT NULL DEFAULT 'STANDARD',
            deletion_protection INTEGER NOT NULL DEFAULT 0,
            tags TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY (account, region, name)
        );
        CREATE TABLE logs_streams (
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            grp TEXT NOT NULL,
            name TEXT NOT NULL,
            created INTEGER NOT NULL,
            first_event INTEGER,
            last_event INTEGER,
            last_ingestion INTEGER,
            sequence INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (account, region, grp, name)
        );
        CREATE TABLE logs_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            grp TEXT NOT NULL,
            stream TEXT NOT NULL,
            timestamp INTEGER NOT NULL,
            ingestion INTEGER NOT NULL,
            message TEXT NOT NULL
        );
        CREATE INDEX logs_events_stream ON logs_events (account, region, grp, stream, timestamp, id);
        CREATE INDEX logs_events_group ON logs_events (account, region, grp, timestamp, id);
    """,
    ),
)


@dataclass
class Group:
    account: str
    region: str
    name: str
    created: int
    retention_days: int | None = None
    kms_key_id: str | None = None
    group_class: str = "STANDARD"
    deletion_protection: bool = False
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class Stream:
    name: str
    created: int
    first_event: int | None
    last_event: int | None
    last_ingestion: int | None
    sequence: int


@dataclass
class Event:
    id: int
    stream: str
    timestamp: int
    ingestion: int
    message: str

    @property
    def key(self) -> tuple[int, int]:
        return self.timestamp, self.id


def _group(row: sqlite3.Row) -> Group:
    return Group(
        row["account"],
        row["region"],
        row["name"],
        row["created"],
        row["retention_days"],
        row["kms_key_id"],
        row["group_class"],
        bool(row["deletion_protection"]),
        json.loads(row["tags"]),
    )


def find_group(conn: sqlite3.Connection, account: str, region: str, name: str) -> Group | None:
    row = conn.execute(
        "SELECT * FROM logs_groups WHERE account = ? AND region = ? AND name = ?", (account, region, name)
    ).fetchone()
    return _group(row) if row else None


def insert_group(conn: sqlite3.Connection, group: Group) -> None:
    conn.execute(
        "INSERT INTO logs_groups (account, region, name, created, retention_days, kms_key_id, group_class,"
        " deletion_protection, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            group.account,
            group.region,
            group.name,
            group.created,
            group.retention_days,
            group.kms_key_id,
            group.group_class,
            int(group.deletion_protection),
            json.dumps(group.tags),
        ),
    )


def update_group(conn: sqlite3.Connection, group: Group) -> None:
    conn.execute(
        "UPDATE logs_groups SET retention_days = ?, tags = ? WHERE account = ? AND region = ? AND name = ?",
        (group.retention_days, json.dumps(group.tags), group.account, group.region, group.name),
    )


def delete_group(conn: sqlite3.Connection, account: str, region: str, name: str) -> None:
    for table, column in (("logs_groups", "name"), ("logs_streams", "grp"), ("logs_events", "grp")):
        conn.execute(
            f"DELETE FROM {table} WHERE account = ? AND region = ? AND {column} = ?", (account, region, name)
        )


def list_groups(conn: sqlite3.Connection, account: str, region: str, after: str) -> list[Group]:
    rows = conn.execute(
        "SELECT * FROM logs_groups WHERE account = ? AND region = ? AND name > ? ORDER BY name",
        (account, region, after),
    ).fetchall()
    return [_group(row) for row in rows]


def groups_with_retention(conn: sqlite3.Connection) -> list[Group]:
    rows = conn.execute("SELECT * FROM logs_groups WHERE retention_days IS NOT NULL").fetchall()
    return [_group(row) for row in rows]


def stored_bytes(
    conn: sqlite3.Connection, account: str, region: str, group: str, stream: str | None = None
) -> int:
    query = "SELECT COALESCE(SUM(length(CAST(message AS BLOB))), 0) FROM logs_events WHERE account = ? AND region = ?"
    query += " AND grp = ?"
    args: list[Any] = [account, region, group]
    if stream is not None:
        query += " AND stream = ?"
        args.append(stream)
    return int(conn.execute(query, args).fetchone()[0])


# -- streams -------------------------------------------------------------------------------------


def _stream(row: sqlite3.Row) -> Stream:
    return Stream(
        row["name"],
        row["created"],
        row["first_event"],
        row["last_event"],
        row["last_ingestion"],
        row["sequence"],
    )


def find_stream(conn: sqlite3.Connection, account: str, region: str, group: str, name: str) -> Stream | None:
    row = conn.execute(
        "SELECT * FROM logs_streams WHERE account = ? AND region = ? AND grp = ? AND name = ?",
        (account, region, group, name),
    ).fetchone()
    return _stream(row) if row else None


def insert_stream(
    conn: sqlite3.Connection, account: str, region: str, group: str, name: str, created: int
) -> None:
    conn.execute(
        "INSERT INTO logs_streams (account, region, grp, name, created) VALUES (?, ?, ?, ?, ?)",
        (account, region, group, name, created),
    )


def delete_stream(conn: sqlite3.Connection, account: str, region: str, group: str, name: str) -> None:
    conn.execute(
        "DELETE FROM logs_streams WHERE account = ? AND region = ? AND grp = ? AND name = ?",
        (account, region, group, name),
    )
    conn.execute(
        "DELETE FROM logs_events WHERE account = ? AND region = ? AND grp = ? AND stream = ?",
        (account, region, group, name),
    )


def list_streams(conn: sqlite3.Connection, account: str, region: str, group: str) -> list[Stream]:
    rows = conn.execute(
        "SELECT * FROM logs_streams WHERE account = ? AND region = ? AND grp = ? ORDER BY name",
        (account, region, group),
    ).fetchall()
    return [_stream(row) for row in rows]


def record_put(conn: sqlite3.Connection, account: str, region: str, group: str, stream: Stream) -> None:
    conn.execute(
        "UPDATE logs_streams SET first_event = ?, last_event = ?, last_ingestion = ?, sequence = ?"
        " WHERE account = ? AND region = ? AND grp = ? AND name = ?",
        (
            stream.first_event,
            stream.last_event,
            stream.last_ingestion,
            stream.sequence,
            account,
            region,
            group,
            stream.name,
        ),
    )


# -- events --------------------------------------------------------------------------------------


def insert_events(
    conn: sqlite3.Connection,
    account: str,
    region: str,
    group: str,
    stream: str,
    events: Iterable[tuple[int, str]],
    ingestion: int,
) -> None:
    conn.executemany(
        "INSERT INTO logs_events (account, region, grp, stream, timestamp, ingestion, message)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(account, region, group, stream, ts, ingestion, message) for ts, message in events],
    )


def scan_events(
    conn: sqlite3.Connection,
    account: str,
    region: str,
    group: str,
    *,
    streams: list[str] | None = None,
    stream_prefix: str | None = None,
    start: int | None = None,
    end: int | None = None,
    after: tuple[int, int] | None = None,
    before: tuple[int, int] | None = None,
    descending: bool = False,
    limit: int | None = None,
) -> Iterable[Event]:
    """Events of a group (or some of its streams) in (timestamp, id) order, lazily."""
    query = (
        "SELECT id, stream, timestamp, ingestion, message FROM logs_events WHERE account = ? AND region = ?"
    )
    query += " AND grp = ?"
    args: list[Any] = [account, region, group]
    if streams is not None:
        query += f" AND stream IN ({','.join('?' * len(streams))})"
        args += streams
    if stream_prefix:
        query += " AND substr(stream, 1, ?) = ?"
        args += [len(stream_prefix), stream_prefix]
    if start is not None:
        query += " AND timestamp >= ?"
        args.append(start)
    if end is not None:
        query += " AND timestamp < ?"
        args.append(end)
    if after is not None:
        query += " AND (timestamp > ? OR (timestamp = ? AND id > ?))"
        args += [after[0], after[0], after[1]]
    if before is not None:
        query += " AND (timestamp < ? OR (timestamp = ? AND id < ?))"
        args += [before[0], before[0], before[1]]
    order = "DESC" if descending else "ASC"
    query += f" ORDER BY timestamp {order}, id {order}"
    if limit is not None:
        query += " LIMIT ?"
        args.append(limit)
    for row in conn.execute(query, args):
        yield Event(row[0], row[1], row[2], row[3], row[4])


def delete_events_before(conn: sqlite3.Connection, account: str, region: str, group: str, cutoff: int) -> int:
    return conn.execute(
        "DELETE FROM logs_events WHERE account = ? AND region = ? AND grp = ? AND timestamp < ?",
        (account, region, group, cutoff),
    ).rowcount
