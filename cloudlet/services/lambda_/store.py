"""Lambda's tables: functions, versions, aliases, event source mappings, layers and function URLs."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from cloudlet.core.migrations import Migration

MIGRATIONS = (
    Migration(
        "0001_functions",
        """
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
    """,
    ),
    # Function output, in CloudWatch Logs' terms, until a Logs service read it (0004 drops it).
    Migration(
        "0002_log_events",
        """
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
    """,
    ),
    # Event source mappings: configuration, lifecycle state, the stream position reached, and
    # which process runs the mapping's pollers (a lease, renewed while it runs).
    Migration(
        "0003_event_source_mappings",
        """
        CREATE TABLE lambda_event_source_mappings (
            uuid TEXT PRIMARY KEY,
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            function_arn TEXT NOT NULL,
            source_arn TEXT NOT NULL,
            config TEXT NOT NULL,
            state TEXT NOT NULL,
            revision INTEGER NOT NULL DEFAULT 1,
            last_result TEXT NOT NULL DEFAULT 'No records processed',
            checkpoint TEXT,
            owner TEXT,
            lease_until REAL NOT NULL DEFAULT 0
        );
        CREATE INDEX lambda_esm_scope ON lambda_event_source_mappings (account, region, source_arn);
        CREATE TABLE lambda_event_invoke_configs (
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            qualifier TEXT NOT NULL,
            config TEXT NOT NULL,
            PRIMARY KEY (account, region, name, qualifier)
        );
    """,
    ),
    # Function output now goes to the CloudWatch Logs service, through its operations.
    Migration("0004_drop_log_events", "DROP TABLE lambda_log_events;"),
    # Layer versions keep their row (and files) once deleted: functions that use them still run,
    # as on AWS. Function URLs are found by their id, the host's first label.
    Migration(
        "0005_layers_and_function_urls",
        """
        CREATE TABLE lambda_layers (
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            next_version INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (account, region, name)
        );
        CREATE TABLE lambda_layer_versions (
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            version INTEGER NOT NULL,
            config TEXT NOT NULL,
            code_dir TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            policy TEXT,
            PRIMARY KEY (account, region, name, version)
        );
        CREATE TABLE lambda_function_urls (
            url_id TEXT PRIMARY KEY,
            account TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            qualifier TEXT NOT NULL,
            config TEXT NOT NULL
        );
        CREATE UNIQUE INDEX lambda_function_urls_function ON lambda_function_urls (account, region, name, qualifier);
    """,
    ),
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
        " WHERE account = ? AND region = ? AND name = ?",
        (account, region, name),
    ).fetchone()
    if row is None:
        return None
    policy = json.loads(row["policy"]) if row["policy"] else None
    return Function(
        account,
        region,
        name,
        row["next_version"],
        row["reserved_concurrency"],
        policy,
        json.loads(row["tags"]),
    )


def insert_function(
    conn: sqlite3.Connection, account: str, region: str, name: str, tags: dict[str, str]
) -> None:
    conn.execute(
        "INSERT INTO lambda_functions (account, region, name, tags) VALUES (?, ?, ?, ?)",
        (account, region, name, json.dumps(tags)),
    )


def update_function(conn: sqlite3.Connection, fn: Function) -> None:
    conn.execute(
        "UPDATE lambda_functions SET next_version = ?, reserved_concurrency = ?, policy = ?, tags = ?"
        " WHERE account = ? AND region = ? AND name = ?",
        (
            fn.next_version,
            fn.reserved_concurrency,
            json.dumps(fn.policy) if fn.policy else None,
            json.dumps(fn.tags),
            fn.account,
            fn.region,
            fn.name,
        ),
    )


def delete_function(conn: sqlite3.Connection, account: str, region: str, name: str) -> None:
    for table in (
        "lambda_functions",
        "lambda_versions",
        "lambda_aliases",
        "lambda_event_invoke_configs",
        "lambda_function_urls",
    ):
        conn.execute(
            f"DELETE FROM {table} WHERE account = ? AND region = ? AND name = ?", (account, region, name)
        )


def list_function_names(
    conn: sqlite3.Connection, account: str, region: str, after: str, limit: int
) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM lambda_functions WHERE account = ? AND region = ? AND name > ? ORDER BY name LIMIT ?",
        (account, region, after, limit),
    ).fetchall()
    return [row[0] for row in rows]


def find_version(
    conn: sqlite3.Connection, account: str, region: str, name: str, version: str
) -> Version | None:
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
    conn.execute(
        "DELETE FROM lambda_versions WHERE account = ? AND region = ? AND name = ? AND version = ?",
        (account, region, name, version),
    )


def list_versions(conn: sqlite3.Connection, account: str, region: str, name: str) -> list[Version]:
    rows = conn.execute(
        "SELECT version, config, code_dir FROM lambda_versions WHERE account = ? AND region = ? AND name = ?",
        (account, region, name),
    ).fetchall()
    versions = [Version(name, row[0], json.loads(row[1]), row[2]) for row in rows]
    # $LATEST first, then published versions in numeric order, as AWS lists them.
    return sorted(versions, key=lambda v: -1 if v.version == "$LATEST" else int(v.version))


def code_in_use(conn: sqlite3.Connection, code_dir: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM lambda_versions WHERE code_dir = ? LIMIT 1", (code_dir,)).fetchone()
        is not None
    )


def find_alias(
    conn: sqlite3.Connection, account: str, region: str, name: str, alias: str
) -> dict[str, Any] | None:
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
    conn.execute(
        "DELETE FROM lambda_aliases WHERE account = ? AND region = ? AND name = ? AND alias = ?",
        (account, region, name, alias),
    )


def list_aliases(conn: sqlite3.Connection, account: str, region: str, name: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT config FROM lambda_aliases WHERE account = ? AND region = ? AND name = ? ORDER BY alias",
        (account, region, name),
    ).fetchall()
    return [json.loads(row[0]) for row in rows]


# -- event source mappings ---------------------------------------------------------------------


@dataclass
class Mapping:
    uuid: str
    account: str
    region: str
    function_arn: str
    source_arn: str
    config: dict[str, Any]
    state: str
    revision: int
    last_result: str
    checkpoint: str | None
    owner: str | None = None
    lease_until: float = 0.0


def _mapping(row: sqlite3.Row) -> Mapping:
    return Mapping(
        row["uuid"],
        row["account"],
        row["region"],
        row["function_arn"],
        row["source_arn"],
        json.loads(row["config"]),
        row["state"],
        row["revision"],
        row["last_result"],
        row["checkpoint"],
        row["owner"],
        row["lease_until"],
    )


def find_mapping(conn: sqlite3.Connection, uuid: str) -> Mapping | None:
    row = conn.execute("SELECT * FROM lambda_event_source_mappings WHERE uuid = ?", (uuid,)).fetchone()
    return _mapping(row) if row else None


def insert_mapping(conn: sqlite3.Connection, mapping: Mapping) -> None:
    conn.execute(
        "INSERT INTO lambda_event_source_mappings (uuid, account, region, function_arn, source_arn, config, state)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            mapping.uuid,
            mapping.account,
            mapping.region,
            mapping.function_arn,
            mapping.source_arn,
            json.dumps(mapping.config),
            mapping.state,
        ),
    )


def update_mapping(conn: sqlite3.Connection, mapping: Mapping) -> None:
    """Stores a changed configuration or state; the revision tells the running process to look."""
    conn.execute(
        "UPDATE lambda_event_source_mappings SET function_arn = ?, config = ?, state = ?, revision = revision + 1"
        " WHERE uuid = ?",
        (mapping.function_arn, json.dumps(mapping.config), mapping.state, mapping.uuid),
    )


def set_mapping_state(conn: sqlite3.Connection, uuid: str, state: str, revision: int) -> bool:
    """Moves a transitional state on, unless the mapping changed again meanwhile."""
    return (
        conn.execute(
            "UPDATE lambda_event_source_mappings SET state = ? WHERE uuid = ? AND revision = ?",
            (state, uuid, revision),
        ).rowcount
        > 0
    )


def set_mapping_progress(conn: sqlite3.Connection, uuid: str, result: str, checkpoint: str | None) -> None:
    conn.execute(
        "UPDATE lambda_event_source_mappings SET last_result = ?, checkpoint = COALESCE(?, checkpoint)"
        " WHERE uuid = ?",
        (result, checkpoint, uuid),
    )


def delete_mapping(conn: sqlite3.Connection, uuid: str, revision: int) -> None:
    conn.execute("DELETE FROM lambda_event_source_mappings WHERE uuid = ? AND revision = ?", (uuid, revision))


def list_mappings(
    conn: sqlite3.Connection,
    account: str,
    region: str,
    source_arn: str | None,
    function_arn: str | None,
    after: str,
    limit: int,
    *,
    any_qualifier: bool = False,
) -> list[Mapping]:
    """Mappings in uuid order; `any_qualifier` also matches the function's versions and aliases."""
    query = "SELECT * FROM lambda_event_source_mappings WHERE account = ? AND region = ? AND uuid > ?"
    args: list[Any] = [account, region, after]
    if source_arn:
        query += " AND source_arn = ?"
        args.append(source_arn)
    if function_arn:
        query += " AND (function_arn = ? OR (? AND substr(function_arn, 1, ?) = ?))"
        args += [function_arn, any_qualifier, len(function_arn) + 1, function_arn + ":"]
    rows = conn.execute(query + " ORDER BY uuid LIMIT ?", (*args, limit)).fetchall()
    return [_mapping(row) for row in rows]


