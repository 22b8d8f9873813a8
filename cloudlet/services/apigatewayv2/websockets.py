"""WebSocket APIs' data plane: a connection's life from the upgrade request to its close.

`$connect` runs (authorization, then its integration) before the upgrade completes, so a
refusal is a plain HTTP answer. Each message then takes the route its route selection
expression picks, and a route with a route response sends the integration's answer back.
The backend pushes through the @connections API (management.py), which finds the socket here.
Open connections are rows in the store; the sockets themselves live in the process that
accepted them, so a restart ends them all: the next start removes what the last one left and
runs `$disconnect` for each, as AWS does for a connection that drops.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import secrets
import socket
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cloudlet.aws.errors import ServiceError
from cloudlet.edge.types import Headers, Request, new_request_id
from cloudlet.edge.websocket import ABNORMAL, SERVICE_RESTART, Closed, WebSocket
from cloudlet.services.apigatewayv2 import authorizers, mapping, store
from cloudlet.services.apigatewayv2.responses import of_parent
from cloudlet.services.apigatewayv2.ws_events import (
    Connection,
    authorizer_event,
    connect_event,
    disconnect_event,
    message_event,
    select_route,
)
from cloudlet.services.gateway import http_proxy, lambdas
from cloudlet.services.gateway.proxy_events import Facts

if TYPE_CHECKING:
    from cloudlet.services.apigatewayv2.dataplane import DataPlane, Deployed
    from cloudlet.services.environment import Environment

log = logging.getLogger("cloudlet.apigatewayv2.websockets")

IDLE_TIMEOUT = 600.0  # AWS closes a connection after 10 minutes without a message
MAX_DURATION = 7200.0  # ... and any connection after 2 hours
MAX_MESSAGE = 128 * 1024  # the largest message either way
REAP_INTERVAL = 1.0
GOING_AWAY = 1001
# This process, as the owner of the sockets it accepts: host, pid, and a token for this start.
OWNER = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
_ID_ALPHABET = string.ascii_letters + string.digits


def new_connection_id() -> str:
    """Like AWS's: 16 characters ending in '='; only letters and digits before it, so the id
    needs no escaping in an @connections URL."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(15)) + "="


class Gone(Exception):
    """No such open connection (the @connections API answers GoneException)."""


@dataclass
class Outcome:
    """An integration's answer: its status, and what a route response would send back."""

    status: int = 200
    body: str | bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None  # the gateway's message to the client when the integration failed


@dataclass
class Live:
    socket: WebSocket
    connection: Connection
    last_active: float


