"""The floor: an asyncio HTTP/1.1 server that answers every request with a canned GetCallerIdentity.

It parses nothing but the framing, so the same client loop against it shows what boto3, the
loopback and a minimal Python server cost; whatever a real target adds over it is its own
request path. Run as `python -m bench.floor --port P`.
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


async def _serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, ValueError):
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            await reader.readexactly(_content_length(head))
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
