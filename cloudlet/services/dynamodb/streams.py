"""Reading DynamoDB streams (the dynamodbstreams API is served from here).

A stream has one shard; its records are rows of `ddb_stream_records` written by
writes.record_change in the transaction of the change, kept 24 hours on the clock. A shard
iterator is an opaque token naming the stream and the last sequence number already read.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import zlib
from typing import Any

from cloudlet.services.dynamodb import store
from cloudlet.services.dynamodb.attributes import loads
from cloudlet.services.dynamodb.errors import (
    ExpiredIteratorException,
    ResourceNotFoundException,
    TrimmedDataAccessException,
    ValidationException,
)
from cloudlet.services.dynamodb.tables import timestamp

RETENTION = 24 * 3600.0
ITERATOR_LIFETIME = 15 * 60.0
MAX_RECORDS = 1000
_SEQUENCE_BASE = 10**20


def shard_id(row: sqlite3.Row) -> str:
    return f"shardId-{int(row['created_at'] * 1000):020d}-{zlib.crc32(row['arn'].encode()):08x}"


def sequence_number(seq: int) -> str:
    return str(_SEQUENCE_BASE + seq)


def _seq(number: str) -> int:
    try:
        return int(number) - _SEQUENCE_BASE
    except ValueError:
        raise ValidationException(f"Invalid SequenceNumber: {number}") from None


def _stream(conn: sqlite3.Connection, arn: str) -> sqlite3.Row:
    row = store.find_stream(conn, arn)
    if row is None:
        raise ResourceNotFoundException(f"Requested resource not found: Stream: {arn} not found")
    return row


def list_streams(
    conn: sqlite3.Connection, account: str, region: str, params: dict[str, Any], now: float
) -> dict[str, Any]:
    rows = store.list_streams(conn, account, region, params.get("TableName"), now - RETENTION)
    start = params.get("ExclusiveStartStreamArn")
    if start:
        rows = [row for row in rows if row["arn"] > start]
    limit = params.get("Limit") or 100
    page = rows[:limit]
    result: dict[str, Any] = {
        "Streams": [
            {"StreamArn": row["arn"], "TableName": row["table_name"], "StreamLabel": row["label"]}
            for row in page
        ]
    }
    if len(rows) > limit:
        result["LastEvaluatedStreamArn"] = page[-1]["arn"]
    return result


def describe_stream(conn: sqlite3.Connection, params: dict[str, Any], now: float) -> dict[str, Any]:
    row = _stream(conn, params["StreamArn"])
    first, last = store.stream_bounds(conn, row["arn"], now - RETENTION)
    sequence_range = {
        "StartingSequenceNumber": sequence_number(
            first if first is not None else store.last_sequence(conn) + 1
        )
    }
    if row["disabled_at"] is not None:
        sequence_range["EndingSequenceNumber"] = sequence_number(last if last is not None else 0)
    return {
        "StreamDescription": {
            "StreamArn": row["arn"],
            "StreamLabel": row["label"],
            "StreamStatus": "DISABLED" if row["disabled_at"] is not None else "ENABLED",
            "StreamViewType": row["view_type"],
            "CreationRequestDateTime": timestamp(row["created_at"]),
            "TableName": row["table_name"],
            "KeySchema": json.loads(row["key_schema"]),
            "Shards": [{"ShardId": shard_id(row), "SequenceNumberRange": sequence_range}],
        }
    }


def shard_iterator(conn: sqlite3.Connection, params: dict[str, Any], now: float) -> dict[str, Any]:
    row = _stream(conn, params["StreamArn"])
    if params["ShardId"] != shard_id(row):
        raise ResourceNotFoundException("Requested resource not found: Shard does not exist")
    kind = params["ShardIteratorType"]
    first, _last = store.stream_bounds(conn, row["arn"], now - RETENTION)
    if kind == "TRIM_HORIZON":
        after = (first - 1) if first is not None else store.last_sequence(conn)
    elif kind == "LATEST":
        after = store.last_sequence(conn)
    else:
        number = params.get("SequenceNumber")
        if not number:
            raise ValidationException(
                "Sequence number must be specified for AT_SEQUENCE_NUMBER or"
                " AFTER_SEQUENCE_NUMBER iterator types"
            )
        seq = _seq(number)
        if first is not None and seq < first:
            raise TrimmedDataAccessException(
                "The operation attempted to read past the oldest stream record in a shard."
            )
        after = seq - 1 if kind == "AT_SEQUENCE_NUMBER" else seq
    return {"ShardIterator": _iterator(row["arn"], after, now)}


def _iterator(arn: str, after: int, now: float) -> str:
    raw = json.dumps([arn, after, now], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _parse_iterator(token: str) -> tuple[str, int, float]:
    try:
        arn, after, issued = json.loads(base64.urlsafe_b64decode(token.encode()))
        return str(arn), int(after), float(issued)
    except (ValueError, TypeError):
        raise ValidationException("Invalid ShardIterator") from None


def get_records(conn: sqlite3.Connection, params: dict[str, Any], now: float) -> dict[str, Any]:
    arn, after, issued = _parse_iterator(params["ShardIterator"])
    if now - issued > ITERATOR_LIFETIME:
        raise ExpiredIteratorException(
            "Iterator expired. The iterator was created at time "
            f"{timestamp(issued).isoformat()} while right now it is "
            f"{timestamp(now).isoformat()} which is further in the future than the"
            " tolerated delay of 900000 milliseconds."
        )
    row = _stream(conn, arn)
    limit = min(params.get("Limit") or MAX_RECORDS, MAX_RECORDS)
    rows = store.stream_records(conn, arn, after, limit, now - RETENTION)
    records = [_record(seq, text) for seq, _, text in rows]
    last = rows[-1][0] if rows else after
    result: dict[str, Any] = {"Records": records}
    if row["disabled_at"] is None or rows:
        result["NextShardIterator"] = _iterator(arn, last, now)
    return result


def _record(seq: int, text: str) -> dict[str, Any]:
    record = loads(text)
    body = record["dynamodb"]
    body["ApproximateCreationDateTime"] = timestamp(int(body["ApproximateCreationDateTime"]))
    body["SequenceNumber"] = sequence_number(seq)
    return record
