"""Event streams (`application/vnd.amazon.eventstream`): Lambda response streaming, S3 Select,
Kinesis SubscribeToShard, CloudWatch Logs live tail.

An output's event-stream member holds an iterable (sync or async) of events, each a
one-key dict `{EventName: {members}}` naming a member of the stream union, as botocore
yields them back. A modelled exception member ends the stream as an exception message.
Each event is one binary message: prelude (lengths + CRC32), typed headers, payload, CRC32.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from cloudlet.aws.model import Shape
from cloudlet.aws.serializing import values

CONTENT_TYPE = "application/vnd.amazon.eventstream"

# Header value types of the wire format.
_TRUE, _FALSE, _INT8, _INT16, _INT32, _INT64, _BYTES, _STRING, _TIMESTAMP = range(9)
_NUMBER_FORMATS = {_INT8: ">b", _INT16: ">h", _INT32: ">i", _INT64: ">q", _TIMESTAMP: ">q"}
_HEADER_TYPES = {"byte": _INT8, "short": _INT16, "integer": _INT32, "long": _INT64, "blob": _BYTES,
                 "string": _STRING, "timestamp": _TIMESTAMP, "boolean": _TRUE}

# Encodes an event's structured body: (shape, value) -> bytes, in the protocol's body format.
BodyEncoder = Callable[[Shape, dict[str, Any]], bytes]


def header(name: str, kind: int, value: Any) -> bytes:
    encoded_name = name.encode("utf-8")
    head = struct.pack(">B", len(encoded_name)) + encoded_name
    if kind == _TRUE:
        return head + struct.pack(">B", _TRUE if value else _FALSE)
    if kind in _NUMBER_FORMATS:
        if kind == _TIMESTAMP:
            value = round(values.epoch_seconds(value) * 1000)
        return head + struct.pack(">B", kind) + struct.pack(_NUMBER_FORMATS[kind], int(value))
    data = values.blob_bytes(value) if kind == _BYTES else str(value).encode("utf-8")
    return head + struct.pack(">BH", kind, len(data)) + data


def message(headers: list[bytes], payload: bytes) -> bytes:
    encoded_headers = b"".join(headers)
    total = 16 + len(encoded_headers) + len(payload)
    prelude = struct.pack(">II", total, len(encoded_headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + encoded_headers + payload
    return body + struct.pack(">I", zlib.crc32(body))


class EventStreamEncoder:
    """Messages for one stream shape; `content_type` is the protocol's body type (JSON/XML)."""

    def __init__(self, stream: Shape, encode_body: BodyEncoder, content_type: str) -> None:
        self.shape = stream
        self.encode_body = encode_body
        self.content_type = content_type

    def initial_response(self, payload: bytes) -> bytes:
        return message(self._common("event", ":event-type", "initial-response", self.content_type), payload)

    def event(self, event: dict[str, Any]) -> bytes:
        ((name, value),) = event.items()
        member = self.shape.members[name]
        if member.is_error:
            payload = self.encode_body(member, value)
            return message(self._common("exception", ":exception-type", name, self.content_type), payload)
        headers: list[bytes] = []
        payload, content_type = b"", self.content_type
        body_values = dict(value)
        for member_name, field in member.members.items():
            item = body_values.get(member_name)
            if field.traits.get("eventheader"):
                body_values.pop(member_name, None)
                if item is not None:
                    headers.append(header(member_name, _HEADER_TYPES.get(field.type_name, _STRING), item))
            elif field.traits.get("eventpayload"):
                body_values = {}
                payload, content_type = self._payload(field, item)
        if body_values:
            payload = self.encode_body(member, body_values)
        return message(self._common("event", ":event-type", name, content_type) + headers, payload)

    def _payload(self, field: Shape, item: Any) -> tuple[bytes, str]:
        if field.type_name == "blob":
            return (values.blob_bytes(item) if item is not None else b""), "application/octet-stream"
        if field.type_name == "string":
            return (item or "").encode("utf-8"), "text/plain"
        return (self.encode_body(field, item) if item is not None else b""), self.content_type

    @staticmethod
    def _common(kind: str, type_header: str, name: str, content_type: str) -> list[bytes]:
        return [header(":message-type", _STRING, kind), header(type_header, _STRING, name),
                header(":content-type", _STRING, content_type)]

    async def stream(self, events: Any, initial: bytes | None = None) -> AsyncIterator[bytes]:
        if initial is not None:
            yield self.initial_response(initial)
        if events is None:
            return
        if hasattr(events, "__aiter__"):
            async for event in events:
                yield self.event(event)
        else:
            for event in events:
                yield self.event(event)
