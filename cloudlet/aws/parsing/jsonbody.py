"""JSON bodies read along a shape (json and rest-json protocols; CBOR reuses the walk).

Members are named by their locationName when they have one. Keys the shape does not know
are ignored and JSON nulls are absent, as AWS's JSON services do.
"""

from __future__ import annotations

import json
from typing import Any

from cloudlet.aws.model import Shape
from cloudlet.aws.parsing.base import InvalidValue, MalformedBody
from cloudlet.aws.parsing.scalars import from_base64, to_float, to_timestamp

MemberTable = list[tuple[str, str, Shape]]  # (wire name, member name, member shape)


def load_json_object(data: bytes) -> dict[str, Any]:
    """The body as a JSON object; an empty body is an empty object."""
    if not data.strip():
        return {}
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise MalformedBody(f"the body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise MalformedBody("the body must be a JSON object")
    return value


def member_table(shape: Shape, names: list[str] | None = None) -> MemberTable:
    members = shape.members
    return [(members[n].location_name or n, n, members[n]) for n in (members if names is None else names)]


class JsonValues:
    """Turns decoded JSON (or CBOR) values into the dict/list/scalar values of a shape."""

    def __init__(self) -> None:
        self._tables: dict[Shape, MemberTable] = {}
        self._handlers = {
            "structure": self.structure,
            "list": self._list,
            "map": self._map,
            "string": self._string,
            "integer": self._integer,
            "long": self._integer,
            "float": self._float,
            "double": self._float,
            "boolean": self._boolean,
            "blob": self._blob,
            "timestamp": self._timestamp,
        }

    def value(self, value: Any, shape: Shape) -> Any:
        return self._handlers[shape.type_name](value, shape)

    def structure(self, value: Any, shape: Shape, table: MemberTable | None = None) -> Any:
        if shape.is_document:
            return value
        if not isinstance(value, dict):
            raise InvalidValue(f"expected an object, got {_kind(value)}")
        if table is None:
            table = self._tables.get(shape)
            if table is None:
                table = self._tables[shape] = member_table(shape)
        result: dict[str, Any] = {}
        for wire, name, member in table:
            item = value.get(wire)
            if item is not None:
                try:
                    result[name] = self.value(item, member)
                except InvalidValue as exc:
                    exc.path.insert(0, name)
                    raise
        return result

    def _list(self, value: Any, shape: Shape) -> list[Any]:
        if not isinstance(value, list):
            raise InvalidValue(f"expected a list, got {_kind(value)}")
        member = shape.member
        return [self.value(item, member) for item in value if item is not None]

    def _map(self, value: Any, shape: Shape) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise InvalidValue(f"expected an object, got {_kind(value)}")
        key_shape, value_shape = shape.key, shape.value
        result = {}
        for key, item in value.items():
            if item is None:
                continue
            try:
                result[self.value(key, key_shape)] = self.value(item, value_shape)
            except InvalidValue as exc:
                exc.path.insert(0, str(key))
                raise
        return result

    def _string(self, value: Any, shape: Shape) -> Any:
        if not isinstance(value, str):
            raise InvalidValue(f"expected a string, got {_kind(value)}")
        return value

    def _integer(self, value: Any, shape: Shape) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidValue(f"expected an integer, got {_kind(value)}")
        if isinstance(value, float):
            if not value.is_integer():
                raise InvalidValue(f"expected an integer, got {value}")
            return int(value)
        return value

    def _float(self, value: Any, shape: Shape) -> float:
        if isinstance(value, str):
            # Only the values a JSON number cannot spell travel as strings.
            if value.lower() not in ("nan", "infinity", "-infinity"):
                raise InvalidValue(f"expected a number, got the string '{value}'")
            return to_float(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidValue(f"expected a number, got {_kind(value)}")
        return float(value)

    def _boolean(self, value: Any, shape: Shape) -> bool:
        if not isinstance(value, bool):
            raise InvalidValue(f"expected a boolean, got {_kind(value)}")
        return value

    def _blob(self, value: Any, shape: Shape) -> bytes:
        if not isinstance(value, str):
            raise InvalidValue(f"expected base64 text, got {_kind(value)}")
        return from_base64(value)

    def _timestamp(self, value: Any, shape: Shape) -> Any:
        return to_timestamp(value)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__)
