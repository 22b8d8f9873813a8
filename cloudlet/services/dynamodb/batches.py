"""BatchGetItem and BatchWriteItem: many single-item reads or writes in one store transaction.

Every request is processed here, so UnprocessedKeys/UnprocessedItems are always empty.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from cloudlet.services.dynamodb import capacity, tables, writes
from cloudlet.services.dynamodb.attributes import check_item, item_size
from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.expressions.evaluator import project
from cloudlet.services.dynamodb.requests import parse

MAX_GET = 100
MAX_WRITE = 25


def get(conn: sqlite3.Connection, account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    requested = params["RequestItems"]
    if sum(len(spec["Keys"]) for spec in requested.values()) > MAX_GET:
        raise ValidationException("Too many items requested for the BatchGetItem call")
    responses: dict[str, list[Any]] = {}
    spent = []
    for name, spec in requested.items():
        table = tables.find_for_data(conn, account, region, name)
        expressions = parse(spec)
        keys = [table.key_of_request(check_item(key)) for key in spec["Keys"]]
        if len(set(keys)) != len(keys):
            raise ValidationException("Provided list of item keys contains duplicates")
        found, units = [], 0.0
        for key in keys:
            item = writes.load(conn, table, key)
            units += capacity.read_units(item_size(item) if item else 0, bool(spec.get("ConsistentRead")))
            if item is not None:
                found.append(project(item, expressions.projection) if expressions.projection is not None else item)
        responses[name] = found
        spent.append(capacity.consumed(params.get("ReturnConsumedCapacity"), name, units, "read"))
    result: dict[str, Any] = {"Responses": responses, "UnprocessedKeys": {}}
    if any(spent):
        result["ConsumedCapacity"] = spent
    return result


def write(conn: sqlite3.Connection, account: str, region: str, params: dict[str, Any], now: float) -> dict[str, Any]:
    requested = params["RequestItems"]
    if sum(len(entries) for entries in requested.values()) > MAX_WRITE:
        raise ValidationException("Too many items requested for the BatchWriteItem call")
    planned = []
    for name, entries in requested.items():
        table = tables.find_for_data(conn, account, region, name)
        seen = set()
        for entry in entries:
            planned.append((table, *_plan(table, entry)))
            if planned[-1][1] in seen:
                raise ValidationException("Provided list of item keys contains duplicates")
            seen.add(planned[-1][1])
    spent: dict[str, float] = {}
    for table, key, new in planned:
        old = writes.load(conn, table, key)
        writes.commit(conn, table, key, old, new, now)
        size = max(item_size(old) if old else 0, item_size(new) if new else 0)
        spent[table.name] = spent.get(table.name, 0) + capacity.write_units(size)
    result: dict[str, Any] = {"UnprocessedItems": {}}
    mode = params.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        result["ConsumedCapacity"] = [capacity.consumed(mode, name, units, "write") for name, units in spent.items()]
    return result


def _plan(table: Any, entry: dict[str, Any]) -> tuple[Any, Any]:
    if len(entry) != 1:
        raise ValidationException("Supplied AttributeValue has more than one datatypes set, must contain exactly one"
                                  " of the supported datatypes")
    if "PutRequest" in entry:
        item = check_item(entry["PutRequest"]["Item"])
        key = table.key_of_item(item)
        writes.check_size(item)
        return key, item
    return table.key_of_request(check_item(entry["DeleteRequest"]["Key"])), None