class WebSockets:
    def __init__(self, env: Environment, data_plane: DataPlane) -> None:
        self.env = env
        self.data_plane = data_plane
        self.live: dict[str, Live] = {}
        self._reaper: asyncio.Task | None = None
        self._stopping = False
        self._tasks: set[asyncio.Task] = set()

    # -- lifecycle of the service ----------------------------------------------------------------

    async def start(self) -> None:
        with self.env.store.db() as conn:
            stale = [owner for owner in store.connection_owners(conn) if not _alive(owner)]
            taken = [row for owner in stale for row in store.take_connections_of(conn, owner)]
        for _, _, doc in taken:
            self._spawn(self._disconnected(Connection.from_doc(doc), ABNORMAL, "Going away"))

    async def stop(self) -> None:
        # Sockets close, their rows stay: the next start runs $disconnect for them once Lambda
        # is up again, as it does after a crash.
        self._stopping = True
        if self._reaper is not None:
            self._reaper.cancel()
        for live in list(self.live.values()):
            await live.socket.close(GOING_AWAY, "Going away")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- a connection ----------------------------------------------------------------------------

    async def connect(self, ws: WebSocket, api_id: str, path: str) -> None:
        deployed = self.data_plane.deployed(api_id, path)
        if (
            deployed is None
            or deployed.snapshot["api"].get("ProtocolType") != "WEBSOCKET"
            or deployed.path.strip("/")
        ):
            await ws.refuse(403, json.dumps({"message": "Forbidden"}).encode())
            return
        request = ws.request
        now = self.env.clock.now()
        source_ip = request.client or "127.0.0.1"
        headers = Headers(request.headers.items())
        headers["X-Forwarded-For"] = source_ip
        headers["X-Forwarded-Port"] = request.host.rpartition(":")[2] if ":" in request.host else "80"
        headers["X-Forwarded-Proto"] = "http"
        connection = Connection(
            connection_id=new_connection_id(),
            api_id=api_id,
            account=deployed.account,
            region=deployed.region,
            stage=deployed.stage["StageName"],
            domain=request.host or f"{api_id}.execute-api.localhost:{self.env.config.port}",
            source_ip=source_ip,
            user_agent=request.headers.get("user-agent") or "",
            connected_at=now,
            headers=headers.items(),
            query=request.query,
        )
        request_id = new_request_id()
        routes = _routes(deployed)
        route = routes.get("$connect")
        if route is not None:
            refusal = await self._authorize(ws, deployed, route, connection, request_id, now)
            if refusal:
                return
            outcome = await self._integrate(deployed, route, connection, connect_event(connection, request_id, now))
            if outcome.error is not None or not 200 <= outcome.status < 300:
                status = outcome.status if outcome.error is None else 500
                message = outcome.error or "Forbidden"
                await ws.refuse(status, json.dumps({"message": message}).encode())
                return
            subprotocol = _chosen_subprotocol(outcome, ws.subprotocols)
        else:
            subprotocol = None
        with self.env.store.db() as conn:
            store.put_connection(conn, connection.connection_id, api_id, OWNER, now, connection.to_doc())
        live = Live(ws, connection, now)
        self.live[connection.connection_id] = live
        self._ensure_reaper()
        try:
            await ws.accept(subprotocol)
            await self._serve(live)
        finally:
            self.live.pop(connection.connection_id, None)
            # A server shutting down closes sockets before it stops the services: as in stop(),
            # the row stays for the next start.
            if not self._stopping and ws.close_code != SERVICE_RESTART:
                with self.env.store.db() as conn:
                    removed = store.delete_connection(conn, connection.connection_id)
                if removed:
                    await self._disconnected(connection, ws.close_code or ABNORMAL, ws.close_reason)

    async def _serve(self, live: Live) -> None:
        ws = live.socket
        while True:
            try:
                data = await ws.receive()
            except Closed:
                return
            now = self.env.clock.now()
            live.last_active = now  # held here, not written per message: only this process serves it
            await self._message(live, data, now)

    async def _message(self, live: Live, data: str | bytes, now: float) -> None:
        connection = live.connection
        request_id = new_request_id()
        deployed = self.data_plane.deployed(connection.api_id, "/" + connection.stage)
        if deployed is None:
            await live.socket.close(GOING_AWAY, "Going away")
            return
        routes = _routes(deployed)
        expression = deployed.snapshot["api"].get("RouteSelectionExpression") or ""
        route_key = select_route(expression, data, set(routes) - {"$connect", "$disconnect"})
        if route_key is None:
            await self._send_error(live, "Forbidden", request_id)
            return
        route = routes[route_key]
        event = message_event(connection, route_key, data, request_id, request_id, now)
        outcome = await self._integrate(deployed, route, connection, event, data)
        if outcome.error is not None:
            await self._send_error(live, outcome.error, request_id)
            return
        if _replies(deployed, route) and outcome.body is not None:
            with contextlib.suppress(Closed):
                await live.socket.send(outcome.body)

    async def _send_error(self, live: Live, message: str, request_id: str) -> None:
        body = {"message": message, "connectionId": live.connection.connection_id, "requestId": request_id}
        with contextlib.suppress(Closed):
            await live.socket.send(json.dumps(body))

    async def _disconnected(self, connection: Connection, code: int, reason: str) -> None:
        deployed = self.data_plane.deployed(connection.api_id, "/" + connection.stage)
        if deployed is None:
            return
        route = _routes(deployed).get("$disconnect")
        if route is None:
            return
        now = self.env.clock.now()
        event = disconnect_event(connection, code, reason, new_request_id(), now)
        outcome = await self._integrate(deployed, route, connection, event)
        if outcome.error is not None:
            log.info("$disconnect of %s failed: %s", connection.connection_id, outcome.error)

    # -- authorization and integrations ----------------------------------------------------------

    async def _authorize(
        self, ws: WebSocket, deployed: Deployed, route: dict[str, Any], connection: Connection,
        request_id: str, now: float,
    ) -> bool:
        """Runs the $connect route's authorization; refuses the upgrade and returns True if it fails."""
        if (route.get("AuthorizationType") or "NONE") == "NONE":
            return False
        stage_vars = deployed.stage.get("StageVariables") or {}
        facts = Facts(
            method="GET", path="/", raw_path="/" + connection.stage, query=connection.query,
            headers=Headers(connection.headers), body=b"", source_ip=connection.source_ip,
            api_id=connection.api_id, stage=connection.stage, account=connection.account,
            request_id=request_id, domain=connection.domain, now=now,
        )
        prefix = f"arn:aws:execute-api:{connection.region}:{connection.account}:{connection.api_id}"
        call = authorizers.Call(
            ws.request, facts, route, {}, stage_vars, connection.route_arn("$connect"), prefix,
            event=authorizer_event(connection, stage_vars, request_id, now),
        )
        authorizer = deployed.snapshot["authorizers"].get(route.get("AuthorizerId") or "")
        decision = await self.data_plane.authorizers.check(call, authorizer)
        if decision.refusal is not None:
            refusal = decision.refusal
            body = refusal.body if isinstance(refusal.body, bytes) else b""
            await ws.refuse(refusal.status, body, refusal.headers)
            return True
        if route.get("AuthorizationType") == "CUSTOM" and decision.v1 is not None:
            connection.authorizer = {**decision.v1, "integrationLatency": 0}
        return False

    async def _integrate(
        self, deployed: Deployed, route: dict[str, Any], connection: Connection, event: dict[str, Any],
        data: str | bytes | None = None,
    ) -> Outcome:
        target = (route.get("Target") or "").removeprefix("integrations/")
        integration = deployed.snapshot["integrations"].get(target)
        if integration is None:
            return Outcome()  # a route without an integration does nothing, as on AWS
        stage_vars = deployed.stage.get("StageVariables") or {}
        kind = integration.get("IntegrationType")
        timeout = int(integration.get("TimeoutInMillis") or 29000) / 1000
        uri = mapping.with_stage_variables(integration.get("IntegrationUri") or "", stage_vars)
        if kind == "MOCK":
            return Outcome()
        if kind in ("HTTP", "HTTP_PROXY"):
            return await _http(integration, uri, event, data, timeout)
        try:
            if not integration.get("CredentialsArn") and not await lambdas.gateway_may_invoke(
                self.env, uri, connection.route_arn(route["RouteKey"])
            ):
                return Outcome(error="Internal server error")
            payload: Any = event
            if kind == "AWS":
                # Without request templates the message passes through as the function's input.
                payload = _passthrough(event, data)
            outcome = await lambdas.invoke(self.env, uri, payload, Request("POST", "/", "", Headers()), timeout)
        except lambdas.InvokeTimeout:
            return Outcome(status=504, error="Endpoint request timed out")
        except ServiceError:
            return Outcome(error="Internal server error")
        if outcome.failed:
            return Outcome(status=502, error="Internal server error")
        if kind == "AWS":
            return Outcome(body=outcome.payload.decode("utf-8", "replace"))
        return _proxy_outcome(outcome.payload)

    # -- the @connections API --------------------------------------------------------------------

    def describe(self, connection_id: str, api_id: str | None) -> dict[str, Any]:
        with self.env.store.read() as conn:
            row = store.connection(conn, connection_id)
        if row is None or (api_id is not None and row[0] != api_id):
            raise Gone(connection_id)
        _, connected_at, last_active, doc = row
        live = self.live.get(connection_id)
        if live is not None:
            last_active = live.last_active
        return {
            "ConnectedAt": connected_at,
            "Identity": {"SourceIp": doc["source_ip"], "UserAgent": doc["user_agent"]},
            "LastActiveAt": last_active,
        }

    async def post(self, connection_id: str, api_id: str | None, data: bytes) -> None:
        live = self.live.get(connection_id)
        if live is None or (api_id is not None and live.connection.api_id != api_id):
            raise Gone(connection_id)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        try:
            await live.socket.send(text if text is not None else data)
        except Closed:
            raise Gone(connection_id) from None

    async def delete(self, connection_id: str, api_id: str | None) -> None:
        live = self.live.get(connection_id)
        if live is None or (api_id is not None and live.connection.api_id != api_id):
            raise Gone(connection_id)
        await live.socket.close(1000, "")

    async def close_api(self, api_id: str) -> None:
        for live in list(self.live.values()):
            if live.connection.api_id == api_id:
                await live.socket.close(GOING_AWAY, "Going away")

    # -- timeouts --------------------------------------------------------------------------------

    def _ensure_reaper(self) -> None:
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.ensure_future(self._reap())

    async def _reap(self) -> None:
        while self.live:
            await asyncio.sleep(REAP_INTERVAL)
            now = self.env.clock.now()
            for live in list(self.live.values()):
                idle = now - live.last_active >= IDLE_TIMEOUT
                if idle or now - live.connection.connected_at >= MAX_DURATION:
                    await live.socket.close(GOING_AWAY, "Going away")


