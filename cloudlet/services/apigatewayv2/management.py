"""The @connections API (botocore's `apigatewaymanagementapi`): a backend pushes to, reads and
closes the WebSocket connections of an API, at that API's stage URL.

Its connections are API Gateway v2's, so this provider asks that service's WebSocket data plane.
Connection ids are unique across APIs, so a call at cloudlet's plain endpoint (a client built
from AWS_ENDPOINT_URL alone) finds its connection too; at an API's URL, only that API's.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.edge.types import RequestContext
from cloudlet.services.apigatewayv2.websockets import MAX_MESSAGE, Gone, WebSockets
from cloudlet.services.base import Provider

_HOST_API = re.compile(r"^([a-z0-9]+)\.execute-api\.", re.IGNORECASE)
_PATH_API = re.compile(r"^/_aws/execute-api/([a-z0-9]+)/")


class GoneException(ServiceError):
    code, status = "GoneException", 410


class PayloadTooLargeException(ServiceError):
    code, status = "PayloadTooLargeException", 413


def _api_of(ctx: RequestContext) -> str | None:
    """The API whose URL the call came to, or None at cloudlet's plain endpoint."""
    request = ctx.request
    match = _PATH_API.match(request.path) or _HOST_API.match(request.host)
    return match.group(1).lower() if match else None


class ApiGatewayManagementProvider(Provider):
    service = "apigatewaymanagementapi"

    async def _websockets(self) -> WebSockets:
        return (await self.env.registry.provider("apigatewayv2")).websockets  # type: ignore[attr-defined]

    async def post_to_connection(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        data: bytes = params.get("Data") or b""
        if len(data) > MAX_MESSAGE:
            raise PayloadTooLargeException(f"Message too long: {len(data)} bytes, the limit is {MAX_MESSAGE}")
        try:
            await (await self._websockets()).post(params["ConnectionId"], _api_of(ctx), data)
        except Gone:
            raise GoneException() from None
        return {}

    async def get_connection(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        try:
            found = (await self._websockets()).describe(params["ConnectionId"], _api_of(ctx))
        except Gone:
            raise GoneException() from None
        for key in ("ConnectedAt", "LastActiveAt"):
            found[key] = datetime.fromtimestamp(found[key], UTC)
        return found

    async def delete_connection(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        try:
            await (await self._websockets()).delete(params["ConnectionId"], _api_of(ctx))
        except Gone:
            raise GoneException() from None
        return {}
