"""The query protocol: form-encoded `Action=...&Version=...` with dotted parameter paths.

`Tags.member.2.Key=k` is a path into the input: the flat parameters are folded into a tree
once, then the tree is read along the shape. Lists are `Name.member.N` (or `Name.N` when
flattened), maps `Name.entry.N.key` / `.value`, and an empty list is sent as `Name=`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from cloudlet.aws.model import OperationModel, ServiceModel, Shape
from cloudlet.aws.parsing import errors
from cloudlet.aws.parsing.base import InvalidValue, RequestParser
from cloudlet.aws.parsing.scalars import from_text
from cloudlet.edge.types import Request

_FORM = "application/x-www-form-urlencoded"
_CONTAINERS = ("structure", "list", "map")


class _Node:
    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.value: str | None = None
        self.children: dict[str, _Node] = {}


def query_params(request: Request) -> list[tuple[str, str]]:
    """The URL's parameters followed by the form body's (POST), decoded as UTF-8."""
    try:
        items = parse_qsl(request.query, keep_blank_values=True, errors="strict")
        content_type = request.headers.get("content-type") or ""
        if content_type.startswith(_FORM) and request.body.is_buffered and request.body.data:
            items += parse_qsl(request.body.data.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise InvalidValue("the request parameters are not valid UTF-8") from None
    return items


class QueryRequestParser(RequestParser):
    protocol = "query"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self._tables: dict[Shape, list[tuple[tuple[str, ...], str, Shape]]] = {}

    def operation(self, request: Request) -> OperationModel:
        try:
            params = query_params(request)
        except InvalidValue as exc:
            raise errors.bad_value(self.service, self.protocol, str(exc)) from None
        action = next((value for key, value in params if key == "Action"), "")
        if not action or not self.service.has_operation(action):
            raise self._unknown_operation(action)
        return self.service.operation(action)

    def _parse(self, request: Request, operation: OperationModel, shape: Shape) -> dict[str, Any]:
        root = _Node()
        for key, value in query_params(request):
            node = root
            for part in key.split("."):
                node = node.children.get(part) or node.children.setdefault(part, _Node())
            node.value = value
        return self._structure(root, shape)

    def _value(self, node: _Node, shape: Shape) -> Any:
        if shape.type_name == "structure":
            return self._structure(node, shape)
        if shape.type_name == "list":
            return self._list(node, shape)
        if shape.type_name == "map":
            return self._map(node, shape)
        if node.value is None:
            raise InvalidValue(f"expected a single {shape.type_name} value, got nested parameters")
        return from_text(node.value, shape.type_name)

    def _structure(self, node: _Node, shape: Shape) -> dict[str, Any]:
        result: dict[str, Any] = {}
        children = node.children
        for wires, name, member in self._table(shape):
            for wire in wires:
                child = children.get(wire)
                if child is None:
                    continue
                try:
                    result[name] = self._value(child, member)
                except InvalidValue as exc:
                    exc.path.insert(0, wire)
                    raise
                break
        return result

    def _table(self, shape: Shape) -> list[tuple[tuple[str, ...], str, Shape]]:
        table = self._tables.get(shape)
        if table is None:
            table = self._tables[shape] = [
                (self.wire_names(name, member), name, member) for name, member in shape.members.items()
            ]
        return table

    def wire_names(self, name: str, member: Shape) -> tuple[str, ...]:
        """The parameter names a member may arrive under, preferred first."""
        # A flattened list whose items are named is sent under the item name (`Attribute.1`),
        # not under the member's own name; but empty, it is sent as `OwnName=`.
        if member.type_name == "list" and member.flattened and member.member.location_name:
            return (member.member.location_name, member.location_name or name)
        return (member.location_name or name,)

    def entry_names(self, shape: Shape) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The names a map entry's key and value may arrive under."""
        return (shape.key.location_name or "key",), (shape.value.location_name or "value",)

    def _list(self, node: _Node, shape: Shape) -> list[Any]:
        if not shape.flattened:
            node = node.children.get(shape.member.location_name or "member") or _Node()
        return [self._value(child, shape.member) for child in numbered(node)]

    def _map(self, node: _Node, shape: Shape) -> dict[Any, Any]:
        if not shape.flattened:
            node = node.children.get("entry") or _Node()
        key_names, value_names = self.entry_names(shape)
        result: dict[Any, Any] = {}
        for entry in numbered(node):
            key = _first(entry, key_names)
            value = _first(entry, value_names)
            if value is None and shape.value.type_name in _CONTAINERS:
                value = _Node()  # an empty structure, list or map value sends no parameter
            if key is None or value is None:
                raise InvalidValue(f"a map entry needs both .{key_names[0]} and .{value_names[0]}")
            result[self._value(key, shape.key)] = self._value(value, shape.value)
        return result


def _first(node: _Node, names: tuple[str, ...]) -> _Node | None:
    for name in names:
        child = node.children.get(name)
        if child is not None:
            return child
    return None


def numbered(node: _Node) -> list[_Node]:
    """The children `1`, `2`, ... in numeric order (clients need not send them in order)."""
    try:
        ordered = sorted(node.children.items(), key=lambda item: int(item[0]))
    except ValueError:
        raise InvalidValue("list and map items must be numbered 1, 2, ...") from None
    return [child for _, child in ordered]
