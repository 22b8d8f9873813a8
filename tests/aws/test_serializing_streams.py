"""Streaming payloads (S3 object bodies) reach the Response as streams, never buffered."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

from cloudlet.aws.model import load_service
from cloudlet.aws.serializing import create_serializer
from cloudlet.aws.serializing.streams import CHUNK_SIZE
from cloudlet.edge.types import Response

S3 = load_service("s3")


def get_object(output: dict) -> Response:
    return create_serializer(S3, "rest-xml").serialize_response(S3.operation("GetObject"), output, "req-1")


def drain(body: AsyncIterator[bytes]) -> list[bytes]:
    async def collect() -> list[bytes]:
        return [chunk async for chunk in body]
    return asyncio.run(collect())


def test_async_iterator_is_passed_through_untouched() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"hello "
        yield b"world"

    stream = chunks()
    response = get_object({"Body": stream, "ContentLength": 11})
    assert response.body is stream
    assert response.headers.get_all("Content-Length") == ["11"]
    assert drain(response.body) == [b"hello ", b"world"]


def test_file_is_read_in_chunks_and_closed() -> None:
    data = bytes(range(256)) * (CHUNK_SIZE // 128 + 3)
    fh = io.BytesIO(data)
    response = get_object({"Body": fh, "ContentLength": len(data)})
    assert not isinstance(response.body, bytes)
    chunks = drain(response.body)
    assert b"".join(chunks) == data
    assert max(len(chunk) for chunk in chunks) <= CHUNK_SIZE
    assert fh.closed


def test_sync_iterator_becomes_an_async_stream() -> None:
    response = get_object({"Body": iter([b"a", b"", b"bc"])})
    assert drain(response.body) == [b"a", b"bc"]
    # A stream without a known length goes out without Content-Length (chunked).
    assert "Content-Length" not in response.headers


def test_buffered_payloads_get_length_and_default_type() -> None:
    response = get_object({"Body": bytearray(b"xyz")})
    assert response.body == b"xyz"
    assert response.headers["Content-Length"] == "3"
    assert response.headers["Content-Type"] == "application/octet-stream"
    response = get_object({"Body": "text", "ContentType": "text/plain"})
    assert response.body == b"text"
    assert response.headers.get_all("Content-Type") == ["text/plain"]
