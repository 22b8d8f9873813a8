"""STS's tables: the temporary credentials it has issued."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from cloudlet.core.migrations import Migration

MIGRATIONS = (
    Migration("0001_sessions", """
        CREATE TABLE sts_sessions (
            access_key TEXT PRIMARY KEY,
            secret_key TEXT NOT NULL,
            session_token TEXT NOT NULL,
            account_id TEXT NOT NULL,
            arn TEXT NOT NULL,
            user_id TEXT NOT NULL,
            expires_at REAL NOT NULL
        )
    """),
)


@dataclass(frozen=True)
class Session:
    access_key: str
    secret_key: str
    session_token: str
    account_id: str
    arn: str
    user_id: str
    expires_at: float


def insert_session(conn: sqlite3.Connection, session: Session) -> None:
    conn.execute(
        "INSERT INTO sts_sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
        (session.access_key, session.secret_key, session.session_token, session.account_id,
         session.arn, session.user_id, session.expires_at),
    )


def find_session(conn: sqlite3.Connection, access_key: str) -> Session | None:
    row = conn.execute(
        "SELECT access_key, secret_key, session_token, account_id, arn, user_id, expires_at"
        " FROM sts_sessions WHERE access_key = ?", (access_key,),
    ).fetchone()
    return Session(*row) if row else None


def delete_expired(conn: sqlite3.Connection, now: float) -> None:
    conn.execute("DELETE FROM sts_sessions WHERE expires_at < ?", (now,))
