"""Event-stream answers decoded by botocore's own event-stream reader (CRCs, headers, events)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import EventStreamError
from botocore.parsers import create_parser
from botocore.session import get_session

from cloudlet.aws.model import load_service
from cloudlet.aws.serializing import create_serializer
from cloudlet.aws.serializing.eventstream import CONTENT_TYPE

WHEN = datetime(2024, 5, 17, 12, 30, 45, tzinfo=UTC)


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self) -> Any:
        # Split mid-message, as a network would, to exercise the reader's buffering.
        yield self.data[:7]
        yield self.data[7:]

    def close(self) -> None:
        pass


def parse(service: str, operation: str, output: dict[str, Any]) -> dict[str, Any]:
    model = load_service(service)
    response = create_serializer(model, model.protocol).serialize_response(model.operation(operation), output, "r")
    assert response.headers["Content-Type"] == CONTENT_TYPE
    assert "Content-Length" not in response.headers

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in response.body])

    body = asyncio.run(collect())
    shape = get_session().get_service_model(service).operation_model(operation).output_shape
    raw = {"status_code": response.status, "headers": dict(response.headers.items()), "body": _Raw(body),
           "context": {"operation_name": operation}}
    return create_parser(model.protocol).parse(raw, shape)


def test_lambda_response_stream_from_an_async_generator() -> None:
    async def events() -> AsyncIterator[dict[str, Any]]:
        yield {"PayloadChunk": {"Payload": b"hello "}}
        yield {"PayloadChunk": {"Payload": b"world"}}
        yield {"InvokeComplete": {"LogResult": "bG9n"}}

    parsed = parse("lambda", "InvokeWithResponseStream", {"StatusCode": 200, "EventStream": events(),
                                                         "ExecutedVersion": "$LATEST"})
    assert parsed["StatusCode"] == 200 and parsed["ExecutedVersion"] == "$LATEST"
    assert list(parsed["EventStream"]) == [
        {"PayloadChunk": {"Payload": b"hello "}}, {"PayloadChunk": {"Payload": b"world"}},
        {"InvokeComplete": {"LogResult": "bG9n"}}]


def test_json_protocol_stream_starts_with_the_initial_response_and_ends_on_an_exception() -> None:
    record = {"SequenceNumber": "1", "ApproximateArrivalTimestamp": WHEN, "Data": b"\x00\x01",
              "PartitionKey": "p"}
    events = [
        {"SubscribeToShardEvent": {"Records": [record], "ContinuationSequenceNumber": "1",
                                   "MillisBehindLatest": 0}},
        {"ResourceNotFoundException": {"message": "shard gone"}},
    ]
    parsed = parse("kinesis", "SubscribeToShard", {"EventStream": events})
    stream = iter(parsed["EventStream"])
    first = next(stream)
    assert first["SubscribeToShardEvent"]["Records"] == [record]
    with pytest.raises(EventStreamError) as caught:
        next(stream)
    assert caught.value.response["Error"] == {"Code": "ResourceNotFoundException", "Message": "shard gone"}


def test_s3_select_events_in_xml() -> None:
    events = [
        {"Records": {"Payload": b"a,b\n"}},
        {"Stats": {"Details": {"BytesScanned": 10, "BytesProcessed": 10, "BytesReturned": 4}}},
        {"End": {}},
    ]
    parsed = parse("s3", "SelectObjectContent", {"Payload": events})
    assert list(parsed["Payload"]) == events
