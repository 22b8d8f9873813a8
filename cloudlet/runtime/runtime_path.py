"""What a Python function can import besides its own code and layers: what AWS's runtime ships.

On AWS a Python function sees its package, its layers, the runtime interface client, and boto3
with its dependencies; nothing of the host. Here the server's interpreter runs the function, so
its site-packages (cloudlet and everything cloudlet depends on) would be importable too. Instead
the interpreter starts without `site`, and one directory of links to just these distributions
goes last on the path, where AWS puts /var/runtime: the function's own copies win.
"""

from __future__ import annotations

import importlib.metadata
import os

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
    for name in DISTRIBUTIONS:
        distribution = importlib.metadata.distribution(name)
        for top in _top_level(distribution):
            link = os.path.join(temp, top)
            source = str(distribution.locate_file(top))
            if os.path.exists(source) and not os.path.lexists(link):
                os.symlink(source, link)
    os.replace(temp, target)
    return target


def _top_level(distribution: importlib.metadata.Distribution) -> set[str]:
    tops = set()
    for path in distribution.files or []:
        first = path.parts[0]
        if first in ("..", "__pycache__") or first.endswith((".dist-info", ".egg-info", ".data", ".pth")):
            continue
        tops.add(first)
    return tops
