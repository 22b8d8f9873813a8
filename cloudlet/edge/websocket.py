"""The ASGI WebSocket boundary: an upgrade request in, a small socket object out.

The owning service decides whether to accept (after its own authorization and integrations,
as API Gateway runs `$connect` before the upgrade completes) or to refuse with an HTTP status,
then exchanges messages until either side closes.
"""

from __future__ import annotations

import contextlib

from cloudlet.edge.asgi import Receive, Scope, Send
from cloudlet.edge.types import Body, Headers, Request

# RFC 6455 close codes a closed socket reports when the peer gave none.
NO_STATUS = 1005
ABNORMAL = 1006
# What the server (uvicorn) closes every socket with when it shuts down.
SERVICE_RESTART = 1012


class Closed(Exception):
    """The socket is closed: no more messages either way."""


class WebSocket:
    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._receive = receive
        self._send = send
        headers = Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
        client = scope.get("client")
        self.request = Request(
            method="GET",
            path=scope.get("raw_path", scope["path"].encode()).decode("latin-1").partition("?")[0],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=Body(b""),
            scheme=scope.get("scheme", "ws"),
            client=client[0] if client else "",
        )
        self.subprotocols: list[str] = list(scope.get("subprotocols") or [])
        self._can_answer_http = "websocket.http.response" in (scope.get("extensions") or {})
        self.accepted = False
        self.closed = False
        self.close_code: int | None = None
        self.close_reason = ""

    async def wait_connect(self) -> None:
        message = await self._receive()
        if message["type"] != "websocket.connect":
            raise Closed()

    async def accept(self, subprotocol: str | None = None, headers: Headers | None = None) -> None:
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or Headers()).items()]
        await self._send({"type": "websocket.accept", "subprotocol": subprotocol, "headers": raw})
        self.accepted = True

    async def refuse(self, status: int, body: bytes, headers: Headers | None = None) -> None:
        """Answers the upgrade request with a plain HTTP response instead of a WebSocket."""
        self.closed = True
        if not self._can_answer_http:
            await self._send({"type": "websocket.close", "code": 1008})
            return
        headers = headers or Headers()
        headers.setdefault("Content-Type", "application/json")
        headers["Content-Length"] = str(len(body))
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        await self._send({"type": "websocket.http.response.start", "status": status, "headers": raw})
        await self._send({"type": "websocket.http.response.body", "body": body})

    async def receive(self) -> str | bytes:
        """The next message; raises Closed (with close_code set) once the peer has gone."""
        if self.closed:
            raise Closed()
        message = await self._receive()
        if message["type"] == "websocket.disconnect":
            self.closed = True
            self.close_code = message.get("code") or NO_STATUS
            self.close_reason = message.get("reason") or ""
            raise Closed()
        text = message.get("text")
        return text if text is not None else (message.get("bytes") or b"")

    async def send(self, data: str | bytes) -> None:
        if self.closed:
            raise Closed()
        key = "text" if isinstance(data, str) else "bytes"
        try:
            await self._send({"type": "websocket.send", key: data})
        except (OSError, RuntimeError) as exc:  # the peer went away under us
            self.closed = True
            raise Closed() from exc

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self.close_reason = reason
        with contextlib.suppress(OSError, RuntimeError):  # already gone
            await self._send({"type": "websocket.close", "code": code, "reason": reason})
