"""Text on the wire to Python scalars: what headers, query strings, URIs and XML carry.

Every function raises InvalidValue on text that is not a value of the type; the parser turns
that into the service's own "bad request" error.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

from cloudlet.aws.parsing.base import InvalidValue

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
# fromisoformat takes at most six fractional digits; clients may send nanoseconds.
_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")
_SPECIAL_FLOATS = {"nan": float("nan"), "infinity": float("inf"), "-infinity": float("-inf")}


def to_integer(text: str) -> int:
    text = text.strip()
    if not _INTEGER.fullmatch(text):
        raise InvalidValue(f"'{text}' is not a valid integer")
    return int(text)


def to_float(text: str) -> float:
    text = text.strip()
    special = _SPECIAL_FLOATS.get(text.lower())
    if special is not None:
        return special
    if not _NUMBER.fullmatch(text):
        raise InvalidValue(f"'{text}' is not a valid number")
    return float(text)


def to_boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise InvalidValue(f"'{text}' is not a valid boolean")


def from_base64(text: str | bytes) -> bytes:
    raw = text.encode("ascii", "replace") if isinstance(text, str) else text
    raw = b"".join(raw.split())
    try:
        # Some clients drop the padding; restore it rather than reject the value.
        return base64.b64decode(raw + b"=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidValue("a blob value is not valid base64") from None


def to_timestamp(value: Any) -> datetime:
    """Any timestamp format AWS uses: epoch seconds (with fractions), ISO 8601 or RFC 822.

    The shape's timestampFormat only says what a client should send; the formats cannot be
    confused with one another, so accepting all of them is both simpler and kinder.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InvalidValue(f"'{value}' is not a valid timestamp")
    if isinstance(value, (int, float)):
        return _from_epoch(Decimal(repr(value)) if isinstance(value, float) else Decimal(value))
    text = value.strip()
    if _NUMBER.fullmatch(text):
        return _from_epoch(Decimal(text))
    parsed = _from_iso8601(text) or _from_rfc822(text)
    if parsed is None:
        raise InvalidValue(f"'{text}' is not a valid timestamp")
    return parsed


def _from_epoch(seconds: Decimal) -> datetime:
    try:
        whole = int(seconds.to_integral_value(rounding="ROUND_FLOOR"))
        micros = int(((seconds - whole) * 1_000_000).to_integral_value())
        return _EPOCH + timedelta(seconds=whole, microseconds=micros)
    except (OverflowError, InvalidOperation, ValueError):
        raise InvalidValue(f"'{seconds}' is out of range for a timestamp") from None


def _from_iso8601(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(_LONG_FRACTION.sub(r"\1", text))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _from_rfc822(text: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def from_text(text: str, type_name: str) -> Any:
    """A scalar of `type_name` from its text form (query, header, URI label, XML)."""
    converter = _FROM_TEXT.get(type_name)
    if converter is None:
        raise InvalidValue(f"a {type_name} cannot be carried as text")
    return converter(text)


def _text(text: str) -> str:
    return text


_FROM_TEXT = {
    "string": _text,
    "integer": to_integer,
    "long": to_integer,
    "byte": to_integer,
    "short": to_integer,
    "float": to_float,
    "double": to_float,
    "boolean": to_boolean,
    "blob": from_base64,
    "timestamp": to_timestamp,
}
