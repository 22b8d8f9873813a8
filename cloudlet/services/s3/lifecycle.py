"""Lifecycle rules really applied: expiration of current versions (Days or Date), of noncurrent
versions (NoncurrentDays, NewerNoncurrentVersions), of expired delete markers, and aborting
incomplete multipart uploads. As on S3, an object becomes due at the midnight UTC after its
age reaches the rule's days; a sweep runs on the shared clock, so moving the clock forward
expires what is due. Each removal emits its s3:LifecycleExpiration event."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import math
import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any

from cloudlet.services.s3 import blobs, store
from cloudlet.services.s3.common import new_version_id
from cloudlet.services.s3.errors import InvalidArgument, MalformedXML
from cloudlet.services.s3.notifications import record_event

log = logging.getLogger("cloudlet.s3.lifecycle")

DAY = 86400
SWEEP_INTERVAL = 3600.0  # clock seconds between sweeps; advancing the clock runs one at once
_ACTIONS = (
    "Expiration",
    "NoncurrentVersionExpiration",
    "AbortIncompleteMultipartUpload",
    "Transitions",
    "NoncurrentVersionTransitions",
)


def check(rules: list[dict[str, Any]]) -> None:
    """PutBucketLifecycleConfiguration's checks beyond the model's."""
    if len(rules) > 1000:
        raise InvalidArgument(
            "The number of lifecycle rules must not exceed the allowed limit of 1000 rules."
        )
    ids = [rule.get("ID") for rule in rules if rule.get("ID")]
    if len(ids) != len(set(ids)):
        raise InvalidArgument("Rule ID must be unique. Found same ID for more than one rule", "ID", ids[0])
    for rule in rules:
        if rule.get("Status") not in ("Enabled", "Disabled"):
            raise MalformedXML()
        if len(rule.get("ID") or "") > 255:
            raise InvalidArgument("ID length should not exceed allowed limit of 255", "ID", rule["ID"])
        if not any(rule.get(action) for action in _ACTIONS):
            raise InvalidArgument("At least one action needs to be specified in a rule", "Action", None)
        expiration = rule.get("Expiration") or {}
        if "Days" in expiration and expiration["Days"] <= 0:
            raise InvalidArgument(
                "'Days' for Expiration action must be a positive integer", "Days", str(expiration["Days"])
            )
        if sum(k in expiration for k in ("Days", "Date", "ExpiredObjectDeleteMarker")) > 1:
            raise MalformedXML()
        dates = [expiration, *(rule.get("Transitions") or [])]
        for dated in (d for d in dates if "Date" in d):
            if _epoch(dated["Date"]) % DAY:
                raise InvalidArgument("'Date' must be at midnight GMT", "Date", str(dated["Date"]))


def with_ids(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules as stored: S3 names a rule that came without an ID."""
    return [rule if rule.get("ID") else {**rule, "ID": _new_rule_id()} for rule in rules]


def _new_rule_id() -> str:
    return base64.b64encode(str(uuid.uuid4()).encode()).decode().rstrip("=")


