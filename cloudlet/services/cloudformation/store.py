"""CloudFormation's tables: stacks, their resources and events, change sets, exports, and the
IAM entities templates declare (no IAM service exists yet: they are kept here, see iam.py).

A stack row is the whole truth about an operation in flight: its status says which phase runs,
`previous` holds what an update started from (template, parameters, outputs) and each resource
row's `previous` what that resource was before the operation touched it, so a rollback can be
run from the store alone (including by a process that restarted mid-operation).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from cloudlet.core.migrations import Migration

MIGRATIONS = (
    Migration(
        "0001_stacks",
        """
        CREATE TABLE cfn_stacks (
            stack_id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT,
            description TEXT,
            template TEXT NOT NULL,
            original TEXT NOT NULL,
            parameters TEXT NOT NULL,
            capabilities TEXT NOT NULL,
            tags TEXT NOT NULL,
            outputs TEXT NOT NULL,
            notification_arns TEXT NOT NULL,
            disable_rollback INTEGER NOT NULL DEFAULT 0,
            termination_protection INTEGER NOT NULL DEFAULT 0,
            policy TEXT,
            role_arn TEXT,
            timeout INTEGER,
            imports TEXT NOT NULL DEFAULT '[]',
            previous TEXT,
            owner INTEGER,
            change_set_id TEXT,
            created_at REAL NOT NULL,
            updated_at REAL,
            deleted_at REAL
        );
        CREATE UNIQUE INDEX cfn_stacks_live_name ON cfn_stacks (account_id, region, name) WHERE deleted_at IS NULL;
        CREATE TABLE cfn_resources (
            stack_id TEXT NOT NULL,
            logical_id TEXT NOT NULL,
            type TEXT NOT NULL,
            physical_id TEXT,
            status TEXT NOT NULL,
            reason TEXT,
            properties TEXT NOT NULL,
            attributes TEXT NOT NULL,
            depends_on TEXT NOT NULL,
            policy TEXT NOT NULL,
            previous TEXT,
            updated_at REAL NOT NULL,
            PRIMARY KEY (stack_id, logical_id)
        );
        CREATE TABLE cfn_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            stack_id TEXT NOT NULL,
            event_id TEXT NOT NULL,
            logical_id TEXT NOT NULL,
            physical_id TEXT,
            type TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT,
            properties TEXT,
            at REAL NOT NULL
        );
        CREATE INDEX cfn_events_stack ON cfn_events (stack_id, seq);
        CREATE TABLE cfn_change_sets (
            change_set_id TEXT PRIMARY KEY,
            stack_id TEXT NOT NULL,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            execution_status TEXT NOT NULL,
            reason TEXT,
            description TEXT,
            request TEXT NOT NULL,
            changes TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE UNIQUE INDEX cfn_change_sets_name ON cfn_change_sets (stack_id, name);
        CREATE TABLE cfn_exports (
            account_id TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            stack_id TEXT NOT NULL,
            PRIMARY KEY (account_id, region, name)
        );
        CREATE TABLE cfn_iam_entities (
            account_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            arn TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            document TEXT NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (account_id, kind, name)
        );
    """,
    ),
)


def _load(text: str | None, default: Any = None) -> Any:
    return json.loads(text) if text else default


def dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


@dataclass
class Stack:
    stack_id: str
    account_id: str
    region: str
    name: str
    status: str
    reason: str | None
    description: str | None
    template: dict[str, Any]
    original: str
    parameters: dict[str, Any]  # {"given": [{ParameterKey, ParameterValue}], "resolved": {name: value}}
    capabilities: list[str]
    tags: list[dict[str, str]]
    outputs: list[dict[str, Any]]
    notification_arns: list[str]
    disable_rollback: bool
    termination_protection: bool
    policy: str | None
    role_arn: str | None
    timeout: int | None
    imports: list[str]
    previous: dict[str, Any] | None
    owner: int | None
    change_set_id: str | None
    created_at: float
    updated_at: float | None
    deleted_at: float | None

    @classmethod
    def from_row(cls, row: sqlite3.Row | tuple) -> Stack:
        (
            stack_id,
            account_id,
            region,
            name,
            status,
            reason,
            description,
            template,
            original,
            parameters,
            capabilities,
            tags,
            outputs,
            notification_arns,
            disable_rollback,
            termination_protection,
            policy,
            role_arn,
            timeout,
            imports,
            previous,
            owner,
            change_set_id,
            created_at,
            updated_at,
            deleted_at,
        ) = row
        return cls(
            stack_id,
            account_id,
            region,
            name,
            status,
            reason,
            description,
            _load(template, {}),
            original,
            _load(parameters, {}),
            _load(capabilities, []),
            _load(tags, []),
            _load(outputs, []),
            _load(notification_arns, []),
            bool(disable_rollback),
            bool(termination_protection),
            policy,
            role_arn,
            timeout,
            _load(imports, []),
            _load(previous),
            owner,
            change_set_id,
            created_at,
            updated_at,
            deleted_at,
        )


_STACK_COLUMNS = (
    "stack_id, account_id, region, name, status, reason, description, template, original, parameters,"
    " capabilities, tags, outputs, notification_arns, disable_rollback, termination_protection,"
    " policy, role_arn, timeout, imports, previous, owner, change_set_id, created_at, updated_at,"
    " deleted_at"
)


def insert_stack(conn: sqlite3.Connection, stack: Stack) -> None:
    conn.execute(
        f"INSERT INTO cfn_stacks ({_STACK_COLUMNS}) VALUES ({', '.join('?' * 26)})",
        (
            stack.stack_id,
            stack.account_id,
            stack.region,
            stack.name,
            stack.status,
            stack.reason,
            stack.description,
            dump(stack.template),
            stack.original,
            dump(stack.parameters),
            dump(stack.capabilities),
            dump(stack.tags),
            dump(stack.outputs),
            dump(stack.notification_arns),
            int(stack.disable_rollback),
            int(stack.termination_protection),
            stack.policy,
            stack.role_arn,
            stack.timeout,
            dump(stack.imports),
            dump(stack.previous) if stack.previous is not None else None,
            stack.owner,
            stack.change_set_id,
            stack.created_at,
            stack.updated_at,
            stack.deleted_at,
        ),
    )


def save_stack(conn: sqlite3.Connection, stack: Stack) -> None:
    conn.execute("DELETE FROM cfn_stacks WHERE stack_id = ?", (stack.stack_id,))
    insert_stack(conn, stack)


def find_stack(conn: sqlite3.Connection, account_id: str, region: str, name_or_id: str) -> Stack | None:
    if name_or_id.startswith("arn:"):
        row = conn.execute(
            f"SELECT {_STACK_COLUMNS} FROM cfn_stacks WHERE stack_id = ? AND account_id = ?",
            (name_or_id, account_id),
        ).fetchone()
    else:
        row = conn.execute(
            f"SELECT {_STACK_COLUMNS} FROM cfn_stacks WHERE account_id = ? AND region = ? AND name = ?"
            " AND deleted_at IS NULL",
            (account_id, region, name_or_id),
        ).fetchone()
    return Stack.from_row(row) if row else None


def get_stack(conn: sqlite3.Connection, stack_id: str) -> Stack:
    row = conn.execute(f"SELECT {_STACK_COLUMNS} FROM cfn_stacks WHERE stack_id = ?", (stack_id,)).fetchone()
    return Stack.from_row(row)


def list_stacks(conn: sqlite3.Connection, account_id: str, region: str, *, live_only: bool) -> list[Stack]:
    where = " AND deleted_at IS NULL" if live_only else ""
    rows = conn.execute(
        f"SELECT {_STACK_COLUMNS} FROM cfn_stacks WHERE account_id = ? AND region = ?{where}"
        " ORDER BY created_at DESC",
        (account_id, region),
    ).fetchall()
    return [Stack.from_row(row) for row in rows]


def stacks_in_progress(conn: sqlite3.Connection) -> list[Stack]:
    rows = conn.execute(
        f"SELECT {_STACK_COLUMNS} FROM cfn_stacks WHERE status LIKE '%IN_PROGRESS'"
        " AND status != 'REVIEW_IN_PROGRESS'"
    ).fetchall()
    return [Stack.from_row(row) for row in rows]


def set_status(conn: sqlite3.Connection, stack_id: str, status: str, reason: str | None, now: float) -> None:
    deleted = now if status == "DELETE_COMPLETE" else None
    conn.execute(
        "UPDATE cfn_stacks SET status = ?, reason = ?, updated_at = COALESCE(?, updated_at),"
        " deleted_at = COALESCE(?, deleted_at) WHERE stack_id = ?",
        (status, reason, now if status.startswith("UPDATE") else None, deleted, stack_id),
    )


@dataclass
class Resource:
    stack_id: str
    logical_id: str
    type: str
    physical_id: str | None
    status: str
    reason: str | None
    properties: dict[str, Any]
    attributes: dict[str, Any]
    depends_on: list[str]
    policy: dict[str, str]  # DeletionPolicy / UpdateReplacePolicy
    previous: dict[str, Any] | None = None
    updated_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: tuple) -> Resource:
        (
            stack_id,
            logical_id,
            type_,
            physical_id,
            status,
            reason,
            properties,
            attributes,
            depends_on,
            policy,
            previous,
            updated_at,
        ) = row
        return cls(
            stack_id,
            logical_id,
            type_,
            physical_id,
            status,
            reason,
            _load(properties, {}),
            _load(attributes, {}),
            _load(depends_on, []),
            _load(policy, {}),
            _load(previous),
            updated_at,
        )


_RESOURCE_COLUMNS = (
    "stack_id, logical_id, type, physical_id, status, reason, properties, attributes, depends_on,"
    " policy, previous, updated_at"
)


def put_resource(conn: sqlite3.Connection, r: Resource) -> None:
    conn.execute(
        f"INSERT OR REPLACE INTO cfn_resources ({_RESOURCE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            r.stack_id,
            r.logical_id,
            r.type,
            r.physical_id,
            r.status,
            r.reason,
            dump(r.properties),
            dump(r.attributes),
            dump(r.depends_on),
            dump(r.policy),
            dump(r.previous) if r.previous is not None else None,
            r.updated_at,
        ),
    )


def delete_resource(conn: sqlite3.Connection, stack_id: str, logical_id: str) -> None:
    conn.execute("DELETE FROM cfn_resources WHERE stack_id = ? AND logical_id = ?", (stack_id, logical_id))


def resources(conn: sqlite3.Connection, stack_id: str) -> list[Resource]:
    rows = conn.execute(
        f"SELECT {_RESOURCE_COLUMNS} FROM cfn_resources WHERE stack_id = ? ORDER BY rowid", (stack_id,)
    ).fetchall()
    return [Resource.from_row(row) for row in rows]


def add_event(
    conn: sqlite3.Connection,
    stack_id: str,
    event_id: str,
    logical_id: str,
    physical_id: str | None,
    type_: str,
    status: str,
    reason: str | None,
    properties: Any,
    at: float,
) -> None:
    conn.execute(
        "INSERT INTO cfn_events (stack_id, event_id, logical_id, physical_id, type, status, reason,"
        " properties, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            stack_id,
            event_id,
            logical_id,
            physical_id,
            type_,
            status,
            reason,
            dump(properties) if properties is not None else None,
            at,
        ),
    )


def events(conn: sqlite3.Connection, stack_id: str) -> list[tuple]:
    return conn.execute(
        "SELECT event_id, logical_id, physical_id, type, status, reason, properties, at"
        " FROM cfn_events WHERE stack_id = ? ORDER BY seq DESC",
        (stack_id,),
    ).fetchall()


@dataclass
class ChangeSet:
    change_set_id: str
    stack_id: str
    name: str
    kind: str
    status: str
    execution_status: str
    reason: str | None
    description: str | None
    request: dict[str, Any]  # template, original, parameters, capabilities, tags, ...
    changes: list[dict[str, Any]]
    created_at: float


def put_change_set(conn: sqlite3.Connection, c: ChangeSet) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO cfn_change_sets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            c.change_set_id,
            c.stack_id,
            c.name,
            c.kind,
            c.status,
            c.execution_status,
            c.reason,
            c.description,
            dump(c.request),
            dump(c.changes),
            c.created_at,
        ),
    )


def _change_set(row: tuple) -> ChangeSet:
    *head, request, changes, created_at = row
    return ChangeSet(*head, _load(request, {}), _load(changes, []), created_at)


def find_change_set(conn: sqlite3.Connection, stack_id: str | None, name_or_id: str) -> ChangeSet | None:
    if name_or_id.startswith("arn:"):
        row = conn.execute("SELECT * FROM cfn_change_sets WHERE change_set_id = ?", (name_or_id,)).fetchone()
    else:
        row = conn.execute(
            "SELECT * FROM cfn_change_sets WHERE stack_id = ? AND name = ?", (stack_id, name_or_id)
        ).fetchone()
    return _change_set(row) if row else None


def change_sets(conn: sqlite3.Connection, stack_id: str) -> list[ChangeSet]:
    rows = conn.execute("SELECT * FROM cfn_change_sets WHERE stack_id = ? ORDER BY created_at", (stack_id,))
    return [_change_set(row) for row in rows.fetchall()]


def delete_change_sets(conn: sqlite3.Connection, stack_id: str, name: str | None = None) -> None:
    if name is None:
        conn.execute("DELETE FROM cfn_change_sets WHERE stack_id = ?", (stack_id,))
    else:
        conn.execute("DELETE FROM cfn_change_sets WHERE stack_id = ? AND name = ?", (stack_id, name))


def find_export(conn: sqlite3.Connection, account_id: str, region: str, name: str) -> tuple[str, str] | None:
    row = conn.execute(
        "SELECT value, stack_id FROM cfn_exports WHERE account_id = ? AND region = ? AND name = ?",
        (account_id, region, name),
    ).fetchone()
    return (row[0], row[1]) if row else None


def exports(conn: sqlite3.Connection, account_id: str, region: str) -> list[tuple[str, str, str]]:
    return conn.execute(
        "SELECT name, value, stack_id FROM cfn_exports WHERE account_id = ? AND region = ? ORDER BY name",
        (account_id, region),
    ).fetchall()


def replace_exports(conn: sqlite3.Connection, stack: Stack, values: dict[str, str]) -> None:
    conn.execute("DELETE FROM cfn_exports WHERE stack_id = ?", (stack.stack_id,))
    conn.executemany(
        "INSERT INTO cfn_exports VALUES (?, ?, ?, ?, ?)",
        [(stack.account_id, stack.region, name, value, stack.stack_id) for name, value in values.items()],
    )


def importers(conn: sqlite3.Connection, account_id: str, region: str, name: str) -> list[str]:
    """Live stacks importing export `name`."""
    rows = conn.execute(
        "SELECT stack_id, imports FROM cfn_stacks WHERE account_id = ? AND region = ? AND deleted_at IS NULL",
        (account_id, region),
    ).fetchall()
    return [stack_id for stack_id, imports in rows if name in _load(imports, [])]


def put_iam_entity(
    conn: sqlite3.Connection,
    account_id: str,
    kind: str,
    name: str,
    arn: str,
    entity_id: str,
    document: dict[str, Any],
    now: float,
) -> bool:
    """False when an entity of that kind and name exists already."""
    try:
        conn.execute(
            "INSERT INTO cfn_iam_entities VALUES (?, ?, ?, ?, ?, ?, ?)",
            (account_id, kind, name, arn, entity_id, dump(document), now),
        )
    except sqlite3.IntegrityError:
        return False
    return True


def update_iam_entity(
    conn: sqlite3.Connection, account_id: str, kind: str, name: str, document: dict[str, Any]
) -> None:
    conn.execute(
        "UPDATE cfn_iam_entities SET document = ? WHERE account_id = ? AND kind = ? AND name = ?",
        (dump(document), account_id, kind, name),
    )


def delete_iam_entity(conn: sqlite3.Connection, account_id: str, kind: str, name: str) -> None:
    conn.execute(
        "DELETE FROM cfn_iam_entities WHERE account_id = ? AND kind = ? AND name = ?",
        (account_id, kind, name),
    )