def claimable_mappings(conn: sqlite3.Connection, owner: str, wall: float) -> list[Mapping]:
    """Every mapping this process runs or may take over (no live lease held by another)."""
    rows = conn.execute(
        "SELECT * FROM lambda_event_source_mappings WHERE owner IS NULL OR owner = ? OR lease_until < ?",
        (owner, wall),
    ).fetchall()
    return [_mapping(row) for row in rows]


def lease_mappings(
    conn: sqlite3.Connection, uuids: list[str], owner: str, until: float, wall: float
) -> set[str]:
    """Takes or renews the leases it can; returns the uuids this process now holds."""
    held = set()
    for uuid in uuids:
        if conn.execute(
            "UPDATE lambda_event_source_mappings SET owner = ?, lease_until = ? WHERE uuid = ?"
            " AND (owner IS NULL OR owner = ? OR lease_until < ?)",
            (owner, until, uuid, owner, wall),
        ).rowcount:
            held.add(uuid)
    return held


def release_mappings(conn: sqlite3.Connection, owner: str) -> None:
    conn.execute(
        "UPDATE lambda_event_source_mappings SET owner = NULL, lease_until = 0 WHERE owner = ?", (owner,)
    )


# -- asynchronous invocation configuration -------------------------------------------------------


def find_invoke_config(
    conn: sqlite3.Connection, account: str, region: str, name: str, qualifier: str
) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT config FROM lambda_event_invoke_configs WHERE account = ? AND region = ? AND name = ?"
        " AND qualifier = ?",
        (account, region, name, qualifier),
    ).fetchone()
    return json.loads(row[0]) if row else None


