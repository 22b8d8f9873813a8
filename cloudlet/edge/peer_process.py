"""Whether a request comes from a process this server started (a Lambda function's runtime,
sandboxed or not), told from its loopback socket: the socket's inode in /proc/net/tcp, and
whether one of this server's descendants holds it.

It reads /proc (milliseconds, more on a busy machine): call it off the event loop, and only for
calls a function must not make.
"""

from __future__ import annotations

import os
from collections import defaultdict
from contextlib import suppress

_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")


def started_by_this_server(peer: tuple[str, int] | None) -> bool:
    if peer is None or not os.path.isdir("/proc/self/fd"):
        return False
    inode = _socket_inode(peer[1])
    if inode is None:
        return False
    target = f"socket:[{inode}]"
    return any(_holds(pid, target) for pid in _descendants(os.getpid()))


def _socket_inode(port: int) -> str | None:
    """The inode of the local socket bound to `port` (the client's end of a loopback connection)."""
    suffix = f":{port:04X}"
    for table in _TABLES:
        with suppress(OSError), open(table) as fh:
            next(fh, None)
            for line in fh:
                fields = line.split()
                if len(fields) > 9 and fields[1].endswith(suffix):
                    return fields[9]
    return None


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            parent = _parent(int(entry))
            if parent is not None:
                children[parent].append(int(entry))
    found, pending = [], list(children.get(root, ()))
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, ()))
    return found


def _holds(pid: int, target: str) -> bool:
    with suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with suppress(OSError):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return True
    return False


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    return int(stat.rsplit(")", 1)[1].split()[1])
