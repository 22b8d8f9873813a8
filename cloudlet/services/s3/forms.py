"""A streaming multipart/form-data reader for browser POST uploads.

Fields before the file are small and read whole (up to a limit); the file part is handed on
as a stream, so an upload of any size passes through in bounded memory. Fields after the
file are ignored, as S3 ignores them.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from cloudlet.services.s3.errors import S3Error

MAX_FIELDS_BYTES = 1024 * 1024
_DISPOSITION_PARAM = re.compile(r';\s*([a-zA-Z*]+)="?([^";]*)"?')


class MalformedPOSTRequest(S3Error):
    code, status = "MalformedPOSTRequest", 400
    default_message = "The body of your POST request is not well-formed multipart/form-data."


def boundary_of(content_type: str) -> str:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None:
        raise MalformedPOSTRequest()
    return match.group(1)


class FormReader:
    def __init__(self, chunks: AsyncIterator[bytes], boundary: str) -> None:
        self._source = chunks.__aiter__()
        self._buffer = bytearray()
        self._delimiter = b"\r\n--" + boundary.encode("latin-1")
        self._eof = False
        self.filename = ""
        self.file_content_type: str | None = None

    async def _fill(self) -> bool:
        if self._eof:
            return False
        try:
            self._buffer += await self._source.__anext__()
        except StopAsyncIteration:
            self._eof = True
            return False
        return True

    async def fields(self) -> dict[str, str]:
        """Every field up to the file part (names lower-cased); leaves the reader at the file."""
        # The body starts with the first delimiter minus its leading CRLF.
        self._buffer[:0] = b"\r\n"
        await self._skip_to_delimiter()
        fields: dict[str, str] = {}
        total = 0
        while True:
            headers = await self._part_headers()
            if headers is None:
                raise MalformedPOSTRequest("POST requires exactly one file upload per request.")
            name, filename = _disposition(headers.get("content-disposition", ""))
            if name.lower() == "file":
                self.filename = filename or ""
                self.file_content_type = headers.get("content-type")
                return fields
            value = bytearray()
            async for piece in self._part_body():
                value += piece
                total += len(piece)
                if total > MAX_FIELDS_BYTES:
                    raise MalformedPOSTRequest(
                        "Your POST request fields preceding the upload file were too large."
                    )
            fields[name.lower()] = value.decode("utf-8", "replace")

    async def file(self) -> AsyncIterator[bytes]:
        async for piece in self._part_body():
            yield piece

    async def _skip_to_delimiter(self) -> None:
        async for _ in self._part_body():
            pass

    async def _part_headers(self) -> dict[str, str] | None:
        """After a delimiter: `--` (the end) or CRLF, header lines, CRLF."""
        while len(self._buffer) < 2 and await self._fill():
            pass
        if self._buffer[:2] == b"--":
            return None
        while (end := self._buffer.find(b"\r\n\r\n")) < 0:
            if len(self._buffer) > 16384 or not await self._fill():
                raise MalformedPOSTRequest()
        block = bytes(self._buffer[:end]).decode("utf-8", "replace")
        del self._buffer[: end + 4]
        headers = {}
        for line in block.split("\r\n"):
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        return headers

    async def _part_body(self) -> AsyncIterator[bytes]:
        """The bytes up to the next delimiter, which is consumed."""
        keep = len(self._delimiter)
        while True:
            index = self._buffer.find(self._delimiter)
            if index >= 0:
                if index:
                    yield bytes(self._buffer[:index])
                del self._buffer[: index + keep]
                return
            if len(self._buffer) > keep:
                cut = len(self._buffer) - keep
                yield bytes(self._buffer[:cut])
                del self._buffer[:cut]
            if not await self._fill():
                raise MalformedPOSTRequest()


def _disposition(value: str) -> tuple[str, str | None]:
    params = {k.lower(): v for k, v in _DISPOSITION_PARAM.findall(value)}
    return params.get("name", ""), params.get("filename")
