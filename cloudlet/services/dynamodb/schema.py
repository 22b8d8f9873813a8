"""A table as the data plane sees it: key schema, indexes, stream and TTL settings.

The stored form is the table's metadata JSON (its description's static parts); `Table` is
built from it once per distinct JSON text and shared, so a request does not re-parse it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cloudlet.services.dynamodb import keys
from cloudlet.services.dynamodb.attributes import AttributeValue, Item
from cloudlet.services.dynamodb.errors import KeyValidationException, ValidationException, invalid
from cloudlet.services.dynamodb.store import Key

MAX_PARTITION_KEY = 2048
MAX_SORT_KEY = 1024


@dataclass(frozen=True)
class KeyAttribute:
    name: str
    kind: str  # S, N or B


@dataclass(frozen=True)
class Index:
    name: str
    is_global: bool
    hash_key: KeyAttribute
    range_key: KeyAttribute | None
    projection: str  # KEYS_ONLY, INCLUDE, ALL
    non_key_attributes: tuple[str, ...] = ()
    active_at: float = 0.0  # a GSI added by UpdateTable is CREATING (backfilling) until then

    def key_names(self) -> tuple[str, ...]:
        return (self.hash_key.name,) + ((self.range_key.name,) if self.range_key else ())


@dataclass(frozen=True)
class Table:
    id: int
    account: str
    region: str
    name: str
    meta: dict[str, Any] = field(hash=False, compare=False)
    hash_key: KeyAttribute
    range_key: KeyAttribute | None
    indexes: dict[str, Index]
    stream_view: str | None  # the stream's view type while a stream is enabled
    stream_arn: str | None
    ttl_attribute: str | None

    @property
    def arn(self) -> str:
        return f"arn:aws:dynamodb:{self.region}:{self.account}:table/{self.name}"

    def key_names(self) -> tuple[str, ...]:
        return (self.hash_key.name,) + ((self.range_key.name,) if self.range_key else ())

    # -- keys ------------------------------------------------------------------------------------

    def key_of_request(self, key: Item) -> Key:
        """The stored key of a request's `Key`, which must be exactly the table's key."""
        names = self.key_names()
        if len(key) != len(names) or any(name not in key for name in names):
            raise KeyValidationException("The provided key element does not match the schema")
        for attribute in self._key_attributes():
            if set(key[attribute.name]) != {attribute.kind}:
                raise KeyValidationException("The provided key element does not match the schema")
        return self.key_of_item(key)

    def key_of_item(self, item: Item) -> Key:
        partition = _key_bytes(self.hash_key, item, MAX_PARTITION_KEY, "Partition")
        sort = _key_bytes(self.range_key, item, MAX_SORT_KEY, "Sort") if self.range_key else b""
        return keys.hash_of(partition), partition, sort

    def key_item(self, item: Item) -> Item:
        return {name: item[name] for name in self.key_names() if name in item}

    def index_key(self, index: Index, item: Item) -> Key | None:
        """The index key of an item, or None when the item is not in that (sparse) index."""
        attributes = (index.hash_key,) + ((index.range_key,) if index.range_key else ())
        for attribute in attributes:
            value = item.get(attribute.name)
            if value is None:
                return None
            if attribute.kind not in value:
                raise invalid(
                    f"Type mismatch for Index Key {attribute.name} Expected: {attribute.kind}"
                    f" Actual: {next(iter(value))} IndexName: {index.name}"
                )
        partition = keys.encode(index.hash_key.kind, item[index.hash_key.name])
        sort = keys.encode(index.range_key.kind, item[index.range_key.name]) if index.range_key else b""
        for attribute, encoded in ((index.hash_key, partition), (index.range_key, sort)):
            if attribute is not None and not encoded:
                raise ValidationException(
                    "One or more parameter values are not valid. A value specified for a secondary index key is"
                    " not supported. The AttributeValue for a key attribute cannot contain an empty string value."
                    f" IndexName: {index.name}, IndexKey: {attribute.name}"
                )
        return keys.hash_of(partition), partition, sort

    def projected_names(self, index: Index) -> set[str]:
        """The attributes a KEYS_ONLY or INCLUDE index holds."""
        return set(self.key_names()) | set(index.key_names()) | set(index.non_key_attributes)

    def project(self, index: Index, item: Item) -> Item:
        if index.projection == "ALL":
            return item
        names = self.projected_names(index)
        return {name: value for name, value in item.items() if name in names}

    def _key_attributes(self) -> tuple[KeyAttribute, ...]:
        return (self.hash_key,) + ((self.range_key,) if self.range_key else ())


def _key_bytes(attribute: KeyAttribute, item: Item, limit: int, role: str) -> bytes:
    value: AttributeValue | None = item.get(attribute.name)
    if value is None:
        raise _key_invalid(f"Missing the key {attribute.name} in the item")
    if attribute.kind not in value:
        raise _key_invalid(
            f"Type mismatch for key {attribute.name} expected: {attribute.kind} actual: {next(iter(value))}"
        )
    encoded = keys.encode(attribute.kind, value)
    if not encoded:
        raise KeyValidationException(
            "One or more parameter values are not valid. The AttributeValue for a key"
            f" attribute cannot contain an empty {'string' if attribute.kind == 'S' else 'binary'}"
            f" value. Key: {attribute.name}"
        )
    if len(encoded) > limit and attribute.kind != "N":
        raise KeyValidationException(
            # AWS's wording, missing space included: clients match on it.
            f"One or more parameter values were invalid: Size of hashkey has exceeded the"
            f" maximum size limit of{limit} bytes"
            if role == "Partition"
            else "One or more parameter values were invalid: Aggregated size of all range keys"
            f" has exceeded the size limit of {limit} bytes"
        )
    return encoded


def _key_invalid(message: str) -> KeyValidationException:
    return KeyValidationException(f"One or more parameter values were invalid: {message}")


def key_schema(
    schema: list[dict[str, str]], types: dict[str, str]
) -> tuple[KeyAttribute, KeyAttribute | None]:
    by_role = {
        entry["KeyType"]: KeyAttribute(entry["AttributeName"], types[entry["AttributeName"]])
        for entry in schema
    }
    return by_role["HASH"], by_role.get("RANGE")


@lru_cache(maxsize=512)
def _parse(table_id: int, account: str, region: str, name: str, meta_text: str) -> Table:
    meta = json.loads(meta_text)
    types = {entry["AttributeName"]: entry["AttributeType"] for entry in meta["AttributeDefinitions"]}
    hash_key, range_key = key_schema(meta["KeySchema"], types)
    indexes = {}
    for kind in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
        for entry in meta.get(kind, []):
            index_hash, index_range = key_schema(entry["KeySchema"], types)
            projection = entry["Projection"]
            indexes[entry["IndexName"]] = Index(
                entry["IndexName"],
                kind.startswith("Global"),
                index_hash,
                index_range,
                projection.get("ProjectionType", "ALL"),
                tuple(projection.get("NonKeyAttributes", ())),
                entry.get("ActiveAt", 0.0),
            )
    stream = meta.get("StreamSpecification") or {}
    ttl = meta.get("TimeToLive") or {}
    return Table(
        table_id,
        account,
        region,
        name,
        meta,
        hash_key,
        range_key,
        indexes,
        stream.get("StreamViewType") if stream.get("StreamEnabled") else None,
        meta.get("LatestStreamArn") if stream.get("StreamEnabled") else None,
        ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") == "ENABLED" else None,
    )


def table_from_row(table_id: int, account: str, region: str, name: str, meta_text: str) -> Table:
    return _parse(table_id, account, region, name, meta_text)
