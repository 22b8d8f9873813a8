"""The REST protocols (`rest-json`, `rest-xml`): members bound to headers, status and payload.

The binding logic is shared; the two protocols differ only in how a structured body is
written and in their error documents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import OperationModel, ServiceModel, Shape
from cloudlet.aws.serializing import eventstream, jsonbody
from cloudlet.aws.serializing.base import Plan, ResponseSerializer, error_values, unmodelled_fields
from cloudlet.aws.serializing.bindings import ENCODED, EVENTS, RAW, Bindings, bindings_for
from cloudlet.aws.serializing.eventstream import EventStreamEncoder
from cloudlet.aws.serializing.query import service_namespace
from cloudlet.aws.serializing.streams import payload_body
from cloudlet.aws.serializing.xmlbody import XML_DECLARATION, XmlWriters, namespace_attr
from cloudlet.aws.serializing.xmlerrors import error_document
from cloudlet.edge.types import Headers, Response

# Body from an output dict; None when the shape has no structured body at all.
BodyEncoder = Callable[[dict[str, Any]], bytes] | None

_NO_BODY_STATUSES = frozenset({204, 304})
_RAW_CONTENT_TYPES = {"blob": "application/octet-stream", "string": "text/plain; charset=utf-8"}


class RestSerializer(ResponseSerializer):
    content_type = ""

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self._bindings: dict[Shape | None, Bindings] = {}

    def bindings(self, shape: Shape | None) -> Bindings:
        bindings = self._bindings.get(shape)
        if bindings is None:
            bindings = self._bindings[shape] = bindings_for(shape)
        return bindings

    def compile(self, operation: OperationModel) -> Plan:
        shape = operation.output_shape
        bindings = self.bindings(shape)
        write_body = self._body_writer(operation, shape, bindings)
        default_status = operation.response_code
        bodyless = operation.http_method == "HEAD"
        request_id_headers = self.request_id_headers

        def plan(output: dict[str, Any], request_id: str) -> Response:
            headers = request_id_headers(request_id)
            bindings.apply_headers(output, headers)
            status = bindings.status(output, default_status)
            body = b"" if bodyless or status in _NO_BODY_STATUSES else write_body(output, headers)
            if isinstance(body, bytes) and not bindings.sets_content_length(output):
                headers.append(("Content-Length", str(len(body))))
            return Response(status, Headers(headers), body)
        return plan

    def _body_writer(self, operation: OperationModel, shape: Shape | None,
                     bindings: Bindings) -> Callable[[dict[str, Any], list[tuple[str, str]]], Any]:
        """The body of an output; adds its Content-Type unless the output binds its own."""
        payload = bindings.payload or ""
        produce: Callable[[dict[str, Any]], Any]
        if bindings.payload_kind == EVENTS and bindings.payload_shape is not None:
            events = EventStreamEncoder(bindings.payload_shape, self.event_body, self.content_type)
            content_type = eventstream.CONTENT_TYPE
            produce = lambda output: events.stream(output.get(payload))  # noqa: E731
        elif bindings.payload_kind == RAW and bindings.payload_shape is not None:
            content_type = _RAW_CONTENT_TYPES[bindings.payload_shape.type_name]
            produce = lambda output: payload_body(output.get(payload))  # noqa: E731
        else:
            encode = self.body_encoder(operation, shape, bindings)
            if encode is None:
                return lambda output, headers: b""
            content_type, produce = self.content_type, encode

        def write(output: dict[str, Any], headers: list[tuple[str, str]]) -> Any:
            body = produce(output)
            if body != b"" and not bindings.sets_content_type(output):
                headers.append(("Content-Type", content_type))
            return body
        return write

    def body_encoder(self, operation: OperationModel, shape: Shape | None, bindings: Bindings) -> BodyEncoder:
        raise NotImplementedError

    def event_body(self, shape: Shape, value: dict[str, Any]) -> bytes:
        """One event's structured payload, in the protocol's body format."""
        raise NotImplementedError

    def error_response(self, operation: OperationModel | None, error: ServiceError, shape: Shape | None,
                       request_id: str) -> Response:
        headers = self.request_id_headers(request_id)
        bindings = self.bindings(shape)
        fields = error_values(error, shape)
        bindings.apply_headers(fields, headers)
        headers.extend(self.error_headers(error, shape))
        body = b""
        if error.status not in _NO_BODY_STATUSES and not (operation is not None and operation.http_method == "HEAD"):
            body = self.error_body(error, shape, bindings, fields, request_id)
            headers.append(("Content-Type", self.content_type))
        headers.append(("Content-Length", str(len(body))))
        return Response(error.status, Headers(headers), body)

    def error_headers(self, error: ServiceError, shape: Shape | None) -> list[tuple[str, str]]:
        return [("x-amzn-ErrorType", self.wire_code(error, shape))]

    def error_body(self, error: ServiceError, shape: Shape | None, bindings: Bindings, fields: dict[str, Any],
                   request_id: str) -> bytes:
        raise NotImplementedError


class RestJsonSerializer(RestSerializer):
    protocol = "rest-json"
    content_type = "application/json"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self.codecs = jsonbody.JsonCodecs()
        self._body_codecs: dict[Shape, jsonbody.Codec] = {}

    def body_codec(self, shape: Shape, bindings: Bindings) -> jsonbody.Codec:
        """The codec of a top-level shape's body members only (its headers are not in the body)."""
        codec = self._body_codecs.get(shape)
        if codec is None:
            codec = self._body_codecs[shape] = self.codecs.structure(shape, bindings.body_members, cache=False)
        return codec

    def body_encoder(self, operation: OperationModel, shape: Shape | None, bindings: Bindings) -> BodyEncoder:
        dumps = jsonbody.dumps
        if bindings.payload_kind == ENCODED:
            name = bindings.payload or ""
            codec = self.codecs.codec(bindings.payload_shape) if bindings.payload_shape else None

            def encode_payload(output: dict[str, Any]) -> bytes:
                value = output.get(name)
                if value is None:
                    return b""
                return dumps(value if codec is None else codec(value))
            return encode_payload
        if shape is None or not bindings.body_members:
            return None
        body_codec = self.body_codec(shape, bindings)
        assert body_codec is not None
        return lambda output: dumps(body_codec(output))

    def event_body(self, shape: Shape, value: dict[str, Any]) -> bytes:
        codec = self.codecs.codec(shape)
        return jsonbody.dumps(value if codec is None else codec(value))

    def error_body(self, error: ServiceError, shape: Shape | None, bindings: Bindings, fields: dict[str, Any],
                   request_id: str) -> bytes:
        body = unmodelled_fields(error, shape)
        if shape is not None:
            codec = self.body_codec(shape, bindings)
            assert codec is not None
            body.update(codec(fields))
        if "message" not in body and "Message" not in body:
            body["message"] = error.message
        return jsonbody.dumps(body)


