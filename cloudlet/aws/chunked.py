"""Decoding `Content-Encoding: aws-chunked` request bodies as they stream.

The framing is `<hex size>[;chunk-signature=<sig>]\\r\\n<data>\\r\\n` per chunk, then a zero-size
chunk, optional trailer lines `name:value` (the flexible checksum, and for the signed-trailer
mode `x-amz-trailer-signature`), and an empty line. Signed modes chain each chunk's signature
from the request's seed signature. Piece boundaries of the incoming stream fall anywhere; the
decoder holds at most one framing line plus one piece in memory.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator

from cloudlet.aws import checksums
from cloudlet.aws.auth import canonical
from cloudlet.aws.errors import ServiceError
from cloudlet.aws.sigv4 import AuthResult
from cloudlet.edge.types import Headers

SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
_SIGNED_MODES = (SIGNED, SIGNED_TRAILER)
_MAX_LINE = 8192
_TRAILER_SIGNATURE = "x-amz-trailer-signature"


def is_aws_chunked(headers: Headers) -> bool:
    encoding = headers.get("content-encoding")
    if encoding and "aws-chunked" in encoding.lower():
        return True
    declared = headers.get("x-amz-content-sha256") or ""
    return declared.startswith("STREAMING-")


def content_encoding_without_aws_chunked(headers: Headers) -> str | None:
    """The Content-Encoding to store with the object: the client's, less aws-chunked."""
    encoding = headers.get("content-encoding")
    if not encoding:
        return None
    rest = [e.strip() for e in encoding.split(",") if e.strip() and e.strip().lower() != "aws-chunked"]
    return ",".join(rest) or None


def decode_aws_chunked(chunks: AsyncIterator[bytes], headers: Headers,
                       auth: AuthResult | None) -> AwsChunkedDecoder:
    """The decoded body; iterate it with `async for`, then read `.trailers`."""
    return AwsChunkedDecoder(chunks, headers, auth)


class IncompleteBody(ServiceError):
    code, status = "IncompleteBody", 400

    def __init__(self, message: str = "The request body terminated unexpectedly") -> None:
        super().__init__(message)


class BadDigest(ServiceError):
    code, status = "BadDigest", 400


class InvalidChunkedBody(ServiceError):
    code, status = "InvalidRequest", 400


class ChunkSignatureMismatch(ServiceError):
    code, status = "SignatureDoesNotMatch", 403

    def __init__(self) -> None:
        super().__init__("The request signature we calculated does not match the signature you provided. "
                         "Check your key and signing method.")


class AwsChunkedDecoder:
    """An async iterator of the decoded payload; `trailers` holds the verified trailer values
    (e.g. {"x-amz-checksum-crc32": "NhCmhg=="}) once iteration has finished."""

    def __init__(self, chunks: AsyncIterator[bytes], headers: Headers, auth: AuthResult | None) -> None:
        self._source = chunks
        self.mode = (headers.get("x-amz-content-sha256") or "").strip()
        self.trailers: dict[str, str] = {}
        self.decoded_length = 0
        self._expected_length = _int_header(headers, "x-amz-decoded-content-length")
        self._declared_trailers = _trailer_names(headers.get("x-amz-trailer"))
        self._checksum = _trailer_checksum(self._declared_trailers)
        self._verify = self.mode in _SIGNED_MODES and auth is not None and auth.verified and bool(auth.signing_key)
        self._auth = auth
        self._previous = auth.signature if auth is not None else ""
        self._iterator: AsyncIterator[bytes] | None = None

    def __aiter__(self) -> AwsChunkedDecoder:
        return self

    async def __anext__(self) -> bytes:
        if self._iterator is None:
            self._iterator = self._decode()
        return await self._iterator.__anext__()

    async def _decode(self) -> AsyncIterator[bytes]:
        reader = _Reader(self._source)
        while True:
            size, signature = _parse_chunk_header(await reader.line())
            if size == 0:
                self._check_chunk_signature(signature, canonical.EMPTY_SHA256)
                break
            digest = hashlib.sha256() if self._verify else None
            async for piece in reader.exactly(size):
                if digest is not None:
                    digest.update(piece)
                if self._checksum is not None:
                    self._checksum.update(piece)
                self.decoded_length += len(piece)
                yield piece
            if await reader.line() != b"":
                raise InvalidChunkedBody("The chunk data did not end where its size said it would.")
            self._check_chunk_signature(signature, digest.hexdigest() if digest is not None else "")
        await self._read_trailers(reader)
        self._finish()

    def _check_chunk_signature(self, signature: str | None, chunk_hash: str) -> None:
        if not self._verify:
            return
        auth = self._auth
        assert auth is not None
        if signature is None:
            raise ChunkSignatureMismatch()
        to_sign = canonical.chunk_string_to_sign(auth.amz_date, auth.scope, self._previous, chunk_hash)
        expected = canonical.sign(auth.signing_key, to_sign)
        if not hmac.compare_digest(expected, signature.lower()):
            raise ChunkSignatureMismatch()
        self._previous = expected

    async def _read_trailers(self, reader: _Reader) -> None:
        lines: list[str] = []
        trailer_signature: str | None = None
        while True:
            line = await reader.line(allow_eof=not self._declared_trailers)
            if not line:
                break
            name, sep, value = line.decode("utf-8", "replace").partition(":")
            if not sep:
                raise InvalidChunkedBody(f"Malformed trailer line: {line[:100]!r}")
            name, value = name.strip().lower(), value.strip()
            if name == _TRAILER_SIGNATURE:
                trailer_signature = value
                continue
            lines.append(f"{name}:{value}\n")
            self.trailers[name] = value
        if self._verify and self.mode == SIGNED_TRAILER:
            self._check_trailer_signature("".join(lines), trailer_signature)
        missing = [name for name in self._declared_trailers if name not in self.trailers]
        if missing:
            raise InvalidChunkedBody(f"The trailer {missing[0]} declared in x-amz-trailer was not sent.")

    def _check_trailer_signature(self, canonical_trailers: str, signature: str | None) -> None:
        auth = self._auth
        assert auth is not None
        if signature is None:
            raise ChunkSignatureMismatch()
        trailer_hash = hashlib.sha256(canonical_trailers.encode()).hexdigest()
        to_sign = canonical.trailer_string_to_sign(auth.amz_date, auth.scope, self._previous, trailer_hash)
        if not hmac.compare_digest(canonical.sign(auth.signing_key, to_sign), signature.lower()):
            raise ChunkSignatureMismatch()

    def _finish(self) -> None:
        if self._expected_length is not None and self.decoded_length != self._expected_length:
            raise IncompleteBody(
                f"You did not provide the number of bytes specified by the x-amz-decoded-content-length "
                f"header ({self._expected_length}; got {self.decoded_length})")
        if self._checksum is not None:
            name = checksums.header_name(self._checksum.algorithm)
            if self.trailers.get(name) != self._checksum.b64digest():
                raise BadDigest(f"The {self._checksum.algorithm} you specified did not match the "
                                f"calculated checksum.")