def _routes(deployed: Deployed) -> dict[str, dict[str, Any]]:
    return {route["RouteKey"]: route for route in deployed.snapshot["routes"]}


def _replies(deployed: Deployed, route: dict[str, Any]) -> bool:
    """Two-way routes: a route response selection expression and a route response for it."""
    if not route.get("RouteResponseSelectionExpression"):
        return False
    return bool(of_parent(deployed.snapshot.get("routeresponses") or [], route["RouteId"]))


def _passthrough(event: dict[str, Any], data: str | bytes | None) -> Any:
    if data is None:
        return event
    if isinstance(data, bytes):
        return event.get("body")
    try:
        return json.loads(data)
    except ValueError:
        return data


def _proxy_outcome(payload: bytes) -> Outcome:
    try:
        result = json.loads(payload or b"null")
    except ValueError:
        return Outcome(body=payload.decode("utf-8", "replace"))
    if not isinstance(result, dict):
        return Outcome(body=None if result is None else json.dumps(result))
    status = result.get("statusCode", 200)
    if not isinstance(status, int):
        return Outcome(status=502, error="Internal server error")
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        body = json.dumps(body)
    if body is not None and result.get("isBase64Encoded"):
        body = base64.b64decode(body)
    headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
    return Outcome(status=status, body=body, headers=headers)


