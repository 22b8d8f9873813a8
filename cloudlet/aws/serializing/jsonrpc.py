"""The `json` and `smithy-rpc-v2-cbor` protocols: the whole output is the body, always 200.

Both read the error code from `__type` in the body. Services that moved from the query
protocol (`awsQueryCompatible`: SQS, CloudWatch) also send `x-amzn-query-error`, from which
clients take the old query error code so code written against it keeps matching.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import OperationModel, ServiceModel, Shape
from cloudlet.aws.serializing import cborbody, eventstream, jsonbody
from cloudlet.aws.serializing.base import (
    Plan,
    ResponseSerializer,
    buffered,
    error_values,
    fault,
    unmodelled_fields,
)
from cloudlet.aws.serializing.eventstream import EventStreamEncoder
from cloudlet.edge.types import Headers, Response


class JsonSerializer(ResponseSerializer):
    protocol = "json"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self.codecs = self.make_codecs()
        self.content_type = f"application/x-amz-json-{service.json_version}"
        self.dumps: Callable[[Any], bytes] = jsonbody.dumps
        self.empty_body = b"{}"

    def make_codecs(self) -> jsonbody.JsonCodecs:
        return jsonbody.JsonCodecs()

    def base_headers(self, request_id: str) -> list[tuple[str, str]]:
        return [("Content-Type", self.content_type), *self.request_id_headers(request_id)]

    def compile(self, operation: OperationModel) -> Plan:
        shape = operation.output_shape
        headers = self.base_headers
        dumps = self.dumps
        if shape is None:
            empty = self.empty_body

            def plan_empty(output: dict[str, Any], request_id: str) -> Response:
                return buffered(200, headers(request_id), empty)
            return plan_empty
        codec = self.codecs.codec(shape)
        assert codec is not None
        stream = next((name for name, member in shape.members.items() if member.is_eventstream), None)
        if stream is not None:
            return self._event_stream_plan(shape, stream, codec)

        def plan(output: dict[str, Any], request_id: str) -> Response:
            return buffered(200, headers(request_id), dumps(codec(output)))
        return plan

    def _event_stream_plan(self, shape: Shape, stream: str, codec: Callable[[Any], Any]) -> Plan:
        # The other output members travel first, as the stream's initial-response event.
        encoder = EventStreamEncoder(shape.members[stream], self.event_body, self.content_type)
        dumps = self.dumps

        def plan(output: dict[str, Any], request_id: str) -> Response:
            headers = [("Content-Type", eventstream.CONTENT_TYPE), *self.request_id_headers(request_id)]
            body = encoder.stream(output.get(stream), initial=dumps(codec(output)))
            return Response(200, Headers(headers), body)
        return plan

    def event_body(self, shape: Shape, value: dict[str, Any]) -> bytes:
        codec = self.codecs.codec(shape)
        return self.dumps(value if codec is None else codec(value))

    def error_response(self, operation: OperationModel | None, error: ServiceError, shape: Shape | None,
                       request_id: str) -> Response:
        body = self.error_body(error, shape)
        headers = self.base_headers(request_id)
        code = self.wire_code(error, shape)
        if self.service.is_query_compatible:
            # `__type` names the shape; the header carries the query-era code and fault.
            body["__type"] = shape.name if shape is not None else error.code
            headers.append(("x-amzn-query-error", f"{code};{fault(error)}"))
        else:
            body["__type"] = code
        headers.append(("x-amzn-ErrorType", code))
        return buffered(error.status, headers, self.dumps(body))

    def error_body(self, error: ServiceError, shape: Shape | None) -> dict[str, Any]:
        body = unmodelled_fields(error, shape)
        if shape is not None:
            codec = self.codecs.codec(shape)
            assert codec is not None
            body.update(codec(error_values(error, shape)))
        if "message" not in body and "Message" not in body:
            body["message"] = error.message
        return body


class CborSerializer(JsonSerializer):
    protocol = "smithy-rpc-v2-cbor"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self.content_type = "application/cbor"
        self.dumps = cborbody.dumps
        # An operation without output has an empty body; one with output, at least an empty map.
        self.empty_body = b""

    def make_codecs(self) -> jsonbody.JsonCodecs:
        return cborbody.CborCodecs()

    def base_headers(self, request_id: str) -> list[tuple[str, str]]:
        return [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"),
                *self.request_id_headers(request_id)]
