"""Object bodies on disk: streamed in with their digests checked before they become visible,
streamed out by byte range, and unlinked once no row names them.

A body is written to a temporary file and renamed to a fresh unique name only when every
digest matched; a row then names that file. A reader that opened a file keeps reading it
even if a newer write or a delete unlinks it meanwhile (POSIX semantics).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import os
import secrets
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import BinaryIO

from cloudlet.aws import checksums
from cloudlet.aws.hashing import BackgroundDigest
from cloudlet.core.store import Store, atomic_write
from cloudlet.services.s3.errors import BadDigest, IncompleteBody, InvalidDigest, InvalidRequest

ROOT = "s3"
READ_CHUNK = 1024 * 1024
# Up to this size a GET reads the body whole rather than streaming it.
SMALL_OBJECT = 64 * 1024
# Temporary files untouched this long belong to no live upload (an upload writes continuously).
STALE_TEMP_SECONDS = 60.0


@dataclass(frozen=True)
class Expected:
    """What the client said the body is: verified as it streams."""

    md5_b64: str | None = None
    algorithm: str | None = None  # flexible checksum to compute (CRC32, SHA256...)
    checksum: str | None = None  # its value, when sent up front (not in a trailer)
    length: int | None = None


@dataclass(frozen=True)
class Written:
    blob: str
    size: int
    md5: str  # hex
    checksum: str | None  # base64 of `algorithm`, when one was computed


def new_blob_name() -> str:
    token = secrets.token_hex(16)
    return f"{ROOT}/{token[:2]}/{token}"


def decode_md5(value: str) -> str:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidDigest() from None
    if len(raw) != 16:
        raise InvalidDigest()
    return value


async def write(store: Store, chunks: AsyncIterator[bytes], expected: Expected) -> Written:
    """Streams `chunks` into a new blob; raises (leaving nothing) when a digest or length is off."""
    if expected.md5_b64 is not None:
        decode_md5(expected.md5_b64)
    md5 = hashlib.md5()
    hasher = checksums.new_hasher(expected.algorithm) if expected.algorithm else None
    digests = [BackgroundDigest(md5), *([BackgroundDigest(hasher)] if hasher is not None else [])]
    size = 0

    async def verified() -> AsyncIterator[bytes]:
        nonlocal size
        async for chunk in chunks:
            for digest in digests:
                await digest.update(chunk)
            size += len(chunk)
            yield chunk
        for digest in digests:
            await digest.finish()
        # Raising here, before the stream ends, makes atomic_write discard the temporary file.
        _verify(expected, size, md5, hasher)

    name = new_blob_name()
    try:
        await store.write_blob_async(name, verified())
    except ConnectionResetError:
        raise IncompleteBody() from None
    return Written(name, size, md5.hexdigest(), hasher.b64digest() if hasher else None)


def _verify(
    expected: Expected, size: int, md5: hashlib._Hash, hasher: checksums.ChecksumHasher | None
) -> None:
    if expected.length is not None and size != expected.length:
        raise IncompleteBody()
    if expected.md5_b64 is not None and base64.b64encode(md5.digest()).decode() != expected.md5_b64:
        raise BadDigest()
    if hasher is not None and expected.checksum is not None and hasher.b64digest() != expected.checksum:
        raise BadDigest(f"The {hasher.algorithm} you specified did not match the calculated checksum.")


def check_checksum_value(algorithm: str, value: str) -> None:
    """A checksum header that cannot be a digest of its algorithm is InvalidRequest, as on AWS."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != len(checksums.new_hasher(algorithm).digest()):
        raise InvalidRequest(f"Value for x-amz-checksum-{algorithm.lower()} header is invalid.")


def path(store: Store, name: str) -> str:
    return store.blob_path(name)


def open_blob(store: Store, name: str | None) -> BinaryIO | None:
    """Opens a blob now, so the body survives an unlink that happens before it is sent."""
    if name is None:
        return None
    return open(store.blob_path(name), "rb")  # the response streamer closes it


