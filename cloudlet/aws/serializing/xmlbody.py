"""Output values to XML text, compiled once per shape (query and rest-xml bodies).

A writer appends to a list of text parts: `write(parts, tag, value)`. The element name comes
from the parent, because it is the member reference (locationName, flattening) that names an
element, not the shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudlet.aws.model import Shape
from cloudlet.aws.serializing import values
from cloudlet.aws.serializing.values import XML_TEXT_SPECIAL, xml_attribute, xml_entity

Writer = Callable[[list[str], str, Any], None]

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'

# Members bound to other parts of the HTTP response never appear in the XML body.
_NON_BODY_LOCATIONS = frozenset({"header", "headers", "statusCode"})
# The prefix S3 uses for xsi:type on Grantee; declared if a model names it without a namespace.
_KNOWN_PREFIXES = {"xsi": "http://www.w3.org/2001/XMLSchema-instance"}


def namespace_attr(namespace: dict[str, str] | str | None) -> str:
    if not namespace:
        return ""
    if isinstance(namespace, str):
        return f' xmlns="{xml_attribute(namespace)}"'
    uri = xml_attribute(namespace.get("uri", ""))
    prefix = namespace.get("prefix")
    return f' xmlns:{prefix}="{uri}"' if prefix else f' xmlns="{uri}"'


def element_name(name: str, member: Shape) -> str:
    """The tag of a structure member; a flattened list repeats its item's name if it has one."""
    if member.type_name == "list" and member.flattened:
        item_name = member.member.location_name
        if item_name:
            return item_name
    return member.location_name or name


class StructureWriter:
    """Members are written in the order the value lists them (XML readers match by name)."""

    __slots__ = ("attributes", "elements", "namespace")

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.elements: dict[str, tuple[str, Writer]] = {}
        self.attributes: list[tuple[str, str, Callable[[Any], str]]] = []

    def __call__(self, parts: list[str], tag: str, value: dict[str, Any]) -> None:
        head = "<" + tag + self.namespace
        for name, attribute, text in self.attributes:
            item = value.get(name)
            if item is not None:
                head += f' {attribute}="{xml_attribute(text(item))}"'
        parts.append(head + ">")
        self.children(parts, value)
        parts.append("</" + tag + ">")

    def children(self, parts: list[str], value: dict[str, Any]) -> None:
        elements = self.elements
        for name, item in value.items():
            element = elements.get(name)
            if element is not None and item is not None:
                element[1](parts, element[0], item)


class XmlWriters:
    """Writers for one service, cached per shape (member references resolve to shared shapes)."""

    def __init__(self, default_timestamp: str = values.ISO8601) -> None:
        self._default_timestamp = default_timestamp
        self._cache: dict[Shape, Writer] = {}

    def writer(self, shape: Shape) -> Writer:
        try:
            return self._cache[shape]
        except KeyError:
            pass
        if shape.type_name == "structure":
            return self.structure(shape)
        write = self._cache[shape] = self._compile(shape)
        return write

    def structure(self, shape: Shape) -> StructureWriter:
        cached = self._cache.get(shape)
        if isinstance(cached, StructureWriter):
            return cached
        declared = namespace_attr(shape.xml_namespace)
        writer = StructureWriter(declared)
        # Registered before its members compile, so a recursive shape finds itself.
        self._cache[shape] = writer
        for name, member in shape.members.items():
            if member.location in _NON_BODY_LOCATIONS or member.is_eventstream:
                continue
            if member.traits.get("xmlAttribute"):
                attribute = member.location_name or name
                writer.attributes.append((name, attribute, self.text(member)))
                prefix = attribute.partition(":")[0] if ":" in attribute else None
                if prefix and f"xmlns:{prefix}=" not in writer.namespace and prefix in _KNOWN_PREFIXES:
                    writer.namespace += f' xmlns:{prefix}="{_KNOWN_PREFIXES[prefix]}"'
                continue
            writer.elements[name] = (element_name(name, member), self.writer(member))
        return writer

    def text(self, shape: Shape) -> Callable[[Any], str]:
        """How a scalar of this shape reads as text (element content or attribute value)."""
        kind = shape.type_name
        if kind == "boolean":
            return values.bool_text
        if kind in ("float", "double"):
            return values.number_text
        if kind == "blob":
            return values.base64_text
        if kind == "timestamp":
            return values.timestamp_text(shape.timestamp_format or self._default_timestamp)
        return str

    def _compile(self, shape: Shape) -> Writer:
        kind = shape.type_name
        if kind == "list":
            return self._list(shape)
        if kind == "map":
            return self._map(shape)
        namespace = namespace_attr(shape.xml_namespace)
        text = self.text(shape)
        if kind == "string":
            search, sub = XML_TEXT_SPECIAL.search, XML_TEXT_SPECIAL.sub

            def write_string(parts: list[str], tag: str, value: Any) -> None:
                if type(value) is not str:
                    value = str(value)
                if search(value) is not None:  # xml_escape, inlined: strings are most of a body
                    value = sub(xml_entity, value)
                parts.append(f"<{tag}{namespace}>{value}</{tag}>")
            return write_string

        def write_scalar(parts: list[str], tag: str, value: Any) -> None:
            parts.append(f"<{tag}{namespace}>{text(value)}</{tag}>")
        return write_scalar

    def _list(self, shape: Shape) -> Writer:
        write_item = self.writer(shape.member)
        if shape.flattened:
            def write_flat(parts: list[str], tag: str, items: Any) -> None:
                for item in items:
                    if item is not None:
                        write_item(parts, tag, item)
            return write_flat
        item_tag = shape.member.location_name or "member"
        namespace = namespace_attr(shape.xml_namespace)

        def write_wrapped(parts: list[str], tag: str, items: Any) -> None:
            parts.append(f"<{tag}{namespace}>")
            for item in items:
                if item is not None:
                    write_item(parts, item_tag, item)
            parts.append(f"</{tag}>")
        return write_wrapped

    def _map(self, shape: Shape) -> Writer:
        write_key = self.writer(shape.key)
        write_value = self.writer(shape.value)
        key_tag = shape.key.location_name or "key"
        value_tag = shape.value.location_name or "value"
        namespace = namespace_attr(shape.xml_namespace)

        def write_entry(parts: list[str], key: Any, item: Any) -> None:
            write_key(parts, key_tag, key)
            if item is not None:
                write_value(parts, value_tag, item)

        if shape.flattened:
            def write_flat(parts: list[str], tag: str, mapping: dict[str, Any]) -> None:
                for key, item in mapping.items():
                    parts.append(f"<{tag}{namespace}>")
                    write_entry(parts, key, item)
                    parts.append(f"</{tag}>")
            return write_flat

        def write_wrapped(parts: list[str], tag: str, mapping: dict[str, Any]) -> None:
            parts.append(f"<{tag}{namespace}>")
            for key, item in mapping.items():
                parts.append("<entry>")
                write_entry(parts, key, item)
                parts.append("</entry>")
            parts.append(f"</{tag}>")
        return write_wrapped
