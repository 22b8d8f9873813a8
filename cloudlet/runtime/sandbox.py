"""Each execution environment in a sandbox of its own, built by bubblewrap (`bwrap`).

The process gets new user, mount, PID, IPC, UTS and cgroup namespaces; the network is shared,
since a function reaches cloudlet and its Runtime API on loopback. It sees what AWS's sandbox
shows, at AWS's paths: its code read-only at /var/task, its layers merged read-only at /opt, the
runtime's packages at /var/runtime (Python), its own writable /tmp, fresh /proc and /dev, and a
read-only minimum of the system: /usr (with /bin, /lib...), the /etc files that name resolution,
TLS and user lookups read, and, for Python, the interpreter's installation. cloudlet's data
directory, other functions' code and /tmp, home directories and the rest of the machine are
simply not there.

bwrap needs user namespaces: root always has them; other users only where the kernel allows
unprivileged ones. `probe` tries once, as the user functions run as.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache

from cloudlet.runtime import opt_view, runtime_path
from cloudlet.runtime.isolation import LambdaUser
from cloudlet.runtime.layout import Layout, in_sandbox
from cloudlet.runtime.spec import FunctionSpec

log = logging.getLogger("cloudlet.runtime")

MODES = ("auto", "bwrap", "none")
NAMESPACES = (
    "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
    "--die-with-parent", "--new-session", "--cap-drop", "ALL",
)
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Name resolution, TLS trust (Debian's /etc/ssl, Fedora's /etc/pki and crypto policies), user
# and group names, the dynamic linker's cache, the alternatives some commands in /usr/bin link
# through, and the MIME types Python's mimetypes reads. Only those that exist are mounted.
ETC = (
    "resolv.conf", "hosts", "host.conf", "nsswitch.conf", "gai.conf", "services", "protocols",
    "passwd", "group", "ssl", "ca-certificates", "pki", "crypto-policies",
    "ld.so.cache", "alternatives", "mime.types",
)
PROBE_TIMEOUT = 10.0


class SandboxUnavailable(Exception):
    """bwrap was asked for and cannot sandbox functions on this machine."""


@dataclass(frozen=True)
class Sandbox:
    executable: str  # bwrap

    def layout(self, spec: FunctionSpec) -> Layout:
        return in_sandbox(spec, "" if spec.is_custom else interpreter())

    def command(self, spec: FunctionSpec, view: Layout, scratch: str, argv: list[str]) -> list[str]:
        """bwrap's command line running `argv` for `spec`, with the paths `view` names."""
        return [
            self.executable, *NAMESPACES, *system_view(),
            *([] if spec.is_custom else python_view(view.runtime_dir)),
            "--ro-bind", spec.code_dir, view.task_root,
            *opt_view.mounts(spec.layers, "/opt"),
            "--bind", scratch, view.tmp,
            "--proc", "/proc", "--dev", "/dev",
            "--remount-ro", "/",
            "--chdir", view.task_root,
            "--", *argv,
        ]


def choose(mode: str, user: LambdaUser | None) -> Sandbox | None:
    """The sandbox for `--lambda-sandbox MODE`: none for "none", or for "auto" where bwrap cannot
    work (said once in the log); "bwrap" raises SandboxUnavailable instead."""
    if mode == "none":
        return None
    executable = shutil.which("bwrap")
    problem = probe(executable, user) if executable else "bwrap is not installed (Debian: apt-get install bubblewrap)"
    if problem is None:
        assert executable is not None
        return Sandbox(executable)
    if mode == "bwrap":
        raise SandboxUnavailable(f"--lambda-sandbox bwrap: cannot sandbox functions here: {problem}")
    log.warning("Lambda functions are not sandboxed (see --lambda-sandbox): %s", problem)
    return None


def probe(executable: str, user: LambdaUser | None) -> str | None:
    """None when `executable` builds a sandbox here, started as `user`; else why it cannot."""
    argv = [executable, *NAMESPACES, *system_view(), "--proc", "/proc", "--dev", "/dev", "--", "true"]
    as_user = {} if user is None else {"user": user.uid, "group": user.gid, "extra_groups": []}
    try:
        done = subprocess.run(
            argv, capture_output=True, timeout=PROBE_TIMEOUT, cwd="/", env={"PATH": "/usr/bin:/bin"}, **as_user
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc)
    if done.returncode != 0:
        return done.stderr.decode(errors="replace").strip() or f"bwrap exit status {done.returncode}"
    return None


@lru_cache(maxsize=1)
def system_view() -> tuple[str, ...]:
    """The machine's part of every sandbox, read-only: what exists of SYSTEM and ETC."""
    args: list[str] = []
    for path in SYSTEM:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for name in ETC:
        path = os.path.join("/etc", name)
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    return tuple(args)


@lru_cache(maxsize=4)
def python_view(runtime_dir: str) -> tuple[str, ...]:
    """The interpreter's installation at its own path, and AWS's runtime packages (only those, not
    cloudlet's site-packages) under `runtime_dir`."""
    args: list[str] = []
    prefix = os.path.realpath(sys.base_prefix)
    if not any(prefix == top or prefix.startswith(top + os.sep) for top in SYSTEM):
        args += ["--ro-bind", prefix, prefix]
    for top, source in runtime_path.entries().items():
        args += ["--ro-bind", source, f"{runtime_dir}/{top}"]
    return tuple(args)


@lru_cache(maxsize=1)
def interpreter() -> str:
    """The interpreter itself rather than a virtual environment's link to it: the sandbox shows
    the installation, not the environment cloudlet runs from."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def runtime_pid(pid: int) -> int | None:
    """The process bwrap (`pid`) runs the function as, once it has started: bwrap's own
    processes (the outer one, the namespace's init) lead to it."""
    for _ in range(3):
        try:
            with open(f"/proc/{pid}/comm") as fh:
                if fh.read().strip() != "bwrap":
                    return pid
            with open(f"/proc/{pid}/task/{pid}/children") as fh:
                children = fh.read().split()
        except OSError:
            return None
        if not children:
            return None
        pid = int(children[0])
    return None
