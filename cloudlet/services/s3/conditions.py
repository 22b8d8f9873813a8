"""Conditional requests (If-Match & co., RFC 7232 as S3 applies them) and byte ranges."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from cloudlet.services.s3.errors import InvalidRange, NoSuchKey, NotModified, PreconditionFailed

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_COPY_RANGE = re.compile(r"^bytes=(\d+)-(\d+)$")


def _etags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/").strip('"') for tag in header.split(",") if tag.strip()]


def etag_matches(header: str, etag: str) -> bool:
    bare = etag.strip('"')
    return any(tag == "*" or tag == bare for tag in _etags(header))


def _seconds(value: datetime) -> int:
    return int(value.timestamp())


def check_read(params: dict[str, Any], etag: str, modified: float, prefix: str = "") -> None:
    """GET/HEAD preconditions: a failed If-Match/If-Unmodified-Since is 412, an unchanged
    If-None-Match/If-Modified-Since is 304. If-Match outranks If-Unmodified-Since and
    If-None-Match outranks If-Modified-Since, as S3 documents."""
    if_match = params.get(f"{prefix}IfMatch")
    if_none_match = params.get(f"{prefix}IfNoneMatch")
    modified_since = params.get(f"{prefix}IfModifiedSince")
    unmodified_since = params.get(f"{prefix}IfUnmodifiedSince")
    last = int(modified)
    if if_match is not None:
        if not etag_matches(if_match, etag):
            raise PreconditionFailed("If-Match")
    elif unmodified_since is not None and last > _seconds(unmodified_since):
        raise PreconditionFailed("If-Unmodified-Since")
    not_modified = PreconditionFailed if prefix else NotModified
    if if_none_match is not None:
        if etag_matches(if_none_match, etag):
            raise not_modified("If-None-Match") if prefix else NotModified()
    elif modified_since is not None and last <= _seconds(modified_since):
        raise not_modified("If-Modified-Since") if prefix else NotModified()


def check_write(params: dict[str, Any], current_etag: str | None) -> None:
    """PutObject/CompleteMultipartUpload: `If-None-Match: *` wants no object, If-Match wants this one."""
    if_none_match = params.get("IfNoneMatch")
    if if_none_match is not None and current_etag is not None:
        raise PreconditionFailed("If-None-Match")
    if_match = params.get("IfMatch")
    if if_match is not None:
        if current_etag is None:
            raise NoSuchKey(params.get("Key", ""))
        if not etag_matches(if_match, current_etag):
            raise PreconditionFailed("If-Match")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive for a single `bytes=` range; None means the whole object.

    A range S3 cannot parse is ignored (whole object); one that starts past the end is 416.
    """
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.groups()
    if not first:
        suffix = int(last)
        if suffix == 0:
            raise InvalidRange(header, size)
        return max(0, size - suffix), size - 1
    start = int(first)
    end = size - 1 if not last else min(int(last), size - 1)
    if last and int(last) < start:
        return None
    if start >= size:
        raise InvalidRange(header, size)
    return start, end


def copy_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) of an x-amz-copy-source-range, which names both ends; None if malformed.

    Unlike a GET's Range, a last byte past the source's end is not trimmed: it is 416.
    """
    match = _COPY_RANGE.match(header.strip())
    if match is None:
        return None
    first, last = int(match.group(1)), int(match.group(2))
    if first > last or last >= size:
        raise InvalidRange(header, size)
    return first, last
