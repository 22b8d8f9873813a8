"""Lambda's tables: functions, their versions and aliases, and what the functions logged."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from cloudlet.core.migrations import Migration

MIGRATIONS = (
    Migration("0001_functions", """
        CREATE TABLE lambda_functions (
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            next_version INTEGER NOT NULL DEFAULT 1,
            reserved_concurrency INTEGER,
            policy TEXT,
            tags TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY (account, region, name)
        );
        CREATE TABLE lambda_versions (
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            version TEXT NOT NULL,
            config TEXT NOT NULL,
            code_dir TEXT NOT NULL,
            PRIMARY KEY (account, region, name, version)
        );
        CREATE TABLE lambda_aliases (
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            alias TEXT NOT NULL,
            config TEXT NOT NULL,
            PRIMARY KEY (account, region, name, alias)
        );
    """),
    # Function output, in CloudWatch Logs' terms, until a Logs service reads it.
    Migration("0002_log_events", """
        CREATE TABLE lambda_log_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            log_group TEXT NOT NULL,
            log_stream TEXT NOT NULL,
            timestamp INTEGER NOT NULL,
            message TEXT NOT NULL,
            ingestion_time INTEGER NOT NULL
        );
        CREATE INDEX lambda_log_events_stream ON lambda_log_events (account, region, log_group, log_stream, timestamp);
    """),
)


@dataclass
class Function:
    account: str
    region: str
    name: str
    next_version: int
    reserved_concurrency: int | None
    policy: dict[str, Any] | None
    tags: dict[str, str]


@dataclass
class Version:
    name: str
    version: str
    config: dict[str, Any]
    code_dir: str


def find_function(conn: sqlite3.Connection, account: str, region: str, name: str) -> Function | None:
    row = conn.execute(
        "SELECT next_version, reserved_concurrency, policy, tags FROM lambda_functions"
        " WHERE account = ? AND region = ? AND name = ?", (account, region, name),
    ).fetchone()
    if row is None:
        return None
    policy = json.loads(row["policy"]) if row["policy"] else None
    return Function(account, region, name, row["next_version"], row["reserved_concurrency"], policy,
                    json.loads(row["tags"]))


def insert_function(conn: sqlite3.Connection, account: str, region: str, name: str, tags: dict[str, str]) -> None:
    conn.execute("INSERT INTO lambda_functions (account, region, name, tags) VALUES (?, ?, ?, ?)",
                 (account, region, name, json.dumps(tags)))


def update_function(conn: sqlite3.Connection, fn: Function) -> None:
    conn.execute(
        "UPDATE lambda_functions SET next_version = ?, reserved_concurrency = ?, policy = ?, tags = ?"
        " WHERE account = ? AND region = ? AND name = ?",
        (fn.next_version, fn.reserved_concurrency, json.dumps(fn.policy) if fn.policy else None,
         json.dumps(fn.tags), fn.account, fn.region, fn.name),
    )


def delete_function(conn: sqlite3.Connection, account: str, region: str, name: str) -> None:
    for table in ("lambda_functions", "lambda_versions", "lambda_aliases"):
        conn.execute(f"DELETE FROM {table} WHERE account = ? AND region = ? AND name = ?", (account, region, name))


def list_function_names(conn: sqlite3.Connection, account: str, region: str, after: str, limit: int) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM lambda_functions WHERE account = ? AND region = ? AND name > ? ORDER BY name LIMIT ?",
        (account, region, after, limit),
    ).fetchall()
    return [row[0] for row in rows]


def find_version(conn: sqlite3.Connection, account: str, region: str, name: str, version: str) -> Version | None:
    row = conn.execute(
        "SELECT config, code_dir FROM lambda_versions WHERE account = ? AND region = ? AND name = ? AND version = ?",
        (account, region, name, version),
    ).fetchone()
    return Version(name, version, json.loads(row[0]), row[1]) if row else None


def put_version(conn: sqlite3.Connection, account: str, region: str, version: Version) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO lambda_versions (account, region, name, version, config, code_dir)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (account, region, version.name, version.version, json.dumps(version.config), version.code_dir),
    )


def delete_version(conn: sqlite3.Connection, account: str, region: str, name: str, version: str) -> None:
    conn.execute("DELETE FROM lambda_versions WHERE account = ? AND region = ? AND name = ? AND version = ?",
                 (account, region, name, version))


def list_versions(conn: sqlite3.Connection, account: str, region: str, name: str) -> list[Version]:
    rows = conn.execute(
        "SELECT version, config, code_dir FROM lambda_versions WHERE account = ? AND region = ? AND name = ?",
        (account, region, name),
    ).fetchall()
    versions = [Version(name, row[0], json.loads(row[1]), row[2]) for row in rows]
    # $LATEST first, then published versions in numeric order, as AWS lists them.
    return sorted(versions, key=lambda v: -1 if v.version == "$LATEST" else int(v.version))


def code_in_use(conn: sqlite3.Connection, code_dir: str) -> bool:
    return conn.execute("SELECT 1 FROM lambda_versions WHERE code_dir = ? LIMIT 1", (code_dir,)).fetchone() is not None


def find_alias(conn: sqlite3.Connection, account: str, region: str, name: str, alias: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT config FROM lambda_aliases WHERE account = ? AND region = ? AND name = ? AND alias = ?",
        (account, region, name, alias),
    ).fetchone()
    return json.loads(row[0]) if row else None


def put_alias(conn: sqlite3.Connection, account: str, region: str, name: str, config: dict[str, Any]) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO lambda_aliases (account, region, name, alias, config) VALUES (?, ?, ?, ?, ?)",
        (account, region, name, config["Name"], json.dumps(config)),
    )


def delete_alias(conn: sqlite3.Connection, account: str, region: str, name: str, alias: str) -> None:
    conn.execute("DELETE FROM lambda_aliases WHERE account = ? AND region = ? AND name = ? AND alias = ?",
                 (account, region, name, alias))


def list_aliases(conn: sqlite3.Connection, account: str, region: str, name: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT config FROM lambda_aliases WHERE account = ? AND region = ? AND name = ? ORDER BY alias",
        (account, region, name),
    ).fetchall()
    return [json.loads(row[0]) for row in rows]


def insert_log_events(conn: sqlite3.Connection, account: str, region: str, group: str, stream: str,
                      events: list[tuple[int, str]], ingestion_time: int) -> None:
    conn.executemany(
        "INSERT INTO lambda_log_events (account, region, log_group, log_stream, timestamp, message, ingestion_time)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(account, region, group, stream, ts, message, ingestion_time) for ts, message in events],
    )


def log_events(conn: sqlite3.Connection, account: str, region: str, group: str) -> list[tuple[str, int, str]]:
    """(stream, timestamp, message) of a log group, oldest first."""
    rows = conn.execute(
        "SELECT log_stream, timestamp, message FROM lambda_log_events WHERE account = ? AND region = ?"
        " AND log_group = ? ORDER BY timestamp, id", (account, region, group),
    ).fetchall()
    return [(row[0], row[1], row[2]) for row in rows]
