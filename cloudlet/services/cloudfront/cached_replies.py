"""Answers served from a cache entry: the whole body, one byte range (206, or 416 when it
cannot be satisfied), or 304 when the viewer's validators still match."""

from __future__ import annotations

import os
from email.utils import parsedate_to_datetime
from typing import Any

from cloudlet.core.store import Store
from cloudlet.edge.types import Headers, Request, Response
from cloudlet.services.cloudfront import cache
from cloudlet.services.cloudfront.origins import READ_CHUNK

# Bodies up to this size are read whole; larger ones are streamed from their file.
SMALL = 256 * 1024


def from_entry(
    store: Store, request: Request, entry: cache.Entry, now: float, age: bool = True
) -> Response | None:
    """The viewer's answer from a cache entry: whole, a byte range, 304 or 416; None if its file
    went (evicted after the row was read)."""
    fh = cache.open_body(store, entry)
    if fh is None:
        return None
    if entry.ttl == 0.0:
        os.unlink(fh.name)  # an uncacheable-sized body: readable until closed
    headers = Headers(entry.headers)
    if age:
        headers["Age"] = str(max(0, int(now - entry.stored_at)))
    if not_modified(request, entry):
        fh.close()
        kept = [
            (k, v)
            for k, v in headers.items()
            if k.lower() in ("etag", "last-modified", "cache-control", "expires", "age", "vary", "date")
        ]
        return Response(304, Headers(kept), b"")
    start, end = 0, entry.size - 1
    status = entry.status
    span = request.headers.get("range")
    if span and entry.status == 200:
        parsed = byte_range(span, entry.size)
        if parsed == "unsatisfiable":
            fh.close()
            return Response(
                416,
                Headers([("Content-Range", f"bytes */{entry.size}"), ("Content-Type", "text/plain")]),
                b"",
            )
        if parsed is not None:
            start, end = parsed
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{entry.size}"
    headers.setdefault("Accept-Ranges", "bytes")
    length = max(0, end - start + 1)
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        fh.close()
        return Response(status, headers, b"")
    fh.seek(start)
    if length <= SMALL:
        data = fh.read(length)
        fh.close()
        return Response(status, headers, data)
    return Response(status, headers, stream_file(fh, length))


def not_modified(request: Request, entry: cache.Entry) -> bool:
    if entry.status != 200:
        return False
    etag = entry.header("etag")
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return etag is not None and (
            if_none_match.strip() == "*" or etag in [t.strip() for t in if_none_match.split(",")]
        )
    since, modified = request.headers.get("if-modified-since"), entry.header("last-modified")
    if since and modified:
        try:
            return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def byte_range(value: str, size: int) -> tuple[int, int] | str | None:
    """A single `bytes=` range as (first, last); None to ignore it; "unsatisfiable" for 416."""
    unit, _, spec = value.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, _, last = spec.strip().partition("-")
    try:
        if not first:
            length = int(last)
            if length <= 0:
                return "unsatisfiable"
            return max(0, size - length), size - 1
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start >= size or end < start:
        return "unsatisfiable"
    return start, min(end, size - 1)


async def stream_file(fh: Any, length: int) -> Any:
    try:
        remaining = length
        while remaining > 0:
            chunk = fh.read(min(READ_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        fh.close()
