"""Query and Scan: one page of a key range, by DynamoDB's Limit and 1 MB rules."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from cloudlet.services.dynamodb import capacity, keys, requests, store
from cloudlet.services.dynamodb.attributes import Item, check_item, loads
from cloudlet.services.dynamodb.errors import ValidationException, invalid
from cloudlet.services.dynamodb.expressions.evaluator import matches, project
from cloudlet.services.dynamodb.expressions.keycondition import KeyCondition, with_partition
from cloudlet.services.dynamodb.schema import Index, KeyAttribute, Table

PAGE_BYTES = 1024 * 1024
_SELECTS = ("ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT")


def index_of(table: Table, params: dict[str, Any]) -> Index | None:
    name = params.get("IndexName")
    if name is None:
        return None
    index = table.indexes.get(name)
    if index is None:
        raise ValidationException(f"The table does not have the specified index: {name}")
    return index


def query(conn: sqlite3.Connection, table: Table, params: dict[str, Any]) -> dict[str, Any]:
    expressions = requests.parse(params)
    if expressions.key is None:
        raise ValidationException("Either the KeyConditions or KeyConditionExpression parameter must be specified in"
                                  " the request.")
    index = index_of(table, params)
    hash_key, range_key = (index.hash_key, index.range_key) if index else (table.hash_key, table.range_key)
    condition = with_partition(expressions.key, hash_key.name)
    partition = _partition_bytes(condition, hash_key)
    low, high = _sort_bounds(condition, range_key)
    forward = params.get("ScanIndexForward", True)
    start = None
    if params.get("ExclusiveStartKey"):
        position = _start_position(table, index, params["ExclusiveStartKey"])
        if position[1] != partition:
            raise ValidationException("The provided starting key is outside query boundaries based on provided"
                                      " conditions")
        start = position[2:]
    rows = store.query_range(conn, table.id, index.name if index else None, (keys.hash_of(partition), partition),
                             low, high, forward, start)
    return _page(table, index, rows, params, expressions)


def scan(conn: sqlite3.Connection, table: Table, params: dict[str, Any]) -> dict[str, Any]:
    expressions = requests.parse(params)
    index = index_of(table, params)
    segment, total = params.get("Segment"), params.get("TotalSegments")
    if (segment is None) != (total is None):
        raise ValidationException("The TotalSegments parameter is required but was not present in the request when"
                                  " Segment parameter is present" if total is None else
                                  "The Segment parameter is required but was not present in the request when"
                                  " parameter TotalSegments is present")
    if segment is not None and segment >= total:
        raise ValidationException(f"The Segment parameter is zero-based and must be less than parameter TotalSegments:"
                                  f" Segment: {segment} is not less than TotalSegments: {total}")
    hashes = keys.segment_range(segment, total) if segment is not None else (0, keys.HASH_SPACE)
    start = None
    if params.get("ExclusiveStartKey"):
        start = _start_position(table, index, params["ExclusiveStartKey"])
    rows = store.scan_range(conn, table.id, index.name if index else None, hashes, start)
    return _page(table, index, rows, params, expressions)


def _partition_bytes(condition: KeyCondition, hash_key: KeyAttribute) -> bytes:
    name, value = condition.partition
    if name != hash_key.name:
        raise ValidationException(f"Query condition missed key schema element: {hash_key.name}")
    if hash_key.kind not in value:
        raise invalid("Condition parameter type does not match schema type")
    return keys.encode(hash_key.kind, value)


def _sort_bounds(condition: KeyCondition, range_key: KeyAttribute | None) -> tuple[Any, Any]:
    if condition.sort is None:
        return None, None
    name, op, values = condition.sort
    if range_key is None or name != range_key.name:
        raise ValidationException(f"Query condition missed key schema element: {range_key.name if range_key else name}")
    if any(range_key.kind not in value for value in values):
        raise invalid("Condition parameter type does not match schema type")
    encoded = [keys.encode(range_key.kind, value) for value in values]
    if op == "=":
        return (encoded[0], True), (encoded[0], True)
    if op == "BETWEEN":
        return (encoded[0], True), (encoded[1], True)
    if op == "begins_with":
        if range_key.kind == "N":
            raise ValidationException("Invalid KeyConditionExpression: Incorrect operand type for operator or"
                                      " function; operator or function: begins_with, operand type: N")
        return (encoded[0], True), _prefix_end(encoded[0])
    return {"<": (None, (encoded[0], False)), "<=": (None, (encoded[0], True)),
            ">": ((encoded[0], False), None), ">=": ((encoded[0], True), None)}[op]


def _prefix_end(prefix: bytes) -> tuple[bytes, bool] | None:
    """The smallest byte string above every string that starts with `prefix` (exclusive)."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return None
    return trimmed[:-1] + bytes([trimmed[-1] + 1]), False


