"""Single-item operations: PutItem, GetItem, UpdateItem, DeleteItem, and their return values.

Each runs inside the caller's store transaction; transactions and batches reuse the same
steps (`plan_*` decides the new item and checks conditions, `writes.commit` applies it).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from cloudlet.services.dynamodb import capacity, requests, writes
from cloudlet.services.dynamodb.attributes import MAX_ITEM_SIZE, Item, check_item, item_size
from cloudlet.services.dynamodb.errors import (
    ConditionalCheckFailedException,
    ItemValidationException,
    ValidationException,
    invalid,
)
from cloudlet.services.dynamodb.expressions.evaluator import matches, project, projection_tree
from cloudlet.services.dynamodb.expressions.updates import apply
from cloudlet.services.dynamodb.schema import Table
from cloudlet.services.dynamodb.store import Key

_RETURN_VALUES = {
    "PutItem": ("NONE", "ALL_OLD"),
    "DeleteItem": ("NONE", "ALL_OLD"),
    "UpdateItem": ("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"),
}


@dataclass
class Plan:
    """One item's write, decided but not yet applied."""

    table: Table
    key: Key
    old: Item | None
    new: Item | None
    expressions: requests.Expressions

    def apply(self, conn: sqlite3.Connection, now: float) -> None:
        writes.commit(conn, self.table, self.key, self.old, self.new, now)

    def units(self, transactional: bool = False) -> float:
        sizes = [item_size(item) for item in (self.old, self.new) if item is not None]
        return capacity.write_units(max(sizes, default=0), transactional)

    def index_units(self, transactional: bool = False) -> dict[str, tuple[bool, float]]:
        """Writes each index takes: one to remove the old entry and one to put the new."""
        units: dict[str, tuple[bool, float]] = {}
        if self.new is self.old:
            return units
        for name, index in self.table.indexes.items():
            entries = [
                (self.table.index_key(index, item), self.table.project(index, item))
                for item in (self.old, self.new)
                if item is not None
            ]
            entries = [(key, entry) for key, entry in entries if key is not None]
            if len(entries) == 2 and entries[0][0] == entries[1][0]:
                # Same index key: updated in place, or not written at all when what it projects
                # did not change.
                entries = entries[1:] if entries[0][1] != entries[1][1] else []
            if entries:
                spent = sum(capacity.write_units(item_size(entry), transactional) for _, entry in entries)
                units[name] = (index.is_global, spent)
        return units


def check_return_values(operation: str, params: dict[str, Any]) -> str:
    value = params.get("ReturnValues") or "NONE"
    if value not in _RETURN_VALUES[operation]:
        raise ValidationException("Return values set to invalid value")
    return value


def check_condition(plan_condition: Any, old: Item | None, params: dict[str, Any]) -> None:
    if plan_condition is not None and not matches(plan_condition, old or {}):
        raise ConditionalCheckFailedException(
            old
            if params.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and old is not None
            else None
        )


def plan_put(conn: sqlite3.Connection, table: Table, params: dict[str, Any]) -> Plan:
    expressions = requests.parse(params)
    item = check_item(params["Item"])
    key = table.key_of_item(item)
    writes.check_size(item)
    old = writes.load(conn, table, key)
    check_condition(expressions.condition, old, params)
    return Plan(table, key, old, item, expressions)


def plan_delete(conn: sqlite3.Connection, table: Table, params: dict[str, Any]) -> Plan:
    expressions = requests.parse(params)
    key = table.key_of_request(check_item(params["Key"]))
    old = writes.load(conn, table, key)
    check_condition(expressions.condition, old, params)
    return Plan(table, key, old, None, expressions)


def plan_update(conn: sqlite3.Connection, table: Table, params: dict[str, Any]) -> Plan:
    expressions = requests.parse(params)
    key_item = check_item(params["Key"])
    key = table.key_of_request(key_item)
    old = writes.load(conn, table, key)
    check_condition(expressions.condition, old, params)
    new: Item | None = dict(old) if old is not None else dict(key_item)
    update = expressions.update
    if update is not None:
        check_key_untouched(table, update.paths())
        new = check_item(apply(update, old if old is not None else key_item, exists=old is not None))
        if item_size(new) > MAX_ITEM_SIZE:
            raise ItemValidationException("Item size to update has exceeded the maximum allowed size")
        if old is None and not update.creates():
            new = None
    return Plan(table, key, old, new, expressions)


def check_key_untouched(table: Table, paths: list[Any]) -> None:
    for path in paths:
        if path.elements[0] in table.key_names():
            raise invalid(f"Cannot update attribute {path.elements[0]}. This attribute is part of the key")


def plan_check(conn: sqlite3.Connection, table: Table, params: dict[str, Any]) -> Plan:
    """A transaction's ConditionCheck: a plan that writes nothing."""
    expressions = requests.parse(params)
    key = table.key_of_request(check_item(params["Key"]))
    old = writes.load(conn, table, key)
    check_condition(expressions.condition, old, params)
    return Plan(table, key, old, old, expressions)


def returned(plan: Plan, return_values: str) -> Item | None:
    """The Attributes member for ReturnValues."""
    if return_values == "ALL_OLD":
        return plan.old
    if return_values == "ALL_NEW":
        return plan.new
    if return_values in ("UPDATED_OLD", "UPDATED_NEW") and plan.expressions.update is not None:
        source = plan.old if return_values == "UPDATED_OLD" else plan.new
        if source is None:
            return None
        return project(source, projection_tree(plan.expressions.update.paths())) or None
    return None


def get(conn: sqlite3.Connection, table: Table, params: dict[str, Any]) -> tuple[Item | None, float]:
    expressions = requests.parse(params)
    key = table.key_of_request(check_item(params["Key"]))
    item = writes.load(conn, table, key)
    units = capacity.read_units(item_size(item) if item else 0, bool(params.get("ConsistentRead")))
    if item is not None and expressions.projection is not None:
        item = project(item, expressions.projection)
    return item, units
