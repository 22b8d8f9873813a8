"""Nudges: telling the other processes that share a data directory that something happened.

With `--workers N`, a message sent through one edge process must wake a ReceiveMessage long
polling in another. The store holds the message; a nudge only says "look now", at most once
and best effort: a nudge lost (a full socket buffer, a process starting) costs the waiter its
fallback poll, never data.

Each process binds an abstract Unix datagram socket named after the data directory and finds
the others' in /proc/net/unix when it starts (Linux; elsewhere nudges are off and waiters
poll). A process that starts later greets the others, so they learn of it; a process that is
gone refuses the next nudge and is forgotten.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import secrets
import socket
from collections.abc import Callable

log = logging.getLogger("cloudlet.nudges")

_HELLO = b"\x00hello"
_MAX_READS = 256  # datagrams taken per wake-up of the reader, so a flood cannot hold the loop


class Nudges:
    """A process's nudge socket. Disabled (every call a no-op) until start()."""

    def __init__(self, data_dir: str | None) -> None:
        self._prefix = None if data_dir is None else _prefix(data_dir)
        self._socket: socket.socket | None = None
        self._peers: set[bytes] = set()
        self._callbacks: list[tuple[str, Callable[[str], None]]] = []
        self._pending: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def available(self) -> bool:
        """Whether this process will reach the others (it has some, and the platform allows it)."""
        return self._prefix is not None and os.path.exists("/proc/net/unix")

    def subscribe(self, prefix: str, callback: Callable[[str], None]) -> None:
        """Calls callback(topic) on the event loop for each nudge from another process whose topic
        starts with `prefix`."""
        self._callbacks.append((prefix, callback))

    def publish(self, topic: str) -> None:
        """Nudges every other process with `topic`, once per loop iteration however often it is
        published (call it after the change committed)."""
        if not self._peers or self._loop is None:
            return
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.add(topic)

    def start(self) -> None:
        """Binds this process's socket and greets the others; call on the running event loop."""
        if not self.available or self._socket is not None:
            return
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.setblocking(False)
        sock.bind(self._prefix + f"{os.getpid()}-{secrets.token_hex(4)}".encode())
        self._socket, self._loop = sock, asyncio.get_running_loop()
        self._loop.add_reader(sock.fileno(), self._read)
        mine = sock.getsockname()
        self._peers = {name for name in _bound_names(self._prefix) if name != mine}
        for peer in list(self._peers):
            self._send(peer, _HELLO)

    def stop(self) -> None:
        if self._socket is None:
            return
        if self._loop is not None:
            self._loop.remove_reader(self._socket.fileno())
        self._socket.close()
        self._socket, self._peers, self._pending = None, set(), set()

    @property
    def peers(self) -> int:
        return len(self._peers)

    def _flush(self) -> None:
        topics, self._pending = self._pending, set()
        for topic in topics:
            data = topic.encode()
            for peer in list(self._peers):
                self._send(peer, data)

    def _send(self, peer: bytes, data: bytes) -> None:
        assert self._socket is not None
        try:
            self._socket.sendto(data, peer)
        except BlockingIOError:
            pass  # its buffer is full: it is busy reading nudges already, or will poll
        except OSError:  # ECONNREFUSED / ENOENT: the process is gone
            self._peers.discard(peer)

    def _read(self) -> None:
        assert self._socket is not None
        for _ in range(_MAX_READS):
            try:
                data, sender = self._socket.recvfrom(1024)
            except OSError:  # nothing more to read (BlockingIOError), or the socket is closing
                return
            if data == _HELLO:
                if sender:
                    self._peers.add(sender if isinstance(sender, bytes) else sender.encode())
                continue
            topic = data.decode(errors="replace")
            for prefix, callback in self._callbacks:
                if topic.startswith(prefix):
                    try:
                        callback(topic)
                    except Exception:
                        log.exception("nudge %r: callback failed", topic)


def _prefix(data_dir: str) -> bytes:
    digest = hashlib.sha256(os.path.realpath(data_dir).encode()).hexdigest()[:16]
    return f"\0cloudlet-nudge-{digest}-".encode()


def _bound_names(prefix: bytes) -> set[bytes]:
    """Abstract socket names starting with `prefix` that some process has bound."""
    wanted = "@" + prefix[1:].decode()
    names: set[bytes] = set()
    with contextlib.suppress(OSError), open("/proc/net/unix") as table:
        for line in table:
            path = line.rstrip("\n").rpartition(" ")[2]
            if path.startswith(wanted):
                names.add(b"\0" + path[1:].encode())
    return names
