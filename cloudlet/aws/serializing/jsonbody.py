"""Output values to JSON-ready Python values, compiled once per shape.

A codec is a function from the service's value to what `json.dumps` writes; `None` stands
for "the value is already right" so the hot loop skips a call for strings, numbers and
booleans, which are most of what a response holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from cloudlet.aws.model import Shape
from cloudlet.aws.serializing import values

Codec = Callable[[Any], Any] | None

_dumps = json.JSONEncoder(separators=(",", ":")).encode


def dumps(value: Any) -> bytes:
    return _dumps(value).encode("utf-8")


class JsonCodecs:
    """Codecs for one service: shapes are shared between operations, so are their codecs."""

    def __init__(self, default_timestamp: str = values.EPOCH) -> None:
        self._default_timestamp = default_timestamp
        self._cache: dict[Shape, Codec] = {}

    def codec(self, shape: Shape) -> Codec:
        try:
            return self._cache[shape]
        except KeyError:
            pass
        if shape.type_name == "structure" and not shape.is_document:
            return self.structure(shape, shape.members.items())
        codec = self._cache[shape] = self._compile(shape)
        return codec

    def structure(self, shape: Shape, members: Iterable[tuple[str, Shape]], *, cache: bool = True) -> Codec:
        """A structure codec; `members` may be a subset (a REST body without its headers)."""
        fields: dict[str, tuple[str, Codec]] = {}

        def encode(value: dict[str, Any]) -> dict[str, Any]:
            out = {}
            for name, item in value.items():
                if item is None:
                    continue
                field = fields.get(name)
                if field is None:
                    continue
                key, codec = field
                out[key] = item if codec is None else codec(item)
            return out

        # Registered before its members compile, so a recursive shape finds itself.
        if cache:
            self._cache[shape] = encode
        for name, member in members:
            if member.is_eventstream:
                continue
            fields[name] = (self.key(name, member), self.codec(member))
        return encode

    def key(self, name: str, member: Shape) -> str:
        return member.location_name or name

    def _compile(self, shape: Shape) -> Codec:
        kind = shape.type_name
        if shape.is_document:
            return None
        if kind == "list":
            return self._list(shape)
        if kind == "map":
            return self._map(shape)
        if kind == "blob":
            return self.blob()
        if kind == "timestamp":
            return self.timestamp(shape.timestamp_format or self._default_timestamp)
        return None

    def blob(self) -> Codec:
        return values.base64_text

    def timestamp(self, fmt: str) -> Codec:
        return values.timestamp_number_or_text(fmt)

    def _list(self, shape: Shape) -> Codec:
        item_codec = self.codec(shape.member)
        if item_codec is None:
            return None
        return lambda items: [None if item is None else item_codec(item) for item in items]

    def _map(self, shape: Shape) -> Codec:
        value_codec = self.codec(shape.value)
        if value_codec is None:
            return None
        return lambda mapping: {
            key: None if item is None else value_codec(item) for key, item in mapping.items()
        }
