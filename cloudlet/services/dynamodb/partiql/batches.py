"""BatchExecuteStatement (each statement on its own, errors per slot) and ExecuteTransaction
(all reads or all writes, all or nothing, with the same idempotency tokens as TransactWriteItems)."""

from __future__ import annotations

import sqlite3
from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.services.dynamodb import capacity, items, tables, transactions, writes
from cloudlet.services.dynamodb.attributes import Item, item_size
from cloudlet.services.dynamodb.errors import (
    ConditionalCheckFailedException,
    DuplicateItemException,
    ResourceNotFoundException,
    TransactionCanceledException,
    ValidationException,
)
from cloudlet.services.dynamodb.expressions.evaluator import project, projection_tree
from cloudlet.services.dynamodb.partiql import execute
from cloudlet.services.dynamodb.partiql import keys as where_keys
from cloudlet.services.dynamodb.partiql.statements import Select, Statement

MAX_BATCH = 25
MAX_TRANSACTION = 100
_KEYED_SELECT = "Select statements within {} must specify the primary key in the where clause."
_MIXED = "ExecuteTransaction API does not support both read and write operations in the same request."
_ERROR_CODES = {
    ValidationException: "ValidationError",
    ResourceNotFoundException: "ResourceNotFound",
    ConditionalCheckFailedException: "ConditionalCheckFailed",
    DuplicateItemException: "DuplicateItem",
}

Slot = Statement | dict[str, Any]  # a parsed statement, or the slot's Error


# -- BatchExecuteStatement -------------------------------------------------------------------------


def parse_batch(params: dict[str, Any]) -> list[Slot]:
    entries = params["Statements"]
    if len(entries) > MAX_BATCH:
        raise ValidationException(
            f"1 validation error detected: Value at 'statements' failed to satisfy constraint:"
            f" Member must have length less than or equal to {MAX_BATCH}"
        )
    slots: list[Slot] = []
    for entry in entries:
        try:
            slots.append(execute.parse_request(entry))
        except ValidationException as exc:
            slots.append(_error(exc))
    kinds = {slot.is_read for slot in slots if not isinstance(slot, dict)}
    if len(kinds) > 1:
        raise ValidationException("Statements in a BatchExecuteStatement must be all reads or all writes")
    return slots


def has_writes(slots: list[Slot]) -> bool:
    return any(not isinstance(slot, dict) and not slot.is_read for slot in slots)


def batch(
    conn: sqlite3.Connection, account: str, region: str, params: dict[str, Any], slots: list[Slot], now: float
) -> dict[str, Any]:
    responses: list[dict[str, Any]] = []
    spent: dict[str, float] = {}
    for entry, slot in zip(params["Statements"], slots, strict=True):
        if isinstance(slot, dict):
            responses.append(slot)
            continue
        try:
            response, units = (
                _batch_read(conn, account, region, slot, entry)
                if isinstance(slot, Select)
                else _batch_write(conn, account, region, slot, entry, now)
            )
        except (
            ValidationException,
            ResourceNotFoundException,
            ConditionalCheckFailedException,
            DuplicateItemException,
        ) as exc:
            responses.append({**_error(exc), "TableName": slot.table})
            continue
        responses.append(response)
        spent[slot.table] = spent.get(slot.table, 0.0) + units
    result: dict[str, Any] = {"Responses": responses}
    mode = params.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        kind = "write" if has_writes(slots) else "read"
        result["ConsumedCapacity"] = [
            capacity.consumed(mode, name, units, kind) for name, units in spent.items()
        ]
    return result


def _batch_read(
    conn: sqlite3.Connection, account: str, region: str, statement: Select, entry: dict[str, Any]
) -> tuple[dict[str, Any], float]:
    item, units = keyed_read(
        conn,
        account,
        region,
        statement,
        _KEYED_SELECT.format("BatchExecuteStatement"),
        bool(entry.get("ConsistentRead")),
    )
    response: dict[str, Any] = {"TableName": statement.table}
    if item is not None:
        response["Item"] = item
    return response, units


def _batch_write(
    conn: sqlite3.Connection,
    account: str,
    region: str,
    statement: Statement,
    entry: dict[str, Any],
    now: float,
) -> tuple[dict[str, Any], float]:
    plan = execute.plan_write(conn, account, region, statement, entry)
    plan.apply(conn, now)
    return {"TableName": statement.table}, plan.units()


