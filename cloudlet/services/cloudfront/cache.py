"""The edge cache: responses kept in the data directory, found by cache key, bounded in size.

An entry is a row (status, headers, freshness) and a body file under blobs/cloudfront/,
written whole before the row names it. Rows are the truth: every worker process sharing the
data directory sees the same cache. Eviction is least-recently-used by `last_used`, which a
hit refreshes at most once a second (a hit should not cost a write each time).
"""

from __future__ import annotations

import fnmatch
import json
import os
import secrets
import sqlite3
import time
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from cloudlet.core.store import Store

ROOT = "cloudfront"
TOUCH_INTERVAL = 1.0
DEFAULT_LIMIT = 1024 * 1024 * 1024
LIMIT_ENV = "CLOUDLET_CLOUDFRONT_CACHE_BYTES"
# A body file younger than this may belong to a fill still writing it (or about to record it).
ORPHAN_GRACE = 300.0


@dataclass
class Entry:
    key: str
    distribution_id: str
    path: str
    status: int
    headers: list[tuple[str, str]]
    blob: str
    size: int
    stored_at: float
    ttl: float
    last_used: float

    def fresh(self, now: float) -> bool:
        return now < self.stored_at + self.ttl

    def header(self, name: str) -> str | None:
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), None)


def limit_bytes(extra: dict[str, str]) -> int:
    value = extra.get("cloudfront_cache_bytes") or os.environ.get(LIMIT_ENV)
    try:
        return int(value) if value else DEFAULT_LIMIT
    except ValueError:
        return DEFAULT_LIMIT


def new_blob_path(store: Store) -> tuple[str, str]:
    token = secrets.token_hex(16)
    name = f"{ROOT}/{token[:2]}/{token}"
    path = store.blob_path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return name, path


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        row["key"],
        row["distribution_id"],
        row["path"],
        row["status"],
        [tuple(pair) for pair in json.loads(row["headers"])],
        row["blob"],
        row["size"],
        row["stored_at"],
        row["ttl"],
        row["last_used"],
    )


def lookup(conn: sqlite3.Connection, key: str) -> Entry | None:
    row = conn.execute("SELECT * FROM cloudfront_cache WHERE key = ?", (key,)).fetchone()
    return _entry(row) if row else None


def touch(store: Store, entry: Entry, now: float) -> None:
    if now - entry.last_used >= TOUCH_INTERVAL:
        with store.db() as conn:
            conn.execute("UPDATE cloudfront_cache SET last_used = ? WHERE key = ?", (now, entry.key))


def put(conn: sqlite3.Connection, entry: Entry) -> list[str]:
    """Stores an entry; returns the blob names no row names any more (delete them after commit)."""
    old = conn.execute("SELECT blob FROM cloudfront_cache WHERE key = ?", (entry.key,)).fetchone()
    conn.execute(
        "INSERT OR REPLACE INTO cloudfront_cache VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            entry.key,
            entry.distribution_id,
            entry.path,
            entry.status,
            json.dumps(entry.headers),
            entry.blob,
            entry.size,
            entry.stored_at,
            entry.ttl,
            entry.last_used,
        ),
    )
    return [old[0]] if old and old[0] != entry.blob else []


def refresh(conn: sqlite3.Connection, entry: Entry) -> None:
    """After a 304 from the origin: the same body, new freshness and headers."""
    conn.execute(
        "UPDATE cloudfront_cache SET headers = ?, stored_at = ?, ttl = ?, last_used = ? WHERE key = ?",
        (json.dumps(entry.headers), entry.stored_at, entry.ttl, entry.last_used, entry.key),
    )


def evict(conn: sqlite3.Connection, limit: int, keep: str | None = None) -> list[str]:
    """Drops least-recently-used entries until the cache fits in `limit` bytes."""
    total = conn.execute("SELECT COALESCE(SUM(size), 0) FROM cloudfront_cache").fetchone()[0]
    dropped: list[str] = []
    if total <= limit:
        return dropped
    for key, blob, size in conn.execute(
        "SELECT key, blob, size FROM cloudfront_cache ORDER BY last_used, stored_at"
    ).fetchall():
        if key == keep:
            continue
        conn.execute("DELETE FROM cloudfront_cache WHERE key = ?", (key,))
        dropped.append(blob)
        total -= size
        if total <= limit:
            break
    return dropped


def path_matches(pattern: str, path: str) -> bool:
    """Invalidation paths: exact, or with `*` standing for any characters (even across /)."""
    if "*" not in pattern:
        return pattern == path
    return fnmatch.fnmatchcase(path, pattern.replace("[", "[[]").replace("?", "[?]"))


def purge(conn: sqlite3.Connection, distribution_id: str, patterns: list[str]) -> list[str]:
    rows = conn.execute(
        "SELECT key, path, blob FROM cloudfront_cache WHERE distribution_id = ?", (distribution_id,)
    ).fetchall()
    dropped = []
    for key, path, blob in rows:
        if any(path_matches(pattern, path) for pattern in patterns):
            conn.execute("DELETE FROM cloudfront_cache WHERE key = ?", (key,))
            dropped.append(blob)
    return dropped


def forget_distribution(conn: sqlite3.Connection, distribution_id: str) -> list[str]:
    return purge(conn, distribution_id, ["*"])


def remove_blobs(store: Store, names: list[str]) -> None:
    for name in names:
        with suppress(FileNotFoundError):
            os.unlink(store.blob_path(name))


def open_body(store: Store, entry: Entry) -> Any:
    """The entry's body file, or None when eviction removed it after the row was read."""
    try:
        return open(store.blob_path(entry.blob), "rb")
    except FileNotFoundError:
        return None


def all_blobs(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT blob FROM cloudfront_cache")}


def clean_orphans(store: Store, referenced: set[str], grace: float = ORPHAN_GRACE) -> None:
    """Removes body files no entry names, once old enough not to be a fill in progress."""
    root = store.blob_path(ROOT)
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            blob = os.path.relpath(path, store.blob_path())
            with suppress(FileNotFoundError):
                if blob not in referenced and time.time() - os.stat(path).st_mtime > grace:
                    os.unlink(path)
