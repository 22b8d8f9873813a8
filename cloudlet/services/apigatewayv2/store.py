"""apigatewayv2's tables: its APIs, and the routes, integrations, stages, deployments and
authorizers inside them, as documents shaped like the API's Get* answers; custom domain names
(with their API mappings) of the account; and the data plane's shared state (throttle buckets,
cached Lambda authorizer results, open WebSocket connections), in the store so every edge worker
sees the same."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from cloudlet.core.migrations import Migration
from cloudlet.services.gateway.documents import Documents, migrations

DOCS = Documents("apigwv2")

MIGRATIONS = (
    *migrations("apigwv2"),
    Migration(
        "0002_domains_and_runtime_state",
        """
        CREATE TABLE apigwv2_domains (
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            doc TEXT NOT NULL,
            PRIMARY KEY (account, region, name)
        );
        CREATE TABLE apigwv2_buckets (
            scope TEXT PRIMARY KEY,
            tokens REAL NOT NULL,
            updated REAL NOT NULL
        );
        CREATE TABLE apigwv2_authorizer_results (
            api_id TEXT NOT NULL,
            authorizer_id TEXT NOT NULL,
            identity TEXT NOT NULL,
            expires REAL NOT NULL,
            result TEXT NOT NULL,
            PRIMARY KEY (api_id, authorizer_id, identity)
        );
    """,
    ),
    Migration(
        "0003_websocket_connections",
        """
        CREATE TABLE apigwv2_connections (
            connection_id TEXT PRIMARY KEY,
            api_id TEXT NOT NULL,
            owner TEXT NOT NULL,
            connected_at REAL NOT NULL,
            last_active REAL NOT NULL,
            doc TEXT NOT NULL
        );
        CREATE INDEX apigwv2_connections_owner ON apigwv2_connections (owner);
    """,
    ),
)


# -- custom domain names ---------------------------------------------------------------------


def put_domain(conn: sqlite3.Connection, account: str, region: str, doc: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO apigwv2_domains VALUES (?, ?, ?, ?)"
        " ON CONFLICT (account, region, name) DO UPDATE SET doc = excluded.doc",
        (account, region, doc["DomainName"], json.dumps(doc)),
    )


def get_domain(conn: sqlite3.Connection, account: str, region: str, name: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT doc FROM apigwv2_domains WHERE account = ? AND region = ? AND name = ?",
        (account, region, name),
    ).fetchone()
    return json.loads(row[0]) if row else None


def list_domains(conn: sqlite3.Connection, account: str, region: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT doc FROM apigwv2_domains WHERE account = ? AND region = ? ORDER BY name", (account, region)
    )
    return [json.loads(row[0]) for row in rows]


def delete_domain(conn: sqlite3.Connection, account: str, region: str, name: str) -> bool:
    cursor = conn.execute(
        "DELETE FROM apigwv2_domains WHERE account = ? AND region = ? AND name = ?", (account, region, name)
    )
    return cursor.rowcount > 0


# -- throttle buckets ------------------------------------------------------------------------


def bucket(conn: sqlite3.Connection, scope: str) -> tuple[float, float] | None:
    row = conn.execute("SELECT tokens, updated FROM apigwv2_buckets WHERE scope = ?", (scope,)).fetchone()
    return (row[0], row[1]) if row else None


def put_bucket(conn: sqlite3.Connection, scope: str, tokens: float, updated: float) -> None:
    conn.execute(
        "INSERT INTO apigwv2_buckets VALUES (?, ?, ?)"
        " ON CONFLICT (scope) DO UPDATE SET tokens = excluded.tokens, updated = excluded.updated",
        (scope, tokens, updated),
    )


# -- Lambda authorizer results ---------------------------------------------------------------


def authorizer_result(
    conn: sqlite3.Connection, api_id: str, authorizer_id: str, identity: str, now: float
) -> Any:
    row = conn.execute(
        "SELECT result FROM apigwv2_authorizer_results WHERE api_id = ? AND authorizer_id = ?"
        " AND identity = ? AND expires > ?",
        (api_id, authorizer_id, identity, now),
    ).fetchone()
    return json.loads(row[0]) if row else None


def put_authorizer_result(
    conn: sqlite3.Connection, api_id: str, authorizer_id: str, identity: str, expires: float, result: Any
) -> None:
    conn.execute(
        "INSERT INTO apigwv2_authorizer_results VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (api_id, authorizer_id, identity) DO UPDATE SET expires = excluded.expires,"
        " result = excluded.result",
        (api_id, authorizer_id, identity, expires, json.dumps(result)),
    )


def forget_authorizer_results(conn: sqlite3.Connection, api_id: str) -> None:
    conn.execute("DELETE FROM apigwv2_authorizer_results WHERE api_id = ?", (api_id,))


# -- open WebSocket connections --------------------------------------------------------------
# `owner` names the process holding the socket (host:pid:boot); `doc` is what the connection's
# later events and GetConnection need (stage, identity, authorizer context, $connect headers).


def put_connection(
    conn: sqlite3.Connection, connection_id: str, api_id: str, owner: str, now: float, doc: dict[str, Any]
) -> None:
    conn.execute(
        "INSERT INTO apigwv2_connections VALUES (?, ?, ?, ?, ?, ?)",
        (connection_id, api_id, owner, now, now, json.dumps(doc)),
    )


def connection(conn: sqlite3.Connection, connection_id: str) -> tuple[str, float, float, dict[str, Any]] | None:
    """(api id, connected at, last active, doc) of an open connection."""
    row = conn.execute(
        "SELECT api_id, connected_at, last_active, doc FROM apigwv2_connections WHERE connection_id = ?",
        (connection_id,),
    ).fetchone()
    return (row[0], row[1], row[2], json.loads(row[3])) if row else None


def delete_connection(conn: sqlite3.Connection, connection_id: str) -> bool:
    cursor = conn.execute("DELETE FROM apigwv2_connections WHERE connection_id = ?", (connection_id,))
    return cursor.rowcount > 0


def connection_owners(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT DISTINCT owner FROM apigwv2_connections")]


def take_connections_of(conn: sqlite3.Connection, owner: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Removes and returns (connection id, api id, doc) of every connection `owner` held."""
    rows = conn.execute(
        "SELECT connection_id, api_id, doc FROM apigwv2_connections WHERE owner = ?", (owner,)
    ).fetchall()
    conn.execute("DELETE FROM apigwv2_connections WHERE owner = ?", (owner,))
    return [(row[0], row[1], json.loads(row[2])) for row in rows]
