"""PublishBatch: the batch checked as a whole, then each entry published or failed on its own."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.services.sns import publishing, store
from cloudlet.services.sns.errors import (
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    TooManyEntriesInBatchRequest,
)

MAX_ENTRIES = 10
_ENTRY_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def check(entries: list[dict[str, Any]]) -> None:
    if not entries:
        raise EmptyBatchRequest("The batch request doesn't contain any entries")
    if len(entries) > MAX_ENTRIES:
        raise TooManyEntriesInBatchRequest("The batch request contains more entries than permissible.")
    ids = [entry.get("Id", "") for entry in entries]
    if len(set(ids)) != len(ids):
        raise BatchEntryIdsNotDistinct("Two or more batch entries in the request have the same Id.")
    for entry_id in ids:
        if not _ENTRY_ID.match(entry_id):
            raise InvalidBatchEntryId("A batch entry id can only contain alphanumeric characters, hyphens and"
                                      " underscores. It can be at most 80 letters long.")
    total = sum(len((entry.get("Message") or "").encode()) for entry in entries)
    if total > publishing.MAX_SIZE:
        raise BatchRequestTooLong("The length of all the messages put together is more than the limit.")


def publish(conn: sqlite3.Connection, topic: store.Topic, entries: list[dict[str, Any]], base_url: str,
            now: float) -> dict[str, Any]:
    successful, failed = [], []
    for entry in entries:
        try:
            record = publishing.check(topic, entry)
            answer = publishing.publish(conn, topic, record, base_url, now)
        except ServiceError as exc:
            failed.append({"Id": entry["Id"], "Code": exc.code, "Message": exc.message,
                           "SenderFault": exc.sender_fault})
            continue
        successful.append({"Id": entry["Id"], **answer})
    return {"Successful": successful, "Failed": failed}
