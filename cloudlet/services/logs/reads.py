"""Reading events back: GetLogEvents' forward/backward tokens and FilterLogEvents' pages.

A token names a position in a stream's (timestamp, id) order: `f/...` pages after it,
`b/...` before it. As on AWS, a forward read at the end of the stream answers the token it was
given, which is how clients tell they have caught up (and how they follow new events).
"""

from __future__ import annotations

import base64
import binascii
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cloudlet.services.logs import store
from cloudlet.services.logs.errors import bad_token
from cloudlet.services.logs.patterns import Predicate

DEFAULT_LIMIT = 10_000
MAX_PAGE_BYTES = 1_048_576
_TOKEN = re.compile(r"^([fb])/(\d{20})(\d{20})$")

Key = tuple[int, int]


@dataclass(frozen=True)
class Scope:
    account: str
    region: str
    group: str
    cutoff: int | None  # events older than the retention period are gone, swept or not


def key_token(direction: str, key: Key) -> str:
    return f"{direction}/{max(key[0], 0):020d}{max(key[1], 0):020d}"


def parse_token(token: str) -> tuple[str, Key]:
    match = _TOKEN.match(token)
    if match is None:
        raise bad_token()
    return match.group(1), (int(match.group(2)), int(match.group(3)))


def _bounds(scope: Scope, params: dict[str, Any]) -> tuple[int | None, int | None]:
    start = params.get("startTime")
    if scope.cutoff is not None:
        start = scope.cutoff if start is None else max(start, scope.cutoff)
    return start, params.get("endTime")


def _capped(events: Iterable[store.Event], limit: int) -> list[store.Event]:
    page, size = [], 0
    for event in events:
        size += len(event.message.encode()) + 26
        if len(page) >= limit or (page and size > MAX_PAGE_BYTES):
            break
        page.append(event)
    return page


def stream_page(
    conn: sqlite3.Connection, scope: Scope, stream: str, params: dict[str, Any]
) -> dict[str, Any]:
    start, end = _bounds(scope, params)
    limit = params.get("limit") or DEFAULT_LIMIT
    token = params.get("nextToken")
    direction, key = parse_token(token) if token else ("f" if params.get("startFromHead") else "b", None)

    def scan(**where: Any) -> Iterable[store.Event]:
        return store.scan_events(
            conn, scope.account, scope.region, scope.group, streams=[stream], start=start, end=end, **where
        )

    if direction == "f":
        events = _capped(scan(after=key), limit)
    else:
        events = list(reversed(_capped(scan(before=key, descending=True), limit)))
    if events:
        forward, backward = events[-1].key, (events[0].timestamp, events[0].id)
    elif key is not None:
        forward = backward = key
    else:
        forward, backward = (start or 0, 0), (end or 2**62, 0)
    return {
        "events": [
            {"timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion} for e in events
        ],
        "nextForwardToken": key_token("f", forward),
        "nextBackwardToken": key_token("b", backward),
    }


def filter_page(
    conn: sqlite3.Connection, scope: Scope, params: dict[str, Any], matches: Predicate
) -> dict[str, Any]:
    start, end = _bounds(scope, params)
    limit = params.get("limit") or DEFAULT_LIMIT
    after = _filter_position(params["nextToken"]) if params.get("nextToken") else None
    scanned = store.scan_events(
        conn,
        scope.account,
        scope.region,
        scope.group,
        streams=params.get("logStreamNames"),
        stream_prefix=params.get("logStreamNamePrefix"),
        start=start,
        end=end,
        after=after,
    )
    found: list[store.Event] = []
    more = False
    for event in scanned:
        if not matches(event.message):
            continue
        if len(found) == limit:
            more = True
            break
        found.append(event)
    result: dict[str, Any] = {
        "events": [
            {
                "logStreamName": e.stream,
                "timestamp": e.timestamp,
                "message": e.message,
                "ingestionTime": e.ingestion,
                "eventId": f"{e.timestamp:020d}{e.id:020d}",
            }
            for e in found
        ],
        "searchedLogStreams": [],
    }
    if more:
        result["nextToken"] = base64.urlsafe_b64encode(
            f"{found[-1].timestamp}:{found[-1].id}".encode()
        ).decode()
    return result


def _filter_position(token: str) -> Key:
    try:
        stamp, _, ident = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        return int(stamp), int(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad_token() from None
