"""XML bodies (rest-xml) read along a shape, parsed with defusedxml.

Request bodies come from the network: DTDs, entity declarations and external references are
refused outright (billion laughs, XXE). Namespaces are dropped from names: a member is found
by its local name whatever prefix or default namespace the client used.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from cloudlet.aws.model import Shape
from cloudlet.aws.parsing.base import InvalidValue, MalformedBody
from cloudlet.aws.parsing.scalars import from_text

# Child elements by wire name -> (member name, shape); xmlAttribute members as (wire, name, shape).
_Table = tuple[dict[str, tuple[str, Shape]], list[tuple[str, str, Shape]]]


def load_xml(data: bytes) -> Element:
    try:
        return fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError, RecursionError) as exc:
        raise MalformedBody(f"the body is not well-formed XML: {exc}") from None


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


class XmlValues:
    """Turns XML elements into the dict/list/scalar values of a shape."""

    def __init__(self) -> None:
        self._tables: dict[Shape, _Table] = {}

    def value(self, element: Element, shape: Shape) -> Any:
        kind = shape.type_name
        if kind == "structure":
            return self.structure(element, shape)
        if kind == "list":
            return [self.value(child, shape.member) for child in element]
        if kind == "map":
            return dict(self._entry(entry, shape) for entry in element if local_name(entry.tag) == "entry")
        return from_text(element.text or "", kind)

    def structure(self, element: Element, shape: Shape, only: Collection[str] | None = None) -> dict[str, Any]:
        """The members found in `element`; `only` restricts to those names (the body members)."""
        children, attributes = self._table(shape)
        result: dict[str, Any] = {}
        if attributes and element.attrib:
            by_local = {local_name(k): v for k, v in element.attrib.items()}
            for wire, name, _member in attributes:
                if wire in by_local:
                    result[name] = by_local[wire]
        for child in element:
            found = children.get(local_name(child.tag))
            if found is None or (only is not None and found[0] not in only):
                continue
            try:
                self._add(result, child, *found)
            except InvalidValue as exc:
                exc.path.insert(0, found[0])
                raise
        return result

    def _add(self, result: dict[str, Any], child: Element, name: str, member: Shape) -> None:
        if member.type_name == "list" and member.flattened:
            result.setdefault(name, []).append(self.value(child, member.member))
        elif member.type_name == "map" and member.flattened:
            key, item = self._entry(child, member)
            result.setdefault(name, {})[key] = item
        else:
            result[name] = self.value(child, member)

    def _entry(self, entry: Element, shape: Shape) -> tuple[Any, Any]:
        key_name = shape.key.location_name or "key"
        value_name = shape.value.location_name or "value"
        key = value = None
        for child in entry:
            tag = local_name(child.tag)
            if tag == key_name:
                key = self.value(child, shape.key)
            elif tag == value_name:
                value = self.value(child, shape.value)
        if key is None or value is None:
            raise InvalidValue(f"a map entry needs both <{key_name}> and <{value_name}>")
        return key, value

    def _table(self, shape: Shape) -> _Table:
        table = self._tables.get(shape)
        if table is None:
            children: dict[str, tuple[str, Shape]] = {}
            attributes: list[tuple[str, str, Shape]] = []
            for name, member in shape.members.items():
                wire = member.location_name or name
                if member.traits.get("xmlAttribute"):
                    # "xsi:type" arrives as {namespace-uri}type: match on the local part.
                    attributes.append((wire.rpartition(":")[2], name, member))
                else:
                    children[wire] = (name, member)
            table = self._tables[shape] = (children, attributes)
        return table
