"""The REST API data plane: a request on a stage's invoke URL, through resource matching,
authorizers, API keys and usage plans, validators and the stage cache, to the integration."""

from __future__ import annotations

import logging
import time
from typing import Any

from cloudlet.aws.sigv4 import authenticate
from cloudlet.edge.types import Body, Headers, Request, Response, new_request_id
from cloudlet.services.apigateway import access_logs, authorizers, integrations, matching, usage, validation
from cloudlet.services.apigateway.answers import DEFAULTS, GatewayError, answer
from cloudlet.services.apigateway.cache import StageCache, cache_key, caching_ttl, method_setting
from cloudlet.services.apigateway.requests import MethodRequest
from cloudlet.services.apigateway.store import DOCS
from cloudlet.services.environment import Environment
from cloudlet.services.gateway import jwt_tokens
from cloudlet.services.gateway.proxy_events import Facts

log = logging.getLogger(__name__)
BODY_LIMIT = 10 * 1024 * 1024
SNAPSHOTS_KEPT = 256


class DataPlane:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self.cache = StageCache(env.store)
        self.keys = jwt_tokens.KeyCache()
        self.cognito_issuer = env.config.extra.get("cognito_issuer") or authorizers.COGNITO_ISSUER
        self._snapshots: dict[tuple[str, str], dict[str, Any]] = {}

    async def serve(self, request: Request, api_id: str, path: str) -> Response:
        request_id = new_request_id()
        started = time.monotonic()
        seen: dict[str, Any] = {}
        error_message = None
        try:
            response = await self._serve(request, api_id, path, request_id, seen)
        except GatewayError as error:
            response = answer(
                error.name, request_id, error.message, seen.get("gatewayResponses"), seen.get("context")
            )
            error_message = error.message or next(iter(DEFAULTS[error.name][3].values()))
        except Exception:  # a bug must still answer as API Gateway would, not drop the connection
            log.exception("REST API %s failed on %s", api_id, path)
            response = answer("INTERNAL_ERROR", request_id)
        response.headers.setdefault("x-amzn-RequestId", request_id)
        stage = seen.get("stage")
        if stage is not None and stage.get("accessLogSettings"):
            call: MethodRequest | None = seen.get("call")
            base = (
                call.context()
                if call is not None
                else access_logs.unmatched(
                    api_id,
                    stage["stageName"],
                    request.method.upper(),
                    request_id,
                    request.client or "127.0.0.1",
                )
            )
            context = access_logs.context_of(base, response, started, error_message)
            await access_logs.write(self.env, request, stage, context)
        return response

    async def _serve(
        self, request: Request, api_id: str, path: str, request_id: str, seen: dict[str, Any]
    ) -> Response:
        stage_name, _, rest = path.lstrip("/").partition("/")
        with self.env.store.read() as conn:
            owner = DOCS.owner(conn, api_id)
            stage = DOCS.get(conn, api_id, "stage", stage_name) if stage_name else None
            snapshot = self._snapshot(conn, api_id, stage["deploymentId"]) if stage else None
        if owner is None or stage is None or snapshot is None:
            raise GatewayError("FORBIDDEN")
        if snapshot["api"].get("disableExecuteApiEndpoint"):
            raise GatewayError("FORBIDDEN")
        seen["gatewayResponses"] = snapshot.get("gatewayResponses") or {}
        seen["context"] = {"apiId": api_id, "stage": stage_name, "httpMethod": request.method.upper()}
        seen["stage"] = stage
        found = matching.find(snapshot["resources"], "/" + rest, request.method.upper())
        if found is None:
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN")
        resource, method, path_params = found
        body = await request.body.read(BODY_LIMIT)
        account, region = owner
        host = request.host.split(":")[0]
        facts = Facts(
            method=request.method.upper(),
            path="/" + rest,
            raw_path=f"/{stage_name}/{rest}",
            query=request.query,
            headers=request.headers,
            body=body,
            source_ip=request.client or "127.0.0.1",
            api_id=api_id,
            stage=stage_name,
            account=account,
            request_id=request_id,
            domain=host if ".execute-api." in host else f"{api_id}.execute-api.localhost",
            now=self.env.clock.now(),
        )
        call = MethodRequest(facts, snapshot["api"], stage, resource, method, path_params, region)
        seen["call"] = call
        await self._authorize(request, call, snapshot)
        self._admit(call)
        usage.throttle_method(self.env.store, api_id, stage, resource["path"], facts.method, facts.now)
        validation.validate(call, snapshot["validators"], snapshot["models"])
        return await self._through_cache(request, call)

    def _snapshot(self, conn: Any, api_id: str, deployment_id: str) -> dict[str, Any] | None:
        """A deployment's snapshot. Snapshots never change once made, so parsed ones are kept (a
        bounded number) instead of decoding the deployment on every request."""
        key = (api_id, deployment_id)
        found = self._snapshots.get(key)
        if found is None:
            deployment = DOCS.get(conn, api_id, "deployment", deployment_id)
            if deployment is None:
                return None
            if len(self._snapshots) >= SNAPSHOTS_KEPT:
                self._snapshots.pop(next(iter(self._snapshots)))
            found = self._snapshots[key] = deployment["_snapshot"]
        return found

    async def _authorize(self, request: Request, call: MethodRequest, snapshot: dict[str, Any]) -> None:
        kind = call.method.get("authorizationType") or "NONE"
        if kind == "AWS_IAM":
            if not self._signed(request):
                raise GatewayError("MISSING_AUTHENTICATION_TOKEN")
        elif kind == "CUSTOM":
            authorizer = snapshot["authorizers"].get(call.method.get("authorizerId") or "")
            if authorizer is None:
                raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
            result = await authorizers.authorize(self.env, request, authorizer, call)
            call.authorizer = authorizers.request_context(result)
            call.extra_context["_usageIdentifierKey"] = result.get("usageIdentifierKey")
        elif kind == "COGNITO_USER_POOLS":
            authorizer = snapshot["authorizers"].get(call.method.get("authorizerId") or "")
            if authorizer is None:
                raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
            call.authorizer = await authorizers.cognito(
                self.keys, authorizer, call, self.cognito_issuer, self.env.clock.now()
            )

    def _signed(self, request: Request) -> bool:
        try:
            result = authenticate(request, self.env.credentials, self.env.clock.now(), skew_now=time.time())
        except Exception:
            return False
        return not result.anonymous

    def _admit(self, call: MethodRequest) -> None:
        if not call.method.get("apiKeyRequired"):
            return
        if call.api.get("apiKeySource") == "AUTHORIZER":
            value = call.extra_context.pop("_usageIdentifierKey", None)
        else:
            value = call.facts.headers.get("x-api-key")
        call.api_key = usage.admit(
            self.env.store,
            call.facts.account,
            call.region,
            call.facts.api_id,
            call.facts.stage,
            value,
            self.env.clock.now(),
        )

    async def _through_cache(self, request: Request, call: MethodRequest) -> Response:
        call.extra_context.pop("_usageIdentifierKey", None)
        integration = call.method.get("methodIntegration")
        if integration is None:
            raise GatewayError("INTERNAL_ERROR")
        ttl = caching_ttl(call.stage, call.resource_path, call.http_method)
        if ttl <= 0:
            return await integrations.run(self.env, request, call, integration)
        key = cache_key(call.http_method, call.resource_path, integration, call)
        warning = None
        if not self._invalidates(request, call):
            cached = self.cache.get(call.facts.api_id, call.facts.stage, key, self.env.clock.now())
            if cached is not None:
                return cached
            warning = self._invalidation_warning(request, call)
        response = await integrations.run(self.env, request, call, integration)
        if 200 <= response.status < 300 and isinstance(response.body, bytes):
            self.cache.put(call.facts.api_id, call.facts.stage, key, self.env.clock.now() + ttl, response)
        if warning:
            response.headers["Warning"] = warning
        return response

    def _invalidates(self, request: Request, call: MethodRequest) -> bool:
        """Whether this request may skip (and so refresh) its cache entry."""
        if "max-age=0" not in (request.headers.get("cache-control") or "").replace(" ", ""):
            return False
        setting, _ = method_setting(call.stage, call.resource_path, call.http_method)
        if not setting.get("requireAuthorizationForCacheControl") or self._signed(request):
            return True
        if setting.get("unauthorizedCacheControlHeaderStrategy") == "FAIL_WITH_403":
            raise GatewayError("CACHE_INVALIDATION_DENIED")
        return False

    def _invalidation_warning(self, request: Request, call: MethodRequest) -> str | None:
        if "max-age=0" not in (request.headers.get("cache-control") or "").replace(" ", ""):
            return None
        setting, _ = method_setting(call.stage, call.resource_path, call.http_method)
        if setting.get("unauthorizedCacheControlHeaderStrategy") == "SUCCEED_WITH_RESPONSE_HEADER":
            return '199 - "Cache-Control headers were ignored because the caller was unauthorized."'
        return None

    async def test_invoke(
        self,
        api: dict[str, Any],
        owner: tuple[str, str],
        snapshot: dict[str, Any],
        resource: dict[str, Any],
        params: dict[str, Any],
    ) -> dict[str, Any]:
        """TestInvokeMethod: the method as it is now, without authorization, keys or the cache."""
        request_id = new_request_id()
        target = params.get("pathWithQueryString") or resource["path"]
        path, _, query = target.partition("?")
        headers = Headers(list((params.get("headers") or {}).items()))
        for name, values in (params.get("multiValueHeaders") or {}).items():
            for value in values:
                headers.add(name, value)
        body = (params.get("body") or "").encode()
        request = Request(params["httpMethod"].upper(), path, query, headers, Body(body))
        stage = {"stageName": "test-invoke-stage", "variables": params.get("stageVariables") or {}}
        facts = Facts(
            method=request.method,
            path=path,
            raw_path=path,
            query=query,
            headers=headers,
            body=body,
            source_ip="test-invoke-source-ip",
            api_id=api["id"],
            stage=stage["stageName"],
            account=owner[0],
            request_id=request_id,
            domain="testPrefix.testDomainName",
            now=self.env.clock.now(),
        )
        found = matching.find([resource], path, request.method)
        started = time.monotonic()
        try:
            if found is None:
                raise GatewayError("MISSING_AUTHENTICATION_TOKEN")
            _, method, path_params = found
            call = MethodRequest(facts, api, stage, resource, method, path_params, owner[1])
            validation.validate(call, snapshot["validators"], snapshot["models"])
            integration = method.get("methodIntegration")
            if integration is None:
                raise GatewayError("INTERNAL_ERROR")
            response = await integrations.run(self.env, request, call, integration)
        except GatewayError as error:
            response = answer(error.name, request_id, error.message)
        latency = int((time.monotonic() - started) * 1000)
        multi: dict[str, list[str]] = {}
        for name, value in response.headers.items():
            multi.setdefault(name, []).append(value)
        data = response.body if isinstance(response.body, bytes) else b""
        log = f"Execution log for request {request_id}\nMethod completed with status: {response.status}\n"
        return {
            "status": response.status,
            "body": data.decode("utf-8", "replace"),
            "headers": {k: v[-1] for k, v in multi.items()},
            "multiValueHeaders": multi,
            "log": log,
            "latency": latency,
        }

    async def test_authorizer(
        self, api: dict[str, Any], owner: tuple[str, str], authorizer: dict[str, Any], params: dict[str, Any]
    ) -> dict[str, Any]:
        target = params.get("pathWithQueryString") or "/"
        path, _, query = target.partition("?")
        headers = Headers(list((params.get("headers") or {}).items()))
        body = (params.get("body") or "").encode()
        request = Request("GET", path, query, headers, Body(body))
        stage = {"stageName": "test-invoke-stage", "variables": params.get("stageVariables") or {}}
        facts = Facts(
            method="GET",
            path=path,
            raw_path=path,
            query=query,
            headers=headers,
            body=body,
            source_ip="test-invoke-source-ip",
            api_id=api["id"],
            stage=stage["stageName"],
            account=owner[0],
            request_id=new_request_id(),
            domain="testPrefix.testDomainName",
            now=self.env.clock.now(),
        )
        resource = {"id": "test", "path": path}
        call = MethodRequest(facts, api, stage, resource, {}, {}, owner[1])
        return await authorizers.test_invoke(self.env, request, authorizer, call)
