"""Serving an HTTP API's invoke URL: which stage, which deployment, which route; then CORS,
throttling, authorization and the integration, in the order API Gateway applies them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cloudlet.edge.types import BodyTooLarge, Headers, Request, Response, new_request_id
from cloudlet.services.apigatewayv2 import access_logs, authorizers, cors, integrations
from cloudlet.services.apigatewayv2.routing import DEFAULT, Router
from cloudlet.services.apigatewayv2.store import DOCS
from cloudlet.services.apigatewayv2.throttling import Throttles, route_settings
from cloudlet.services.gateway import replies
from cloudlet.services.gateway.proxy_events import Facts

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

MAX_PAYLOAD = 10 * 1024 * 1024  # HTTP APIs take request bodies up to 10 MB


@dataclass(frozen=True)
class Deployed:
    """The stage a request is for, and the snapshot of the API that stage serves."""

    api_id: str
    account: str
    region: str
    stage: dict[str, Any]
    snapshot: dict[str, Any]
    path: str  # after the stage name


@dataclass
class Trip:
    """One request on its way through the gateway: what access logs report about it."""

    request: Request
    raw_path: str
    request_id: str = field(default_factory=new_request_id)
    started: float = field(default_factory=time.monotonic)
    route_key: str | None = None
    integration_status: int | None = None


class DataPlane:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self.throttles = Throttles(env.store, env.clock)
        self.authorizers = authorizers.Authorizers(env)
        self._routers: dict[str, Router] = {}  # deployment id -> its routes, compiled once

    async def serve(self, request: Request, api_id: str, path: str) -> Response:
        trip = Trip(request, path)
        now = self.env.clock.now()
        deployed = self.deployed(api_id, path)
        if deployed is None:
            response = replies.not_found()
        elif deployed.snapshot["api"].get("ProtocolType") == "WEBSOCKET":
            response = replies.forbidden()  # only a WebSocket upgrade request reaches these
        elif deployed.snapshot["api"].get("DisableExecuteApiEndpoint"):
            # Only custom domain names reach the API then; the change takes effect when deployed.
            response = replies.forbidden()
        else:
            try:
                body = await request.body.read(MAX_PAYLOAD)
            except BodyTooLarge:
                body = None
            response = replies.too_large() if body is None else await self._answer(trip, deployed, body, now)
            access_logs.record(
                self.env, deployed.stage.get("AccessLogSettings"), _log_values(trip, deployed, response, now)
            )
        response.headers["apigw-requestid"] = trip.request_id
        return response

    def deployed(self, api_id: str, path: str) -> Deployed | None:
        with self.env.store.read() as conn:
            owner = DOCS.owner(conn, api_id)
            if owner is None:
                return None
            first, _, rest = path.lstrip("/").partition("/")
            stage = DOCS.get(conn, api_id, "stage", first) if first and first != DEFAULT else None
            stage_path = "/" + rest
            if stage is None:
                stage, stage_path = DOCS.get(conn, api_id, "stage", DEFAULT), path
            if stage is None or not stage.get("DeploymentId"):
                return None
            deployment = DOCS.get(conn, api_id, "deployment", stage["DeploymentId"])
        if deployment is None:
            return None
        return Deployed(api_id, owner[0], owner[1], stage, deployment["_snapshot"], stage_path)

    def _router(self, deployed: Deployed) -> Router:
        deployment_id = deployed.stage["DeploymentId"]
        router = self._routers.get(deployment_id)
        if router is None:
            router = self._routers[deployment_id] = Router(deployed.snapshot["routes"])
        return router

    async def _answer(self, trip: Trip, deployed: Deployed, body: bytes, now: float) -> Response:
        request = trip.request
        config = deployed.snapshot["api"].get("CorsConfiguration")
        if config and cors.is_preflight(request):
            return cors.preflight(config, request)
        response = await self._route(trip, deployed, body, now)
        if config:
            cors.decorate(config, request, response)
        return response

    async def _route(self, trip: Trip, deployed: Deployed, body: bytes, now: float) -> Response:
        request = trip.request
        selected = self._router(deployed).select(request.method, deployed.path)
        if selected is None:
            return replies.not_found()
        route, path_params = selected
        trip.route_key = route["RouteKey"]
        stage = deployed.stage
        scope = f"{deployed.api_id}/{stage['StageName']}/{route['RouteKey']}"
        if not self.throttles.admit(scope, route_settings(stage, route["RouteKey"])):
            return replies.too_many_requests()
        facts = self._facts(trip, deployed, body, now)
        stage_vars = stage.get("StageVariables") or {}
        prefix = f"arn:aws:execute-api:{deployed.region}:{deployed.account}:{deployed.api_id}"
        route_arn = f"{prefix}/{stage['StageName']}/{request.method}{deployed.path}"
        auth_call = authorizers.Call(request, facts, route, path_params, stage_vars, route_arn, prefix)
        authorizer = deployed.snapshot["authorizers"].get(route.get("AuthorizerId") or "")
        decision = await self.authorizers.check(auth_call, authorizer)
        if decision.refusal is not None:
            return decision.refusal
        target = route.get("Target") or ""
        integration = deployed.snapshot["integrations"].get(target.removeprefix("integrations/"))
        if integration is None:
            return replies.not_found()
        # Lambda permissions name the route as created: API/STAGE/$default, or API/STAGE/METHOD/PATH
        # with the route's path template (so `*/*/items/{id}` matches).
        method, _, route_path = route["RouteKey"].partition(" ")
        permission_arn = (
            f"{prefix}/{stage['StageName']}/{DEFAULT}"
            if not route_path
            else f"{prefix}/{stage['StageName']}/{request.method if method == 'ANY' else method}{route_path}"
        )
        call = integrations.Call(
            request, facts, route["RouteKey"], path_params, stage_vars, decision, permission_arn
        )
        response = await integrations.run(self.env, integration, call)
        trip.integration_status = response.status
        return response

    def _facts(self, trip: Trip, deployed: Deployed, body: bytes, now: float) -> Facts:
        request = trip.request
        host, _, port = request.host.partition(":")
        domain = host if ".execute-api." in host else f"{deployed.api_id}.execute-api.localhost"
        source_ip = request.client or "127.0.0.1"
        # What API Gateway adds on its way to the integration, as the backend sees it on AWS.
        headers = Headers(request.headers.items())
        forwarded = headers.get("x-forwarded-for")
        headers["X-Forwarded-For"] = f"{forwarded}, {source_ip}" if forwarded else source_ip
        headers["X-Forwarded-Port"] = port or ("443" if request.scheme == "https" else "80")
        headers["X-Forwarded-Proto"] = request.scheme
        headers.setdefault(
            "X-Amzn-Trace-Id", f"Root=1-{int(now):08x}-{trip.request_id.replace('-', '')[:24]}"
        )
        return Facts(
            method=request.method,
            path=deployed.path,
            raw_path=trip.raw_path,
            query=request.query,
            headers=headers,
            body=body,
            source_ip=source_ip,
            api_id=deployed.api_id,
            stage=deployed.stage["StageName"],
            account=deployed.account,
            request_id=trip.request_id,
            domain=domain,
            now=now,
        )


def _log_values(trip: Trip, deployed: Deployed, response: Response, now: float) -> dict[str, Any]:
    request = trip.request
    body = response.body if isinstance(response.body, bytes) else b""
    return {
        "requestId": trip.request_id,
        "extendedRequestId": trip.request_id,
        "apiId": deployed.api_id,
        "stage": deployed.stage["StageName"],
        "routeKey": trip.route_key,
        "httpMethod": request.method,
        "path": trip.raw_path,
        "protocol": "HTTP/1.1",
        "status": response.status,
        "responseLength": len(body),
        "identity.sourceIp": request.client or "127.0.0.1",
        "identity.userAgent": request.headers.get("user-agent"),
        "domainName": request.host.split(":")[0],
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "requestTimeEpoch": int(now * 1000),
        "integrationStatus": trip.integration_status,
        "responseLatency": int((time.monotonic() - trip.started) * 1000),
        "accountId": deployed.account,
    }