def small_body(fh: BinaryIO, size: int) -> bytes | BinaryIO:
    """A small object's bytes at once (one write answers the request), else the open file to stream."""
    if size > SMALL_OBJECT:
        return fh
    with fh:
        return fh.read()


async def read_range(fh: BinaryIO | None, start: int, end: int) -> AsyncIterator[bytes]:
    """Bytes start..end (inclusive) of an open blob, a chunk at a time; closes it at the end."""
    if fh is None:
        return
    try:
        fh.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            chunk = fh.read(min(READ_CHUNK, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
    finally:
        fh.close()


def link(store: Store, name: str) -> str:
    """A new name for the same immutable bytes (a whole-object copy costs no I/O)."""
    target = new_blob_name()
    path = store.blob_path(target)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.link(store.blob_path(name), path)
    return target


async def copy(store: Store, sources: Iterable[tuple[str, int, int]]) -> Written:
    """A new blob made of (blob, start, end) ranges of existing ones, copied in a thread."""
    name = new_blob_name()
    size, md5 = await asyncio.to_thread(_copy_ranges, store, list(sources), store.blob_path(name))
    return Written(name, size, md5, None)


def _copy_ranges(store: Store, sources: list[tuple[str, int, int]], target: str) -> tuple[int, str]:
    md5 = hashlib.md5()

    def pieces() -> Iterable[bytes]:
        for name, start, end in sources:
            with open(store.blob_path(name), "rb") as fh:
                fh.seek(start)
                remaining = end - start + 1
                while remaining > 0:
                    chunk = fh.read(min(READ_CHUNK * 4, remaining))
                    if not chunk:
                        break
                    md5.update(chunk)
                    remaining -= len(chunk)
                    yield chunk

    size = atomic_write(target, pieces(), fsync=store.fsync == "full")
    return size, md5.hexdigest()


async def concatenate(store: Store, names: list[str], algorithm: str | None) -> tuple[str, str | None]:
    """A new blob holding the given blobs back to back (a completed multipart upload), and
    the full-object checksum of `algorithm` over it, computed on the way."""
    name = new_blob_name()
    checksum = await asyncio.to_thread(_concatenate, store, names, store.blob_path(name), algorithm)
    return name, checksum


def _concatenate(store: Store, names: list[str], target: str, algorithm: str | None) -> str | None:
    hasher = checksums.new_hasher(algorithm) if algorithm else None

    def pieces() -> Iterable[bytes]:
        for part in names:
            with open(store.blob_path(part), "rb") as fh:
                while chunk := fh.read(READ_CHUNK * 8):
                    if hasher is not None:
                        hasher.update(chunk)
                    yield chunk

    atomic_write(target, pieces(), fsync=store.fsync == "full")
    return hasher.b64digest() if hasher else None


async def checksum_of(store: Store, name: str, algorithm: str) -> str:
    return await asyncio.to_thread(_checksum_of, store.blob_path(name), algorithm)


def _checksum_of(path: str, algorithm: str) -> str:
    hasher = checksums.new_hasher(algorithm)
    with open(path, "rb") as fh:
        while chunk := fh.read(READ_CHUNK * 8):
            hasher.update(chunk)
    return hasher.b64digest()


def unlink(store: Store, names: Iterable[str | None]) -> None:
    for name in names:
        if name:
            with suppress(FileNotFoundError):
                os.unlink(store.blob_path(name))


def clean_stale_temporaries(store: Store, referenced: set[str] | None = None) -> int:
    """Removes temporary files a crashed upload left (and blobs no row names, if given)."""
    root = store.blob_path(ROOT)
    removed = 0
    if not os.path.isdir(root):
        return 0
    cutoff = time.time() - STALE_TEMP_SECONDS
    for directory, _, files in os.walk(root):
        for file in files:
            full = os.path.join(directory, file)
            with suppress(FileNotFoundError):
                if os.stat(full).st_mtime > cutoff:
                    continue
                relative = os.path.relpath(full, store.blobs_dir).replace(os.sep, "/")
                if file.startswith(".tmp-") or (referenced is not None and relative not in referenced):
                    os.unlink(full)
                    removed += 1
    return removed
