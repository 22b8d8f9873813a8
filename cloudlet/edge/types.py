"""The vocabulary every layer shares: what a request is, what a reply is, who is asking."""

from __future__ import annotations

import os
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

# Its own generator, so seeding the shared one (as tests may) cannot repeat ids; reseeded in a
# forked child, which would otherwise repeat its parent's.
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)


class Headers:
    """Case-insensitive, order-keeping, multi-valued HTTP headers.

    Lookups go through an index of each name's first value, built on the first lookup and kept
    current by every change: the edge reads a request's headers a dozen times per call.
    """

    __slots__ = ("_index", "_items")

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] = list(items)
        self._index: dict[str, str] | None = None

    def _lookup(self) -> dict[str, str]:
        index = self._index
        if index is None:
            index = {}
            for key, value in self._items:
                index.setdefault(key.lower(), value)
            self._index = index
        return index

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._lookup().get(name.lower(), default)

    def get_all(self, name: str) -> list[str]:
        lname = name.lower()
        return [v for k, v in self._items if k.lower() == lname]

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lookup()

    def __setitem__(self, name: str, value: str) -> None:
        self.remove(name)
        self.add(name, value)

    def add(self, name: str, value: str) -> None:
        self._items.append((name, value))
        if self._index is not None:
            self._index.setdefault(name.lower(), value)

    def remove(self, name: str) -> None:
        lname = name.lower()
        self._items = [(k, v) for k, v in self._items if k.lower() != lname]
        if self._index is not None:
            self._index.pop(lname, None)

    def setdefault(self, name: str, value: str) -> str:
        existing = self.get(name)
        if existing is None:
            self.add(name, value)
            return value
        return existing

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def keys(self) -> list[str]:
        return [k for k, _ in self._items]

    def __iter__(self):
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


class Body:
    """A request body: either already in memory, or an async stream read once.

    Streaming operations (S3 PutObject, UploadPart) take the stream as it is; every other
    operation reads it into memory up to a size limit first.
    """

    def __init__(self, data: bytes | None = None, stream: AsyncIterator[bytes] | None = None) -> None:
        self._data = data
        self._stream = stream

    @property
    def is_buffered(self) -> bool:
        return self._data is not None

    @property
    def data(self) -> bytes:
        if self._data is None:
            raise RuntimeError("body not read yet: await Body.read() first")
        return self._data

    async def read(self, limit: int | None = None) -> bytes:
        """Reads the whole body; raises BodyTooLarge past `limit` bytes."""
        if self._data is None:
            chunks: list[bytes] = []
            size = 0
            async for chunk in self.chunks():
                size += len(chunk)
                if limit is not None and size > limit:
                    raise BodyTooLarge(limit)
                chunks.append(chunk)
            self._data = b"".join(chunks)
        return self._data

    async def chunks(self) -> AsyncIterator[bytes]:
        if self._data is not None:
            if self._data:
                yield self._data
            return
        if self._stream is None:
            return
        stream, self._stream = self._stream, None
        async for chunk in stream:
            if chunk:
                yield chunk


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body larger than {limit} bytes")
        self.limit = limit


@dataclass
class Request:
    """An HTTP request as the protocol layer sees it: plain values, no server objects."""

    method: str
    path: str  # percent-encoded, exactly as sent
    query: str  # raw query string without '?'
    headers: Headers
    body: Body = field(default_factory=lambda: Body(b""))
    scheme: str = "http"
    client: str = ""
    # What aws:SecureTransport says. AWS's clients always speak TLS to AWS; pointed at cloudlet's
    # plain-HTTP port they stand for the same calls, so by default a request counts as secure
    # (`cloudlet up --plain-http-insecure` makes plain HTTP count as insecure, as it would be).
    secure: bool = True
    # The path of the endpoint a client was given, when it has one (the @connections API's is
    # an API's stage URL): operations are matched on the path after it.
    endpoint_prefix: str | None = None
    # The socket's other end (address, port), whatever a proxy says the client is.
    peer: tuple[str, int] | None = None

    @property
    def host(self) -> str:
        return self.headers.get("host") or ""

    def query_items(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query, keep_blank_values=True)

    def query_dict(self) -> dict[str, str]:
        """First value per query parameter; use query_items() when repeats matter."""
        result: dict[str, str] = {}
        for key, value in self.query_items():
            result.setdefault(key, value)
        return result


@dataclass
class Response:
    """What goes back on the wire. `body` is bytes or an async iterator of bytes (streamed)."""

    status: int = 200
    headers: Headers = field(default_factory=Headers)
    body: bytes | AsyncIterator[bytes] = b""


@dataclass
class Principal:
    """Who signed the request."""

    access_key: str
    account_id: str
    arn: str
    user_id: str
    session_token: str | None = None


def new_request_id() -> str:
    """A version 4 UUID's text, as AWS request ids (and message ids) are, without building a
    uuid.UUID per call.

    Such ids need to be unique, not secret: Python's generator (seeded from the OS in each
    process) spares a getrandom system call per request."""
    h = f"{_ids.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


@dataclass
class RequestContext:
    """Everything known about one AWS API call, filled in as the edge chain runs."""

    request: Request
    request_id: str = field(default_factory=new_request_id)
    service: str | None = None  # botocore service name, e.g. "s3", "dynamodb"
    operation: str | None = None  # operation name as in the model, e.g. "PutItem"
    protocol: str | None = None
    region: str = "us-east-1"
    principal: Principal | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def account_id(self) -> str:
        return self.principal.account_id if self.principal else "000000000000"


# A handler for invoke traffic (API Gateway, S3 website, CloudFront, Function URLs, Runtime API):
# the owning service answers the raw request itself.
InvokeHandler = Callable[[Request], Awaitable[Response]]
