"""Query and Scan: one page of a key range, by DynamoDB's Limit and 1 MB rules."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from cloudlet.services.dynamodb import capacity, keys, requests, store, writes
from cloudlet.services.dynamodb.attributes import Item, check_item, item_size, loads
from cloudlet.services.dynamodb.errors import ValidationException, invalid
from cloudlet.services.dynamodb.expressions.evaluator import matches, project, top_names
from cloudlet.services.dynamodb.expressions.keycondition import KeyCondition, with_partition
from cloudlet.services.dynamodb.schema import Index, KeyAttribute, Table

PAGE_BYTES = 1024 * 1024
_SELECTS = ("ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT")


def index_of(table: Table, params: dict[str, Any], now: float) -> Index | None:
    name = params.get("IndexName")
    if name is None:
        return None
    index = table.indexes.get(name)
    if index is None:
        raise ValidationException(f"The table does not have the specified index: {name}")
    if index.active_at > now:
        raise ValidationException(f"Cannot read from backfilling global secondary index: {name}")
    if index.is_global and params.get("ConsistentRead"):
        raise ValidationException("Consistent reads are not supported on global secondary indexes")
    return index


def query(conn: sqlite3.Connection, table: Table, params: dict[str, Any], now: float) -> dict[str, Any]:
    expressions = requests.parse(params)
    if expressions.key is None:
        raise ValidationException(
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."
        )
    index = index_of(table, params, now)
    hash_key, range_key = (index.hash_key, index.range_key) if index else (table.hash_key, table.range_key)
    condition = with_partition(expressions.key, hash_key.name)
    if expressions.filter is not None:
        _check_filter_keys(
            expressions.filter,
            hash_key,
            range_key,
            "QueryFilter" if params.get("QueryFilter") else "Filter Expression",
        )
    partition = _partition_bytes(condition, hash_key)
    low, high = sort_bounds(condition, range_key)
    forward = params.get("ScanIndexForward", True)
    start = None
    if params.get("ExclusiveStartKey"):
        position = start_position(table, index, params["ExclusiveStartKey"])
        if position[1] != partition:
            raise ValidationException(
                "The provided starting key is outside query boundaries based on provided conditions"
            )
        start = position[2:]
    rows = store.query_range(
        conn,
        table.id,
        index.name if index else None,
        (keys.hash_of(partition), partition),
        low,
        high,
        forward,
        start,
    )
    _check_specific(params, expressions, "1 validation error detected: ")
    return page(conn, table, index, rows, params, expressions)


def scan(conn: sqlite3.Connection, table: Table, params: dict[str, Any], now: float) -> dict[str, Any]:
    expressions = requests.parse(params)
    index = index_of(table, params, now)
    segment, total = params.get("Segment"), params.get("TotalSegments")
    if (segment is None) != (total is None):
        raise ValidationException(
            "The TotalSegments parameter is required but was not present in the request when"
            " Segment parameter is present"
            if total is None
            else "The Segment parameter is required but was not present in the request when"
            " parameter TotalSegments is present"
        )
    if segment is not None and segment >= total:
        raise ValidationException(
            f"The Segment parameter is zero-based and must be less than parameter TotalSegments:"
            f" Segment: {segment} is not less than TotalSegments: {total}"
        )
    hashes = keys.segment_range(segment, total) if segment is not None else (0, keys.HASH_SPACE)
    start = None
    if params.get("ExclusiveStartKey"):
        start = start_position(table, index, params["ExclusiveStartKey"])
        if not hashes[0] <= start[0] < hashes[1]:
            raise ValidationException(
                "The provided Exclusive start key does not map to the provided Segment and"
                " TotalSegments values."
            )
    rows = store.scan_range(conn, table.id, index.name if index else None, hashes, start)
    _check_specific(params, expressions, "")
    return page(conn, table, index, rows, params, expressions)


def _check_filter_keys(node: Any, hash_key: KeyAttribute, range_key: KeyAttribute | None, label: str) -> None:
    """A Query filters what its key condition read: it may not filter on the keys themselves."""
    used = top_names(node)
    for attribute in (hash_key, range_key):
        if attribute is not None and attribute.name in used:
            raise ValidationException(
                f"{label} can only contain non-primary key attributes: Primary key attribute:"
                f" {attribute.name}"
            )


def _check_specific(params: dict[str, Any], expressions: requests.Expressions, prefix: str) -> None:
    # Query words this one as a constraint violation, Scan plainly, as AWS does.
    if params.get("Select") == "SPECIFIC_ATTRIBUTES" and expressions.projection is None:
        raise ValidationException(
            f"{prefix}Must specify the AttributesToGet or ProjectionExpression when choosing"
            " to get SPECIFIC_ATTRIBUTES"
        )


def _partition_bytes(condition: KeyCondition, hash_key: KeyAttribute) -> bytes:
    name, value = condition.partition
    if name != hash_key.name:
        raise ValidationException(f"Query condition missed key schema element: {hash_key.name}")
    if hash_key.kind not in value:
        raise invalid("Condition parameter type does not match schema type")
    return keys.encode(hash_key.kind, value)


def sort_bounds(condition: KeyCondition, range_key: KeyAttribute | None) -> tuple[Any, Any]:
    if condition.sort is None:
        return None, None
    name, op, values = condition.sort
    if range_key is None or name != range_key.name:
        raise ValidationException(
            f"Query condition missed key schema element: {range_key.name if range_key else name}"
        )
    if any(range_key.kind not in value for value in values):
        raise invalid("Condition parameter type does not match schema type")
    encoded = [keys.encode(range_key.kind, value) for value in values]
    if op == "=":
        return (encoded[0], True), (encoded[0], True)
    if op == "BETWEEN":
        return (encoded[0], True), (encoded[1], True)
    if op == "begins_with":
        if range_key.kind == "N":
            raise ValidationException(
                "Invalid KeyConditionExpression: Incorrect operand type for operator or"
                " function; operator or function: begins_with, operand type: N"
            )
        return (encoded[0], True), _prefix_end(encoded[0])
    return {
        "<": (None, (encoded[0], False)),
        "<=": (None, (encoded[0], True)),
        ">": ((encoded[0], False), None),
        ">=": ((encoded[0], True), None),
    }[op]


def _prefix_end(prefix: bytes) -> tuple[bytes, bool] | None:
    """The smallest byte string above every string that starts with `prefix` (exclusive)."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return None
    return trimmed[:-1] + bytes([trimmed[-1] + 1]), False


