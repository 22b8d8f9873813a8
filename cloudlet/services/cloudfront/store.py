"""CloudFront's tables: versioned configurations (distributions, policies, keys...), aliases,
invalidations, tags, the edge cache index and the secret its origin requests are signed with.

Every configuration resource is one row of `cloudfront_resources`: its kind, id, current
ETag and the config as the API shapes it (JSON). The data plane reads the same rows.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from cloudlet.core.migrations import Migration

MIGRATIONS = (
    Migration(
        "0001_resources_cache",
        """
        CREATE TABLE cloudfront_resources (
            kind TEXT NOT NULL,
            id TEXT NOT NULL,
            account_id TEXT NOT NULL,
            etag TEXT NOT NULL,
            config TEXT NOT NULL,
            extra TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL,
            modified_at REAL NOT NULL,
            PRIMARY KEY (kind, id)
        );
        CREATE INDEX cloudfront_resources_account ON cloudfront_resources (account_id, kind, created_at);
        CREATE TABLE cloudfront_aliases (
            alias TEXT PRIMARY KEY,
            distribution_id TEXT NOT NULL
        );
        CREATE TABLE cloudfront_invalidations (
            distribution_id TEXT NOT NULL,
            id TEXT NOT NULL,
            caller_reference TEXT NOT NULL,
            paths TEXT NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (distribution_id, id)
        );
        CREATE TABLE cloudfront_tags (
            arn TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (arn, key)
        );
        CREATE TABLE cloudfront_cache (
            key TEXT PRIMARY KEY,
            distribution_id TEXT NOT NULL,
            path TEXT NOT NULL,
            status INTEGER NOT NULL,
            headers TEXT NOT NULL,
            blob TEXT NOT NULL,
            size INTEGER NOT NULL,
            stored_at REAL NOT NULL,
            ttl REAL NOT NULL,
            last_used REAL NOT NULL
        );
        CREATE INDEX cloudfront_cache_path ON cloudfront_cache (distribution_id, path);
        CREATE INDEX cloudfront_cache_lru ON cloudfront_cache (last_used);
        CREATE TABLE cloudfront_secrets (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
    """,
    ),
)


@dataclass
class Resource:
    kind: str
    id: str
    account_id: str
    etag: str
    config: dict[str, Any]
    extra: dict[str, Any]
    created_at: float
    modified_at: float


def _resource(row: sqlite3.Row) -> Resource:
    return Resource(
        row["kind"],
        row["id"],
        row["account_id"],
        row["etag"],
        json.loads(row["config"]),
        json.loads(row["extra"]),
        row["created_at"],
        row["modified_at"],
    )


def dumps(value: Any) -> str:
    return json.dumps(value, default=str, separators=(",", ":"))


def find(conn: sqlite3.Connection, kind: str, resource_id: str) -> Resource | None:
    row = conn.execute(
        "SELECT * FROM cloudfront_resources WHERE kind = ? AND id = ?", (kind, resource_id)
    ).fetchone()
    return _resource(row) if row else None


def list_kind(conn: sqlite3.Connection, kind: str, account_id: str) -> list[Resource]:
    rows = conn.execute(
        "SELECT * FROM cloudfront_resources WHERE kind = ? AND account_id = ? ORDER BY created_at, id",
        (kind, account_id),
    ).fetchall()
    return [_resource(row) for row in rows]


def insert(conn: sqlite3.Connection, resource: Resource) -> None:
    conn.execute(
        "INSERT INTO cloudfront_resources VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            resource.kind,
            resource.id,
            resource.account_id,
            resource.etag,
            dumps(resource.config),
            dumps(resource.extra),
            resource.created_at,
            resource.modified_at,
        ),
    )


def update(conn: sqlite3.Connection, resource: Resource) -> None:
    conn.execute(
        "UPDATE cloudfront_resources SET etag = ?, config = ?, extra = ?, modified_at = ? "
        "WHERE kind = ? AND id = ?",
        (
            resource.etag,
            dumps(resource.config),
            dumps(resource.extra),
            resource.modified_at,
            resource.kind,
            resource.id,
        ),
    )


def delete(conn: sqlite3.Connection, kind: str, resource_id: str) -> None:
    conn.execute("DELETE FROM cloudfront_resources WHERE kind = ? AND id = ?", (kind, resource_id))


# -- aliases (alternate domain names) --------------------------------------------------------


def alias_owner(conn: sqlite3.Connection, alias: str) -> str | None:
    row = conn.execute("SELECT distribution_id FROM cloudfront_aliases WHERE alias = ?", (alias,)).fetchone()
    return row[0] if row else None


def set_aliases(conn: sqlite3.Connection, distribution_id: str, aliases: list[str]) -> None:
    conn.execute("DELETE FROM cloudfront_aliases WHERE distribution_id = ?", (distribution_id,))
    conn.executemany(
        "INSERT INTO cloudfront_aliases VALUES (?, ?)",
        [(alias.lower(), distribution_id) for alias in aliases],
    )


def all_aliases(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT alias, distribution_id FROM cloudfront_aliases").fetchall())


# -- invalidations ---------------------------------------------------------------------------


@dataclass
class Invalidation:
    distribution_id: str
    id: str
    caller_reference: str
    paths: list[str]
    created_at: float


def _invalidation(row: sqlite3.Row) -> Invalidation:
    return Invalidation(
        row["distribution_id"],
        row["id"],
        row["caller_reference"],
        json.loads(row["paths"]),
        row["created_at"],
    )


def insert_invalidation(conn: sqlite3.Connection, item: Invalidation) -> None:
    conn.execute(
        "INSERT INTO cloudfront_invalidations VALUES (?, ?, ?, ?, ?)",
        (item.distribution_id, item.id, item.caller_reference, dumps(item.paths), item.created_at),
    )


def find_invalidation(
    conn: sqlite3.Connection, distribution_id: str, invalidation_id: str
) -> Invalidation | None:
    row = conn.execute(
        "SELECT * FROM cloudfront_invalidations WHERE distribution_id = ? AND id = ?",
        (distribution_id, invalidation_id),
    ).fetchone()
    return _invalidation(row) if row else None


def invalidation_by_reference(
    conn: sqlite3.Connection, distribution_id: str, reference: str
) -> Invalidation | None:
    row = conn.execute(
        "SELECT * FROM cloudfront_invalidations WHERE distribution_id = ? AND caller_reference = ?",
        (distribution_id, reference),
    ).fetchone()
    return _invalidation(row) if row else None


def list_invalidations(conn: sqlite3.Connection, distribution_id: str) -> list[Invalidation]:
    rows = conn.execute(
        "SELECT * FROM cloudfront_invalidations WHERE distribution_id = ? ORDER BY created_at DESC, id",
        (distribution_id,),
    ).fetchall()
    return [_invalidation(row) for row in rows]


# -- tags ------------------------------------------------------------------------------------


def tags(conn: sqlite3.Connection, arn: str) -> dict[str, str]:
    return dict(
        conn.execute("SELECT key, value FROM cloudfront_tags WHERE arn = ? ORDER BY key", (arn,)).fetchall()
    )


def put_tags(conn: sqlite3.Connection, arn: str, values: dict[str, str]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO cloudfront_tags VALUES (?, ?, ?)",
        [(arn, key, value) for key, value in values.items()],
    )


def delete_tags(conn: sqlite3.Connection, arn: str, keys: list[str] | None = None) -> None:
    if keys is None:
        conn.execute("DELETE FROM cloudfront_tags WHERE arn = ?", (arn,))
        return
    conn.executemany("DELETE FROM cloudfront_tags WHERE arn = ? AND key = ?", [(arn, key) for key in keys])


# -- secrets ---------------------------------------------------------------------------------


def secret(conn: sqlite3.Connection, name: str) -> str | None:
    row = conn.execute("SELECT value FROM cloudfront_secrets WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def save_secret(conn: sqlite3.Connection, name: str, value: str) -> str:
    """Keeps the first value saved under `name` (another process may have won the race)."""
    conn.execute("INSERT OR IGNORE INTO cloudfront_secrets VALUES (?, ?)", (name, value))
    return secret(conn, name) or value
