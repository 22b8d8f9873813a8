"""Scalars as each wire format writes them: timestamps, blobs, floats and booleans as text."""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

ISO8601 = "iso8601"
EPOCH = "unixTimestamp"
RFC822 = "rfc822"

_EPOCH_START = datetime(1970, 1, 1, tzinfo=UTC)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def to_datetime(value: Any) -> datetime:
    """An aware UTC datetime from a datetime (naive means UTC), epoch seconds or ISO text."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    if isinstance(value, (int, float)):
        return _EPOCH_START + timedelta(seconds=value)
    if isinstance(value, str):
        return to_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")))
    raise TypeError(f"not a timestamp: {value!r}")


def iso8601(value: Any) -> str:
    dt = to_datetime(value).replace(tzinfo=None)
    micros = dt.microsecond
    # Milliseconds are what AWS itself sends; finer values keep every digit they have.
    if not micros:
        return dt.isoformat(timespec="seconds") + "Z"
    if micros % 1000 == 0:
        return dt.isoformat(timespec="milliseconds") + "Z"
    return dt.isoformat(timespec="microseconds") + "Z"


def epoch_seconds(value: Any) -> int | float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    delta = to_datetime(value) - _EPOCH_START
    whole = delta.days * 86400 + delta.seconds
    if delta.microseconds:
        return whole + delta.microseconds / 1_000_000
    return whole


def rfc822(value: Any) -> str:
    dt = to_datetime(value)
    return (
        f"{_DAYS[dt.weekday()]}, {dt.day:02d} {_MONTHS[dt.month - 1]} {dt.year:04d} "
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} GMT"
    )


def epoch_text(value: Any) -> str:
    return number_text(epoch_seconds(value))


_TIMESTAMP_TEXT: dict[str, Callable[[Any], str]] = {ISO8601: iso8601, RFC822: rfc822, EPOCH: epoch_text}


def timestamp_text(fmt: str) -> Callable[[Any], str]:
    """The text writer for a timestampFormat (headers, XML)."""
    return _TIMESTAMP_TEXT[fmt]


def timestamp_number_or_text(fmt: str) -> Callable[[Any], Any]:
    """For JSON bodies: epoch seconds stay numbers, the other formats are strings."""
    return epoch_seconds if fmt == EPOCH else _TIMESTAMP_TEXT[fmt]


def blob_bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes(value)


def base64_text(value: Any) -> str:
    return base64.b64encode(blob_bytes(value)).decode("ascii")


def bool_text(value: Any) -> str:
    return "true" if value else "false"


def number_text(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
    return str(value)


def json_value_text(value: Any) -> str:
    """A `jsonvalue` header: the JSON text, base64-encoded so it survives as a header."""
    return base64.b64encode(json.dumps(value, separators=(",", ":")).encode("utf-8")).decode("ascii")


# Quotes need escaping in attribute values only; element text leaves them as they are.
XML_TEXT_SPECIAL = re.compile(r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f]")
_XML_ATTRIBUTE_SPECIAL = re.compile(r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\"]")
_XML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def xml_entity(match: re.Match[str]) -> str:
    char = match.group()
    # A raw CR would come back as LF after XML end-of-line normalisation; control characters
    # are written as references, as S3 does (strict XML 1.0 parsers still refuse them).
    return _XML_ENTITIES.get(char) or f"&#x{ord(char):X};"


def xml_escape(text: str) -> str:
    if XML_TEXT_SPECIAL.search(text) is None:
        return text
    return XML_TEXT_SPECIAL.sub(xml_entity, text)


def xml_attribute(text: str) -> str:
    if _XML_ATTRIBUTE_SPECIAL.search(text) is None:
        return text
    return _XML_ATTRIBUTE_SPECIAL.sub(xml_entity, text)


def plain_json(value: Any) -> Any:
    """An unmodelled error field, made JSON-safe as well as can be without a shape."""
    if isinstance(value, (str, int, float, bool, list, dict)) or value is None:
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64_text(value)
    if isinstance(value, datetime):
        return epoch_seconds(value)
    return str(value)