def start_position(table: Table, index: Index | None, start_key: Item) -> tuple[Any, ...]:
    start_key = check_item(start_key)
    names = set(table.key_names()) | (set(index.key_names()) if index else set())
    if set(start_key) != names:
        raise ValidationException(
            "The provided starting key is invalid: The provided key element does not match the schema"
        )
    base = table.key_of_item(start_key)
    if index is None:
        return base
    index_key = table.index_key(index, start_key)
    assert index_key is not None
    return (*index_key, base[1], base[2])


def page(
    conn: sqlite3.Connection,
    table: Table,
    index: Index | None,
    rows: Iterator[tuple[int, str]],
    params: dict[str, Any],
    expressions: requests.Expressions,
) -> dict[str, Any]:
    select = _select(params, expressions, index)
    fetch = _fetches_base(table, index, select, expressions)
    limit = params.get("Limit")
    consistent = bool(params.get("ConsistentRead"))
    items: list[Item] = []
    scanned = read_bytes = 0
    fetched_units = 0.0
    last: Item | None = None
    for size, text in rows:
        item = entry = loads(text)
        scanned += 1
        read_bytes += size
        if fetch:
            # An LSI lives beside its base items: attributes it does not project are read from
            # the table, each item a read of its own (AWS's extra capacity for LSI fetches).
            item = writes.load(conn, table, table.key_of_item(entry)) or entry
            fetched_units += capacity.read_units(item_size(item), consistent)
        if expressions.filter is None or matches(expressions.filter, item):
            items.append(item)
        if (limit is not None and scanned >= limit) or read_bytes >= PAGE_BYTES:
            last = entry
            break
    result: dict[str, Any] = {"Count": len(items), "ScannedCount": scanned}
    if select != "COUNT":
        tree = expressions.projection
        result["Items"] = [project(item, tree) for item in items] if tree is not None else items
    if last is not None:
        names = table.key_names() + (index.key_names() if index else ())
        result["LastEvaluatedKey"] = {name: last[name] for name in names if name in last}
    units = capacity.read_units(read_bytes, consistent)
    spent = capacity.consumed(
        params.get("ReturnConsumedCapacity"),
        table.name,
        fetched_units if index else units,
        "read",
        {index.name: (index.is_global, units)} if index else None,
    )
    if spent:
        result["ConsumedCapacity"] = spent
    return result


def _fetches_base(table: Table, index: Index | None, select: str, expressions: requests.Expressions) -> bool:
    """Whether a read of a local index needs attributes the index does not hold."""
    if index is None or index.is_global or index.projection == "ALL":
        return False
    if select == "ALL_ATTRIBUTES":
        return True
    held = table.projected_names(index)
    wanted = {path.elements[0] for path in expressions.projection_paths or ()}
    if expressions.filter is not None:
        wanted |= top_names(expressions.filter)
    return not wanted <= held


def _select(params: dict[str, Any], expressions: requests.Expressions, index: Index | None) -> str:
    select = params.get("Select")
    if select is None:
        if expressions.projection is not None:
            return "SPECIFIC_ATTRIBUTES"
        return "ALL_PROJECTED_ATTRIBUTES" if index is not None else "ALL_ATTRIBUTES"
    if select == "SPECIFIC_ATTRIBUTES" and expressions.projection is None:
        return select
    if select != "SPECIFIC_ATTRIBUTES" and expressions.projection is not None:
        given = "AttributesToGet" if params.get("AttributesToGet") is not None else "ProjectionExpression"
        raise ValidationException(
            f"Cannot specify the {given} when choosing to get only the Count"
            if select == "COUNT"
            else f"One or more parameter values were invalid: Select type {select} is not"
            f" compatible with {given}"
        )
    if select == "ALL_PROJECTED_ATTRIBUTES" and index is None:
        raise ValidationException(
            "One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is"
            " not supported on a table; use ALL_ATTRIBUTES"
        )
    if select == "ALL_ATTRIBUTES" and index is not None and index.is_global and index.projection != "ALL":
        raise ValidationException(
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not"
            f" supported for global secondary index {index.name} because its projection"
            " type is not ALL"
        )
    return select
