"""The one write path: an item's row, its index rows, its TTL entry and its stream record.

Every change to an item (PutItem, UpdateItem, DeleteItem, batches, transactions, TTL expiry)
goes through `commit` inside the caller's store transaction, so the indexes and the stream
never disagree with the table.
"""

from __future__ import annotations

import sqlite3
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from cloudlet.core import outbox
from cloudlet.services.dynamodb import store
from cloudlet.services.dynamodb.attributes import MAX_ITEM_SIZE, Item, dumps, item_size, loads
from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.schema import Table
from cloudlet.services.dynamodb.store import Key

STREAM_TOPIC = "dynamodb.stream-record"
TTL_PRINCIPAL = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}


def load(conn: sqlite3.Connection, table: Table, key: Key) -> Item | None:
    text = store.get_item(conn, table.id, key)
    return loads(text) if text is not None else None


def check_size(item: Item) -> int:
    size = item_size(item)
    if size > MAX_ITEM_SIZE:
        raise ValidationException("Item size has exceeded the maximum allowed size")
    return size


def commit(
    conn: sqlite3.Connection,
    table: Table,
    key: Key,
    old: Item | None,
    new: Item | None,
    now: float,
    *,
    identity: dict[str, str] | None = None,
) -> None:
    """Writes `new` (None: deletes) over `old` at `key`, with everything that follows from it."""
    if old is None and new is None:
        return
    new_index_keys = (
        {name: table.index_key(index, new) for name, index in table.indexes.items()} if new else {}
    )
    old_size = item_size(old) if old is not None else 0
    if new is None:
        store.delete_item(conn, table.id, key)
        store.add_usage(conn, table.id, store.TABLE_USAGE, -1, -old_size)
    else:
        size = check_size(new)
        store.put_item(conn, table.id, key, size, dumps(new))
        store.add_usage(conn, table.id, store.TABLE_USAGE, int(old is None), size - old_size)
    for name, index in table.indexes.items():
        old_key = table.index_key(index, old) if old else None
        new_key = new_index_keys.get(name)
        old_entry = table.project(index, old) if old is not None and old_key is not None else None
        if old_entry is not None and old_key != new_key:
            store.delete_index_item(conn, table.id, name, old_key, key)
            store.add_usage(conn, table.id, name, -1, -item_size(old_entry))
        if new is not None and new_key is not None:
            entry = table.project(index, new)
            if old_entry is not None and old_key == new_key:
                if entry == old_entry:
                    continue  # what the index holds did not change
                store.add_usage(conn, table.id, name, 0, item_size(entry) - item_size(old_entry))
            else:
                store.add_usage(conn, table.id, name, 1, item_size(entry))
            store.put_index_item(conn, table.id, name, new_key, key, item_size(entry), dumps(entry))
    if table.ttl_attribute:
        store.set_expiry(
            conn, table.id, key, expiry(old, table.ttl_attribute), expiry(new, table.ttl_attribute)
        )
    if table.stream_arn and old != new:
        record_change(conn, table, old, new, now, identity)


def expiry(item: Item | None, attribute: str) -> float | None:
    value = item.get(attribute) if item else None
    if value is None or "N" not in value:
        return None
    try:
        return float(Decimal(value["N"]))
    except (InvalidOperation, OverflowError):
        return None


def record_change(
    conn: sqlite3.Connection,
    table: Table,
    old: Item | None,
    new: Item | None,
    now: float,
    identity: dict[str, str] | None,
) -> None:
    assert table.stream_arn is not None and table.stream_view is not None
    view = table.stream_view
    image = new if new is not None else old
    assert image is not None
    keys = table.key_item(image)
    body: dict[str, Any] = {"ApproximateCreationDateTime": now, "Keys": keys}
    if new is not None and view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        body["NewImage"] = new
    if old is not None and view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        body["OldImage"] = old
    body["SizeBytes"] = sum(
        item_size(body[name]) for name in ("Keys", "NewImage", "OldImage") if name in body
    )
    body["StreamViewType"] = view
    record: dict[str, Any] = {
        "eventID": uuid.uuid4().hex,
        "eventName": "INSERT" if old is None else "REMOVE" if new is None else "MODIFY",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": table.region,
        "dynamodb": body,
    }
    if identity is not None:
        record["userIdentity"] = identity
    seq = store.insert_stream_record(conn, table.stream_arn, now, dumps(record))
    # Wakes internal consumers (Lambda event source mappings) in the same transaction.
    outbox.emit(conn, STREAM_TOPIC, {"stream_arn": table.stream_arn, "sequence": seq}, key=table.stream_arn)
