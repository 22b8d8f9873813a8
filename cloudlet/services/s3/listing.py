"""Listing keys: ListObjects (v1), ListObjectsV2 and ListObjectVersions.

A page is read with range queries over the key index: a key under a common prefix adds that
prefix and the next query seeks straight past everything it covers, so a delimiter over a
million keys in a thousand folders costs a thousand small queries, not a million rows.
"""

from __future__ import annotations

import base64
import binascii
import sqlite3
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from cloudlet.edge.types import RequestContext
from cloudlet.services.s3 import store
from cloudlet.services.s3.common import S3Operations, owner_of, timestamp
from cloudlet.services.s3.errors import InvalidArgument

DEFAULT_MAX_KEYS = 1000
# Items of a page: ("key", ObjectVersion) or ("prefix", str).
Item = tuple[str, Any]
Fetch = Callable[[str, bool, int], list[store.ObjectVersion]]


def after_prefix(prefix: str) -> str | None:
    """The least string greater than every string that starts with `prefix` (None: no bound)."""
    while prefix:
        last = ord(prefix[-1])
        if last < 0x10FFFF:
            following = last + 1 if last + 1 != 0xD800 else 0xE000  # skip the surrogates
            return prefix[:-1] + chr(following)
        prefix = prefix[:-1]
    return None


def walk(
    fetch: Fetch, prefix: str, delimiter: str | None, start: str | None, max_keys: int
) -> tuple[list[Item], bool]:
    """Up to max_keys keys and common prefixes after `start`; and whether more remain."""
    if max_keys == 0:
        return [], False  # S3 answers max-keys=0 with an empty page that is not truncated
    lower, inclusive = prefix, True
    if start is not None and start >= prefix:
        lower, inclusive = start, False
        if (
            delimiter
            and start.endswith(delimiter)
            and start.find(delimiter, len(prefix)) == len(start) - len(delimiter)
        ):
            following = after_prefix(start)  # resuming after a common prefix: skip all it covers
            if following is None:
                return [], False
            lower, inclusive = following, True
    items: list[Item] = []
    while len(items) <= max_keys:
        wanted = max_keys + 1 - len(items)
        rows = fetch(lower, inclusive, wanted)
        common = None
        for obj in rows:
            common = _common_prefix(obj.key, prefix, delimiter)
            if common is not None:
                items.append(("prefix", common))
                break
            items.append(("key", obj))
            lower, inclusive = obj.key, False
        if common is not None:
            following = after_prefix(common)
            if following is None:
                break
            lower, inclusive = following, True
        elif len(rows) < wanted:
            break
    return items[:max_keys], len(items) > max_keys


def encode_token(item: Item) -> str:
    kind, value = item
    text = ("p" + value) if kind == "prefix" else ("k" + value.key)
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_token(token: str) -> str:
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text or text[0] not in "kp":
        raise InvalidArgument("The continuation token provided is incorrect", "continuation-token", token)
    return text[1:]


def _item_name(item: Item) -> str:
    return item[1] if item[0] == "prefix" else item[1].key


def _max_keys(params: dict[str, Any]) -> int:
    value = params.get("MaxKeys", DEFAULT_MAX_KEYS)
    if value < 0:
        raise InvalidArgument(
            "Argument maxKeys must be an integer between 0 and 2147483647", "maxKeys", str(value)
        )
    return min(value, DEFAULT_MAX_KEYS)


def _encoder(params: dict[str, Any]) -> Callable[[str | None], str | None]:
    encoding = params.get("EncodingType")
    if encoding is not None and encoding != "url":
        raise InvalidArgument("Invalid Encoding Method specified in Request", "encoding-type", encoding)
    if encoding == "url":
        return lambda value: None if value is None else quote(value, safe="/")
    return lambda value: value


def _content(
    obj: store.ObjectVersion, encode: Callable[[str | None], str | None], owner: bool
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Key": encode(obj.key),
        "LastModified": timestamp(obj.modified),
        "ETag": obj.etag,
        "Size": obj.size,
        "StorageClass": obj.storage_class,
    }
    if obj.checksum:
        entry["ChecksumAlgorithm"] = [obj.checksum["algorithm"]]
        entry["ChecksumType"] = obj.checksum["type"]
    if owner:
        entry["Owner"] = owner_of(obj.owner)
    return entry


