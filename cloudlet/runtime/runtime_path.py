"""What a Python function can import besides its own code and layers: what AWS's runtime ships.

On AWS a Python function sees its package, its layers, the runtime interface client, and boto3
with its dependencies; nothing of the host. Here the server's interpreter runs the function, so
its site-packages (cloudlet and everything cloudlet depends on) would be importable too. Instead
the interpreter starts without `site`, and one directory of links to just these distributions
goes last on the path, where AWS puts /var/runtime: the function's own copies win. (A sandbox
mounts the same entries at /var/runtime itself.)
"""

from __future__ import annotations

import importlib.metadata
import os
from functools import lru_cache

# awslambdaric and its dependencies, boto3 and its dependencies.
DISTRIBUTIONS = (
    "awslambdaric",
    "simplejson",
    "snapshot-restore-py",
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "six",
    "urllib3",
)

# Runs awslambdaric as `python -m` would, after restoring the exit()/quit() builtins that `site`
# would have added (handlers call them). Names under `.localhost` resolve to the loopback address,
# as RFC 6761 says they should and the C library's resolver here does not: functions reach
# cloudlet's invoke URLs (APIID.execute-api.localhost:PORT, the domainName in their events).
LAUNCHER = (
    "import builtins, _sitebuiltins, runpy, socket\n"
    "builtins.exit = _sitebuiltins.Quitter('exit', 'Ctrl-D (i.e. EOF)')\n"
    "builtins.quit = _sitebuiltins.Quitter('quit', 'Ctrl-D (i.e. EOF)')\n"
    "_resolve = socket.getaddrinfo\n"
    "def _getaddrinfo(host, *args, **kwargs):\n"
    "    if isinstance(host, str) and host.lower().rstrip('.').endswith('.localhost'):\n"
    "        host = '127.0.0.1'\n"
    "    return _resolve(host, *args, **kwargs)\n"
    "socket.getaddrinfo = _getaddrinfo\n"
    "runpy.run_module('awslambdaric', run_name='__main__', alter_sys=True)\n"
)


def build(target: str) -> str:
    """Links each distribution's top-level modules into `target` (once); returns `target`."""
    if os.path.isdir(target):
        return target
    temp = f"{target}.tmp-{os.getpid()}"
    os.makedirs(temp, exist_ok=True)
    for top, source in entries().items():
        link = os.path.join(temp, top)
        if not os.path.lexists(link):
            os.symlink(source, link)
    os.replace(temp, target)
    return target


@lru_cache(maxsize=1)
def entries() -> dict[str, str]:
    """Each top-level module or package of the distributions -> where it is installed."""
    found: dict[str, str] = {}
    for name in DISTRIBUTIONS:
        distribution = importlib.metadata.distribution(name)
        for top in sorted(_top_level(distribution)):
            source = os.path.realpath(distribution.locate_file(top))
            if os.path.exists(source):
                found.setdefault(top, source)
    return found


def _top_level(distribution: importlib.metadata.Distribution) -> set[str]:
    tops = set()
    for path in distribution.files or []:
        first = path.parts[0]
        if first in ("..", "__pycache__") or first.endswith((".dist-info", ".egg-info", ".data", ".pth")):
            continue
        tops.add(first)
    return tops
