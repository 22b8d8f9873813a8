"""The Lambda Runtime API of one execution environment, on its own 127.0.0.1 port.

Why a listener per environment rather than a route on cloudlet's port: runtime clients take
AWS_LAMBDA_RUNTIME_API as a bare `host:port` (awslambdaric opens `http.client.HTTPConnection`
on it; Node's client splits it on ':'), so a per-environment path prefix would break them, and
with several server processes sharing the public port a runtime's poll could land on a
process that does not own its environment. A private loopback port per environment is what
AWS gives each sandbox, keeps every runtime's traffic in the process that waits for it, and
is never reachable from other machines whatever `--host` says.

The surface is four endpoints and small bodies, so a minimal HTTP/1.1 reader suffices:
keep-alive, Content-Length or chunked bodies, and `Expect: 100-continue` (curl, inside
awslambdaric, sends it for large responses).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from typing import Protocol

from cloudlet.edge.types import Headers
from cloudlet.runtime.spec import Invocation

log = logging.getLogger("cloudlet.runtime")

PREFIX = "/2018-06-01/runtime"
MAX_RESPONSE = 6 * 1024 * 1024
_INVOCATION = re.compile(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$")
_REASONS = {200: "OK", 202: "Accepted", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            413: "Request Entity Too Large", 500: "Internal Server Error"}


class RuntimeHost(Protocol):
    """What the API serves: the environment it belongs to."""

    async def next_invocation(self) -> Invocation: ...

    def invocation_done(self, request_id: str, body: bytes, error_type: str | None) -> bool: ...

    def init_failed(self, body: bytes, error_type: str | None) -> None: ...


class RuntimeApi:
    def __init__(self, host: RuntimeHost) -> None:
        self._host = host
        self._server: asyncio.Server | None = None
        self.address = ""

    async def start(self) -> str:
        """Listens on a free loopback port; returns `127.0.0.1:PORT` for AWS_LAMBDA_RUNTIME_API."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.address = f"127.0.0.1:{port}"
        return self.address

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader, writer)
                if request is None:
                    return
                method, path, headers, body = request
                status, payload, extra = await self._route(method, path, headers, body)
                writer.write(_response(status, payload, extra))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            return
        except asyncio.CancelledError:
            return  # the environment ended while its runtime was polling
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _route(self, method: str, path: str, headers: Headers,
                     body: bytes) -> tuple[int, bytes, list[tuple[str, str]]]:
        path = path.split("?", 1)[0]
        if method == "GET" and path == PREFIX + "/invocation/next":
            invocation = await self._host.next_invocation()
            return 200, invocation.payload, invocation.runtime_headers()
        error_type = headers.get("Lambda-Runtime-Function-Error-Type")
        if method == "POST" and path == PREFIX + "/init/error":
            self._host.init_failed(body, error_type)
            return _accepted()
        match = _INVOCATION.match(path)
        if method == "POST" and match:
            request_id, kind = match.groups()
            if kind == "response" and len(body) > MAX_RESPONSE:
                self._host.invocation_done(request_id, _too_large(len(body)), "Function.ResponseSizeTooLarge")
                return _error(413, "RequestEntityTooLarge", f"Exceeded maximum allowed payload size ({MAX_RESPONSE} bytes).")
            failure = (error_type or "Unhandled") if kind == "error" else None
            if not self._host.invocation_done(request_id, body, failure):
                return _error(400, "InvalidRequestID", "Invalid request ID")
            return _accepted()
        return _error(404, "UnknownEndpoint", f"Unknown Runtime API endpoint: {method} {path}")


def _too_large(size: int) -> bytes:
    message = f"Response payload size ({size} bytes) exceeded maximum allowed payload size ({MAX_RESPONSE} bytes)."
    return json.dumps({"errorMessage": message, "errorType": "Function.ResponseSizeTooLarge"}).encode()


def _accepted() -> tuple[int, bytes, list[tuple[str, str]]]:
    return 202, b'{"status":"OK"}', []


def _error(status: int, kind: str, message: str) -> tuple[int, bytes, list[tuple[str, str]]]:
    return status, json.dumps({"errorMessage": message, "errorType": kind}).encode(), []


def _response(status: int, body: bytes, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}", "Content-Type: application/json",
             f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _read_request(reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> tuple[str, str, Headers, bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None  # the runtime closed its connection between requests
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = Headers(_header(line) for line in lines[1:] if line)
    if (headers.get("expect") or "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    if "chunked" in (headers.get("transfer-encoding") or "").lower():
        body = await _read_chunked(reader)
    else:
        body = await reader.readexactly(int(headers.get("content-length") or 0))
    return method, path, headers, body


def _header(line: str) -> tuple[str, str]:
    name, _, value = line.partition(":")
    return name.strip(), value.strip()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers from runtime clients
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)