class ListingOperations(S3Operations):
    def _page(
        self, conn: sqlite3.Connection, bucket: str, params: dict[str, Any], start: str | None, max_keys: int
    ) -> tuple[list[Item], bool]:
        prefix = params.get("Prefix") or ""
        upper = after_prefix(prefix)

        def fetch(lower: str, inclusive: bool, limit: int) -> list[store.ObjectVersion]:
            return store.current_objects(conn, bucket, lower, inclusive, upper, limit)

        return walk(fetch, prefix, params.get("Delimiter") or None, start, max_keys)

    def list_objects_v2(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        encode, max_keys = _encoder(params), _max_keys(params)
        token = params.get("ContinuationToken")
        start = decode_token(token) if token else params.get("StartAfter")
        with self.env.store.read() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
            items, truncated = self._page(conn, bucket.name, params, start, max_keys)
        output = self._listing(bucket.name, params, items, truncated, encode, bool(params.get("FetchOwner")))
        output["KeyCount"] = len(items)
        for member in ("ContinuationToken", "EncodingType"):
            if member in params:
                output[member] = params[member]
        if "StartAfter" in params:
            output["StartAfter"] = encode(params["StartAfter"])
        if truncated and items:
            output["NextContinuationToken"] = encode_token(items[-1])
        return output

    def list_objects(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        encode, max_keys = _encoder(params), _max_keys(params)
        with self.env.store.read() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
            items, truncated = self._page(conn, bucket.name, params, params.get("Marker") or None, max_keys)
        output = self._listing(bucket.name, params, items, truncated, encode, True)
        output["Marker"] = encode(params.get("Marker") or "")
        if "EncodingType" in params:
            output["EncodingType"] = params["EncodingType"]
        if truncated and items and params.get("Delimiter"):
            output["NextMarker"] = encode(_item_name(items[-1]))
        return output

    @staticmethod
    def _listing(
        name: str,
        params: dict[str, Any],
        items: list[Item],
        truncated: bool,
        encode: Callable[[str | None], str | None],
        owner: bool,
    ) -> dict[str, Any]:
        output: dict[str, Any] = {
            "Name": name,
            "Prefix": encode(params.get("Prefix") or ""),
            "MaxKeys": params.get("MaxKeys", 1000),
            "IsTruncated": truncated,
            "Contents": [_content(v, encode, owner) for k, v in items if k == "key"],
            "CommonPrefixes": [{"Prefix": encode(v)} for k, v in items if k == "prefix"],
        }
        if params.get("Delimiter"):
            output["Delimiter"] = encode(params["Delimiter"])
        return output

    def list_object_versions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        encode, max_keys = _encoder(params), _max_keys(params)
        prefix, delimiter = params.get("Prefix") or "", params.get("Delimiter") or None
        key_marker, version_marker = params.get("KeyMarker") or None, params.get("VersionIdMarker") or None
        with self.env.store.read() as conn:
            bucket = self.bucket(conn, ctx, params["Bucket"])
            items, truncated = self._versions(
                conn, bucket.name, prefix, delimiter, key_marker, version_marker, max_keys
            )
        output = self._version_listing(bucket.name, params, items, encode)
        output["IsTruncated"] = truncated
        if truncated and items:
            last = items[-1]
            output["NextKeyMarker"] = encode(_item_name(last))
            if last[0] == "key":
                output["NextVersionIdMarker"] = last[1].version_id
        return output

    @staticmethod
    def _versions(
        conn: sqlite3.Connection,
        bucket: str,
        prefix: str,
        delimiter: str | None,
        key_marker: str | None,
        version_marker: str | None,
        max_keys: int,
    ) -> tuple[list[Item], bool]:
        """walk() over versions: several rows share a key, so the cursor is (key, row id)."""
        if max_keys == 0:
            return [], False
        upper = after_prefix(prefix)
        lower, inclusive, below = prefix, True, None
        if key_marker and key_marker >= prefix:
            lower, inclusive = key_marker, False
            if version_marker:
                marker = store.find_object(conn, bucket, key_marker, version_marker)
                below = marker.id if marker else None
        items: list[Item] = []
        while len(items) <= max_keys:
            wanted = max_keys + 1 - len(items)
            rows = store.object_versions(conn, bucket, lower, inclusive, upper, wanted, below_id=below)
            common = None
            for obj in rows:
                common = _common_prefix(obj.key, prefix, delimiter)
                if common is not None:
                    items.append(("prefix", common))
                    break
                items.append(("key", obj))
            if common is not None:
                following = after_prefix(common)
                if following is None:
                    break
                lower, inclusive, below = following, True, None
            elif len(rows) < wanted:
                break
            else:
                lower, inclusive, below = rows[-1].key, False, rows[-1].id
        return items[:max_keys], len(items) > max_keys

    @staticmethod
    def _version_listing(
        name: str, params: dict[str, Any], items: list[Item], encode: Callable[[str | None], str | None]
    ) -> dict[str, Any]:
        versions, markers = [], []
        for kind, value in items:
            if kind != "key":
                continue
            entry = {
                "Key": encode(value.key),
                "VersionId": value.version_id,
                "IsLatest": value.latest,
                "LastModified": timestamp(value.modified),
                "Owner": owner_of(value.owner),
            }
            if value.delete_marker:
                markers.append(entry)
            else:
                entry.update({"ETag": value.etag, "Size": value.size, "StorageClass": value.storage_class})
                if value.checksum:
                    entry["ChecksumAlgorithm"] = [value.checksum["algorithm"]]
                    entry["ChecksumType"] = value.checksum["type"]
                versions.append(entry)
        output: dict[str, Any] = {
            "Name": name,
            "Prefix": encode(params.get("Prefix") or ""),
            "MaxKeys": params.get("MaxKeys", 1000),
            "KeyMarker": encode(params.get("KeyMarker") or ""),
            "VersionIdMarker": params.get("VersionIdMarker") or "",
            "Versions": versions,
            "DeleteMarkers": markers,
            "CommonPrefixes": [{"Prefix": encode(v)} for k, v in items if k == "prefix"],
        }
        if params.get("Delimiter"):
            output["Delimiter"] = encode(params["Delimiter"])
        if "EncodingType" in params:
            output["EncodingType"] = params["EncodingType"]
        return output


def _common_prefix(key: str, prefix: str, delimiter: str | None) -> str | None:
    if not delimiter:
        return None
    cut = key.find(delimiter, len(prefix))
    return None if cut < 0 else key[: cut + len(delimiter)]
