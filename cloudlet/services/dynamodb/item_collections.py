"""ItemCollectionMetrics: the size of an item collection (a partition key's items in a table with
local secondary indexes, plus their LSI entries), for ReturnItemCollectionMetrics=SIZE."""

from __future__ import annotations

import math
import sqlite3
from typing import Any

from cloudlet.services.dynamodb import store
from cloudlet.services.dynamodb.attributes import Item
from cloudlet.services.dynamodb.schema import Table
from cloudlet.services.dynamodb.store import Key

GB = float(1 << 30)


def metrics(conn: sqlite3.Connection, table: Table, key: Key, item: Item | None) -> dict[str, Any] | None:
    """The metrics of the collection `key` belongs to; None for tables without an LSI."""
    local = [index.name for index in table.indexes.values() if not index.is_global]
    if not local or item is None:
        return None
    size = store.collection_size(conn, table.id, local, key[0], key[1])
    low = float(math.floor(size / GB))
    return {
        "ItemCollectionKey": {table.hash_key.name: item[table.hash_key.name]},
        "SizeEstimateRangeGB": [low, low + 1.0],
    }


def requested(
    conn: sqlite3.Connection,
    params: dict[str, Any],
    table: Table,
    key: Key,
    old: Item | None,
    new: Item | None,
) -> dict[str, Any] | None:
    if params.get("ReturnItemCollectionMetrics") != "SIZE":
        return None
    return metrics(conn, table, key, new if new is not None else old)


def per_table(
    conn: sqlite3.Connection,
    params: dict[str, Any],
    writes: list[tuple[Table, Key, Item | None, Item | None]],
) -> dict[str, list[dict[str, Any]]]:
    """BatchWriteItem's and TransactWriteItems' map of table name -> metrics of each write."""
    found: dict[str, list[dict[str, Any]]] = {}
    for table, key, old, new in writes:
        entry = requested(conn, params, table, key, old, new)
        if entry is not None:
            found.setdefault(table.name, []).append(entry)
    return found