def keyed_read(
    conn: sqlite3.Connection,
    account: str,
    region: str,
    statement: Select,
    message: str,
    consistent: bool,
    transactional: bool = False,
) -> tuple[Item | None, float]:
    """A SELECT that must name one item by its whole key and nothing else: a GetItem."""
    table = tables.find_for_data(conn, account, region, statement.table)
    try:
        key_item, rest = where_keys.full_key(table, statement.where)
    except ValidationException:
        rest = True
    if statement.index is not None or rest is not None:
        raise ValidationException(message)
    item = writes.load(conn, table, table.key_of_request(key_item))
    units = capacity.read_units(item_size(item) if item else 0, consistent, transactional)
    if item is not None and statement.projection:
        item = project(item, projection_tree(list(statement.projection)))
    return item, units


def _error(exc: ServiceError) -> dict[str, Any]:
    code = next(code for kind, code in _ERROR_CODES.items() if isinstance(exc, kind))
    error: dict[str, Any] = {"Code": code, "Message": exc.message}
    if "Item" in exc.fields:
        error["Item"] = exc.fields["Item"]
    return {"Error": error}


# -- ExecuteTransaction ----------------------------------------------------------------------------


def parse_transaction(params: dict[str, Any]) -> list[Statement]:
    entries = params["TransactStatements"]
    if len(entries) > MAX_TRANSACTION:
        raise ValidationException(
            f"1 validation error detected: Value at 'transactStatements' failed to satisfy"
            f" constraint: Member must have length less than or equal to {MAX_TRANSACTION}"
        )
    parsed = [execute.parse_request(entry) for entry in entries]
    if len({statement.is_read for statement in parsed}) > 1:
        raise ValidationException(_MIXED)
    for position, statement in enumerate(parsed):
        if statement.returning:
            raise ValidationException(
                f"Validation failed in TransactStatements[{position}]: RETURNING is not"
                " supported in ExecuteTransaction"
            )
    return parsed


def transact_read(
    conn: sqlite3.Connection, account: str, region: str, params: dict[str, Any], parsed: list[Statement]
) -> dict[str, Any]:
    responses, spent = [], {}
    for position, statement in enumerate(parsed):
        assert isinstance(statement, Select)
        message = f"Validation failed in TransactStatements[{position}]: " + _KEYED_SELECT.format(
            "ExecuteTransaction"
        )
        item, units = keyed_read(conn, account, region, statement, message, True, transactional=True)
        responses.append({"Item": item} if item is not None else {})
        spent[statement.table] = spent.get(statement.table, 0.0) + units
    return _output({"Responses": responses}, params, spent, "read")


def transact_write(
    conn: sqlite3.Connection,
    account: str,
    region: str,
    params: dict[str, Any],
    parsed: list[Statement],
    now: float,
) -> dict[str, Any]:
    token = params.get("ClientRequestToken")
    if token and transactions.seen_token(conn, account, region, token, params["TransactStatements"], now):
        return {"Responses": []}
    plans: list[items.Plan] = []
    reasons: list[dict[str, Any]] = []
    seen: set[tuple[int, Any]] = set()
    for entry, statement in zip(params["TransactStatements"], parsed, strict=True):
        try:
            plan = execute.plan_write(conn, account, region, statement, entry)
        except (ConditionalCheckFailedException, DuplicateItemException) as exc:
            reasons.append(_error(exc)["Error"])
            continue
        if (plan.table.id, plan.key) in seen:
            raise ValidationException("Transaction request cannot include multiple operations on one item")
        seen.add((plan.table.id, plan.key))
        plans.append(plan)
        reasons.append({"Code": "None"})
    if len(plans) != len(parsed):
        raise TransactionCanceledException(reasons)
    spent: dict[str, float] = {}
    for plan in plans:
        plan.apply(conn, now)
        spent[plan.table.name] = spent.get(plan.table.name, 0.0) + plan.units(transactional=True)
    return _output({"Responses": []}, params, spent, "write")


def _output(
    result: dict[str, Any], params: dict[str, Any], spent: dict[str, float], kind: str
) -> dict[str, Any]:
    mode = params.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        result["ConsumedCapacity"] = [
            capacity.consumed(mode, name, units, kind) for name, units in spent.items()
        ]
    return result
