"""Whether a request comes from a process this server started (a Lambda function's runtime,
sandboxed or not), told from its loopback socket: the socket's inode in /proc/net/tcp, the
process holding it, and that process's ancestry.

It is a few milliseconds of /proc reading, so only calls a function must not make ask it.
"""

from __future__ import annotations

import os
from contextlib import suppress

_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")


def started_by_this_server(peer: tuple[str, int] | None) -> bool:
    if peer is None or not os.path.isdir("/proc/self/fd"):
        return False
    inode = _socket_inode(peer[1])
    if inode is None:
        return False
    pid = _holder(inode)
    me = os.getpid()
    while pid is not None and pid > 1:
        pid = _parent(pid)
        if pid == me:
            return True
    return False


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


def _holder(inode: str) -> int | None:
    target = f"socket:[{inode}]"
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with suppress(OSError):
            for fd in os.listdir(f"/proc/{entry}/fd"):
                with suppress(OSError):
                    if os.readlink(f"/proc/{entry}/fd/{fd}") == target:
                        return int(entry)
    return None


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    return int(stat.rsplit(")", 1)[1].split()[1])
