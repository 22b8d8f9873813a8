"""Named, append-only schema migrations, one list per namespace (a service, or core itself).

A namespace's applied migrations are rows of `_migrations`, each written in the transaction
that applies it, so a migration is either fully applied and recorded or not at all. The list
given to `migrate` must extend what the data directory has seen: an applied migration that
was edited, renamed, reordered or removed is refused (edit the schema with a new migration).

A migration is SQL text (one or more statements) or a callable taking the connection, for
data rewrites SQL cannot express. Only a callable's name is fingerprinted, not its body.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cloudlet.core.store import Store

BOOTSTRAP = """
    CREATE TABLE IF NOT EXISTS _migrations (
        namespace TEXT NOT NULL,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        checksum TEXT NOT NULL,
        applied_at REAL NOT NULL,
        PRIMARY KEY (namespace, position)
    )
"""


class MigrationError(RuntimeError):
    """The code's migrations and the data directory's history disagree."""


@dataclass(frozen=True)
class Migration:
    name: str
    apply: str | Callable[[sqlite3.Connection], None]

    @property
    def checksum(self) -> str:
        if isinstance(self.apply, str):
            # Whitespace-insensitive, so re-indenting a migration's SQL is not a change.
            text = "sql:" + " ".join(self.apply.split())
        else:
            text = f"callable:{self.apply.__module__}.{self.apply.__qualname__}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def run(self, conn: sqlite3.Connection) -> None:
        if isinstance(self.apply, str):
            for statement in split_statements(self.apply):
                conn.execute(statement)
        else:
            self.apply(conn)


def split_statements(sql: str) -> list[str]:
    """SQL text -> statements; semicolons inside strings or trigger bodies do not split.

    (`executescript` would do this, but it commits the open transaction first.)
    """
    statements, current = [], ""
    pieces = sql.split(";")
    for index, piece in enumerate(pieces):
        current += piece if index == len(pieces) - 1 else piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \t\r\n;"):
                statements.append(current.strip())
            current = ""
    if current.strip():
        # A last statement without its semicolon, or a trailing comment.
        if not sqlite3.complete_statement(current + "\n;"):
            raise MigrationError(f"incomplete SQL statement: {current.strip()[:200]!r}")
        statements.append(current.strip() + "\n;")
    return statements


def migrate(store: Store, namespace: str, migrations: Sequence[Migration]) -> None:
    """Applies the migrations of `namespace` that the data directory lacks, in order."""
    if not namespace:
        raise ValueError("a migration namespace must not be empty")
    _check_unique(namespace, migrations)
    with store.read() as conn:
        applied = _applied(conn, namespace)
    _check_history(namespace, applied, migrations)
    # One transaction per migration; each re-reads the history under the write lock, so a
    # second process starting at the same time waits, then finds the work done.
    for position in range(len(applied), len(migrations)):
        with store.db() as conn:
            applied = _applied(conn, namespace)
            _check_history(namespace, applied, migrations)
            if position < len(applied):
                continue
            migration = migrations[position]
            migration.run(conn)
            conn.execute(
                "INSERT INTO _migrations (namespace, position, name, checksum, applied_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (namespace, position, migration.name, migration.checksum, time.time()),
            )


def applied_migrations(conn: sqlite3.Connection, namespace: str) -> list[str]:
    """Names of the migrations of `namespace` applied so far, in order."""
    return [name for name, _ in _applied(conn, namespace)]


def migrated_namespaces(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT DISTINCT namespace FROM _migrations")}


def _applied(conn: sqlite3.Connection, namespace: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT name, checksum FROM _migrations WHERE namespace = ? ORDER BY position", (namespace,)
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def _check_unique(namespace: str, migrations: Sequence[Migration]) -> None:
    seen: set[str] = set()
    for migration in migrations:
        if migration.name in seen:
            raise MigrationError(f"{namespace}: migration {migration.name!r} is listed twice")
        seen.add(migration.name)


def _check_history(namespace: str, applied: list[tuple[str, str]], migrations: Sequence[Migration]) -> None:
    if len(applied) > len(migrations):
        unknown = ", ".join(name for name, _ in applied[len(migrations):])
        raise MigrationError(
            f"{namespace}: the data directory has migrations this code does not know ({unknown});"
            " was it written by a newer cloudlet, or was a migration removed?"
        )
    for position, (name, checksum) in enumerate(applied):
        migration = migrations[position]
        if migration.name != name:
            raise MigrationError(
                f"{namespace}: migration #{position + 1} was applied as {name!r} but the code now has"
                f" {migration.name!r} there; migrations are append-only (add a new one instead)"
            )
        if migration.checksum != checksum:
            raise MigrationError(
                f"{namespace}: migration {name!r} changed after it was applied; migrations are"
                " append-only (add a new one instead)"
            )
