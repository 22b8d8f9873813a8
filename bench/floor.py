"""The floor: an asyncio HTTP/1.1 server that does the least a client accepts.

A POST is answered with a canned GetCallerIdentity; a PUT keeps its body in memory under its
path and answers with an ETag, a GET returns what was put there (S3's PutObject and GetObject as
boto3 sees them, with no signature checked and nothing stored). It parses nothing but the
framing, so the same client loop against it shows what boto3, the loopback and a minimal Python
server cost; whatever a real target adds over it is its own request path. Run as
`python -m bench.floor --port P`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import uuid

_XML = (
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    "<GetCallerIdentityResult>"
    "<Arn>arn:aws:iam::000000000000:root</Arn>"
    "<UserId>000000000000</UserId>"
    "<Account>000000000000</Account>"
    "</GetCallerIdentityResult>"
    "<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
    "</GetCallerIdentityResponse>"
)


def reply() -> bytes:
    request_id = str(uuid.uuid4())
    body = _XML.format(request_id=request_id).encode()
    head = (
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: text/xml\r\n"
        f"x-amzn-RequestId: {request_id}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode() + body


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


_objects: dict[bytes, bytes] = {}
_ETAG = b'"d41d8cd98f00b204e9800998ecf8427e"'


def object_reply(method: bytes, path: bytes, body: bytes) -> list[bytes]:
    """PutObject and GetObject (and CreateBucket, a PUT too) as little as boto3 accepts."""
    if method == b"PUT":
        _objects[path] = body
        return [b"HTTP/1.1 200 OK\r\nETag: " + _ETAG + b"\r\nContent-Length: 0\r\n\r\n"]
    stored = _objects.get(path)
    if stored is None:
        return [b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"]
    head = b"HTTP/1.1 200 OK\r\nETag: %s\r\nContent-Type: binary/octet-stream\r\nContent-Length: %d\r\n\r\n"
    return [head % (_ETAG, len(stored)), stored]


async def _serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, ValueError):
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if b"\r\nexpect: 100-continue" in head.lower():  # boto3's PutObject waits a second without it
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            body = await reader.readexactly(_content_length(head))
            method, path, _ = head.split(b" ", 2)
            if method in (b"PUT", b"GET"):
                writer.writelines(object_reply(method, path.partition(b"?")[0], body))
            else:
                writer.write(reply())
            await writer.drain()
    writer.close()


async def serve(port: int) -> None:
    server = await asyncio.start_server(_serve_connection, "127.0.0.1", port, limit=1 << 20)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor")
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
