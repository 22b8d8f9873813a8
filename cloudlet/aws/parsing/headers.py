"""HTTP header values to member values: lists, base64 JSON, HTTP dates."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cloudlet.aws.model import Shape
from cloudlet.aws.parsing.base import InvalidValue
from cloudlet.aws.parsing.scalars import from_text, to_timestamp
from cloudlet.edge.types import Headers


def header_index(headers: Headers) -> dict[str, list[str]]:
    """Header values by lowercased name: one pass instead of one scan per bound member."""
    index: dict[str, list[str]] = {}
    for key, value in headers.items():
        index.setdefault(key.lower(), []).append(value)
    return index


def header_text(value: str) -> str:
    """A header value as the client meant it. Values arrive as bytes, kept as Latin-1 text;
    clients send non-ASCII text as UTF-8 (botocore, for x-amz-meta-* values), so bytes that
    are valid UTF-8 are read as such, and anything else stays Latin-1."""
    if value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def header_value(text: str, shape: Shape) -> Any:
    kind = shape.type_name
    if kind == "list":
        items = split_header_list(text, merge_dates=shape.member.type_name == "timestamp")
        return [header_value(item, shape.member) for item in items]
    if kind == "string" and shape.traits.get("jsonvalue"):
        try:
            return json.loads(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError, RecursionError):
            raise InvalidValue(f"the header value '{text}' is not base64-encoded JSON") from None
    if kind == "timestamp":
        return to_timestamp(text)
    return from_text(text.strip() if kind != "string" else text, kind)


def split_header_list(text: str, *, merge_dates: bool = False) -> list[str]:
    """Comma-separated items; an item with a comma or quote comes "quoted" with \\" escapes."""
    items: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    if merge_dates:
        # HTTP dates carry a comma of their own: "Mon, 01 Jan 2024 00:00:00 GMT".
        merged: list[str] = []
        for item in items:
            if merged and len(merged[-1]) == 3 and merged[-1].isalpha():
                merged[-1] += ", " + item
            else:
                merged.append(item)
        items = merged
    return items
