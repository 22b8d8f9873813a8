"""Digests of a streamed body, computed beside the event loop once the body is large.

An upload is checked by several digests (SigV4's SHA-256, S3's MD5 and flexible checksum),
each a few milliseconds per megabyte. Computed inline they would take turns with receiving
the body and writing it to disk on the one event-loop thread; hashlib and zlib release the
GIL for large buffers, so each digest runs in a worker thread instead, in batches, while the
loop goes on receiving. A body smaller than one batch never leaves the loop: a thread hop
would cost more than the hashing.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

BATCH = 1024 * 1024
# Bytes waiting for a busy digest before the body's reader waits for it: memory stays flat
# whatever the body's size.
MAX_PENDING = 8 * BATCH

_executor: ThreadPoolExecutor | None = None


class Updatable(Protocol):
    def update(self, data: bytes) -> None: ...


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=3, thread_name_prefix="cloudlet-digest")
    return _executor


class BackgroundDigest:
    """Feeds one hash object, in order, from a worker thread once a batch has gathered.

    At most one batch is in the worker at a time (a hash takes its input in order); what
    arrives meanwhile gathers into the next batch.
    """

    __slots__ = ("_hasher", "_pending", "_running", "_size")

    def __init__(self, hasher: Updatable) -> None:
        self._hasher = hasher
        self._pending: list[bytes] = []
        self._size = 0
        self._running: asyncio.Future[None] | None = None

    async def update(self, chunk: bytes) -> None:
        self._pending.append(chunk)
        self._size += len(chunk)
        if self._size < BATCH:
            return
        running = self._running
        if running is not None and not running.done():
            if self._size < MAX_PENDING:
                return
            await running
        self._submit()

    async def finish(self) -> None:
        """Waits until every byte given has been hashed."""
        if self._running is not None:
            await self._running
            self._running = None
        if self._pending:
            self._feed(self._take())

    def _submit(self) -> None:
        self._running = asyncio.get_running_loop().run_in_executor(_pool(), self._feed, self._take())

    def _feed(self, chunks: list[bytes]) -> None:
        # Chunk by chunk, not joined: a fresh megabyte costs page faults that cost more than hashing it.
        for chunk in chunks:
            self._hasher.update(chunk)

    def _take(self) -> list[bytes]:
        chunks = self._pending
        self._pending, self._size = [], 0
        return chunks
