"""REST bindings of an output (or error) shape: which members are headers, the status, the body.

Worked out once per shape; `apply_headers` is the per-response part.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cloudlet.aws.model import Shape
from cloudlet.aws.serializing import values

HeaderText = Callable[[Any], str | None]

# Payload kinds: the body is the member's bytes as they are, the member encoded, or a stream
# of event messages.
RAW = "raw"
ENCODED = "encoded"
EVENTS = "events"


@dataclass
class Bindings:
    headers: list[tuple[str, str, HeaderText]] = field(default_factory=list)
    header_maps: list[tuple[str, str]] = field(default_factory=list)
    status_member: str | None = None
    payload: str | None = None
    payload_kind: str | None = None
    payload_shape: Shape | None = None
    body_members: list[tuple[str, Shape]] = field(default_factory=list)
    # The output sets Content-Length itself (S3 GetObject/HeadObject): never override it.
    content_length_member: str | None = None
    content_type_member: str | None = None

    def apply_headers(self, output: dict[str, Any], headers: list[tuple[str, str]]) -> None:
        for name, header, text in self.headers:
            value = output.get(name)
            if value is not None:
                rendered = text(value)
                if rendered is not None:
                    headers.append((header, header_safe(rendered)))
        for name, prefix in self.header_maps:
            mapping = output.get(name)
            if mapping:
                for key, value in mapping.items():
                    if value is not None:
                        headers.append((prefix + key, header_safe(str(value))))

    def status(self, output: dict[str, Any], default: int) -> int:
        if self.status_member is None:
            return default
        value = output.get(self.status_member)
        return default if value is None else int(value)

    def sets_content_length(self, output: dict[str, Any]) -> bool:
        return self.content_length_member is not None and output.get(self.content_length_member) is not None

    def sets_content_type(self, output: dict[str, Any]) -> bool:
        return self.content_type_member is not None and output.get(self.content_type_member) is not None


def header_safe(value: str) -> str:
    """A header value HTTP can carry: text beyond printable ASCII is RFC 2047-encoded, as S3
    does for user metadata, which also keeps a CR/LF in a value from splitting the header."""
    if value.isascii() and value.isprintable():
        return value
    return "=?UTF-8?B?" + base64.b64encode(value.encode("utf-8")).decode("ascii") + "?="


def bindings_for(shape: Shape | None) -> Bindings:
    bindings = Bindings()
    if shape is None:
        return bindings
    payload = shape.payload
    for name, member in shape.members.items():
        location = member.location
        if location == "header":
            header = member.location_name or name
            bindings.headers.append((name, header, header_text(member)))
            if header.lower() == "content-length":
                bindings.content_length_member = name
            elif header.lower() == "content-type":
                bindings.content_type_member = name
        elif location == "headers":
            bindings.header_maps.append((name, member.location_name or ""))
        elif location == "statusCode":
            bindings.status_member = name
        elif name == payload:
            bindings.payload = name
            bindings.payload_shape = member
            if member.is_eventstream:
                bindings.payload_kind = EVENTS
            else:
                bindings.payload_kind = RAW if member.type_name in ("blob", "string") else ENCODED
        elif payload is None and not member.is_eventstream:
            bindings.body_members.append((name, member))
    return bindings


def header_text(shape: Shape) -> HeaderText:
    kind = shape.type_name
    if kind == "string" and shape.traits.get("jsonvalue"):
        return values.json_value_text
    if kind == "list":
        item = header_text(shape.member)
        # An empty list has no header form: absent is the nearest a header can say.
        return lambda items: ", ".join(item(value) or "" for value in items) if items else None
    if kind == "timestamp":
        # Headers default to the HTTP date format (RFC 7231's IMF-fixdate).
        return values.timestamp_text(shape.timestamp_format or values.RFC822)
    if kind == "boolean":
        return values.bool_text
    if kind in ("float", "double"):
        return values.number_text
    if kind == "blob":
        return values.base64_text
    return str
