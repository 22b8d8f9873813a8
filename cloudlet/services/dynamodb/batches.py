"""BatchGetItem and BatchWriteItem: many single-item reads or writes in one store transaction.

Writes are always all processed (UnprocessedItems is empty). Reads stop at AWS's 16 MB response
limit: the keys not read yet come back in UnprocessedKeys, with their table's read options.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from cloudlet.services.dynamodb import capacity, item_collections, tables, writes
from cloudlet.services.dynamodb.attributes import check_item, item_size
from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.expressions.evaluator import project
from cloudlet.services.dynamodb.items import Plan
from cloudlet.services.dynamodb.requests import Expressions, parse

MAX_GET = 100
MAX_WRITE = 25
MAX_GET_BYTES = 16 * 1024 * 1024


def get(conn: sqlite3.Connection, account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    requested = params["RequestItems"]
    if sum(len(spec["Keys"]) for spec in requested.values()) > MAX_GET:
        raise ValidationException("Too many items requested for the BatchGetItem call")
    checked = []
    for name, spec in requested.items():
        table = tables.find_for_data(conn, account, region, name)
        keys = [table.key_of_request(check_item(key)) for key in spec["Keys"]]
        if len(set(keys)) != len(keys):
            raise ValidationException("Provided list of item keys contains duplicates")
        checked.append((name, spec, table, parse(spec), keys))
    responses: dict[str, list[Any]] = {}
    unprocessed: dict[str, Any] = {}
    spent = []
    total, full = 0, False
    for name, spec, table, expressions, keys in checked:
        found, units = responses.setdefault(name, []), 0.0
        for position, key in enumerate(keys):
            item = None if full else writes.load(conn, table, key)
            size = item_size(item) if item else 0
            if full or total + size > MAX_GET_BYTES:
                unprocessed[name] = {**spec, "Keys": spec["Keys"][position:]}
                full = True
                break
            total += size
            units += capacity.read_units(size, bool(spec.get("ConsistentRead")))
            if item is not None:
                found.append(
                    project(item, expressions.projection) if expressions.projection is not None else item
                )
        if units:
            spent.append(capacity.consumed(params.get("ReturnConsumedCapacity"), name, units, "read"))
    result: dict[str, Any] = {"Responses": responses, "UnprocessedKeys": unprocessed}
    if any(spent):
        result["ConsumedCapacity"] = spent
    return result


def write(
    conn: sqlite3.Connection, account: str, region: str, params: dict[str, Any], now: float
) -> dict[str, Any]:
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
    mode = params.get("ReturnConsumedCapacity")
    tally = capacity.Tally()
    written = []
    for table, key, new in planned:
        plan = Plan(table, key, writes.load(conn, table, key), new, Expressions())
        plan.apply(conn, now)
        written.append((table, key, plan.old, new))
        if mode in ("TOTAL", "INDEXES"):
            tally.add(table.name, plan.units(), plan.index_units())
    result: dict[str, Any] = {"UnprocessedItems": {}}
    metrics = item_collections.per_table(conn, params, written)
    if metrics:
        result["ItemCollectionMetrics"] = metrics
    spent = tally.consumed(mode, "write")
    if spent:
        result["ConsumedCapacity"] = spent
    return result


def _plan(table: Any, entry: dict[str, Any]) -> tuple[Any, Any]:
    if len(entry) != 1:
        raise ValidationException(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one"
            " of the supported datatypes"
        )
    if "PutRequest" in entry:
        item = check_item(entry["PutRequest"]["Item"])
        key = table.key_of_item(item)
        writes.check_size(item)
        return key, item
    return table.key_of_request(check_item(entry["DeleteRequest"]["Key"])), None