def expiration_of(config: dict[str, Any] | None, obj: store.ObjectVersion) -> str | None:
    """The x-amz-expiration header of a current version: when the earliest enabled Expiration
    rule that selects it will remove it, and that rule's ID."""
    if obj.delete_marker:
        return None
    soonest: tuple[float, str] | None = None
    for rule in (config or {}).get("Rules") or []:
        expiration = rule.get("Expiration") or {}
        if (
            rule.get("Status") != "Enabled"
            or not obj.key.startswith(_prefix(rule))
            or not _selects(rule, obj)
        ):
            continue
        if expiration.get("Days") is not None:
            when = due(obj.modified, expiration["Days"])
        elif expiration.get("Date") is not None:
            when = _epoch(expiration["Date"])
        else:
            continue
        if soonest is None or when < soonest[0]:
            soonest = (when, rule.get("ID") or "")
    if soonest is None:
        return None
    date = datetime.fromtimestamp(soonest[0], UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    return f'expiry-date="{date}", rule-id="{soonest[1]}"'


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def due(since: float, days: int) -> float:
    """The midnight UTC at or after `since` + `days` days."""
    return math.ceil((since + days * DAY) / DAY) * DAY


class Sweeper:
    def __init__(self, env: Any) -> None:
        self.env = env
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                self.sweep(self.env.clock.now())
            except Exception:
                log.exception("lifecycle sweep failed")
            await self.env.clock.sleep(SWEEP_INTERVAL)

    def sweep(self, now: float) -> None:
        with self.env.store.read() as conn:
            configured = store.buckets_with_config(conn, "lifecycle")
        for name, config in configured:
            orphans: list[str | None] = []
            with self.env.store.db() as conn:
                bucket = store.find_bucket(conn, name)
                if bucket is None:
                    continue
                for rule in config.get("Rules") or []:
                    if rule.get("Status") == "Enabled":
                        orphans += _apply(conn, bucket, rule, now)
            blobs.unlink(self.env.store, orphans)


def _prefix(rule: dict[str, Any]) -> str:
    found = rule.get("Filter") or {}
    return rule.get("Prefix") or found.get("Prefix") or (found.get("And") or {}).get("Prefix") or ""


def _selects(rule: dict[str, Any], obj: store.ObjectVersion) -> bool:
    found = rule.get("Filter") or {}
    conditions = found.get("And") or found
    tags = list(conditions.get("Tags") or []) + ([found["Tag"]] if found.get("Tag") else [])
    if any((obj.tags or {}).get(tag["Key"]) != tag["Value"] for tag in tags):
        return False
    above, below = conditions.get("ObjectSizeGreaterThan"), conditions.get("ObjectSizeLessThan")
    return (above is None or obj.size > above) and (below is None or obj.size < below)


def _apply(
    conn: sqlite3.Connection, bucket: store.Bucket, rule: dict[str, Any], now: float
) -> list[str | None]:
    orphans: list[str | None] = []
    prefix = _prefix(rule)
    expiration = rule.get("Expiration") or {}
    noncurrent = rule.get("NoncurrentVersionExpiration") or {}
    by_key: dict[str, list[store.ObjectVersion]] = {}
    for obj in store.versions_under(conn, bucket.name, prefix):
        by_key.setdefault(obj.key, []).append(obj)
    for versions in by_key.values():
        orphans += _expire_key(conn, bucket, rule, versions, expiration, noncurrent, now)
    abort = rule.get("AbortIncompleteMultipartUpload") or {}
    if abort.get("DaysAfterInitiation") is not None:
        for upload in store.uploads_under(conn, bucket.name, prefix):
            if due(upload.initiated, abort["DaysAfterInitiation"]) <= now:
                orphans += store.delete_upload(conn, upload.upload_id)
    return orphans


def _expire_key(
    conn: sqlite3.Connection,
    bucket: store.Bucket,
    rule: dict[str, Any],
    versions: list[store.ObjectVersion],
    expiration: dict[str, Any],
    noncurrent: dict[str, Any],
    now: float,
) -> list[str | None]:
    orphans: list[str | None] = []
    current = versions[0]
    if not current.delete_marker and _selects(rule, current) and _current_due(expiration, current, now):
        orphans += _expire_current(conn, bucket, current, now)
        return orphans
    days = noncurrent.get("NoncurrentDays")
    keep = noncurrent.get("NewerNoncurrentVersions") or 0
    if days is not None:
        # A version becomes noncurrent when the next newer one was written.
        for index, obj in enumerate(versions[1:], start=1):
            if index <= keep or not _selects(rule, obj):
                continue
            if due(versions[index - 1].modified, days) <= now:
                store.delete_version(conn, obj)
                record_event(conn, None, bucket, "LifecycleExpiration:Delete", obj)
                orphans.append(obj.blob)
        versions = [
            v for v in versions if store.find_object(conn, bucket.name, v.key, v.version_id) is not None
        ]
    if expiration.get("ExpiredObjectDeleteMarker") and len(versions) == 1 and versions[0].delete_marker:
        store.delete_version(conn, versions[0])
        record_event(conn, None, bucket, "LifecycleExpiration:Delete", versions[0])
    return orphans


def _current_due(expiration: dict[str, Any], obj: store.ObjectVersion, now: float) -> bool:
    if expiration.get("Days") is not None:
        return due(obj.modified, expiration["Days"]) <= now
    if expiration.get("Date") is not None:
        return _epoch(expiration["Date"]) <= now
    return False


def _expire_current(
    conn: sqlite3.Connection, bucket: store.Bucket, obj: store.ObjectVersion, now: float
) -> list[str | None]:
    if bucket.versioning is None:
        store.delete_version(conn, obj)
        record_event(conn, None, bucket, "LifecycleExpiration:Delete", obj)
        return [obj.blob]
    version_id = new_version_id() if bucket.versioning == "Enabled" else "null"
    marker = store.ObjectVersion(
        bucket=bucket.name,
        key=obj.key,
        version_id=version_id,
        delete_marker=True,
        modified=now,
        owner=bucket.account_id,
    )
    replaced = store.insert_object(conn, marker)
    record_event(conn, None, bucket, "LifecycleExpiration:DeleteMarkerCreated", marker)
    return list(replaced)
