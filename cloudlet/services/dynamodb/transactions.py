"""TransactWriteItems and TransactGetItems: all or nothing, in one store transaction.

Every action's condition is checked before anything is written; one failure cancels the
whole transaction with a reason per action, in request order. A ClientRequestToken makes the
same request idempotent for 10 minutes; the same token with another request is refused.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from typing import Any

from cloudlet.services.dynamodb import capacity, item_collections, items, store, tables
from cloudlet.services.dynamodb.attributes import check_item, item_size
from cloudlet.services.dynamodb.errors import (
    ConditionalCheckFailedException,
    IdempotentParameterMismatchException,
    ItemValidationException,
    KeyValidationException,
    TransactionCanceledException,
    ValidationException,
)
from cloudlet.services.dynamodb.schema import Table

TOKEN_LIFETIME = 600.0
MAX_ACTIONS = 100
MAX_PAYLOAD = 4 * 1024 * 1024
_PLANNERS: dict[str, Callable[..., items.Plan]] = {
    "Put": items.plan_put,
    "Update": items.plan_update,
    "Delete": items.plan_delete,
    "ConditionCheck": items.plan_check,
}


def write(
    conn: sqlite3.Connection, account: str, region: str, params: dict[str, Any], now: float
) -> dict[str, Any]:
    actions = params["TransactItems"]
    if len(actions) > MAX_ACTIONS:
        raise ValidationException(f"Member must have length less than or equal to {MAX_ACTIONS}")
    token = params.get("ClientRequestToken")
    if token and seen_token(conn, account, region, token, actions, now):
        return _output(params, [])
    bodies = [(kind, body, tables.find_for_data(conn, account, region, body["TableName"]))
              for action in actions for kind, body in action.items()]
    _check_keys(bodies)
    plans, reasons, failed = [], [], False
    seen_keys: set[tuple[int, Any]] = set()
    for kind, body, table in bodies:
        try:
            plan = _PLANNERS[kind](conn, table, body)
        except ConditionalCheckFailedException as exc:
            failed = True
            reason = {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
            if "Item" in exc.fields:
                reason["Item"] = exc.fields["Item"]
            reasons.append(reason)
            continue
        except ItemValidationException as exc:
            failed = True
            reasons.append({"Code": "ValidationError", "Message": exc.message})
            continue
        if (table.id, plan.key) in seen_keys:
            raise ValidationException("Transaction request cannot include multiple operations on one item")
        seen_keys.add((table.id, plan.key))
        plans.append(plan)
        reasons.append({"Code": "None"})
    if failed:
        raise TransactionCanceledException(reasons)
    for plan in plans:
        if plan.new is not plan.old:
            plan.apply(conn, now)
    result = _output(params, plans)
    written = [(plan.table, plan.key, plan.old, plan.new) for plan in plans if plan.new is not plan.old]
    metrics = item_collections.per_table(conn, params, written)
    if metrics:
        result["ItemCollectionMetrics"] = metrics
    return result


def _check_keys(bodies: list[tuple[str, dict[str, Any], Table]]) -> None:
    """Before any condition: the payload's size, and every action's key against its table. The
    first key that does not fit cancels the transaction; the other actions report None."""
    size = 0
    for position, (kind, body, table) in enumerate(bodies):
        given = check_item(body["Item"] if kind == "Put" else body["Key"])
        size += item_size(given)
        try:
            table.key_of_item(given) if kind == "Put" else table.key_of_request(given)
        except KeyValidationException as exc:
            reasons: list[dict[str, Any]] = [{"Code": "None"} for _ in bodies]
            reasons[position] = {"Code": "ValidationError", "Message": exc.message}
            raise TransactionCanceledException(reasons) from None
    if size > MAX_PAYLOAD:
        raise ValidationException("Transaction request payload size cannot exceed 4 MB")


def seen_token(
    conn: sqlite3.Connection, account: str, region: str, token: str, actions: list[Any], now: float
) -> bool:
    digest = hashlib.sha256(json.dumps(actions, sort_keys=True, default=repr).encode()).hexdigest()
    known = store.find_token(conn, account, region, token, now - TOKEN_LIFETIME)
    if known is None:
        store.save_token(conn, account, region, token, digest, now)
        return False
    if known != digest:
        raise IdempotentParameterMismatchException(
            "Transaction request failed: A different request with the same client request token was already sent"
        )
    return True


def _output(params: dict[str, Any], plans: list[items.Plan]) -> dict[str, Any]:
    mode = params.get("ReturnConsumedCapacity")
    if mode not in ("TOTAL", "INDEXES"):
        return {}
    tally = capacity.Tally()
    for plan in plans:
        tally.add(plan.table.name, plan.units(transactional=True), plan.index_units(transactional=True))
    return {"ConsumedCapacity": tally.consumed(mode, "write")}


def get(conn: sqlite3.Connection, account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    actions = params["TransactItems"]
    if len(actions) > MAX_ACTIONS:
        raise ValidationException(f"Member must have length less than or equal to {MAX_ACTIONS}")
    responses, per_table = [], {}
    seen_keys: set[tuple[int, Any]] = set()
    for action in actions:
        body = action["Get"]
        table: Table = tables.find_for_data(conn, account, region, body["TableName"])
        item, _ = items.get(conn, table, body)
        key = table.key_of_request(body["Key"])
        if (table.id, key) in seen_keys:
            raise ValidationException("Transaction request cannot include multiple operations on one item")
        seen_keys.add((table.id, key))
        responses.append({"Item": item} if item is not None else {})
        units = capacity.read_units(item_size(item) if item else 0, True, transactional=True)
        per_table[table.name] = per_table.get(table.name, 0) + units
    result: dict[str, Any] = {"Responses": responses}
    mode = params.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        result["ConsumedCapacity"] = [
            capacity.consumed(mode, name, units, "read") for name, units in per_table.items()
        ]
    return result
