"""The ASGI application: one port, everything cloudlet serves.

Order: cloudlet's own endpoints, CORS preflights for the AWS API, invoke traffic owned by a
service (API Gateway stages, S3 websites, CloudFront, Function URLs, the Lambda Runtime API),
then AWS API calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from cloudlet.config import Config
from cloudlet.core.clock import Clock
from cloudlet.core.credentials import CredentialRegistry
from cloudlet.core.nudges import Nudges
from cloudlet.core.outbox import Dispatcher
from cloudlet.core.store import Store
from cloudlet.edge.asgi import Receive, Scope, Send, request_from_scope, send_response
from cloudlet.edge.aws_api import AwsApi
from cloudlet.edge.cors import Cors
from cloudlet.edge.detect import is_connections_call
from cloudlet.edge.internal import PREFIX, Internal
from cloudlet.edge.request_log import REQUEST_LOG
from cloudlet.edge.types import Request, Response
from cloudlet.edge.websocket import Closed, WebSocket
from cloudlet.services.environment import Environment
from cloudlet.services.registry import Registry, invoke_routes

log = logging.getLogger("cloudlet")

SERVICES_START_DELAY = 0.5


class InvokeRoute(Protocol):
    """Traffic a service answers itself, not through the AWS API protocol layer."""

    def matches(self, request: Request) -> bool: ...

    async def handle(self, request: Request) -> Response: ...


class WebSocketRoute(Protocol):
    """Invoke traffic that also takes WebSocket upgrades (API Gateway's WebSocket APIs)."""

    def accepts_websocket(self, request: Request) -> bool: ...

    async def connect(self, socket: WebSocket) -> None: ...


def build_environment(config: Config) -> Environment:
    store = Store(config.data_dir, fsync=config.fsync)
    clock = Clock(store)
    if config.credentials_file:
        credentials = CredentialRegistry.from_file(config.credentials_file)
    else:
        credentials = CredentialRegistry.from_env()
    store.on_reset(credentials.forget_found)
    registry = Registry()
    # Only worker processes have others to nudge (a process alone would look for them for nothing).
    nudges = Nudges(config.data_dir if config.workers > 1 else None)
    env = Environment(config, store, clock, Dispatcher(store, clock), credentials, registry, nudges)
    registry.bind(env)
    return env


class App:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.plain_http_secure = config.extra.get("plain_http_insecure") != "true"
        self.env = build_environment(config)
        self.internal = Internal(self.env)
        self.cors = Cors(config.cors_origins)
        self.aws = AwsApi(self.env)
        self.routes: list[InvokeRoute] = invoke_routes(self.env)
        self.websocket_routes: list[WebSocketRoute] = [
            route for route in self.routes if hasattr(route, "accepts_websocket")  # type: ignore[misc]
        ]
        self._background: asyncio.Task | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = request_from_scope(scope, receive, plain_http_secure=self.plain_http_secure)
            response = await self.handle(request)
            await send_response(send, response, head=request.method == "HEAD")
        elif scope["type"] == "websocket":
            await self._websocket(WebSocket(scope, receive, send))
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _websocket(self, socket: WebSocket) -> None:
        try:
            await socket.wait_connect()
        except Closed:
            return
        for route in self.websocket_routes:
            if route.accepts_websocket(socket.request):
                try:
                    await route.connect(socket)
                except Exception:
                    log.exception("WebSocket connection to %s failed", socket.request.path)
                    if socket.accepted:
                        await socket.close(1011, "Internal server error")
                    elif not socket.closed:
                        await socket.refuse(500, b'{"message":"Internal server error"}')
                return
        await socket.refuse(404, b'{"message":"Not Found"}')

    async def handle(self, request: Request) -> Response:
        if request.path.startswith(PREFIX) and self.internal.owns(request):
            return await self.internal.handle(request)
        if is_connections_call(request):
            # The @connections API sits under an API's invoke URL but is an AWS API call.
            return await self.aws.handle(request)
        for route in self.routes:
            if route.matches(request):
                return await route.handle(request)
        if request.path.startswith(PREFIX):
            return await self.internal.handle(request)  # its 404
        if self.cors.is_preflight(request):
            return self.cors.preflight(request)
        response = await self.aws.handle(request)
        self.cors.decorate(request, response)
        return response

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    log.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def startup(self) -> None:
        self.env.nudges.start()
        await self.env.dispatcher.start()
        self._background = asyncio.create_task(self._start_services())

    async def _start_services(self) -> None:
        # The services with state start (and resume their timers and deliveries) shortly after
        # the port answers, not before: importing them would delay the first request. A request
        # for a service before then starts that one at once.
        await asyncio.sleep(SERVICES_START_DELAY)
        await self.env.registry.start_used()

    async def shutdown(self) -> None:
        if self._background is not None:
            self._background.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._background
        await self.env.registry.stop_all()
        await self.env.dispatcher.stop()
        self.env.nudges.stop()
        self.env.store.close()
        REQUEST_LOG.flush()


def create_app() -> App:
    """Factory for worker processes: the Config travels in CLOUDLET_CONFIG."""
    return App(Config.from_env())
