"""DynamoDB's tables in the store, and the only SQL of the service.

Items: one row per item keyed by (table id, partition hash, partition key, sort key), the keys
in the order-preserving encoding of keys.py, so a Query is a range scan of the primary key
and a Scan walks partitions in hash order. Secondary indexes: one row per indexed item keyed
by (table id, index, hash, index keys, base keys), written in the base write's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from cloudlet.core.migrations import Migration

MIGRATIONS = (
    Migration(
        "0001_tables_items_indexes",
        """
        CREATE TABLE ddb_tables (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            meta TEXT NOT NULL,
            UNIQUE (account, region, name)
        );
        CREATE TABLE ddb_items (
            table_id INTEGER NOT NULL,
            h INTEGER NOT NULL,
            pk BLOB NOT NULL,
            sk BLOB NOT NULL,
            size INTEGER NOT NULL,
            item TEXT NOT NULL,
            PRIMARY KEY (table_id, h, pk, sk)
        ) WITHOUT ROWID;
        CREATE TABLE ddb_index_items (
            table_id INTEGER NOT NULL,
            idx TEXT NOT NULL,
            h INTEGER NOT NULL,
            pk BLOB NOT NULL,
            sk BLOB NOT NULL,
            bpk BLOB NOT NULL,
            bsk BLOB NOT NULL,
            size INTEGER NOT NULL,
            item TEXT NOT NULL,
            PRIMARY KEY (table_id, idx, h, pk, sk, bpk, bsk)
        ) WITHOUT ROWID;
        CREATE TABLE ddb_ttl (
            table_id INTEGER NOT NULL,
            expires REAL NOT NULL,
            h INTEGER NOT NULL,
            pk BLOB NOT NULL,
            sk BLOB NOT NULL,
            PRIMARY KEY (table_id, expires, h, pk, sk)
        ) WITHOUT ROWID;
    """,
    ),
    Migration(
        "0002_streams_and_tokens",
        """
        CREATE TABLE ddb_streams (
            arn TEXT PRIMARY KEY,
            table_id INTEGER NOT NULL,
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            table_name TEXT NOT NULL,
            label TEXT NOT NULL,
            view_type TEXT NOT NULL,
            key_schema TEXT NOT NULL,
            created_at REAL NOT NULL,
            disabled_at REAL
        );
        CREATE INDEX ddb_streams_scope ON ddb_streams (account, region, table_name);
        CREATE TABLE ddb_stream_records (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            arn TEXT NOT NULL,
            created_at REAL NOT NULL,
            record TEXT NOT NULL
        );
        CREATE INDEX ddb_stream_records_arn ON ddb_stream_records (arn, seq);
        CREATE TABLE ddb_tx_tokens (
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            token TEXT NOT NULL,
            digest TEXT NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (account, region, token)
        );
    """,
    ),
    # Item counts and sizes kept with each write, so DescribeTable does not count a large table.
    Migration(
        "0003_usage",
        """
        CREATE TABLE ddb_usage (
            table_id INTEGER NOT NULL,
            idx TEXT NOT NULL,
            items INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            PRIMARY KEY (table_id, idx)
        ) WITHOUT ROWID;
        INSERT INTO ddb_usage SELECT table_id, '', COUNT(*), SUM(size) FROM ddb_items GROUP BY table_id;
        INSERT INTO ddb_usage SELECT table_id, idx, COUNT(*), SUM(size) FROM ddb_index_items GROUP BY table_id, idx;
    """,
    ),
)

TABLE_USAGE = ""  # the `idx` of a table's own row in ddb_usage

Key = tuple[int, bytes, bytes]  # (partition hash, partition key, sort key) of one item


# -- tables ---------------------------------------------------------------------------------------


def find_table(conn: sqlite3.Connection, account: str, region: str, name: str) -> tuple[int, str] | None:
    row = conn.execute(
        "SELECT id, meta FROM ddb_tables WHERE account = ? AND region = ? AND name = ?",
        (account, region, name),
    ).fetchone()
    return (row[0], row[1]) if row else None


def insert_table(conn: sqlite3.Connection, account: str, region: str, name: str, meta: str) -> int:
    cursor = conn.execute(
        "INSERT INTO ddb_tables (account, region, name, meta) VALUES (?, ?, ?, ?)",
        (account, region, name, meta),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def update_table_meta(conn: sqlite3.Connection, table_id: int, meta: str) -> None:
    conn.execute("UPDATE ddb_tables SET meta = ? WHERE id = ?", (meta, table_id))


def delete_table(conn: sqlite3.Connection, table_id: int) -> None:
    for table in ("ddb_items", "ddb_index_items", "ddb_ttl", "ddb_usage"):
        conn.execute(f"DELETE FROM {table} WHERE table_id = ?", (table_id,))
    conn.execute("DELETE FROM ddb_tables WHERE id = ?", (table_id,))


def table_names(conn: sqlite3.Connection, account: str, region: str, after: str, limit: int) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM ddb_tables WHERE account = ? AND region = ? AND name > ? ORDER BY name LIMIT ?",
        (account, region, after, limit),
    )
    return [row[0] for row in rows]


def all_tables(conn: sqlite3.Connection) -> list[tuple[int, str, str, str, str]]:
    return [tuple(row) for row in conn.execute("SELECT id, account, region, name, meta FROM ddb_tables")]


def table_usage(conn: sqlite3.Connection, table_id: int) -> tuple[int, int]:
    return index_usage(conn, table_id, TABLE_USAGE)


def index_usage(conn: sqlite3.Connection, table_id: int, index: str) -> tuple[int, int]:
    """(items, bytes) of a table (index "") or of one of its indexes."""
    row = conn.execute(
        "SELECT items, bytes FROM ddb_usage WHERE table_id = ? AND idx = ?", (table_id, index)
    ).fetchone()
    return (row[0], row[1]) if row else (0, 0)


def add_usage(conn: sqlite3.Connection, table_id: int, index: str, items: int, size: int) -> None:
    if items or size:
        conn.execute(
            "INSERT INTO ddb_usage (table_id, idx, items, bytes) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (table_id, idx) DO UPDATE SET items = items + excluded.items,"
            " bytes = bytes + excluded.bytes",
            (table_id, index, items, size),
        )


# -- items ----------------------------------------------------------------------------------------


def get_item(conn: sqlite3.Connection, table_id: int, key: Key) -> str | None:
    row = conn.execute(
        "SELECT item FROM ddb_items WHERE table_id = ? AND h = ? AND pk = ? AND sk = ?", (table_id, *key)
    ).fetchone()
    return row[0] if row else None


def put_item(conn: sqlite3.Connection, table_id: int, key: Key, size: int, item: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO ddb_items (table_id, h, pk, sk, size, item) VALUES (?, ?, ?, ?, ?, ?)",
        (table_id, *key, size, item),
    )


def delete_item(conn: sqlite3.Connection, table_id: int, key: Key) -> None:
    conn.execute("DELETE FROM ddb_items WHERE table_id = ? AND h = ? AND pk = ? AND sk = ?", (table_id, *key))


def put_index_item(
    conn: sqlite3.Connection, table_id: int, index: str, key: Key, base: Key, size: int, item: str
) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO ddb_index_items (table_id, idx, h, pk, sk, bpk, bsk, size, item)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (table_id, index, *key, base[1], base[2], size, item),
    )


def delete_index_item(conn: sqlite3.Connection, table_id: int, index: str, key: Key, base: Key) -> None:
    conn.execute(
        "DELETE FROM ddb_index_items WHERE table_id = ? AND idx = ? AND h = ? AND pk = ? AND sk = ?"
        " AND bpk = ? AND bsk = ?",
        (table_id, index, *key, base[1], base[2]),
    )


def delete_index(conn: sqlite3.Connection, table_id: int, index: str) -> None:
    conn.execute("DELETE FROM ddb_index_items WHERE table_id = ? AND idx = ?", (table_id, index))
    conn.execute("DELETE FROM ddb_usage WHERE table_id = ? AND idx = ?", (table_id, index))


def iter_items(conn: sqlite3.Connection, table_id: int) -> Iterator[str]:
    for row in conn.execute("SELECT item FROM ddb_items WHERE table_id = ?", (table_id,)):
        yield row[0]


# -- ranges (Query and Scan) ------------------------------------------------------------------------


def query_range(
    conn: sqlite3.Connection,
    table_id: int,
    index: str | None,
    key: tuple[int, bytes],
    low: tuple[bytes, bool] | None,
    high: tuple[bytes, bool] | None,
    forward: bool,
    start: tuple[bytes, ...] | None,
) -> Iterator[tuple[int, str]]:
    """(size, item) of one partition between the sort key bounds, in sort key order.

    `start` is the exclusive start position: (sk,) on a table, (sk, bpk, bsk) on an index.
    """
    where, args = _scope(table_id, index)
    where += " AND h = ? AND pk = ?"
    args.extend(key)
    for bound, op_inclusive, op_exclusive in ((low, ">=", ">"), (high, "<=", "<")):
        if bound is not None:
            where += f" AND sk {op_inclusive if bound[1] else op_exclusive} ?"
            args.append(bound[0])
    columns = "(sk, bpk, bsk)" if index else "(sk)"
    if start is not None:
        where += f" AND {columns} {'>' if forward else '<'} ({', '.join('?' * len(start))})"
        args.extend(start)
    direction = "ASC" if forward else "DESC"
    order = ", ".join(f"{column} {direction}" for column in columns.strip("()").split(", "))
    table = "ddb_index_items" if index else "ddb_items"
    yield from conn.execute(f"SELECT size, item FROM {table} WHERE {where} ORDER BY {order}", args)


def scan_range(
    conn: sqlite3.Connection,
    table_id: int,
    index: str | None,
    hashes: tuple[int, int],
    start: tuple[Any, ...] | None,
) -> Iterator[tuple[int, str]]:
    """(size, item) of the hash range [low, high), in (hash, keys) order, after `start`."""
    where, args = _scope(table_id, index)
    where += " AND h >= ? AND h < ?"
    args.extend(hashes)
    columns = "(h, pk, sk, bpk, bsk)" if index else "(h, pk, sk)"
    if start is not None:
        where += f" AND {columns} > ({', '.join('?' * len(start))})"
        args.extend(start)
    table = "ddb_index_items" if index else "ddb_items"
    order = columns.strip("()")
    yield from conn.execute(f"SELECT size, item FROM {table} WHERE {where} ORDER BY {order}", args)


def _scope(table_id: int, index: str | None) -> tuple[str, list[Any]]:
    if index is None:
        return "table_id = ?", [table_id]
    return "table_id = ? AND idx = ?", [table_id, index]


# -- time to live -----------------------------------------------------------------------------------


def set_expiry(
    conn: sqlite3.Connection, table_id: int, key: Key, old: float | None, new: float | None
) -> None:
    if old == new:
        return
    if old is not None:
        conn.execute(
            "DELETE FROM ddb_ttl WHERE table_id = ? AND expires = ? AND h = ? AND pk = ? AND sk = ?",
            (table_id, old, *key),
        )
    if new is not None:
        conn.execute(
            "INSERT OR IGNORE INTO ddb_ttl (table_id, expires, h, pk, sk) VALUES (?, ?, ?, ?, ?)",
            (table_id, new, *key),
        )


def clear_expiries(conn: sqlite3.Connection, table_id: int) -> None:
    conn.execute("DELETE FROM ddb_ttl WHERE table_id = ?", (table_id,))


def expired(conn: sqlite3.Connection, now: float, limit: int) -> list[tuple[int, float, Key]]:
    rows = conn.execute(
        "SELECT table_id, expires, h, pk, sk FROM ddb_ttl WHERE expires <= ? LIMIT ?", (now, limit)
    )
    return [(row[0], row[1], (row[2], row[3], row[4])) for row in rows]


def next_expiry(conn: sqlite3.Connection) -> float | None:
    return conn.execute("SELECT MIN(expires) FROM ddb_ttl").fetchone()[0]


# -- transaction tokens ----------------------------------------------------------------------------


def find_token(conn: sqlite3.Connection, account: str, region: str, token: str, since: float) -> str | None:
    conn.execute("DELETE FROM ddb_tx_tokens WHERE created_at < ?", (since,))
    row = conn.execute(
        "SELECT digest FROM ddb_tx_tokens WHERE account = ? AND region = ? AND token = ?",
        (account, region, token),
    ).fetchone()
    return row[0] if row else None


def save_token(
    conn: sqlite3.Connection, account: str, region: str, token: str, digest: str, now: float
) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO ddb_tx_tokens VALUES (?, ?, ?, ?, ?)", (account, region, token, digest, now)
    )


# -- streams --------------------------------------------------------------------------------------

STREAM_COLUMNS = (
    "arn, table_id, account, region, table_name, label, view_type, key_schema, created_at, disabled_at"
)


def insert_stream(
    conn: sqlite3.Connection,
    arn: str,
    table_id: int,
    account: str,
    region: str,
    table_name: str,
    label: str,
    view_type: str,
    key_schema: str,
    created_at: float,
) -> None:
    conn.execute(
        f"INSERT INTO ddb_streams ({STREAM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        (arn, table_id, account, region, table_name, label, view_type, key_schema, created_at),
    )


def disable_stream(conn: sqlite3.Connection, arn: str, now: float) -> None:
    conn.execute("UPDATE ddb_streams SET disabled_at = ? WHERE arn = ? AND disabled_at IS NULL", (now, arn))


def find_stream(conn: sqlite3.Connection, arn: str) -> sqlite3.Row | None:
    return conn.execute(f"SELECT {STREAM_COLUMNS} FROM ddb_streams WHERE arn = ?", (arn,)).fetchone()


def list_streams(
    conn: sqlite3.Connection, account: str, region: str, table_name: str | None, retained_since: float
) -> list[sqlite3.Row]:
    query = (
        f"SELECT {STREAM_COLUMNS} FROM ddb_streams WHERE account = ? AND region = ?"
        " AND (disabled_at IS NULL OR disabled_at >= ?)"
    )
    args: list[Any] = [account, region, retained_since]
    if table_name is not None:
        query += " AND table_name = ?"
        args.append(table_name)
    return conn.execute(query + " ORDER BY arn", args).fetchall()


def insert_stream_record(conn: sqlite3.Connection, arn: str, created_at: float, record: str) -> int:
    cursor = conn.execute(
        "INSERT INTO ddb_stream_records (arn, created_at, record) VALUES (?, ?, ?)", (arn, created_at, record)
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def stream_records(
    conn: sqlite3.Connection, arn: str, after: int, limit: int, retained_since: float
) -> list[tuple[int, float, str]]:
    rows = conn.execute(
        "SELECT seq, created_at, record FROM ddb_stream_records WHERE arn = ? AND seq > ?"
        " AND created_at >= ? ORDER BY seq LIMIT ?",
        (arn, after, retained_since, limit),
    )
    return [(row[0], row[1], row[2]) for row in rows]


def stream_bounds(conn: sqlite3.Connection, arn: str, retained_since: float) -> tuple[int | None, int | None]:
    row = conn.execute(
        "SELECT MIN(seq), MAX(seq) FROM ddb_stream_records WHERE arn = ? AND created_at >= ?",
        (arn, retained_since),
    ).fetchone()
    return row[0], row[1]


def last_sequence(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'ddb_stream_records'").fetchone()
    return row[0] if row else 0


def trim_stream_records(conn: sqlite3.Connection, before: float) -> None:
    conn.execute("DELETE FROM ddb_stream_records WHERE created_at < ?", (before,))


def table_by_id(conn: sqlite3.Connection, table_id: int) -> tuple[str, str, str, str] | None:
    row = conn.execute(
        "SELECT account, region, name, meta FROM ddb_tables WHERE id = ?", (table_id,)
    ).fetchone()
    return (row[0], row[1], row[2], row[3]) if row else None


def collection_size(
    conn: sqlite3.Connection, table_id: int, local_indexes: list[str], h: int, pk: bytes
) -> int:
    """Bytes of one partition key's items and their entries in the given (local) indexes."""
    items = conn.execute(
        "SELECT COALESCE(SUM(size), 0) FROM ddb_items WHERE table_id = ? AND h = ? AND pk = ?",
        (table_id, h, pk),
    ).fetchone()[0]
    marks = ", ".join("?" * len(local_indexes))
    indexed = conn.execute(
        f"SELECT COALESCE(SUM(size), 0) FROM ddb_index_items WHERE table_id = ? AND idx IN ({marks})"
        " AND h = ? AND pk = ?",
        (table_id, *local_indexes, h, pk),
    ).fetchone()[0]
    return items + indexed
