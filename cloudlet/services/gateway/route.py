"""The data plane's front door: invoke URLs of HTTP and REST APIs on cloudlet's port.

    http://APIID.execute-api.localhost:PORT/STAGE/PATH
    http://HOST:PORT/_aws/execute-api/APIID/STAGE/PATH   (for clients without *.localhost)

The API id says which service owns the API; that service answers the request through the
DataPlane protocol below. Services not registered in this cloudlet are skipped. WebSocket
upgrade requests to the same URLs go to API Gateway v2's WebSocket APIs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

from cloudlet.edge.types import Request, Response
from cloudlet.edge.websocket import WebSocket
from cloudlet.services.gateway import replies

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

PATH_PREFIX = "/_aws/execute-api/"
SERVICES = ("apigatewayv2", "apigateway")
# APIID.execute-api.localhost, APIID.execute-api.REGION.amazonaws.com, ... with an optional port.
_HOST = re.compile(r"^([a-z0-9]+)\.execute-api\.[a-z0-9.-]+(?::\d+)?$", re.IGNORECASE)


class DataPlane(Protocol):
    def owns_api(self, api_id: str) -> bool: ...

    async def serve(self, request: Request, api_id: str, path: str) -> Response:
        """`path` is the request's path after the API id (host form: the whole path), with the stage."""
        ...


def split_target(request: Request) -> tuple[str, str] | None:
    """(api id, path after it) of an invoke URL, or None."""
    if request.path.startswith(PATH_PREFIX):
        api_id, _, rest = request.path[len(PATH_PREFIX) :].partition("/")
        return (api_id, "/" + rest) if api_id else None
    match = _HOST.match(request.host)
    if match is None:
        return None
    return match.group(1).lower(), request.path or "/"


class GatewayRoute:
    def __init__(self, env: Environment) -> None:
        self.env = env

    def matches(self, request: Request) -> bool:
        return request.path.startswith(PATH_PREFIX) or _HOST.match(request.host) is not None

    async def handle(self, request: Request) -> Response:
        target = split_target(request)
        if target is None:
            return replies.not_found()
        api_id, path = target
        for service in SERVICES:
            if not self.env.registry.implements(service):
                continue
            provider: DataPlane = await self.env.registry.provider(service)  # type: ignore[assignment]
            if provider.owns_api(api_id):
                return await provider.serve(request, api_id, path)
        return replies.not_found()

    def accepts_websocket(self, request: Request) -> bool:
        return self.matches(request)

    async def connect(self, socket: WebSocket) -> None:
        target = split_target(socket.request)
        if target is not None and self.env.registry.implements("apigatewayv2"):
            api_id, path = target
            provider = await self.env.registry.provider("apigatewayv2")
            if provider.owns_api(api_id):  # type: ignore[attr-defined]
                await provider.connect(socket, api_id, path)  # type: ignore[attr-defined]
                return
        await socket.refuse(403, b'{"message":"Forbidden"}')