def put_invoke_config(
    conn: sqlite3.Connection, account: str, region: str, name: str, qualifier: str, config: dict[str, Any]
) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO lambda_event_invoke_configs (account, region, name, qualifier, config)"
        " VALUES (?, ?, ?, ?, ?)",
        (account, region, name, qualifier, json.dumps(config)),
    )


def delete_invoke_config(
    conn: sqlite3.Connection, account: str, region: str, name: str, qualifier: str
) -> bool:
    return (
        conn.execute(
            "DELETE FROM lambda_event_invoke_configs WHERE account = ? AND region = ? AND name = ?"
            " AND qualifier = ?",
            (account, region, name, qualifier),
        ).rowcount
        > 0
    )


def list_invoke_configs(
    conn: sqlite3.Connection, account: str, region: str, name: str
) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT config FROM lambda_event_invoke_configs WHERE account = ? AND region = ? AND name = ?"
        " ORDER BY qualifier",
        (account, region, name),
    ).fetchall()
    return [json.loads(row[0]) for row in rows]


# -- layers ----------------------------------------------------------------------------------------


@dataclass
class LayerVersion:
    name: str
    version: int
    config: dict[str, Any]
    code_dir: str
    deleted: bool = False
    policy: dict[str, Any] | None = None


def next_layer_version(conn: sqlite3.Connection, account: str, region: str, name: str) -> int:
    """Takes the layer's next version number: numbers are never reused, even after deletes."""
    conn.execute(
        "INSERT OR IGNORE INTO lambda_layers (account, region, name) VALUES (?, ?, ?)",
        (account, region, name),
    )
    row = conn.execute(
        "UPDATE lambda_layers SET next_version = next_version + 1 WHERE account = ? AND region = ?"
        " AND name = ? RETURNING next_version - 1",
        (account, region, name),
    ).fetchone()
    return int(row[0])