class RestXmlSerializer(RestSerializer):
    protocol = "rest-xml"
    content_type = "text/xml"
    # The namespace of the answer's root element, if the model names none.
    default_namespace: str | None = None

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self.writers = XmlWriters()
        self.namespace_uri = service_namespace(service) or self.default_namespace
        self.namespace = namespace_attr(self.namespace_uri)

    def root_name(self, operation: OperationModel, shape: Shape) -> str:
        """The root element of a body without a payload member; clients do not check it."""
        return shape.location_name or shape.name

    def body_encoder(self, operation: OperationModel, shape: Shape | None, bindings: Bindings) -> BodyEncoder:
        if bindings.payload_kind == ENCODED and bindings.payload_shape is not None:
            member = bindings.payload_shape
            return self._root_encoder(bindings.payload or "", member.location_name or bindings.payload or "",
                                      member, from_member=True)
        if shape is None or not bindings.body_members:
            return None
        return self._root_encoder("", self.root_name(operation, shape), shape, from_member=False)

    def _root_encoder(self, member_name: str, tag: str, shape: Shape, *, from_member: bool) -> BodyEncoder:
        own_namespace = namespace_attr(shape.xml_namespace) if from_member else ""
        head = f"{XML_DECLARATION}<{tag}{own_namespace or self.namespace}>"
        tail = f"</{tag}>"
        children = self.writers.structure(shape).children

        def encode(output: dict[str, Any]) -> bytes:
            value = output.get(member_name) if from_member else output
            if value is None:
                return b""
            parts = [head]
            children(parts, value)
            parts.append(tail)
            return "".join(parts).encode("utf-8")
        return encode

    def event_body(self, shape: Shape, value: dict[str, Any]) -> bytes:
        parts = [f"<{shape.name}>"]
        self.writers.structure(shape).children(parts, value)
        parts.append(f"</{shape.name}>")
        return "".join(parts).encode("utf-8")

    def error_body(self, error: ServiceError, shape: Shape | None, bindings: Bindings, fields: dict[str, Any],
                   request_id: str) -> bytes:
        return error_document(self.namespace, self.writers, self.wire_code(error, shape), error, shape, request_id)