class _Reader:
    """Lines and counted runs of bytes over an async stream of arbitrarily cut pieces."""

    def __init__(self, source: AsyncIterator[bytes]) -> None:
        self._source = source.__aiter__()
        self._buffer = bytearray()
        self._eof = False

    async def _fill(self) -> bool:
        if self._eof:
            return False
        try:
            piece = await self._source.__anext__()
        except StopAsyncIteration:
            self._eof = True
            return False
        self._buffer += piece
        return True

    async def line(self, allow_eof: bool = False) -> bytes:
        """The next CRLF- (or LF-) terminated line, without its terminator."""
        searched = 0
        while True:
            end = self._buffer.find(b"\n", searched)
            if end >= 0:
                line = bytes(self._buffer[:end])
                del self._buffer[:end + 1]
                return line[:-1] if line.endswith(b"\r") else line
            searched = len(self._buffer)
            if searched > _MAX_LINE:
                raise InvalidChunkedBody("A chunk header or trailer line is too long.")
            if not await self._fill():
                if allow_eof and not self._buffer:
                    return b""
                raise IncompleteBody()

    async def exactly(self, size: int) -> AsyncIterator[bytes]:
        remaining = size
        while remaining:
            if not self._buffer and not await self._fill():
                raise IncompleteBody()
            take = min(remaining, len(self._buffer))
            if take == len(self._buffer):
                piece = bytes(self._buffer)
                self._buffer.clear()
            else:
                piece = bytes(self._buffer[:take])
                del self._buffer[:take]
            remaining -= take
            yield piece


def _parse_chunk_header(line: bytes) -> tuple[int, str | None]:
    size_part, _, extensions = line.partition(b";")
    try:
        size = int(size_part.strip(), 16)
    except ValueError:
        raise InvalidChunkedBody(f"Invalid chunk header: {line[:100]!r}") from None
    if size < 0:
        raise InvalidChunkedBody(f"Invalid chunk size: {line[:100]!r}")
    signature = None
    for extension in extensions.split(b";"):
        key, _, value = extension.partition(b"=")
        if key.strip() == b"chunk-signature":
            signature = value.strip().decode("ascii", "replace")
    return size, signature


def _int_header(headers: Headers, name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidChunkedBody(f"Invalid {name}: {value!r}") from None


def _trailer_names(value: str | None) -> list[str]:
    if not value:
        return []
    return [name.strip().lower() for name in value.split(",") if name.strip()]


def _trailer_checksum(names: list[str]) -> checksums.ChecksumHasher | None:
    for name in names:
        algorithm = checksums.algorithm_from_header(name)
        if algorithm is not None:
            return checksums.new_hasher(algorithm)
    return None
