"""Batch operations: the checks of the whole request, then each entry on its own.

An entry that fails is reported in `Failed` with its error and undoes only its own writes (a
savepoint); the others succeed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.services.sqs.errors import (
    BatchEntryIdsNotDistinct,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    TooManyEntriesInBatchRequest,
)

MAX_ENTRIES = 10
_ENTRY_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def check_entries(entries: list[dict[str, Any]] | None, entry_name: str) -> list[dict[str, Any]]:
    if not entries:
        raise EmptyBatchRequest(entry_name)
    if len(entries) > MAX_ENTRIES:
        raise TooManyEntriesInBatchRequest(len(entries))
    seen: set[str] = set()
    for entry in entries:
        entry_id = entry.get("Id") or ""
        if entry_id in seen:
            raise BatchEntryIdsNotDistinct(entry_id)
        if not _ENTRY_ID.match(entry_id):
            raise InvalidBatchEntryId()
        seen.add(entry_id)
    return entries


def run_entries(entries: list[dict[str, Any]], run: Callable[[dict[str, Any]], dict[str, Any]],
                savepoint: Callable[[], AbstractContextManager[Any]]) -> dict[str, list[dict[str, Any]]]:
    successful, failed = [], []
    for entry, outcome in _outcomes(entries, run, savepoint):
        if isinstance(outcome, ServiceError):
            failed.append({"Id": entry["Id"], "SenderFault": outcome.sender_fault, "Code": outcome.code,
                           "Message": outcome.message})
        else:
            successful.append({"Id": entry["Id"], **outcome})
    return {"Successful": successful, "Failed": failed}


def _outcomes(entries: list[dict[str, Any]], run: Callable[[dict[str, Any]], dict[str, Any]],
              savepoint: Callable[[], AbstractContextManager[Any]]
              ) -> Iterator[tuple[dict[str, Any], dict[str, Any] | ServiceError]]:
    for entry in entries:
        try:
            with savepoint():
                result = run(entry)
        except ServiceError as exc:
            yield entry, exc
        else:
            yield entry, result
