"""SES's tables, shared by its two APIs (v1 and v2 see the same identities, templates and mail)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from cloudlet.core.migrations import Migration

NAMESPACE = "mail"
NOT_SES = "sns"  # the `api` of mail SNS's email protocols send: in the mailbox, not in SES's counts

MIGRATIONS = (
    Migration("0001_identities_templates_messages", """
        CREATE TABLE mail_identities (
            account_id TEXT NOT NULL,
            region TEXT NOT NULL,
            identity TEXT NOT NULL,
            kind TEXT NOT NULL,
            token TEXT NOT NULL,
            attributes TEXT NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (account_id, region, identity)
        );
        CREATE TABLE mail_templates (
            account_id TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            subject TEXT,
            text TEXT,
            html TEXT,
            created_at REAL NOT NULL,
            PRIMARY KEY (account_id, region, name)
        );
        CREATE TABLE mail_messages (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id TEXT NOT NULL UNIQUE,
            account_id TEXT NOT NULL,
            region TEXT NOT NULL,
            api TEXT NOT NULL,
            source TEXT NOT NULL,
            recipients TEXT NOT NULL,
            subject TEXT,
            raw BLOB NOT NULL,
            created_at REAL NOT NULL,
            relayed_at REAL
        );
        CREATE INDEX mail_messages_scope ON mail_messages (account_id, region, created_at);
        CREATE TABLE mail_configuration_sets (
            account_id TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (account_id, region, name)
        );
    """),
)


@dataclass
class Identity:
    identity: str
    kind: str  # "EmailAddress" | "Domain"
    token: str
    attributes: dict[str, Any]
    created_at: float


@dataclass
class Template:
    name: str
    subject: str | None
    text: str | None
    html: str | None
    created_at: float


@dataclass
class Message:
    message_id: str
    api: str
    source: str
    recipients: list[str]
    subject: str | None
    raw: bytes
    created_at: float
    relayed_at: float | None


# -- identities ----------------------------------------------------------------------------------

def put_identity(conn: sqlite3.Connection, account_id: str, region: str, identity: Identity) -> None:
    conn.execute("INSERT OR IGNORE INTO mail_identities VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (account_id, region, identity.identity, identity.kind, identity.token,
                  json.dumps(identity.attributes), identity.created_at))


def find_identity(conn: sqlite3.Connection, account_id: str, region: str, name: str) -> Identity | None:
    row = conn.execute("SELECT identity, kind, token, attributes, created_at FROM mail_identities"
                       " WHERE account_id = ? AND region = ? AND identity = ?", (account_id, region, name)).fetchone()
    return Identity(row[0], row[1], row[2], json.loads(row[3]), row[4]) if row else None


def list_identities(conn: sqlite3.Connection, account_id: str, region: str, kind: str | None,
                    after: str, limit: int) -> list[Identity]:
    query = ("SELECT identity, kind, token, attributes, created_at FROM mail_identities"
             " WHERE account_id = ? AND region = ? AND identity > ?")
    args: list[Any] = [account_id, region, after]
    if kind:
        query += " AND kind = ?"
        args.append(kind)
    rows = conn.execute(query + " ORDER BY identity LIMIT ?", (*args, limit)).fetchall()
    return [Identity(row[0], row[1], row[2], json.loads(row[3]), row[4]) for row in rows]


def update_identity(conn: sqlite3.Connection, account_id: str, region: str, identity: Identity) -> None:
    conn.execute("UPDATE mail_identities SET attributes = ? WHERE account_id = ? AND region = ? AND identity = ?",
                 (json.dumps(identity.attributes), account_id, region, identity.identity))


def delete_identity(conn: sqlite3.Connection, account_id: str, region: str, name: str) -> bool:
    return conn.execute("DELETE FROM mail_identities WHERE account_id = ? AND region = ? AND identity = ?",
                        (account_id, region, name)).rowcount > 0


# -- templates -----------------------------------------------------------------------------------

def find_template(conn: sqlite3.Connection, account_id: str, region: str, name: str) -> Template | None:
    row = conn.execute("SELECT name, subject, text, html, created_at FROM mail_templates"
                       " WHERE account_id = ? AND region = ? AND name = ?", (account_id, region, name)).fetchone()
    return Template(*row) if row else None


def put_template(conn: sqlite3.Connection, account_id: str, region: str, template: Template) -> None:
    conn.execute("INSERT INTO mail_templates VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, region, name)"
                 " DO UPDATE SET subject = excluded.subject, text = excluded.text, html = excluded.html",
                 (account_id, region, template.name, template.subject, template.text, template.html,
                  template.created_at))


def delete_template(conn: sqlite3.Connection, account_id: str, region: str, name: str) -> bool:
    return conn.execute("DELETE FROM mail_templates WHERE account_id = ? AND region = ? AND name = ?",
                        (account_id, region, name)).rowcount > 0


def list_templates(conn: sqlite3.Connection, account_id: str, region: str, after: str,
                   limit: int) -> list[Template]:
    rows = conn.execute("SELECT name, subject, text, html, created_at FROM mail_templates"
                        " WHERE account_id = ? AND region = ? AND name > ? ORDER BY name LIMIT ?",
                        (account_id, region, after, limit)).fetchall()
    return [Template(*row) for row in rows]


# -- configuration sets --------------------------------------------------------------------------

def put_configuration_set(conn: sqlite3.Connection, account_id: str, region: str, name: str, now: float) -> bool:
    return conn.execute("INSERT OR IGNORE INTO mail_configuration_sets VALUES (?, ?, ?, ?)",
                        (account_id, region, name, now)).rowcount > 0


def configuration_set_exists(conn: sqlite3.Connection, account_id: str, region: str, name: str) -> bool:
    return conn.execute("SELECT 1 FROM mail_configuration_sets WHERE account_id = ? AND region = ? AND name = ?",
                        (account_id, region, name)).fetchone() is not None


def delete_configuration_set(conn: sqlite3.Connection, account_id: str, region: str, name: str) -> bool:
    return conn.execute("DELETE FROM mail_configuration_sets WHERE account_id = ? AND region = ? AND name = ?",
                        (account_id, region, name)).rowcount > 0


def list_configuration_sets(conn: sqlite3.Connection, account_id: str, region: str) -> list[str]:
    rows = conn.execute("SELECT name FROM mail_configuration_sets WHERE account_id = ? AND region = ?"
                        " ORDER BY name", (account_id, region)).fetchall()
    return [row[0] for row in rows]


# -- the mailbox ---------------------------------------------------------------------------------

def insert_message(conn: sqlite3.Connection, account_id: str, region: str, message: Message) -> None:
    conn.execute(
        "INSERT INTO mail_messages (message_id, account_id, region, api, source, recipients, subject, raw,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (message.message_id, account_id, region, message.api, message.source, json.dumps(message.recipients),
         message.subject, message.raw, message.created_at),
    )


def _message(row: sqlite3.Row) -> Message:
    return Message(row["message_id"], row["api"], row["source"], json.loads(row["recipients"]), row["subject"],
                   bytes(row["raw"]), row["created_at"], row["relayed_at"])


def find_message(conn: sqlite3.Connection, message_id: str) -> Message | None:
    row = conn.execute("SELECT * FROM mail_messages WHERE message_id = ?", (message_id,)).fetchone()
    return _message(row) if row else None


def mark_relayed(conn: sqlite3.Connection, message_id: str, now: float) -> None:
    conn.execute("UPDATE mail_messages SET relayed_at = ? WHERE message_id = ?", (now, message_id))


def list_messages(conn: sqlite3.Connection, account_id: str | None, region: str | None,
                  limit: int) -> list[tuple[str, str, Message]]:
    """(account, region, message), newest first."""
    query, args = "SELECT * FROM mail_messages", []
    if account_id is not None:
        query += " WHERE account_id = ?"
        args.append(account_id)
        if region is not None:
            query += " AND region = ?"
            args.append(region)
    rows = conn.execute(query + " ORDER BY seq DESC LIMIT ?", (*args, limit)).fetchall()
    return [(row["account_id"], row["region"], _message(row)) for row in rows]


def sent_since(conn: sqlite3.Connection, account_id: str, region: str, since: float) -> int:
    return conn.execute("SELECT COUNT(*) FROM mail_messages WHERE account_id = ? AND region = ? AND created_at >= ?"
                        f" AND api != '{NOT_SES}'", (account_id, region, since)).fetchone()[0]


def attempts_by_bucket(conn: sqlite3.Connection, account_id: str, region: str, since: float,
                       bucket: int) -> list[tuple[float, int]]:
    rows = conn.execute(
        "SELECT CAST(created_at / ? AS INTEGER) * ?, COUNT(*) FROM mail_messages"
        f" WHERE account_id = ? AND region = ? AND created_at >= ? AND api != '{NOT_SES}' GROUP BY 1 ORDER BY 1",
        (bucket, bucket, account_id, region, since)).fetchall()
    return [(row[0], row[1]) for row in rows]
