"""Running functions: resolve what to run, run it in this process's environments, keep its log.

Synchronous invokes wait here. Asynchronous ones are outbox events (durable from the 202 on),
delivered to `_deliver` by the dispatcher, which retries a failed run twice as AWS does.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import shutil
import tempfile
import time
from typing import TYPE_CHECKING, Any

from cloudlet.core import outbox
from cloudlet.edge.types import Headers, Request, RequestContext
from cloudlet.runtime.pool import EnvironmentPool, PoolSettings
from cloudlet.runtime.spec import FunctionSpec, Invocation, InvocationResult, Throttled
from cloudlet.services.lambda_ import store
from cloudlet.services.lambda_.errors import (
    InvalidRequestContentException,
    ResourceNotFoundException,
    TooManyRequestsException,
)
from cloudlet.services.lambda_.functions import LATEST
from cloudlet.services.lambda_.names import FunctionRef

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

log = logging.getLogger("cloudlet.lambda")

ASYNC_TOPIC = "lambda.async-invoke"
ASYNC_CONSUMER = "lambda.async-invoker"
ASYNC_ATTEMPTS = 3  # the first run and two retries
TAIL_BYTES = 4096


class Invoker:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self._scratch = tempfile.mkdtemp(prefix="cloudlet-lambda-")
        settings = PoolSettings(endpoint=_function_endpoint(env), scratch_dir=self._scratch)
        self.pool = EnvironmentPool(env.clock, settings, self._credentials)

    async def start(self) -> None:
        self.pool.start()
        self.env.dispatcher.subscribe(ASYNC_TOPIC, self._deliver, name=ASYNC_CONSUMER,
                                      max_attempts=ASYNC_ATTEMPTS, backoff=_retry_delay)

    async def stop(self) -> None:
        await self.pool.close()
        shutil.rmtree(self._scratch, ignore_errors=True)

    # -- what to run -------------------------------------------------------------------------------

    def resolve(self, ref: FunctionRef) -> FunctionSpec:
        with self.env.store.read() as conn:
            fn = store.find_function(conn, ref.account, ref.region, ref.name)
            version = self._version(conn, ref) if fn else None
        if fn is None or version is None:
            raise ResourceNotFoundException(f"Function not found: {ref.qualified_arn}")
        config = version.config
        variables = (config.get("Environment") or {}).get("Variables") or {}
        return FunctionSpec(
            name=ref.name, arn=ref.arn, version=version.version, revision=config["RevisionId"],
            runtime=config["Runtime"], handler=config["Handler"], code_dir=version.code_dir,
            memory=config["MemorySize"], timeout=config["Timeout"], role=config["Role"],
            account=ref.account, region=ref.region, environment=dict(variables),
            reserved_concurrency=fn.reserved_concurrency,
        )

    def _version(self, conn: Any, ref: FunctionRef) -> store.Version | None:
        qualifier = ref.qualifier or LATEST
        if qualifier == LATEST or qualifier.isdigit():
            return store.find_version(conn, ref.account, ref.region, ref.name, qualifier)
        alias = store.find_alias(conn, ref.account, ref.region, ref.name, qualifier)
        if alias is None:
            return None
        version = alias["FunctionVersion"]
        for other, weight in (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights", {}).items():
            if random.random() < weight:
                version = other
        return store.find_version(conn, ref.account, ref.region, ref.name, version)

    # -- running -----------------------------------------------------------------------------------

    async def run(self, spec: FunctionSpec, ref: FunctionRef, request_id: str, payload: bytes,
                  client_context: str | None = None) -> InvocationResult:
        invocation = Invocation(request_id, payload or b"{}", ref.qualified_arn, client_context=client_context)
        try:
            result = await self.pool.invoke(spec, invocation)
        except Throttled as exc:
            raise TooManyRequestsException(exc.message, Reason=exc.reason) from None
        self._keep_log(spec, result)
        return result

    def _keep_log(self, spec: FunctionSpec, result: InvocationResult) -> None:
        if not result.events:
            return
        with self.env.store.db() as conn:
            store.insert_log_events(conn, spec.account, spec.region, spec.log_group, result.log_stream,
                                    result.events, int(time.time() * 1000))

    async def _credentials(self, spec: FunctionSpec) -> dict[str, str]:
        """The execution role's temporary credentials, issued by cloudlet's STS."""
        sts = await self.env.registry.provider("sts")
        ctx = RequestContext(Request("POST", "/", "", Headers()), region=spec.region)
        reply = sts.assume_role(ctx, {"RoleArn": spec.role, "RoleSessionName": spec.name[:64],
                                      "DurationSeconds": 43200})
        creds = reply["Credentials"]
        return {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
                "AWS_SESSION_TOKEN": creds["SessionToken"]}

    # -- asynchronous invocation -------------------------------------------------------------------

    def enqueue(self, ref: FunctionRef, request_id: str, payload: bytes) -> None:
        event = {"account": ref.account, "region": ref.region, "name": ref.name, "qualifier": ref.qualifier,
                 "request_id": request_id, "payload": base64.b64encode(payload).decode()}
        with self.env.store.db() as conn:
            outbox.emit(conn, ASYNC_TOPIC, event)

    async def _deliver(self, event: outbox.Event) -> None:
        data = event.payload
        ref = FunctionRef(data["account"], data["region"], data["name"], data["qualifier"])
        try:
            spec = self.resolve(ref)
        except ResourceNotFoundException:
            log.info("async invoke %s dropped: %s no longer exists", data["request_id"], ref.qualified_arn)
            return
        result = await self.run(spec, ref, data["request_id"], base64.b64decode(data["payload"]))
        if result.failed:
            raise RuntimeError(f"function error {result.error_type}: {result.payload[:500]!r}")


def log_tail(result: InvocationResult) -> str:
    return base64.b64encode(result.log.encode()[-TAIL_BYTES:]).decode()


def check_json(payload: bytes) -> None:
    if not payload:
        return
    try:
        json.loads(payload)
    except ValueError as exc:
        raise InvalidRequestContentException(
            f"Could not parse request body into json: Could not parse payload into json: {exc}") from None


def _retry_delay(attempt: int) -> float:
    # AWS waits about a minute before the first retry and two before the second.
    return 60.0 * attempt


def _function_endpoint(env: Environment) -> str:
    config = env.config
    host = "127.0.0.1" if config.host in ("0.0.0.0", "::", "127.0.0.1", "localhost") else config.host
    return f"http://{host}:{config.port}"