async def _http(
    integration: dict[str, Any], uri: str, event: dict[str, Any], data: str | bytes | None, timeout: float
) -> Outcome:
    if data is None:
        body = b"" if integration.get("IntegrationType") == "HTTP_PROXY" else json.dumps(event).encode()
    else:
        body = data.encode() if isinstance(data, str) else data
    headers = Headers([("Content-Type", "application/json")])
    if integration.get("IntegrationType") == "HTTP_PROXY":
        headers["connectionId"] = event["requestContext"]["connectionId"]
    try:
        response = await http_proxy.forward(
            integration.get("IntegrationMethod") or "POST", uri, headers, body, timeout
        )
    except http_proxy.IntegrationTimeout:
        return Outcome(status=504, error="Endpoint request timed out")
    except (http_proxy.IntegrationUnreachable, ValueError):
        return Outcome(error="Internal server error")
    reply = response.body if isinstance(response.body, bytes) else b""
    return Outcome(status=response.status, body=reply.decode("utf-8", "replace"))


def _chosen_subprotocol(outcome: Outcome, offered: list[str]) -> str | None:
    """The subprotocol the $connect integration answered with, if the client offered it."""
    for name, value in outcome.headers.items():
        if name.lower() == "sec-websocket-protocol":
            chosen = value.split(",")[0].strip()
            return chosen if chosen in offered else None
    return None


def _alive(owner: str) -> bool:
    """Whether the process named by an owner string is still this one or another live worker."""
    if owner == OWNER:
        return True
    host, _, rest = owner.partition(":")
    pid_text, _, _ = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
