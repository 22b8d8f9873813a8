"""API Gateway's resources as JSON documents: one row per API, one per thing inside it.

Both API Gateway services keep their own pair of tables with this layout (prefix
`apigwv2` or `apigw`). Every document an API holds is found by (api_id, kind, item_id), and
the data plane finds an API by id alone, because an invoke URL names nothing else.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from cloudlet.core.migrations import Migration


def migrations(prefix: str) -> tuple[Migration, ...]:
    return (
        Migration(
            "0001_documents",
            f"""
            CREATE TABLE {prefix}_apis (
                api_id TEXT PRIMARY KEY,
                account TEXT NOT NULL,
                region TEXT NOT NULL,
                created REAL NOT NULL,
                doc TEXT NOT NULL
            );
            CREATE INDEX {prefix}_apis_owner ON {prefix}_apis (account, region, created);
            CREATE TABLE {prefix}_items (
                api_id TEXT NOT NULL REFERENCES {prefix}_apis (api_id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                item_id TEXT NOT NULL,
                doc TEXT NOT NULL,
                PRIMARY KEY (api_id, kind, item_id)
            );
        """,
        ),
    )


class Documents:
    """The SQL of one service's document tables."""

    def __init__(self, prefix: str) -> None:
        self.apis = f"{prefix}_apis"
        self.items = f"{prefix}_items"

    def put_api(
        self,
        conn: sqlite3.Connection,
        account: str,
        region: str,
        api_id: str,
        created: float,
        doc: dict[str, Any],
    ) -> None:
        # An upsert, not REPLACE: replacing the row would cascade-delete everything inside the API.
        conn.execute(
            f"INSERT INTO {self.apis} VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (api_id) DO UPDATE SET doc = excluded.doc",
            (api_id, account, region, created, json.dumps(doc)),
        )

    def api(
        self, conn: sqlite3.Connection, api_id: str, account: str | None = None, region: str | None = None
    ) -> dict[str, Any] | None:
        """The API's document; with account and region, only if it belongs to them."""
        row = conn.execute(
            f"SELECT account, region, doc FROM {self.apis} WHERE api_id = ?", (api_id,)
        ).fetchone()
        if row is None or (account is not None and (row[0], row[1]) != (account, region)):
            return None
        return json.loads(row[2])

    def owner(self, conn: sqlite3.Connection, api_id: str) -> tuple[str, str] | None:
        row = conn.execute(f"SELECT account, region FROM {self.apis} WHERE api_id = ?", (api_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def list_apis(self, conn: sqlite3.Connection, account: str, region: str) -> list[dict[str, Any]]:
        rows = conn.execute(
            f"SELECT doc FROM {self.apis} WHERE account = ? AND region = ? ORDER BY created, api_id",
            (account, region),
        )
        return [json.loads(row[0]) for row in rows]

    def delete_api(self, conn: sqlite3.Connection, api_id: str) -> None:
        conn.execute(f"DELETE FROM {self.items} WHERE api_id = ?", (api_id,))
        conn.execute(f"DELETE FROM {self.apis} WHERE api_id = ?", (api_id,))

    def put(
        self, conn: sqlite3.Connection, api_id: str, kind: str, item_id: str, doc: dict[str, Any]
    ) -> None:
        conn.execute(
            f"INSERT INTO {self.items} VALUES (?, ?, ?, ?)"
            " ON CONFLICT (api_id, kind, item_id) DO UPDATE SET doc = excluded.doc",
            (api_id, kind, item_id, json.dumps(doc)),
        )

    def get(self, conn: sqlite3.Connection, api_id: str, kind: str, item_id: str) -> dict[str, Any] | None:
        row = conn.execute(
            f"SELECT doc FROM {self.items} WHERE api_id = ? AND kind = ? AND item_id = ?",
            (api_id, kind, item_id),
        ).fetchone()
        return json.loads(row[0]) if row else None

    def list(self, conn: sqlite3.Connection, api_id: str, kind: str) -> list[dict[str, Any]]:
        rows = conn.execute(
            f"SELECT doc FROM {self.items} WHERE api_id = ? AND kind = ? ORDER BY rowid", (api_id, kind)
        )
        return [json.loads(row[0]) for row in rows]

    def delete(self, conn: sqlite3.Connection, api_id: str, kind: str, item_id: str) -> bool:
        cursor = conn.execute(
            f"DELETE FROM {self.items} WHERE api_id = ? AND kind = ? AND item_id = ?", (api_id, kind, item_id)
        )
        return cursor.rowcount > 0
