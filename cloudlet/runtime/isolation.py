"""What a function's process may do: resource limits as AWS sets them, and, when cloudlet runs as
root with `--lambda-user`, an unprivileged user of its own.

Limits (every function): 1,024 open files, no core dumps, files no larger than the function's
ephemeral storage; with a user of its own also 1,024 processes and threads, as on AWS.

Files (with a user of its own): cloudlet's data directory is private to cloudlet, except that
the directories leading to unpacked code and layers are traversable but not listable, and the
packages themselves (named by the SHA-256 of their zip) are readable. A function reads its own
code and layers because it is given their paths; it cannot list or guess the others. Its
/tmp-like directory belongs to it alone. (In a sandbox, sandbox.py, none of these files are
even there; these permissions still hold where functions run without one.)
"""

from __future__ import annotations

import os
import pwd
import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cloudlet.runtime.sandbox import Sandbox

OPEN_FILES = 1024
PROCESSES = 1024
TRAVERSE_ONLY = 0o711


@dataclass(frozen=True)
class LambdaUser:
    name: str
    uid: int
    gid: int

    @classmethod
    def named(cls, name: str) -> LambdaUser:
        """The user; raises ValueError when it does not exist or cloudlet cannot switch to it."""
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            raise ValueError(f"--lambda-user: no user named {name!r} on this machine") from None
        if os.geteuid() != 0:
            raise ValueError("--lambda-user needs cloudlet to run as root, to start functions as another user")
        if entry.pw_uid == 0:
            raise ValueError("--lambda-user: pick an unprivileged user, not root")
        return cls(name, entry.pw_uid, entry.pw_gid)

    def blocked_on_the_way_to(self, path: str) -> str | None:
        """The first directory above `path` this user may not pass through, if any."""
        current = os.path.dirname(os.path.abspath(path))
        while True:
            info = os.stat(current)
            if info.st_uid == self.uid:
                allowed = info.st_mode & 0o100
            elif info.st_gid == self.gid:
                allowed = info.st_mode & 0o010
            else:
                allowed = info.st_mode & 0o001
            if not allowed:
                return current
            parent = os.path.dirname(current)
            if parent == current:
                return None
            current = parent

    def can_run_python(self) -> str | None:
        """None if this user can start the server's interpreter, else why not."""
        try:
            done = subprocess.run(
                [sys.executable, "-S", "-c", "pass"], user=self.uid, group=self.gid, extra_groups=[],
                capture_output=True, timeout=10, cwd="/",
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return str(exc)
        if done.returncode != 0:
            return done.stderr.decode(errors="replace").strip() or f"exit status {done.returncode}"
        return None


@dataclass(frozen=True)
class Confinement:
    """How functions are held: the user they run as, the sandbox they run in (see sandbox.py)."""

    user: LambdaUser | None = None
    sandbox: Sandbox | None = None
    python_problem: str | None = None  # why `user` cannot run Python functions, if it cannot


def pre_exec(ephemeral_mb: int, user: LambdaUser | None) -> Callable[[], None]:
    """The child's step before exec: becomes `user`, if given, then lowers its limits.

    The switch happens here rather than through subprocess's user/group arguments, which the
    server's event loop (uvloop) does not take."""
    limits = [
        (resource.RLIMIT_NOFILE, OPEN_FILES),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_FSIZE, ephemeral_mb * 1024 * 1024),
    ]
    if user is not None:
        # Counted per user: only meaningful when the functions' user runs nothing else.
        limits.append((resource.RLIMIT_NPROC, PROCESSES))

    def apply() -> None:
        if user is not None:
            os.setgroups([])
            os.setgid(user.gid)
            os.setuid(user.uid)
        for kind, value in limits:
            _soft, hard = resource.getrlimit(kind)
            ceiling = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(kind, (ceiling, ceiling))

    return apply


def give_to(user: LambdaUser, path: str) -> None:
    """Makes a function's private directory its user's alone."""
    os.chown(path, user.uid, user.gid)
    os.chmod(path, 0o700)


def open_for_functions(root: str, readable: list[str]) -> None:
    """Under `root`, makes every directory on the way to each of `readable` traversable only and
    everything else beside them private; what is inside `readable` stays private too, except
    what `share_package` opens."""
    os.chmod(root, TRAVERSE_ONLY)
    keep: set[str] = set()
    for path in readable:
        relative = os.path.relpath(path, root).split(os.sep)
        for depth in range(1, len(relative) + 1):
            keep.add(os.path.join(root, *relative[:depth]))
    for directory in sorted({os.path.dirname(p) for p in keep} | {root}):
        for name in os.listdir(directory):
            full = os.path.join(directory, name)
            if full in keep:
                os.chmod(full, TRAVERSE_ONLY)
            elif os.path.lexists(full) and not os.path.islink(full):
                mode = os.stat(full).st_mode
                os.chmod(full, mode & 0o700)


def share_package(path: str) -> None:
    """A package readable by every function's user (the directory that holds it lists nothing)."""
    for directory, _dirs, files in os.walk(path):
        os.chmod(directory, 0o755)
        for name in files:
            full = os.path.join(directory, name)
            if not os.path.islink(full):
                os.chmod(full, os.stat(full).st_mode | 0o444)
