"""The control plane: creating, describing, changing and deleting tables and their indexes.

A table's static description lives as JSON in `ddb_tables.meta`; item counts and sizes are
read from the item rows when described. Status changes are immediate: CreateTable answers
CREATING (as AWS does) and the table is ACTIVE from the next call on.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
import uuid
from datetime import UTC, datetime
from typing import Any

from cloudlet.services.dynamodb import store, writes
from cloudlet.services.dynamodb.attributes import dumps, item_size, loads
from cloudlet.services.dynamodb.errors import (
    LimitExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
    ValidationException,
    invalid,
)
from cloudlet.services.dynamodb.schema import Table, table_from_row

MAX_GSIS = 20
MAX_LSIS = 5
# How long a GSI added by UpdateTable stays CREATING (backfilling) on the clock: long enough
# for a client to see AWS's transition, short enough not to slow anyone down.
INDEX_BUILD_SECONDS = 3.0


def timestamp(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


_TABLE_NAME = re.compile(r"[a-zA-Z0-9_.-]+")


def check_name(name: str, member: str = "tableName") -> None:
    """The name checks AWS makes when TableName is a name (the model now also admits an ARN,
    so they are not the model's): the pattern first, then the length."""
    if name.startswith("arn:"):
        return
    if not _TABLE_NAME.fullmatch(name):
        problem = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
    elif len(name) < 3:
        problem = "Member must have length greater than or equal to 3"
    elif len(name) > 255:
        problem = "Member must have length less than or equal to 255"
    else:
        return
    raise ValidationException(
        f"1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: {problem}"
    )


_TAG_PUNCTUATION = frozenset("_.:/=+-@")
MAX_TAGS = 50


def check_tags(tags: list[dict[str, str]]) -> None:
    """AWS's tag rules: at least one tag; keys and values of letters, numbers, spaces and _.:/=+-@."""
    if not tags:
        raise ValidationException(
            "1 validation error detected: Value '[]' at 'tags' failed to satisfy constraint:"
            " Member must have length greater than or equal to 1"
        )
    for tag in tags:
        for part, text in (("key", tag["Key"]), ("value", tag["Value"])):
            if not all(_tag_character(char) for char in text):
                raise ValidationException(
                    f"One or more parameter values were invalid: The tag {part} contains invalid characters: {text}"
                )


def _tag_character(char: str) -> bool:
    return char in _TAG_PUNCTUATION or unicodedata.category(char)[0] in "LZN"


def find(conn: sqlite3.Connection, account: str, region: str, name: str) -> Table:
    check_name(name)
    row = store.find_table(conn, account, region, name)
    if row is None:
        raise ResourceNotFoundException(f"Requested resource not found: Table: {name} not found")
    return table_from_row(row[0], account, region, name, row[1])


def find_for_data(conn: sqlite3.Connection, account: str, region: str, name: str) -> Table:
    """Data-plane operations word a missing table without naming it."""
    check_name(name)
    row = store.find_table(conn, account, region, name)
    if row is None:
        raise ResourceNotFoundException()
    return table_from_row(row[0], account, region, name, row[1])


def save(conn: sqlite3.Connection, table: Table, meta: dict[str, Any]) -> Table:
    text = json.dumps(meta, separators=(",", ":"))
    store.update_table_meta(conn, table.id, text)
    return table_from_row(table.id, table.account, table.region, table.name, text)


# -- CreateTable -----------------------------------------------------------------------------------


def create(conn: sqlite3.Connection, account: str, region: str, params: dict[str, Any], now: float) -> Table:
    name = params["TableName"]
    check_name(name)
    if store.find_table(conn, account, region, name) is not None:
        raise ResourceInUseException(f"Table already exists: {name}")
    meta = _validated_meta(params, now)
    text = json.dumps(meta, separators=(",", ":"))
    table_id = store.insert_table(conn, account, region, name, text)
    table = table_from_row(table_id, account, region, name, text)
    if meta.get("StreamSpecification", {}).get("StreamEnabled"):
        table = enable_stream(conn, table, meta, meta["StreamSpecification"]["StreamViewType"], now)
    return table


def _validated_meta(params: dict[str, Any], now: float) -> dict[str, Any]:
    definitions = params.get("AttributeDefinitions") or []
    defined = {entry["AttributeName"]: entry["AttributeType"] for entry in definitions}
    if len(defined) != len(definitions):
        twice = next(n for n in defined if sum(e["AttributeName"] == n for e in definitions) > 1)
        raise invalid(f"Duplicate AttributeName {twice} in AttributeDefinitions")
    key_schema = params["KeySchema"]
    _check_key_schema(key_schema, "")
    lsis = params.get("LocalSecondaryIndexes") or []
    gsis = params.get("GlobalSecondaryIndexes") or []
    used = {
        entry["AttributeName"]
        for schema in [key_schema] + [i["KeySchema"] for i in lsis + gsis]
        for entry in schema
    }
    missing = sorted(used - defined.keys())
    if missing:
        raise invalid(
            f"Some index key attributes are not defined in AttributeDefinitions. Keys: [{', '.join(missing)}],"
            f" AttributeDefinitions: [{', '.join(defined)}]"
        )
    if len(defined) != len(definitions) or set(defined) - used:
        raise invalid(
            "Number of attributes in KeySchema does not exactly match number of attributes defined in"
            " AttributeDefinitions"
        )
    billing = params.get("BillingMode") or "PROVISIONED"
    throughput = _throughput(billing, params.get("ProvisionedThroughput"))
    _check_indexes(key_schema, lsis, gsis, billing)
    if params.get("Tags"):
        check_tags(params["Tags"])
        if len({tag["Key"] for tag in params["Tags"]}) > MAX_TAGS:
            raise invalid("Too many tags")
    meta: dict[str, Any] = {
        "AttributeDefinitions": definitions,
        "KeySchema": key_schema,
        "BillingMode": billing,
        "ProvisionedThroughput": throughput,
        "CreationDateTime": now,
        "TableId": str(uuid.uuid4()),
        "TableClass": params.get("TableClass") or "STANDARD",
        "DeletionProtectionEnabled": bool(params.get("DeletionProtectionEnabled")),
        "Tags": params.get("Tags") or [],
    }
    if lsis:
        meta["LocalSecondaryIndexes"] = [_index_meta(index, None) for index in lsis]
    if gsis:
        meta["GlobalSecondaryIndexes"] = [_index_meta(index, billing) for index in gsis]
    stream = params.get("StreamSpecification")
    if stream and stream.get("StreamEnabled"):
        if not stream.get("StreamViewType"):
            raise ValidationException(
                "1 validation error detected: Value null at 'streamSpecification.streamViewType'"
                " failed to satisfy constraint: Member must not be null"
            )
        meta["StreamSpecification"] = stream
    return meta


def _check_key_schema(schema: list[dict[str, str]], index: str) -> None:
    prefix = (
        "Invalid KeySchema: " if not index else f"One or more parameter values were invalid: Index {index}: "
    )
    if not schema or len(schema) > 2:
        raise ValidationException(f"{prefix}The KeySchema must have one or two elements")
    if schema[0]["KeyType"] != "HASH":
        raise ValidationException(f"{prefix}The first KeySchemaElement is not a HASH key type")
    if len(schema) == 2:
        if schema[1]["KeyType"] != "RANGE":
            raise ValidationException(f"{prefix}The second KeySchemaElement is not a RANGE key type")
        if schema[0]["AttributeName"] == schema[1]["AttributeName"]:
            raise invalid("Both the Hash Key and the Range Key element in the KeySchema have the same name")


def _throughput(billing: str, throughput: dict[str, int] | None) -> dict[str, int]:
    if billing == "PAY_PER_REQUEST":
        if throughput:
            raise invalid(
                "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is"
                " PAY_PER_REQUEST"
            )
        return {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
    if not throughput:
        raise invalid(
            "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
        )
    return {
        "ReadCapacityUnits": throughput["ReadCapacityUnits"],
        "WriteCapacityUnits": throughput["WriteCapacityUnits"],
    }


def _check_indexes(
    key_schema: list[dict[str, str]], lsis: list[dict[str, Any]], gsis: list[dict[str, Any]], billing: str
) -> None:
    names: set[str] = set()
    if len(lsis) > MAX_LSIS:
        raise invalid("Number of LocalSecondaryIndexes exceeds per-table limit of 5")
    if len(gsis) > MAX_GSIS:
        raise invalid("GlobalSecondaryIndex count exceeds the per-table limit of 20")
    for index in lsis + gsis:
        if index["IndexName"] in names:
            raise invalid(f"Duplicate index name: {index['IndexName']}")
        names.add(index["IndexName"])
        _check_key_schema(index["KeySchema"], index["IndexName"])
        _check_projection(index)
    for index in lsis:
        if len(key_schema) < 2:
            raise invalid(
                "Table KeySchema does not have a range key, which is required when specifying a"
                " LocalSecondaryIndex"
            )
        if (
            index["KeySchema"][0]["AttributeName"] != key_schema[0]["AttributeName"]
            or len(index["KeySchema"]) < 2
        ):
            raise invalid(
                f"Index KeySchema does not have the same leading hash key as table KeySchema for index:"
                f" {index['IndexName']}. index hash key: {index['KeySchema'][0]['AttributeName']},"
                f" table hash key: {key_schema[0]['AttributeName']}"
            )
    for index in gsis:
        if billing == "PROVISIONED" and not index.get("ProvisionedThroughput"):
            raise invalid(f"ProvisionedThroughput should not be null for index: {index['IndexName']}")


def _check_projection(index: dict[str, Any]) -> None:
    projection = index.get("Projection") or {}
    kind = projection.get("ProjectionType", "ALL")
    if kind == "INCLUDE" and not projection.get("NonKeyAttributes"):
        raise invalid("ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
    if kind != "INCLUDE" and projection.get("NonKeyAttributes"):
        raise invalid(f"ProjectionType is {kind}, but NonKeyAttributes is specified")


def _index_meta(index: dict[str, Any], billing: str | None) -> dict[str, Any]:
    meta = {
        "IndexName": index["IndexName"],
        "KeySchema": index["KeySchema"],
        "Projection": index.get("Projection") or {"ProjectionType": "ALL"},
    }
    if billing is not None:
        meta["ProvisionedThroughput"] = _throughput(
            billing, index.get("ProvisionedThroughput") if billing == "PROVISIONED" else None
        )
    return meta


# -- DescribeTable ----------------------------------------------------------------------------------


def describe(conn: sqlite3.Connection, table: Table, now: float, status: str = "ACTIVE") -> dict[str, Any]:
    meta = table.meta
    if status == "ACTIVE" and any(index.active_at > now for index in table.indexes.values()):
        status = "UPDATING"
    count, size = store.table_usage(conn, table.id)
    description: dict[str, Any] = {
        "TableName": table.name,
        "TableArn": table.arn,
        "TableId": meta["TableId"],
        "TableStatus": status,
        "CreationDateTime": timestamp(meta["CreationDateTime"]),
        "AttributeDefinitions": meta["AttributeDefinitions"],
        "KeySchema": meta["KeySchema"],
        "ProvisionedThroughput": {**meta["ProvisionedThroughput"], "NumberOfDecreasesToday": 0},
        "TableSizeBytes": size,
        "ItemCount": count,
        "TableClassSummary": {"TableClass": meta["TableClass"]},
        "DeletionProtectionEnabled": meta["DeletionProtectionEnabled"],
    }
    if meta["BillingMode"] == "PAY_PER_REQUEST":
        description["BillingModeSummary"] = {
            "BillingMode": "PAY_PER_REQUEST",
            "LastUpdateToPayPerRequestDateTime": timestamp(meta["CreationDateTime"]),
        }
    for kind in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
        if meta.get(kind):
            description[kind] = [_describe_index(conn, table, index, kind, now) for index in meta[kind]]
    if meta.get("StreamSpecification", {}).get("StreamEnabled"):
        description["StreamSpecification"] = meta["StreamSpecification"]
    if meta.get("LatestStreamArn"):
        description["LatestStreamArn"] = meta["LatestStreamArn"]
        description["LatestStreamLabel"] = meta["LatestStreamLabel"]
    return description


def describe_deleting(
    table: Table, description: dict[str, Any], deleted: list[dict[str, Any]]
) -> dict[str, Any]:
    """UpdateTable's answer shows a deleted GSI as DELETING (it is gone from the next call on)."""
    if not deleted:
        return description
    gone = [
        {
            **{k: v for k, v in index.items() if k != "ActiveAt"},
            "IndexStatus": "DELETING",
            "IndexArn": f"{table.arn}/index/{index['IndexName']}",
            "IndexSizeBytes": 0,
            "ItemCount": 0,
        }
        for index in deleted
    ]
    indexes = description.get("GlobalSecondaryIndexes", []) + gone
    return {**description, "TableStatus": "UPDATING", "GlobalSecondaryIndexes": indexes}


def _describe_index(
    conn: sqlite3.Connection, table: Table, index: dict[str, Any], kind: str, now: float
) -> dict[str, Any]:
    count, size = store.index_usage(conn, table.id, index["IndexName"])
    described = {
        **index,
        "IndexSizeBytes": size,
        "ItemCount": count,
        "IndexArn": f"{table.arn}/index/{index['IndexName']}",
    }
    active_at = described.pop("ActiveAt", 0.0)
    if kind == "GlobalSecondaryIndexes":
        described["IndexStatus"] = "CREATING" if active_at > now else "ACTIVE"
        if active_at > now:
            described["Backfilling"] = True
        described["ProvisionedThroughput"] = {
            **index.get("ProvisionedThroughput", {}),
            "NumberOfDecreasesToday": 0,
        }
    return described


# -- UpdateTable ---------------------------------------------------------------------------------------


def update(
    conn: sqlite3.Connection, table: Table, params: dict[str, Any], now: float
) -> tuple[Table, list[dict[str, Any]]]:
    """Applies an UpdateTable; returns the table and the indexes it deleted."""
    changes = (
        "ProvisionedThroughput",
        "BillingMode",
        "StreamSpecification",
        "GlobalSecondaryIndexUpdates",
        "SSESpecification",
        "ReplicaUpdates",
        "DeletionProtectionEnabled",
        "TableClass",
        "OnDemandThroughput",
        "WarmThroughput",
    )
    if not any(params.get(name) is not None for name in changes):
        raise ValidationException(
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled,"
            " GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required"
        )
    meta = json.loads(json.dumps(table.meta))
    _merge_definitions(meta, params.get("AttributeDefinitions") or [])
    if params.get("BillingMode"):
        meta["BillingMode"] = params["BillingMode"]
        if params["BillingMode"] == "PAY_PER_REQUEST":
            meta["ProvisionedThroughput"] = {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
            for index in meta.get("GlobalSecondaryIndexes", []):
                index["ProvisionedThroughput"] = {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
    if params.get("ProvisionedThroughput"):
        meta["ProvisionedThroughput"] = _throughput(meta["BillingMode"], params["ProvisionedThroughput"])
    if params.get("DeletionProtectionEnabled") is not None:
        meta["DeletionProtectionEnabled"] = params["DeletionProtectionEnabled"]
    if params.get("TableClass"):
        meta["TableClass"] = params["TableClass"]
    deleted: list[dict[str, Any]] = []
    _update_indexes(conn, table, meta, params.get("GlobalSecondaryIndexUpdates") or [], now, deleted)
    table = save(conn, table, meta)
    stream = params.get("StreamSpecification")
    if stream is not None:
        table = _update_stream(conn, table, stream, now)
    return table, deleted


def _merge_definitions(meta: dict[str, Any], definitions: list[dict[str, str]]) -> None:
    known = {entry["AttributeName"]: entry["AttributeType"] for entry in meta["AttributeDefinitions"]}
    for entry in definitions:
        if known.get(entry["AttributeName"], entry["AttributeType"]) != entry["AttributeType"]:
            raise invalid(f"Cannot change the type of attribute {entry['AttributeName']}")
        if entry["AttributeName"] not in known:
            meta["AttributeDefinitions"].append(entry)
            known[entry["AttributeName"]] = entry["AttributeType"]


def _update_indexes(
    conn: sqlite3.Connection,
    table: Table,
    meta: dict[str, Any],
    updates: list[dict[str, Any]],
    now: float,
    deleted: list[dict[str, Any]],
) -> set[str]:
    gsis = meta.setdefault("GlobalSecondaryIndexes", [])
    created: set[str] = set()
    online = [change for change in updates if "Create" in change or "Delete" in change]
    if len(online) > 1 or (online and any(index.active_at > now for index in table.indexes.values())):
        raise LimitExceededException(
            "Subscriber limit exceeded: Only 1 online index can be created or deleted"
            " simultaneously per table"
        )
    for change in updates:
        if "Create" in change:
            index = change["Create"]
            if any(
                existing["IndexName"] == index["IndexName"]
                for existing in gsis + meta.get("LocalSecondaryIndexes", [])
            ):
                raise invalid("Attempting to create an index which already exists")
            _check_key_schema(index["KeySchema"], index["IndexName"])
            _check_projection(index)
            defined = {entry["AttributeName"] for entry in meta["AttributeDefinitions"]}
            for entry in index["KeySchema"]:
                if entry["AttributeName"] not in defined:
                    raise invalid(
                        "Some index key attributes are not defined in AttributeDefinitions. Keys:"
                        f" [{entry['AttributeName']}], AttributeDefinitions: [{', '.join(sorted(defined))}]"
                    )
            gsis.append({**_index_meta(index, meta["BillingMode"]), "ActiveAt": now + INDEX_BUILD_SECONDS})
            created.add(index["IndexName"])
        elif "Delete" in change:
            name = change["Delete"]["IndexName"]
            if not any(existing["IndexName"] == name for existing in gsis):
                raise ResourceNotFoundException(f"Requested resource not found: Index: {name} not found")
            deleted.extend(existing for existing in gsis if existing["IndexName"] == name)
            gsis[:] = [existing for existing in gsis if existing["IndexName"] != name]
            store.delete_index(conn, table.id, name)
        elif "Update" in change:
            name = change["Update"]["IndexName"]
            for existing in gsis:
                if existing["IndexName"] == name:
                    existing["ProvisionedThroughput"] = _throughput(
                        meta["BillingMode"], change["Update"].get("ProvisionedThroughput")
                    )
                    break
            else:
                raise ResourceNotFoundException(f"Requested resource not found: Index: {name} not found")
    if not gsis:
        meta.pop("GlobalSecondaryIndexes")
    _prune_definitions(meta)
    if created:
        _backfill(conn, table, meta, created)
    return created


def _prune_definitions(meta: dict[str, Any]) -> None:
    used = {
        entry["AttributeName"]
        for schema in [meta["KeySchema"]]
        + [
            index["KeySchema"]
            for kind in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes")
            for index in meta.get(kind, [])
        ]
        for entry in schema
    }
    meta["AttributeDefinitions"] = [
        entry for entry in meta["AttributeDefinitions"] if entry["AttributeName"] in used
    ]


def _backfill(conn: sqlite3.Connection, table: Table, meta: dict[str, Any], names: set[str]) -> None:
    """Indexes the existing items into new GSIs, in the UpdateTable's transaction."""
    shaped = table_from_row(
        table.id, table.account, table.region, table.name, json.dumps(meta, separators=(",", ":"))
    )
    rows = [loads(text) for text in store.iter_items(conn, table.id)]
    usage = dict.fromkeys(names, (0, 0))
    for item in rows:
        base = shaped.key_of_item(item)
        for name in names:
            index = shaped.indexes[name]
            try:
                key = shaped.index_key(index, item)
            except ValidationException:
                continue  # AWS leaves items whose attribute has the wrong type out of the index
            if key is not None:
                projected = shaped.project(index, item)
                size = item_size(projected)
                store.put_index_item(conn, table.id, name, key, base, size, dumps(projected))
                usage[name] = (usage[name][0] + 1, usage[name][1] + size)
    for name, (count, size) in usage.items():
        store.add_usage(conn, table.id, name, count, size)


# -- streams and TTL -------------------------------------------------------------------------------------


def enable_stream(
    conn: sqlite3.Connection, table: Table, meta: dict[str, Any], view: str, now: float
) -> Table:
    label = timestamp(now).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    arn = f"{table.arn}/stream/{label}"
    meta = {
        **meta,
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": view},
        "LatestStreamArn": arn,
        "LatestStreamLabel": label,
    }
    store.insert_stream(
        conn,
        arn,
        table.id,
        table.account,
        table.region,
        table.name,
        label,
        view,
        json.dumps(meta["KeySchema"]),
        now,
    )
    return save(conn, table, meta)


def _update_stream(conn: sqlite3.Connection, table: Table, spec: dict[str, Any], now: float) -> Table:
    if spec.get("StreamEnabled"):
        if table.stream_arn:
            raise ValidationException(f"Table already has an enabled stream: TableName: {table.name}")
        if not spec.get("StreamViewType"):
            raise ValidationException("Stream view type must be specified when enabling a stream")
        return enable_stream(conn, table, table.meta, spec["StreamViewType"], now)
    if not table.stream_arn:
        raise ValidationException(f"Table {table.name} does not have a stream enabled")
    store.disable_stream(conn, table.stream_arn, now)
    return save(conn, table, {**table.meta, "StreamSpecification": {"StreamEnabled": False}})


def update_ttl(conn: sqlite3.Connection, table: Table, spec: dict[str, Any]) -> Table:
    current = table.meta.get("TimeToLive") or {}
    enabled = current.get("TimeToLiveStatus") == "ENABLED"
    if enabled and spec["AttributeName"] != current.get("AttributeName"):
        raise ValidationException(
            "TimeToLive is active on a different AttributeName: current AttributeName is"
            f" {current.get('AttributeName')}"
        )
    if spec["Enabled"] and enabled:
        raise ValidationException("TimeToLive is already enabled")
    if not spec["Enabled"] and not enabled:
        raise ValidationException("TimeToLive is already disabled")
    if spec["Enabled"]:
        table = save(
            conn,
            table,
            {
                **table.meta,
                "TimeToLive": {"TimeToLiveStatus": "ENABLED", "AttributeName": spec["AttributeName"]},
            },
        )
        for text in store.iter_items(conn, table.id):
            item = loads(text)
            store.set_expiry(
                conn, table.id, table.key_of_item(item), None, writes.expiry(item, spec["AttributeName"])
            )
        return table
    store.clear_expiries(conn, table.id)
    return save(conn, table, {**table.meta, "TimeToLive": {"TimeToLiveStatus": "DISABLED"}})


# DeleteTable answers with a shorter description than DescribeTable: no schema, no indexes.
_NOT_IN_DELETE = frozenset(
    {"CreationDateTime", "KeySchema", "AttributeDefinitions", "LocalSecondaryIndexes", "GlobalSecondaryIndexes"}
)


def delete(conn: sqlite3.Connection, table: Table, now: float) -> dict[str, Any]:
    if table.meta.get("DeletionProtectionEnabled"):
        raise ValidationException(
            "Resource cannot be deleted as it is currently protected against deletion."
            " Disable deletion protection first."
        )
    description = {
        name: value for name, value in describe(conn, table, now, "DELETING").items() if name not in _NOT_IN_DELETE
    }
    if table.stream_arn:
        store.disable_stream(conn, table.stream_arn, now)
    store.delete_table(conn, table.id)
    return description
