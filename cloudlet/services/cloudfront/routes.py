"""Which requests are viewer traffic for a distribution (imported at start-up: keep it light).

    http://DISTID.cloudfront.localhost:PORT/PATH      (also DISTID.cloudfront.net as Host)
    http://HOST:PORT/_aws/cloudfront/DISTID/PATH      (for clients without *.localhost)
    http://ALIAS/PATH                                 (an alternate domain name as Host)

Aliases are matched against a map this process keeps in memory and reloads only when the
marker file that alias changes touch has a new modification time: one stat per request for a
Host that is not obviously cloudlet's own.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from cloudlet.edge.types import Request, Response

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

PATH_PREFIX = "/_aws/cloudfront/"
ALIASES_MARKER = "cloudfront-aliases"
_HOST = re.compile(r"^(?P<id>[a-z0-9]{6,20})\.cloudfront\.(?:localhost|net)(?::\d+)?$")
# Hosts that are never an alternate domain name: cloudlet's own names and AWS endpoints.
_OWN_HOST = re.compile(
    r"(^|\.)(localhost|127\.0\.0\.1|\[::1\]|amazonaws\.com)(:\d+)?$|^\d+\.\d+\.\d+\.\d+(:\d+)?$"
)


def target_of(request: Request, aliases: Callable[[], dict[str, str]]) -> tuple[str, str] | None:
    """(distribution id, viewer path), or None for other traffic.

    `aliases` is asked only for a Host that is not cloudlet's own nor an AWS endpoint, so API
    calls and S3 traffic never pay for the alias map.
    """
    if request.path.startswith(PATH_PREFIX):
        distribution_id, _, rest = request.path[len(PATH_PREFIX) :].partition("/")
        return (distribution_id.upper(), "/" + rest) if distribution_id else None
    host = request.host.lower()
    match = _HOST.match(host)
    if match is not None:
        return match.group("id").upper(), request.path or "/"
    if not host or _OWN_HOST.search(host):
        return None
    owner = aliases().get(host if host.startswith("[") else host.rsplit(":", 1)[0])
    return (owner, request.path or "/") if owner is not None else None


class AliasMap:
    """Alternate domain name -> distribution id, reloaded when the marker file changes."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.marker = os.path.join(env.store.path, ALIASES_MARKER)
        self._stamp: float | None = None
        self._aliases: dict[str, str] = {}
        env.store.on_reset(self.forget)

    def forget(self) -> None:
        self._stamp, self._aliases = None, {}

    def current(self) -> dict[str, str]:
        try:
            stamp = os.stat(self.marker).st_mtime_ns
        except FileNotFoundError:
            return {}
        if stamp != self._stamp:
            self._aliases = self._load()
            self._stamp = stamp
        return self._aliases

    def _load(self) -> dict[str, str]:
        try:
            with self.env.store.read() as conn:
                rows = conn.execute("SELECT alias, distribution_id FROM cloudfront_aliases").fetchall()
        except Exception:  # the table is created when CloudFront first starts
            return {}
        return {alias: distribution_id for alias, distribution_id in rows}


def aliases_changed(env: Environment) -> None:
    """Called after a commit that changed aliases: every process reloads its map."""
    marker = os.path.join(env.store.path, ALIASES_MARKER)
    with open(marker, "a"):
        pass
    os.utime(marker, None)


class CloudFrontRoute:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self.aliases = AliasMap(env)

    def matches(self, request: Request) -> bool:
        return target_of(request, self.aliases.current) is not None

    async def handle(self, request: Request) -> Response:
        target = target_of(request, self.aliases.current)
        provider = await self.env.registry.provider("cloudfront")
        edge = await provider.viewer_edge()  # type: ignore[attr-defined]
        if target is None:
            return edge.not_found()
        return await edge.serve(request, *target)
