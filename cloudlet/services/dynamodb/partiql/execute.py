"""Runs one PartiQL statement: SELECT as a Query or a Scan page, writes as single-item plans.

Writes go through items.Plan and writes.commit like every other write, so indexes, TTL and
streams follow. INSERT refuses an existing key (DuplicateItemException), UPDATE needs the item
to exist (ConditionalCheckFailedException), DELETE of a missing item is a no-op.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from cloudlet.services.dynamodb import capacity, items, keys, reads, requests, store, tables, writes
from cloudlet.services.dynamodb.attributes import Item, check_item, dumps, loads
from cloudlet.services.dynamodb.errors import (
    DuplicateItemException,
    ValidationException,
)
from cloudlet.services.dynamodb.expressions import ast
from cloudlet.services.dynamodb.expressions.evaluator import projection_tree
from cloudlet.services.dynamodb.expressions.keycondition import KeyCondition
from cloudlet.services.dynamodb.expressions.updates import apply
from cloudlet.services.dynamodb.partiql import keys as where_keys
from cloudlet.services.dynamodb.partiql.parser import check_parameters, parse
from cloudlet.services.dynamodb.partiql.statements import Delete, Insert, Select, Statement, Update
from cloudlet.services.dynamodb.schema import Index, Table

DUPLICATE = "Duplicate primary key exists in table"


def parse_request(params: dict[str, Any]) -> Statement:
    return parse(params["Statement"], check_parameters(params.get("Parameters")))


# -- SELECT -------------------------------------------------------------------------------------------


def select(
    conn: sqlite3.Connection, account: str, region: str, statement: Select, params: dict[str, Any], now: float
) -> dict[str, Any]:
    table = tables.find_for_data(conn, account, region, statement.table)
    index = _index(table, statement, now)
    if index is not None and index.is_global and params.get("ConsistentRead"):
        raise ValidationException("Consistent reads are not supported on global secondary indexes")
    hash_key, range_key = (index.hash_key, index.range_key) if index else (table.hash_key, table.range_key)
    partitions = where_keys.partition_values(statement.where, hash_key.name)
    forward = _forward(
        statement, partitions is not None, hash_key.name, range_key.name if range_key else None
    )
    digest = _digest(params)
    start_key = _read_token(params["NextToken"], digest) if params.get("NextToken") else None
    if partitions is None:
        start = reads.start_position(table, index, start_key) if start_key else None
        rows = store.scan_range(conn, table.id, index.name if index else None, (0, keys.HASH_SPACE), start)
    else:
        sort = where_keys.sort_condition(statement.where, range_key)
        bounds = (
            reads.sort_bounds(KeyCondition((hash_key.name, {}), sort), range_key) if sort else (None, None)
        )
        rows = _partition_rows(
            conn, table, index, [v for v in partitions if hash_key.kind in v], bounds, forward, start_key
        )
    paths = list(statement.projection) if statement.projection else None
    expressions = requests.Expressions(
        filter=statement.where, projection_paths=paths, projection=projection_tree(paths) if paths else None
    )
    found = reads.page(
        conn,
        table,
        index,
        rows,
        {name: params.get(name) for name in ("Limit", "ConsistentRead", "ReturnConsumedCapacity")},
        expressions,
    )
    result: dict[str, Any] = {"Items": found["Items"]}
    if "LastEvaluatedKey" in found:
        result["NextToken"] = _token(digest, found["LastEvaluatedKey"])
        result["LastEvaluatedKey"] = found["LastEvaluatedKey"]
    if "ConsumedCapacity" in found:
        result["ConsumedCapacity"] = found["ConsumedCapacity"]
    return result


def _index(table: Table, statement: Select, now: float) -> Index | None:
    index = reads.index_of(table, {"IndexName": statement.index}, now)
    if index is None:
        return None
    if index.is_global and index.projection != "ALL" and statement.projection:
        held = table.projected_names(index)
        missing = list(
            dict.fromkeys(
                str(path.elements[0]) for path in statement.projection if path.elements[0] not in held
            )
        )
        if missing:
            raise ValidationException(
                f"One or more parameter values were invalid: Global secondary index"
                f" {index.name} does not project [{', '.join(missing)}]"
            )
    return index


def _forward(statement: Select, keyed: bool, hash_name: str, range_name: str | None) -> bool:
    forward = True
    for name, descending in statement.order:
        if name not in (hash_name, range_name):
            raise ValidationException(f"Order by is only supported on key attributes; attribute: {name}")
        if not keyed:
            raise ValidationException("Must have WHERE clause in the statement when using ORDER BY clause.")
        if name == range_name:
            forward = not descending
    return forward


def _partition_rows(
    conn: sqlite3.Connection,
    table: Table,
    index: Index | None,
    partitions: list[Any],
    bounds: tuple[Any, Any],
    forward: bool,
    start_key: Item | None,
) -> Iterator[tuple[int, str]]:
    """The rows of each pinned partition in turn, resuming inside the one `start_key` is in."""
    hash_key = index.hash_key if index else table.hash_key
    encoded = [keys.encode(hash_key.kind, value) for value in partitions]
    start = None
    if start_key is not None:
        position = reads.start_position(table, index, start_key)
        if position[1] not in encoded:
            raise ValidationException("Invalid NextToken")
        encoded = encoded[encoded.index(position[1]) :]
        start = position[2:]
    for partition in encoded:
        yield from store.query_range(
            conn,
            table.id,
            index.name if index else None,
            (keys.hash_of(partition), partition),
            *bounds,
            forward,
            start,
        )
        start = None


def _digest(params: dict[str, Any]) -> str:
    text = json.dumps([params["Statement"], params.get("Parameters")], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _token(digest: str, last_key: Item) -> str:
    return base64.urlsafe_b64encode(json.dumps({"d": digest, "k": dumps(last_key)}).encode()).decode()


def _read_token(token: str, digest: str) -> Item:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        if decoded["d"] == digest:
            return loads(decoded["k"])
    except (ValueError, KeyError, TypeError):
        pass
    raise ValidationException("Invalid NextToken")


# -- writes -------------------------------------------------------------------------------------------


def write(
    conn: sqlite3.Connection,
    account: str,
    region: str,
    statement: Statement,
    params: dict[str, Any],
    now: float,
) -> dict[str, Any]:
    plan = plan_write(conn, account, region, statement, params)
    plan.apply(conn, now)
    returned = items.returned(plan, statement.returning) if statement.returning else None
    result: dict[str, Any] = {"Items": [returned] if returned else []}
    spent = capacity.consumed(
        params.get("ReturnConsumedCapacity"), plan.table.name, plan.units(), "write", plan.index_units()
    )
    if spent:
        result["ConsumedCapacity"] = spent
    return result


def plan_write(
    conn: sqlite3.Connection, account: str, region: str, statement: Statement, params: dict[str, Any]
) -> items.Plan:
    """The write a statement makes, conditions checked; raises as the single-item API does."""
    table = tables.find_for_data(conn, account, region, statement.table)
    if isinstance(statement, Insert):
        return _plan_insert(conn, table, statement)
    if isinstance(statement, Update):
        return _plan_update(conn, table, statement, params)
    if isinstance(statement, Delete):
        return _plan_delete(conn, table, statement, params)
    raise TypeError(f"not a write: {statement!r}")


def _plan_insert(conn: sqlite3.Connection, table: Table, statement: Insert) -> items.Plan:
    item = check_item(statement.item)
    key = table.key_of_item(item)
    writes.check_size(item)
    if writes.load(conn, table, key) is not None:
        raise DuplicateItemException(DUPLICATE)
    return items.Plan(table, key, None, item, requests.Expressions())


def _plan_update(
    conn: sqlite3.Connection, table: Table, statement: Update, params: dict[str, Any]
) -> items.Plan:
    key_item, condition = where_keys.full_key(table, statement.where)
    key = table.key_of_request(key_item)
    old = writes.load(conn, table, key)
    exists = ast.Call("attribute_exists", (ast.Path((table.hash_key.name,)),))
    items.check_condition(ast.And(exists, condition) if condition is not None else exists, old, params)
    assert old is not None
    items.check_key_untouched(table, statement.update.paths())
    new = check_item(apply(statement.update, old))
    return items.Plan(table, key, old, new, requests.Expressions(update=statement.update))


def _plan_delete(
    conn: sqlite3.Connection, table: Table, statement: Delete, params: dict[str, Any]
) -> items.Plan:
    key_item, condition = where_keys.full_key(table, statement.where)
    key = table.key_of_request(key_item)
    old = writes.load(conn, table, key)
    items.check_condition(condition, old, params)
    return items.Plan(table, key, old, None, requests.Expressions())
