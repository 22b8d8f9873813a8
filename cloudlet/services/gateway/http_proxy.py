"""Forwarding a request to an HTTP endpoint (HTTP_PROXY integrations) and relaying the answer."""

from __future__ import annotations

import asyncio
import http.client
from urllib.parse import urlsplit

from cloudlet.edge.types import Headers, Response

# Hop-by-hop headers are the connection's, not the message's: never forwarded either way.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)


class IntegrationTimeout(Exception):
    pass


class IntegrationUnreachable(Exception):
    pass


async def forward(method: str, url: str, headers: Headers, body: bytes, timeout: float) -> Response:
    try:
        return await asyncio.to_thread(_send, method, url, headers, body, timeout)
    except TimeoutError as exc:
        raise IntegrationTimeout(url) from exc
    except OSError as exc:
        raise IntegrationUnreachable(f"{url}: {exc}") from exc


def _send(method: str, url: str, headers: Headers, body: bytes, timeout: float) -> Response:
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.netloc, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers.items():
            if name.lower() not in _HOP_BY_HOP:
                connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        reply = connection.getresponse()
        data = reply.read()
        out = Headers((k, v) for k, v in reply.getheaders() if k.lower() not in _HOP_BY_HOP)
        return Response(reply.status, out, data)
    finally:
        connection.close()