def put_layer_version(conn: sqlite3.Connection, account: str, region: str, layer: LayerVersion) -> None:
    conn.execute(
        "INSERT INTO lambda_layer_versions (account, region, name, version, config, code_dir)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (account, region, layer.name, layer.version, json.dumps(layer.config), layer.code_dir),
    )


def find_layer_version(
    conn: sqlite3.Connection, account: str, region: str, name: str, version: int, *, deleted: bool = False
) -> LayerVersion | None:
    """A layer version; `deleted=True` also finds deleted ones (functions keep using them)."""
    row = conn.execute(
        "SELECT config, code_dir, deleted, policy FROM lambda_layer_versions WHERE account = ?"
        " AND region = ? AND name = ? AND version = ?",
        (account, region, name, version),
    ).fetchone()
    if row is None or (row[2] and not deleted):
        return None
    return LayerVersion(
        name, version, json.loads(row[0]), row[1], bool(row[2]), json.loads(row[3]) if row[3] else None
    )


def set_layer_policy(conn: sqlite3.Connection, account: str, region: str, layer: LayerVersion) -> None:
    conn.execute(
        "UPDATE lambda_layer_versions SET policy = ? WHERE account = ? AND region = ? AND name = ? AND version = ?",
        (json.dumps(layer.policy) if layer.policy else None, account, region, layer.name, layer.version),
    )


def delete_layer_version(
    conn: sqlite3.Connection, account: str, region: str, name: str, version: int
) -> None:
    conn.execute(
        "UPDATE lambda_layer_versions SET deleted = 1 WHERE account = ? AND region = ? AND name = ?"
        " AND version = ?",
        (account, region, name, version),
    )


def list_layer_versions(
    conn: sqlite3.Connection, account: str, region: str, name: str | None = None
) -> list[LayerVersion]:
    """Live layer versions (of one layer, or all), by name, newest version first."""
    query = (
        "SELECT name, version, config, code_dir FROM lambda_layer_versions WHERE account = ? AND region = ?"
    )
    query += " AND deleted = 0"
    args: list[Any] = [account, region]
    if name is not None:
        query += " AND name = ?"
        args.append(name)
    rows = conn.execute(query + " ORDER BY name, version DESC", args).fetchall()
    return [LayerVersion(row[0], row[1], json.loads(row[2]), row[3]) for row in rows]


# -- function URLs ---------------------------------------------------------------------------------


@dataclass
class FunctionUrl:
    url_id: str
    account: str
    region: str
    name: str
    qualifier: str  # "$LATEST" or an alias
    config: dict[str, Any]


def _url(row: sqlite3.Row) -> FunctionUrl:
    return FunctionUrl(
        row["url_id"], row["account"], row["region"], row["name"], row["qualifier"], json.loads(row["config"])
    )


def find_url(
    conn: sqlite3.Connection, account: str, region: str, name: str, qualifier: str
) -> FunctionUrl | None:
    row = conn.execute(
        "SELECT * FROM lambda_function_urls WHERE account = ? AND region = ? AND name = ? AND qualifier = ?",
        (account, region, name, qualifier),
    ).fetchone()
    return _url(row) if row else None


def find_url_by_id(conn: sqlite3.Connection, url_id: str) -> FunctionUrl | None:
    row = conn.execute("SELECT * FROM lambda_function_urls WHERE url_id = ?", (url_id,)).fetchone()
    return _url(row) if row else None


def put_url(conn: sqlite3.Connection, url: FunctionUrl) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO lambda_function_urls (url_id, account, region, name, qualifier, config)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (url.url_id, url.account, url.region, url.name, url.qualifier, json.dumps(url.config)),
    )


def delete_url(conn: sqlite3.Connection, url_id: str) -> None:
    conn.execute("DELETE FROM lambda_function_urls WHERE url_id = ?", (url_id,))


def list_urls(conn: sqlite3.Connection, account: str, region: str, name: str) -> list[FunctionUrl]:
    rows = conn.execute(
        "SELECT * FROM lambda_function_urls WHERE account = ? AND region = ? AND name = ? ORDER BY qualifier",
        (account, region, name),
    ).fetchall()
    return [_url(row) for row in rows]
