"""SNS's tables: topics, their tags, subscriptions, FIFO deduplication and the signing key."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from cloudlet.core.migrations import Migration

MIGRATIONS = (
    Migration("0001_topics_subscriptions", """
        CREATE TABLE sns_topics (
            arn TEXT PRIMARY KEY,
            account_id TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            fifo INTEGER NOT NULL,
            attributes TEXT NOT NULL,
            sequence INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL
        );
        CREATE INDEX sns_topics_scope ON sns_topics (account_id, region, arn);
        CREATE TABLE sns_tags (
            arn TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (arn, key)
        );
        CREATE TABLE sns_subscriptions (
            arn TEXT PRIMARY KEY,
            topic_arn TEXT NOT NULL,
            account_id TEXT NOT NULL,
            region TEXT NOT NULL,
            owner TEXT NOT NULL,
            protocol TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            attributes TEXT NOT NULL,
            pending INTEGER NOT NULL,
            token TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE INDEX sns_subscriptions_topic ON sns_subscriptions (topic_arn, arn);
        CREATE INDEX sns_subscriptions_scope ON sns_subscriptions (account_id, region, arn);
        CREATE INDEX sns_subscriptions_token ON sns_subscriptions (token);
        CREATE TABLE sns_dedup (
            topic_arn TEXT NOT NULL,
            dedup_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            sequence TEXT NOT NULL,
            expires_at REAL NOT NULL,
            PRIMARY KEY (topic_arn, dedup_id)
        );
        CREATE TABLE sns_signing (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            key_pem TEXT NOT NULL,
            cert_pem TEXT NOT NULL,
            cert_name TEXT NOT NULL
        );
    """),
)

_dumps = json.JSONEncoder(separators=(",", ":")).encode


@dataclass
class Topic:
    arn: str
    account_id: str
    region: str
    name: str
    fifo: bool
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Subscription:
    arn: str
    topic_arn: str
    account_id: str
    region: str
    owner: str
    protocol: str
    endpoint: str
    attributes: dict[str, str]
    pending: bool
    token: str


# -- topics --------------------------------------------------------------------------------------

def _topic(row: sqlite3.Row) -> Topic:
    return Topic(row["arn"], row["account_id"], row["region"], row["name"], bool(row["fifo"]),
                 json.loads(row["attributes"]))


def find_topic(conn: sqlite3.Connection, arn: str) -> Topic | None:
    row = conn.execute("SELECT * FROM sns_topics WHERE arn = ?", (arn,)).fetchone()
    return _topic(row) if row else None


def insert_topic(conn: sqlite3.Connection, topic: Topic, now: float) -> None:
    conn.execute(
        "INSERT INTO sns_topics (arn, account_id, region, name, fifo, attributes, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (topic.arn, topic.account_id, topic.region, topic.name, int(topic.fifo), _dumps(topic.attributes), now),
    )


def update_topic_attributes(conn: sqlite3.Connection, topic: Topic) -> None:
    conn.execute("UPDATE sns_topics SET attributes = ? WHERE arn = ?", (_dumps(topic.attributes), topic.arn))


def delete_topic(conn: sqlite3.Connection, arn: str) -> None:
    conn.execute("DELETE FROM sns_topics WHERE arn = ?", (arn,))
    conn.execute("DELETE FROM sns_tags WHERE arn = ?", (arn,))
    conn.execute("DELETE FROM sns_dedup WHERE topic_arn = ?", (arn,))
    conn.execute("DELETE FROM sns_subscriptions WHERE topic_arn = ?", (arn,))


def list_topics(conn: sqlite3.Connection, account_id: str, region: str, after: str, limit: int) -> list[str]:
    rows = conn.execute(
        "SELECT arn FROM sns_topics WHERE account_id = ? AND region = ? AND arn > ? ORDER BY arn LIMIT ?",
        (account_id, region, after, limit),
    ).fetchall()
    return [row[0] for row in rows]


def has_topics(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sns_topics LIMIT 1").fetchone() is not None


def next_sequence(conn: sqlite3.Connection, arn: str) -> int:
    return conn.execute("UPDATE sns_topics SET sequence = sequence + 1 WHERE arn = ? RETURNING sequence",
                        (arn,)).fetchone()[0]


def subscription_counts(conn: sqlite3.Connection, topic_arn: str) -> tuple[int, int]:
    """(confirmed, pending) subscriptions of a topic."""
    row = conn.execute("SELECT COUNT(*) - COALESCE(SUM(pending), 0), COALESCE(SUM(pending), 0)"
                       " FROM sns_subscriptions WHERE topic_arn = ?", (topic_arn,)).fetchone()
    return row[0], row[1]


# -- tags ----------------------------------------------------------------------------------------

def tags(conn: sqlite3.Connection, arn: str) -> dict[str, str]:
    rows = conn.execute("SELECT key, value FROM sns_tags WHERE arn = ? ORDER BY key", (arn,)).fetchall()
    return {row[0]: row[1] for row in rows}


def put_tags(conn: sqlite3.Connection, arn: str, values: dict[str, str]) -> None:
    conn.executemany("INSERT INTO sns_tags (arn, key, value) VALUES (?, ?, ?)"
                     " ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value",
                     [(arn, key, value) for key, value in values.items()])


def delete_tags(conn: sqlite3.Connection, arn: str, keys: list[str]) -> None:
    conn.executemany("DELETE FROM sns_tags WHERE arn = ? AND key = ?", [(arn, key) for key in keys])


# -- subscriptions -------------------------------------------------------------------------------

def _subscription(row: sqlite3.Row) -> Subscription:
    return Subscription(row["arn"], row["topic_arn"], row["account_id"], row["region"], row["owner"],
                        row["protocol"], row["endpoint"], json.loads(row["attributes"]), bool(row["pending"]),
                        row["token"])


def insert_subscription(conn: sqlite3.Connection, sub: Subscription, now: float) -> None:
    conn.execute(
        "INSERT INTO sns_subscriptions (arn, topic_arn, account_id, region, owner, protocol, endpoint,"
        " attributes, pending, token, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (sub.arn, sub.topic_arn, sub.account_id, sub.region, sub.owner, sub.protocol, sub.endpoint,
         _dumps(sub.attributes), int(sub.pending), sub.token, now),
    )


def find_subscription(conn: sqlite3.Connection, arn: str) -> Subscription | None:
    row = conn.execute("SELECT * FROM sns_subscriptions WHERE arn = ?", (arn,)).fetchone()
    return _subscription(row) if row else None


def find_by_endpoint(conn: sqlite3.Connection, topic_arn: str, protocol: str, endpoint: str) -> Subscription | None:
    row = conn.execute("SELECT * FROM sns_subscriptions WHERE topic_arn = ? AND protocol = ? AND endpoint = ?",
                       (topic_arn, protocol, endpoint)).fetchone()
    return _subscription(row) if row else None


def find_by_token(conn: sqlite3.Connection, topic_arn: str, token: str) -> Subscription | None:
    row = conn.execute("SELECT * FROM sns_subscriptions WHERE token = ? AND topic_arn = ?",
                       (token, topic_arn)).fetchone()
    return _subscription(row) if row else None


def topic_subscriptions(conn: sqlite3.Connection, topic_arn: str) -> list[Subscription]:
    rows = conn.execute("SELECT * FROM sns_subscriptions WHERE topic_arn = ? AND pending = 0",
                        (topic_arn,)).fetchall()
    return [_subscription(row) for row in rows]


def list_subscriptions(conn: sqlite3.Connection, account_id: str, region: str, topic_arn: str | None,
                       after: str, limit: int) -> list[Subscription]:
    if topic_arn is None:
        rows = conn.execute("SELECT * FROM sns_subscriptions WHERE account_id = ? AND region = ? AND arn > ?"
                            " ORDER BY arn LIMIT ?", (account_id, region, after, limit)).fetchall()
    else:
        rows = conn.execute("SELECT * FROM sns_subscriptions WHERE topic_arn = ? AND arn > ? ORDER BY arn LIMIT ?",
                            (topic_arn, after, limit)).fetchall()
    return [_subscription(row) for row in rows]


def update_subscription(conn: sqlite3.Connection, sub: Subscription) -> None:
    conn.execute("UPDATE sns_subscriptions SET attributes = ?, pending = ? WHERE arn = ?",
                 (_dumps(sub.attributes), int(sub.pending), sub.arn))


def delete_subscription(conn: sqlite3.Connection, arn: str) -> None:
    conn.execute("DELETE FROM sns_subscriptions WHERE arn = ?", (arn,))


# -- FIFO deduplication --------------------------------------------------------------------------

def find_duplicate(conn: sqlite3.Connection, topic_arn: str, dedup_id: str, now: float) -> tuple[str, str] | None:
    row = conn.execute("SELECT message_id, sequence FROM sns_dedup WHERE topic_arn = ? AND dedup_id = ?"
                       " AND expires_at > ?", (topic_arn, dedup_id, now)).fetchone()
    return (row[0], row[1]) if row else None


def remember_dedup(conn: sqlite3.Connection, topic_arn: str, dedup_id: str, message_id: str, sequence: str,
                   expires_at: float) -> None:
    conn.execute("INSERT INTO sns_dedup VALUES (?, ?, ?, ?, ?) ON CONFLICT (topic_arn, dedup_id) DO UPDATE"
                 " SET message_id = excluded.message_id, sequence = excluded.sequence,"
                 " expires_at = excluded.expires_at", (topic_arn, dedup_id, message_id, sequence, expires_at))


# -- signing key ---------------------------------------------------------------------------------

def signing_key(conn: sqlite3.Connection) -> tuple[str, str, str] | None:
    row = conn.execute("SELECT key_pem, cert_pem, cert_name FROM sns_signing WHERE id = 1").fetchone()
    return (row[0], row[1], row[2]) if row else None


def save_signing_key(conn: sqlite3.Connection, key_pem: str, cert_pem: str, cert_name: str) -> None:
    # A second process generating at the same moment keeps the first one's key.
    conn.execute("INSERT OR IGNORE INTO sns_signing VALUES (1, ?, ?, ?)", (key_pem, cert_pem, cert_name))


def json_attributes(values: Any) -> str:
    return _dumps(values)
