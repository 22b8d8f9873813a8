"""EventBridge's tables: event buses, rules (with their next scheduled firing), targets, tags.

The `default` bus of an account and region has no row: it exists without being created.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from cloudlet.core.migrations import Migration

MIGRATIONS = (
    Migration("0001_buses_rules_targets", """
        CREATE TABLE events_buses (
            arn TEXT PRIMARY KEY,
            account_id TEXT NOT NULL,
            region TEXT NOT NULL,
            name TEXT NOT NULL,
            description TEXT,
            created_at REAL NOT NULL,
            modified_at REAL NOT NULL
        );
        CREATE UNIQUE INDEX events_buses_name ON events_buses (account_id, region, name);
        CREATE TABLE events_rules (
            arn TEXT PRIMARY KEY,
            account_id TEXT NOT NULL,
            region TEXT NOT NULL,
            bus TEXT NOT NULL,
            name TEXT NOT NULL,
            event_pattern TEXT,
            schedule TEXT,
            state TEXT NOT NULL,
            description TEXT,
            role_arn TEXT,
            managed_by TEXT,
            created_at REAL NOT NULL,
            next_fire_at REAL
        );
        CREATE UNIQUE INDEX events_rules_name ON events_rules (account_id, region, bus, name);
        CREATE INDEX events_rules_due ON events_rules (next_fire_at) WHERE next_fire_at IS NOT NULL;
        CREATE TABLE events_targets (
            rule_arn TEXT NOT NULL,
            target_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            arn TEXT NOT NULL,
            config TEXT NOT NULL,
            PRIMARY KEY (rule_arn, target_id)
        );
        CREATE INDEX events_targets_arn ON events_targets (arn);
        CREATE TABLE events_tags (
            arn TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (arn, key)
        );
    """),
)

_dumps = json.JSONEncoder(separators=(",", ":")).encode


@dataclass
class Bus:
    arn: str
    account_id: str
    region: str
    name: str
    description: str | None = None
    created_at: float | None = None
    modified_at: float | None = None


@dataclass
class Rule:
    arn: str
    account_id: str
    region: str
    bus: str
    name: str
    event_pattern: str | None
    schedule: str | None
    state: str
    description: str | None
    role_arn: str | None
    managed_by: str | None
    created_at: float
    next_fire_at: float | None = None

    @property
    def enabled(self) -> bool:
        return self.state != "DISABLED"


# -- buses ---------------------------------------------------------------------------------------


def find_bus(conn: sqlite3.Connection, account: str, region: str, name: str) -> Bus | None:
    row = conn.execute("SELECT * FROM events_buses WHERE account_id = ? AND region = ? AND name = ?",
                       (account, region, name)).fetchone()
    return Bus(**dict(row)) if row else None


def insert_bus(conn: sqlite3.Connection, bus: Bus) -> None:
    conn.execute("INSERT INTO events_buses VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (bus.arn, bus.account_id, bus.region, bus.name, bus.description, bus.created_at, bus.modified_at))


def update_bus(conn: sqlite3.Connection, bus: Bus) -> None:
    conn.execute("UPDATE events_buses SET description = ?, modified_at = ? WHERE arn = ?",
                 (bus.description, bus.modified_at, bus.arn))


def delete_bus(conn: sqlite3.Connection, arn: str) -> None:
    conn.execute("DELETE FROM events_buses WHERE arn = ?", (arn,))
    delete_tags(conn, arn, None)


def list_buses(conn: sqlite3.Connection, account: str, region: str, prefix: str) -> list[Bus]:
    rows = conn.execute(
        "SELECT * FROM events_buses WHERE account_id = ? AND region = ? AND substr(name, 1, ?) = ? ORDER BY name",
        (account, region, len(prefix), prefix)).fetchall()
    return [Bus(**dict(row)) for row in rows]


# -- rules ---------------------------------------------------------------------------------------


def find_rule(conn: sqlite3.Connection, account: str, region: str, bus: str, name: str) -> Rule | None:
    row = conn.execute(
        "SELECT * FROM events_rules WHERE account_id = ? AND region = ? AND bus = ? AND name = ?",
        (account, region, bus, name)).fetchone()
    return Rule(**dict(row)) if row else None


def rule_by_arn(conn: sqlite3.Connection, arn: str) -> Rule | None:
    row = conn.execute("SELECT * FROM events_rules WHERE arn = ?", (arn,)).fetchone()
    return Rule(**dict(row)) if row else None


def save_rule(conn: sqlite3.Connection, rule: Rule) -> None:
    conn.execute(
        "INSERT INTO events_rules VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (arn) DO UPDATE SET"
        " event_pattern = excluded.event_pattern, schedule = excluded.schedule, state = excluded.state,"
        " description = excluded.description, role_arn = excluded.role_arn, next_fire_at = excluded.next_fire_at",
        (rule.arn, rule.account_id, rule.region, rule.bus, rule.name, rule.event_pattern, rule.schedule, rule.state,
         rule.description, rule.role_arn, rule.managed_by, rule.created_at, rule.next_fire_at))


def delete_rule(conn: sqlite3.Connection, arn: str) -> None:
    conn.execute("DELETE FROM events_rules WHERE arn = ?", (arn,))
    conn.execute("DELETE FROM events_targets WHERE rule_arn = ?", (arn,))
    delete_tags(conn, arn, None)


def list_rules(conn: sqlite3.Connection, account: str, region: str, bus: str, prefix: str) -> list[Rule]:
    rows = conn.execute(
        "SELECT * FROM events_rules WHERE account_id = ? AND region = ? AND bus = ? AND substr(name, 1, ?) = ?"
        " ORDER BY name", (account, region, bus, len(prefix), prefix)).fetchall()
    return [Rule(**dict(row)) for row in rows]


def enabled_pattern_rules(conn: sqlite3.Connection, account: str, region: str, bus: str) -> list[Rule]:
    rows = conn.execute(
        "SELECT * FROM events_rules WHERE account_id = ? AND region = ? AND bus = ? AND state != 'DISABLED'"
        " AND event_pattern IS NOT NULL", (account, region, bus)).fetchall()
    return [Rule(**dict(row)) for row in rows]


def scheduled_rules(conn: sqlite3.Connection) -> list[Rule]:
    rows = conn.execute("SELECT * FROM events_rules WHERE next_fire_at IS NOT NULL").fetchall()
    return [Rule(**dict(row)) for row in rows]


def move_schedule(conn: sqlite3.Connection, arn: str, due: float, following: float) -> bool:
    """Claims the firing due at `due` (one process only, whichever commits first)."""
    return conn.execute("UPDATE events_rules SET next_fire_at = ? WHERE arn = ? AND next_fire_at = ?",
                        (following, arn, due)).rowcount == 1


def rule_count(conn: sqlite3.Connection, account: str, region: str, bus: str) -> int:
    return conn.execute("SELECT COUNT(*) FROM events_rules WHERE account_id = ? AND region = ? AND bus = ?",
                        (account, region, bus)).fetchone()[0]


# -- targets -------------------------------------------------------------------------------------


def targets(conn: sqlite3.Connection, rule_arn: str) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT config FROM events_targets WHERE rule_arn = ? ORDER BY position, target_id",
                        (rule_arn,)).fetchall()
    return [json.loads(row[0]) for row in rows]


def target_ids(conn: sqlite3.Connection, rule_arn: str) -> set[str]:
    return {row[0] for row in conn.execute("SELECT target_id FROM events_targets WHERE rule_arn = ?", (rule_arn,))}


def save_target(conn: sqlite3.Connection, rule_arn: str, target: dict[str, Any]) -> None:
    position = conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM events_targets WHERE rule_arn = ?",
                            (rule_arn,)).fetchone()[0]
    conn.execute(
        "INSERT INTO events_targets VALUES (?, ?, ?, ?, ?) ON CONFLICT (rule_arn, target_id) DO UPDATE SET"
        " arn = excluded.arn, config = excluded.config",
        (rule_arn, target["Id"], position, target["Arn"], _dumps(target)))


def delete_target(conn: sqlite3.Connection, rule_arn: str, target_id: str) -> bool:
    return conn.execute("DELETE FROM events_targets WHERE rule_arn = ? AND target_id = ?",
                        (rule_arn, target_id)).rowcount == 1


def rules_targeting(conn: sqlite3.Connection, account: str, region: str, bus: str, arn: str) -> list[str]:
    rows = conn.execute(
        "SELECT DISTINCT r.name FROM events_targets t JOIN events_rules r ON r.arn = t.rule_arn"
        " WHERE t.arn = ? AND r.account_id = ? AND r.region = ? AND r.bus = ? ORDER BY r.name",
        (arn, account, region, bus)).fetchall()
    return [row[0] for row in rows]


# -- tags ----------------------------------------------------------------------------------------


def tags(conn: sqlite3.Connection, arn: str) -> dict[str, str]:
    return dict(conn.execute("SELECT key, value FROM events_tags WHERE arn = ? ORDER BY key", (arn,)).fetchall())


def set_tags(conn: sqlite3.Connection, arn: str, values: dict[str, str]) -> None:
    conn.executemany("INSERT INTO events_tags VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value",
                     [(arn, key, value) for key, value in values.items()])


def delete_tags(conn: sqlite3.Connection, arn: str, keys: list[str] | None) -> None:
    if keys is None:
        conn.execute("DELETE FROM events_tags WHERE arn = ?", (arn,))
    else:
        conn.executemany("DELETE FROM events_tags WHERE arn = ? AND key = ?", [(arn, key) for key in keys])
