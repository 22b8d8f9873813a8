"""Function URL traffic: `URLID.lambda-url.REGION.localhost:PORT/...` or `/_aws/lambda-url/URLID/...`.

Imported at start-up with the route table, so it stays light: the invoke machinery is
imported on the first request.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cloudlet.edge.types import Request, Response

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

_HOST = re.compile(r"^([a-z0-9]{32})\.lambda-url\.([a-z0-9-]+)\.localhost(?::\d+)?$")
_PATH = re.compile(r"^/_aws/lambda-url/([a-z0-9]{32})(/.*)?$")


class FunctionUrlRoute:
    def __init__(self, env: Environment) -> None:
        self.env = env

    @staticmethod
    def target(request: Request) -> tuple[str, str] | None:
        """(url id, path the function sees) of a Function URL request, else None."""
        match = _HOST.match(request.host.lower())
        if match:
            return match.group(1), request.path
        match = _PATH.match(request.path)
        if match:
            return match.group(1), match.group(2) or "/"
        return None

    def matches(self, request: Request) -> bool:
        return self.target(request) is not None

    async def handle(self, request: Request) -> Response:
        from cloudlet.services.lambda_.url_invoke import serve

        target = self.target(request)
        assert target is not None
        return await serve(self.env, request, *target)
