"""The ASGI boundary: scope/receive in, plain Request out; Response in, send calls out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

from cloudlet.edge.types import Body, Headers, Request, Response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _body_chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionResetError("client disconnected before the body was complete")
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


def request_from_scope(scope: Scope, receive: Receive, *, plain_http_secure: bool = True) -> Request:
    headers = Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
    client = scope.get("client")
    return Request(
        method=scope["method"],
        path=scope.get("raw_path", scope["path"].encode()).decode("latin-1").partition("?")[0],
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=Body(stream=_body_chunks(receive)),
        scheme=scope.get("scheme", "http"),
        client=client[0] if client else "",
        peer=(client[0], client[1]) if client else None,
        secure=plain_http_secure or scope.get("scheme") == "https",
    )


async def send_response(send: Send, response: Response, *, head: bool = False) -> None:
    headers = response.headers
    body = response.body
    if isinstance(body, (bytes, bytearray)) and "content-length" not in headers:
        headers["Content-Length"] = str(len(body))
    raw = [(k.lower().encode("latin-1"), str(v).encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": response.status, "headers": raw})
    if head:
        await send({"type": "http.response.body", "body": b""})
        await _close(body)
        return
    if isinstance(body, (bytes, bytearray)):
        await send({"type": "http.response.body", "body": bytes(body)})
        return
    try:
        async for chunk in body:
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
    finally:
        await _close(body)
    await send({"type": "http.response.body", "body": b""})


async def _close(body: Any) -> None:
    aclose = getattr(body, "aclose", None)
    if aclose is not None:
        await aclose()
