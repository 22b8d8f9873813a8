"""PutLogEvents' rules: what makes a batch fail, and which of its events are rejected.

A batch fails as a whole when it is too large, out of chronological order, or spans more than
24 hours. Otherwise events too far in the future, older than 14 days, or older than the log
group's retention are left out and reported by index range (rejectedLogEventsInfo).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from cloudlet.services.logs.errors import InvalidParameterException

MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26  # bytes AWS counts per event on top of its message
MAX_EVENT_BYTES = 1_048_576 - EVENT_OVERHEAD
MAX_SPAN_MS = 24 * 3600 * 1000
MAX_FUTURE_MS = 2 * 3600 * 1000
MAX_AGE_MS = 14 * 24 * 3600 * 1000
DAY_MS = 24 * 3600 * 1000


@dataclass
class Accepted:
    events: list[tuple[int, str]] = field(default_factory=list)
    rejected: dict[str, int] = field(default_factory=dict)  # rejectedLogEventsInfo


def check_batch(events: list[dict[str, Any]], now_ms: int, retention_days: int | None) -> Accepted:
    total = 0
    for event in events:
        size = len(event["message"].encode()) + EVENT_OVERHEAD
        if size - EVENT_OVERHEAD > MAX_EVENT_BYTES:
            raise InvalidParameterException(
                f"Log event too large: {size - EVENT_OVERHEAD} bytes exceeds limit of {MAX_EVENT_BYTES}"
            )
        total += size
    if total > MAX_BATCH_BYTES:
        raise InvalidParameterException(f"Upload too large: {total} bytes exceeds limit of {MAX_BATCH_BYTES}")
    stamps = [event["timestamp"] for event in events]
    if any(later < earlier for earlier, later in pairwise(stamps)):
        raise InvalidParameterException(
            "Log events in a single PutLogEvents request must be in chronological order."
        )
    return _accept(events, stamps, now_ms, retention_days)


def _accept(
    events: list[dict[str, Any]], stamps: list[int], now_ms: int, retention_days: int | None
) -> Accepted:
    accepted = Accepted()
    too_old = now_ms - MAX_AGE_MS
    expired = now_ms - retention_days * DAY_MS if retention_days else None
    for index, (stamp, event) in enumerate(zip(stamps, events, strict=True)):
        if stamp > now_ms + MAX_FUTURE_MS:
            accepted.rejected.setdefault("tooNewLogEventStartIndex", index)
        elif expired is not None and stamp < expired:
            accepted.rejected["expiredLogEventEndIndex"] = index
        elif stamp < too_old:
            accepted.rejected["tooOldLogEventEndIndex"] = index
        else:
            accepted.events.append((stamp, event["message"]))
    if accepted.events and accepted.events[-1][0] - accepted.events[0][0] > MAX_SPAN_MS:
        raise InvalidParameterException(
            "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."
        )
    return accepted
