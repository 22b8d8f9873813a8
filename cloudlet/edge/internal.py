"""cloudlet's own endpoints under /_cloudlet: health, reset, clock, services."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from cloudlet import __version__
from cloudlet.edge.peer_process import started_by_this_server
from cloudlet.edge.types import Headers, Request, Response
from cloudlet.services.registry import coverage

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

PREFIX = "/_cloudlet/"


def _json(status: int, value: Any) -> Response:
    return Response(status, Headers([("Content-Type", "application/json")]), json.dumps(value).encode())


class Internal:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self.routes = {
            ("GET", "health"): self.health,
            ("POST", "reset"): self.reset,
            ("POST", "clock"): self.clock,
            ("GET", "clock"): self.clock,
            ("GET", "services"): self.services,
        }

    def _route(self, request: Request):
        return self.routes.get((request.method, request.path[len(PREFIX):].strip("/")))

    def owns(self, request: Request) -> bool:
        """False for /_cloudlet paths a service serves itself (e.g. the SES mailbox)."""
        return self._route(request) is not None

    async def handle(self, request: Request) -> Response:
        route = self._route(request)
        if route is None:
            return _json(404, {"error": f"no such endpoint: {request.method} {request.path}"})
        if request.method == "POST" and await asyncio.to_thread(started_by_this_server, request.peer):
            # A function runs inside the account it serves: wiping every account or moving
            # time is for whoever runs cloudlet, as nothing in AWS lets a function do it.
            return _json(403, {"error": f"{request.path} is not for Lambda functions"})
        return await route(request)

    async def health(self, request: Request) -> Response:
        running = {p.service for p in self.env.registry.started()}
        services = {name: "running" if name in running else "available" for name in self.env.registry.names()}
        return _json(200, {
            "status": "running",
            "version": __version__,
            "region": self.env.config.region,
            "data_dir": self.env.store.path,
            "services": services,
        })

    async def reset(self, request: Request) -> Response:
        self.env.store.reset()
        return _json(200, {"reset": True})

    async def clock(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                body = json.loads(await request.body.read(4096) or b"{}")
                seconds = float(body.get("advance", 0))
            except (ValueError, TypeError, AttributeError):
                return _json(400, {"error": 'expected {"advance": seconds}'})
            if seconds < 0:
                return _json(400, {"error": "the clock only moves forward"})
            self.env.clock.advance(seconds)
        return _json(200, {"now": self.env.clock.now()})

    async def services(self, request: Request) -> Response:
        return _json(200, {
            service: {"implemented": implemented, "operations": len(operations)}
            for service, (implemented, operations) in coverage().items()
        })