def _start_position(table: Table, index: Index | None, start_key: Item) -> tuple[Any, ...]:
    start_key = check_item(start_key)
    names = set(table.key_names()) | (set(index.key_names()) if index else set())
    if set(start_key) != names:
        raise ValidationException("The provided starting key is invalid: The provided key element does not match the"
                                  " schema")
    base = table.key_of_item(start_key)
    if index is None:
        return base
    index_key = table.index_key(index, start_key)
    assert index_key is not None
    return (*index_key, base[1], base[2])


def _page(table: Table, index: Index | None, rows: Iterator[tuple[int, str]], params: dict[str, Any],
          expressions: requests.Expressions) -> dict[str, Any]:
    select = _select(params, expressions, index)
    limit = params.get("Limit")
    items: list[Item] = []
    scanned = read_bytes = 0
    last: Item | None = None
    for size, text in rows:
        item = loads(text)
        scanned += 1
        read_bytes += size
        if expressions.filter is None or matches(expressions.filter, item):
            items.append(item)
        if (limit is not None and scanned >= limit) or read_bytes >= PAGE_BYTES:
            last = item
            break
    result: dict[str, Any] = {"Count": len(items), "ScannedCount": scanned}
    if select != "COUNT":
        tree = expressions.projection
        result["Items"] = [project(item, tree) for item in items] if tree is not None else items
    if last is not None:
        names = table.key_names() + (index.key_names() if index else ())
        result["LastEvaluatedKey"] = {name: last[name] for name in names if name in last}
    units = capacity.read_units(read_bytes, bool(params.get("ConsistentRead")))
    spent = capacity.consumed(params.get("ReturnConsumedCapacity"), table.name, 0 if index else units, "read",
                              {index.name: (index.is_global, units)} if index else None)
    if spent:
        result["ConsumedCapacity"] = spent
    return result


def _select(params: dict[str, Any], expressions: requests.Expressions, index: Index | None) -> str:
    select = params.get("Select")
    if select is None:
        return "SPECIFIC_ATTRIBUTES" if expressions.projection is not None else "ALL_ATTRIBUTES"
    if select == "SPECIFIC_ATTRIBUTES" and expressions.projection is None:
        return select
    if select != "SPECIFIC_ATTRIBUTES" and expressions.projection is not None:
        raise ValidationException("Cannot specify the AttributesToGet when choosing to get only the Count"
                                  if select == "COUNT" else
                                  "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not"
                                  " compatible with ProjectionExpression" if select == "ALL_ATTRIBUTES" else
                                  "One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES"
                                  " is not compatible with ProjectionExpression")
    if select == "ALL_PROJECTED_ATTRIBUTES" and index is None:
        raise ValidationException("One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is"
                                  " not supported on a table; use ALL_ATTRIBUTES")
    if select == "ALL_ATTRIBUTES" and index is not None and index.projection != "ALL":
        raise ValidationException("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not"
                                  " supported for global secondary index "
                                  f"{index.name} because its projection type is not ALL" if index.is_global else
                                  "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not"
                                  " supported for local secondary index without projection type ALL")
    return select
