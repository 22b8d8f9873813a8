"""A raw payload (S3 object body, Lambda payload) as a Response body, streamed when it is a stream."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

CHUNK_SIZE = 256 * 1024


def payload_body(value: Any) -> bytes | AsyncIterator[bytes]:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if hasattr(value, "__aiter__"):
        return value
    if hasattr(value, "read"):
        return _read_file(value)
    if isinstance(value, Iterable):
        return _iterate(value)
    raise TypeError(f"a payload must be bytes, str or a stream of bytes, not {type(value).__name__}")


async def _read_file(fh: Any) -> AsyncIterator[bytes]:
    # Local files read from the page cache in microseconds a chunk: reading inline is cheaper
    # than a thread hop per chunk. The file is closed once it is drained or the client leaves.
    try:
        while True:
            chunk = fh.read(CHUNK_SIZE)
            if not chunk:
                return
            yield chunk
    finally:
        close = getattr(fh, "close", None)
        if close is not None:
            close()


async def _iterate(chunks: Iterable[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        if chunk:
            yield bytes(chunk)
