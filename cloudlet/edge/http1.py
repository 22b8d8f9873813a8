"""HTTP/1.1 straight to the App: requests become `Request`s and `Response`s become bytes, with
no ASGI messages between them.

uvicorn still runs the server (sockets, workers, signals, lifespan, graceful shutdown) and
still speaks WebSocket: an upgrade request is handed to its WebSocket protocol unchanged.
What this protocol takes over is the per-request path, where uvicorn's ASGI cycle (a scope
dict, message dicts, a header check per header, a middleware hop) cost about a third of a
small call's instructions.

Per connection: requests are answered one at a time in arrival order (pipelined ones wait,
with reading paused); a request body streams to the handler, reading paused while 64 KiB wait
unread; `Expect: 100-continue` is answered when the handler first reads the body; a response
body that is a stream goes out chunk by chunk, waiting while the socket's buffer is full.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httptools

from cloudlet.edge.types import Body, Headers, Request, Response

if TYPE_CHECKING:
    from cloudlet.edge.app import App

log = logging.getLogger("cloudlet.http")

HIGH_WATER = 64 * 1024  # unread request body that pauses reading
_STATUS_LINES: dict[int, bytes] = {}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_SERVER_ERROR = (b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain; charset=utf-8\r\n"
                 b"content-length: 21\r\nconnection: close\r\n\r\nInternal Server Error")
_NO_BODY_STATUSES = frozenset({204, 304})


def _status_line(status: int) -> bytes:
    line = _STATUS_LINES.get(status)
    if line is None:
        from http import HTTPStatus

        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        line = _STATUS_LINES[status] = f"HTTP/1.1 {status} {phrase}\r\n".encode("latin-1")
    return line


class _Exchange:
    """One request on the connection: its body as it arrives, and whether it was answered."""

    __slots__ = ("body_ready", "chunks", "complete", "expect_continue", "keep_alive", "request", "size")

    def __init__(self, request: Request, keep_alive: bool, expect_continue: bool) -> None:
        self.request = request
        self.keep_alive = keep_alive
        self.expect_continue = expect_continue
        self.chunks: deque[bytes] = deque()
        self.size = 0
        self.complete = False  # the whole body has arrived
        self.body_ready = asyncio.Event()


class Http1Protocol(asyncio.Protocol):
    """Created by uvicorn per connection, as its own HTTP protocols are (`http=` in its Config)."""

    def __init__(self, config: Any, server_state: Any, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        if not config.loaded:
            config.load()
        self.config = config
        self.app: App = _unwrap(config.loaded_app)
        self.server_state = server_state
        self.app_state = app_state
        self.loop = _loop or asyncio.get_event_loop()
        self.parser = httptools.HttpRequestParser(self)
        self.trusted = _trusted_hosts(config)
        self.transport: asyncio.Transport | None = None
        self.client = ""
        self.peer: tuple[str, int] | None = None
        self.scheme = "http"
        # Parsing state of the request being read
        self.url = b""
        self.raw_headers: list[tuple[bytes, bytes]] = []
        self.reading: _Exchange | None = None
        # Answering state
        self.queue: deque[_Exchange] = deque()
        self.current: _Exchange | None = None
        self.closed = False
        self.shutting_down = False
        self.reading_paused = False
        self.writable = asyncio.Event()
        self.writable.set()
        self.keep_alive_timer: asyncio.TimerHandle | None = None

    # -- asyncio protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.server_state.connections.add(self)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple):
            self.client, self.peer = peer[0], (peer[0], peer[1])
        self.scheme = "https" if transport.get_extra_info("sslcontext") else "http"

    def connection_lost(self, exc: Exception | None) -> None:
        self.server_state.connections.discard(self)
        self.closed = True
        self._cancel_keep_alive()
        self.writable.set()
        for exchange in (self.current, self.reading, *self.queue):
            if exchange is not None:
                exchange.body_ready.set()

    def data_received(self, data: bytes) -> None:
        self._cancel_keep_alive()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # Another protocol than WebSocket (h2c, say) is not offered: the request is answered
            # as a plain one, as uvicorn does.
            if self._upgrade_header() == b"websocket":
                self._upgrade()
        except httptools.HttpParserError:
            self._bad_request()

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown: close when idle, else after the response in progress."""
        self.shutting_down = True
        if self.current is None and self.transport is not None:
            self.transport.close()

    # -- parser callbacks ----------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self.url = b""
        self.raw_headers = []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        # llhttp keeps trailing whitespace, which is not part of a field value (RFC 9110 5.5).
        self.raw_headers.append((name.lower(), value.rstrip(b" \t")))

    def on_headers_complete(self) -> None:
        parser = self.parser
        if parser.should_upgrade() and self._upgrade_header() == b"websocket":
            return  # the parser raises HttpParserUpgrade next: data_received hands over
        path, _, query = self.url.decode("latin-1").partition("?")
        path = path.partition("#")[0]
        headers = Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in self.raw_headers)
        client, scheme = self.client, self.scheme
        if client in self.trusted or "*" in self.trusted:
            client, scheme = _forwarded(headers, client, scheme, self.trusted)
        if path and not path.startswith("/"):  # absolute-form target (a proxy's request)
            path = "/" + path.split("://", 1)[-1].partition("/")[2]
        request = Request(parser.get_method().decode("ascii"), path or "/", query, headers, scheme=scheme,
                          client=client, secure=self.app.plain_http_secure or scheme == "https", peer=self.peer)
        exchange = _Exchange(request, parser.should_keep_alive(),
                             (headers.get("expect") or "").lower() == "100-continue")
        request.body = Body(stream=self._body(exchange))
        self.reading = exchange
        if self.current is None:
            self._start(exchange)
        else:
            self.queue.append(exchange)
            self._pause_reading()

    def on_body(self, body: bytes) -> None:
        exchange = self.reading
        if exchange is None:
            return
        exchange.chunks.append(body)
        exchange.size += len(body)
        exchange.body_ready.set()
        if exchange.size > HIGH_WATER:
            self._pause_reading()

    def on_message_complete(self) -> None:
        exchange = self.reading
        if exchange is None:
            return
        exchange.complete = True
        exchange.body_ready.set()
        self.reading = None

    # -- answering ------------------------------------------------------------------------------

    def _start(self, exchange: _Exchange) -> None:
        self.current = exchange
        task = self.loop.create_task(self._answer(exchange))
        self.server_state.tasks.add(task)
        task.add_done_callback(self.server_state.tasks.discard)

    async def _answer(self, exchange: _Exchange) -> None:
        request = exchange.request
        try:
            response = await self.app.handle(request)
            head, chunked = self._head(response, exchange)
        except Exception:
            log.exception("answering %s %s failed", request.method, request.path)
            self._send(_SERVER_ERROR)
            self._close()
            return
        body = response.body
        if isinstance(body, (bytes, bytearray)):
            self._send(head if request.method == "HEAD" else head + body)
        else:
            self._send(head)
            try:
                await self._stream(body, request.method == "HEAD", chunked)
            except Exception:
                # The head is out: all that is left to say is that the body ends here.
                log.exception("streaming the answer to %s %s failed", request.method, request.path)
                self._close()
                return
        self._finished(exchange)

    def _head(self, response: Response, exchange: _Exchange) -> tuple[bytes, bool]:
        """The status line and headers, and whether the body goes chunked; raises for a header
        HTTP cannot carry (a CR or LF would split it)."""
        body, headers = response.body, response.headers
        buffered = isinstance(body, (bytes, bytearray))
        if buffered and "content-length" not in headers:
            headers["Content-Length"] = str(len(body))
        chunked = not buffered and "content-length" not in headers and exchange.request.method != "HEAD" \
            and response.status not in _NO_BODY_STATUSES
        lines = [_status_line(response.status)]
        lines += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
        says_close = False
        for name, value in headers.items():
            text = str(value)
            if "\n" in text or "\r" in text or "\n" in name or "\r" in name:
                raise ValueError(f"a CR or LF in the response header {name!r}")
            if name.lower() == "connection" and "close" in text.lower():
                says_close = True
            lines.append(f"{name}: {text}\r\n".encode("latin-1"))
        if chunked:
            lines.append(b"transfer-encoding: chunked\r\n")
        keep_alive = exchange.keep_alive and not self.shutting_down and exchange.complete and not says_close
        if not keep_alive and not says_close:
            lines.append(b"connection: close\r\n")
        lines.append(b"\r\n")
        exchange.keep_alive = keep_alive
        return b"".join(lines), chunked

    def _close(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.close()

    async def _stream(self, body: AsyncIterator[bytes], head: bool, chunked: bool) -> None:
        try:
            if not head:
                async for chunk in body:
                    if not chunk:
                        continue
                    if not self.writable.is_set():
                        await self.writable.wait()
                    if self.closed:
                        return
                    self._send(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
            if chunked:
                self._send(b"0\r\n\r\n")
        finally:
            aclose = getattr(body, "aclose", None)
            if aclose is not None:
                await aclose()

    def _send(self, data: bytes) -> None:
        if not self.closed and self.transport is not None:
            self.transport.write(data)

    def _finished(self, exchange: _Exchange) -> None:
        self.current = None
        self.server_state.total_requests += 1
        if self.closed or self.transport is None:
            return
        if not exchange.keep_alive:
            self.transport.close()
            return
        # What the handler did not read of the body is still to come: drop it as it arrives.
        exchange.chunks.clear()
        self._resume_reading()
        if self.queue:
            self._start(self.queue.popleft())
        elif self.shutting_down:
            self.transport.close()
        else:
            self.keep_alive_timer = self.loop.call_later(self.config.timeout_keep_alive, self._idle_timeout)

    async def _body(self, exchange: _Exchange) -> AsyncIterator[bytes]:
        if exchange.expect_continue and not exchange.complete and not self.closed:
            exchange.expect_continue = False
            self._send(_CONTINUE)
        while True:
            while exchange.chunks:
                chunk = exchange.chunks.popleft()
                exchange.size -= len(chunk)
                yield chunk
            if exchange.complete:
                return
            if self.closed:
                raise ConnectionResetError("client disconnected before the body was complete")
            exchange.body_ready.clear()
            self._resume_reading()
            await exchange.body_ready.wait()

    # -- connection management ----------------------------------------------------------------

    def _pause_reading(self) -> None:
        if not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()

    def _resume_reading(self) -> None:
        if self.reading_paused and self.transport is not None and not self.queue:
            self.reading_paused = False
            self.transport.resume_reading()

    def _idle_timeout(self) -> None:
        if self.current is None and self.transport is not None:
            self.transport.close()

    def _cancel_keep_alive(self) -> None:
        if self.keep_alive_timer is not None:
            self.keep_alive_timer.cancel()
            self.keep_alive_timer = None

    def _bad_request(self) -> None:
        if self.transport is None:
            return
        message = b"Invalid HTTP request received."
        self.transport.write(b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\n"
                             b"content-length: %d\r\nconnection: close\r\n\r\n%b" % (len(message), message))
        self.transport.close()

    def _upgrade_header(self) -> bytes:
        for name, value in self.raw_headers:
            if name == b"upgrade":
                return value.lower()
        return b""

    def _upgrade(self) -> None:
        """Hands the connection to uvicorn's WebSocket protocol, replaying the request to it."""
        if self.transport is None:
            return
        self.server_state.connections.discard(self)
        method = self.parser.get_method()
        output = [method, b" ", self.url, b" HTTP/1.1\r\n"]
        for name, value in self.raw_headers:
            output += [name, b": ", value, b"\r\n"]
        output.append(b"\r\n")
        protocol = self.config.ws_protocol_class(config=self.config, server_state=self.server_state,
                                                 app_state=self.app_state)
        protocol.connection_made(self.transport)
        self.transport.set_protocol(protocol)
        protocol.data_received(b"".join(output))


def _unwrap(app: Any) -> App:
    """The App under whatever uvicorn wrapped it in (its proxy-headers middleware)."""
    from cloudlet.edge.app import App

    while not isinstance(app, App):
        app = app.app
    return app


def _trusted_hosts(config: Any) -> frozenset[str]:
    if not config.proxy_headers:
        return frozenset()
    allowed = config.forwarded_allow_ips
    hosts = allowed if isinstance(allowed, list) else str(allowed).split(",")
    return frozenset(host.strip() for host in hosts if host.strip())


def _forwarded(headers: Headers, client: str, scheme: str, trusted: frozenset[str]) -> tuple[str, str]:
    """X-Forwarded-Proto and -For from a trusted proxy, as uvicorn's proxy-headers middleware
    reads them: the client is the nearest address that is not itself a trusted proxy."""
    proto = headers.get("x-forwarded-proto")
    if proto:
        scheme = proto.split(",")[-1].strip().lower() or scheme
    forwarded_for = headers.get("x-forwarded-for")
    if forwarded_for:
        hosts = [host.strip() for host in forwarded_for.split(",") if host.strip()]
        if "*" in trusted:
            client = hosts[0] if hosts else client
        elif hosts:
            untrusted = [host for host in hosts if host not in trusted]
            client = untrusted[-1] if untrusted else hosts[0]
    return client, scheme
