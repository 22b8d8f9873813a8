"""Running functions: resolve what to run, run it in this process's environments, keep its log.

Synchronous invokes wait here. Asynchronous ones are outbox events (durable from the 202 on),
delivered to `_deliver` by the dispatcher, which retries a failed run twice as AWS does.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import random
import shutil
import tempfile
from typing import TYPE_CHECKING, Any

from cloudlet.core import outbox
from cloudlet.edge.types import Headers, Request, RequestContext
from cloudlet.runtime import isolation, sandbox
from cloudlet.runtime.pool import EnvironmentPool, PoolSettings
from cloudlet.runtime.spec import FunctionSpec, Invocation, InvocationResult, Throttled
from cloudlet.services.lambda_ import code, functions, invoke_config, layers, store
from cloudlet.services.lambda_.destinations import now_iso, send_quietly, to_json
from cloudlet.services.lambda_.errors import (
    InvalidRequestContentException,
    InvalidRuntimeException,
    ResourceNotFoundException,
    TooManyRequestsException,
)
from cloudlet.services.lambda_.functions import LATEST
from cloudlet.services.lambda_.logs import LogShipper
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
        user_name = env.config.extra.get("lambda.user")
        self.user = isolation.LambdaUser.named(user_name) if user_name else None
        self.sandbox_mode = env.config.extra.get("lambda.sandbox", "auto")
        settings = PoolSettings(endpoint=_function_endpoint(env), scratch_dir=self._scratch)
        self.pool = EnvironmentPool(env.clock, settings, self._credentials)
        self.logs = LogShipper(env)
        self.strict_runtimes = env.config.extra.get("lambda.strict_runtimes") == "true"

    async def start(self) -> None:
        python_problem = self._isolate(self.user) if self.user is not None else None
        # A probe runs bwrap once: off the event loop.
        chosen = await asyncio.to_thread(sandbox.choose, self.sandbox_mode, self.user)
        self.pool.confine(isolation.Confinement(self.user, chosen, python_problem))
        self.pool.start()
        self.env.dispatcher.subscribe(
            ASYNC_TOPIC, self._deliver, name=ASYNC_CONSUMER, max_attempts=ASYNC_ATTEMPTS, backoff=_retry_delay
        )

    def _isolate(self, user: isolation.LambdaUser) -> str | None:
        """Functions run as `user`: everything cloudlet writes from now on is private to it, and
        its data directory is opened only as far as the functions' code and layers. Returns why
        `user` cannot run Python functions, if it cannot."""
        os.umask(0o077)
        blobs = self.env.store
        packages = [blobs.blob_path("lambda", kind) for kind in code.KINDS]
        for path in packages:
            os.makedirs(path, exist_ok=True)
            for name in os.listdir(path):
                if os.path.isdir(os.path.join(path, name)):
                    isolation.share_package(os.path.join(path, name))
        isolation.open_for_functions(blobs.path, packages)
        os.chmod(self._scratch, isolation.TRAVERSE_ONLY)
        problem = user.can_run_python()
        if problem:
            log.warning("cloudlet cannot run Python as %s, so Python functions will fail: %s", user.name, problem)
        return problem

    async def stop(self) -> None:
        await self.pool.close()
        await self.logs.stop()
        shutil.rmtree(self._scratch, ignore_errors=True)

    # -- what to run -------------------------------------------------------------------------------

    def resolve(self, ref: FunctionRef) -> FunctionSpec:
        with self.env.store.read() as conn:
            fn = store.find_function(conn, ref.account, ref.region, ref.name)
            version = self._version(conn, ref) if fn else None
            if fn is None or version is None:
                raise ResourceNotFoundException(f"Function not found: {ref.qualified_arn}")
            config = version.config
            layer_dirs = layers.layer_dirs(conn, config)
        if self.strict_runtimes and not functions.runtime_installed(config["Runtime"]):
            raise InvalidRuntimeException(functions.not_installed(config["Runtime"]))
        variables = (config.get("Environment") or {}).get("Variables") or {}
        log_config = config.get("LoggingConfig") or {}
        return FunctionSpec(
            name=ref.name,
            arn=ref.arn,
            version=version.version,
            revision=config["RevisionId"],
            runtime=config["Runtime"],
            handler=config["Handler"],
            code_dir=version.code_dir,
            memory=config["MemorySize"],
            timeout=config["Timeout"],
            role=config["Role"],
            account=ref.account,
            region=ref.region,
            environment=dict(variables),
            reserved_concurrency=fn.reserved_concurrency,
            layers=layer_dirs,
            log_group_name=log_config.get("LogGroup", ""),
            log_format=log_config.get("LogFormat", "Text"),
            log_level=log_config.get("ApplicationLogLevel", ""),
            ephemeral_mb=int((config.get("EphemeralStorage") or {}).get("Size") or 512),
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

    async def run(
        self,
        spec: FunctionSpec,
        ref: FunctionRef,
        request_id: str,
        payload: bytes,
        client_context: str | None = None,
    ) -> InvocationResult:
        invocation = Invocation(
            request_id, payload or b"{}", ref.qualified_arn, client_context=client_context
        )
        try:
            result = await self.pool.invoke(spec, invocation)
        except Throttled as exc:
            raise TooManyRequestsException(exc.message, Reason=exc.reason) from None
        self.logs.add(spec, result)
        return result

    async def _credentials(self, spec: FunctionSpec) -> dict[str, str]:
        """The execution role's temporary credentials, issued by cloudlet's STS."""
        sts = await self.env.registry.provider("sts")
        ctx = RequestContext(Request("POST", "/", "", Headers()), region=spec.region)
        # The session is named after the function, as on AWS; STS wants at least two characters.
        session = spec.name if len(spec.name) > 1 else f"{spec.name}-function"
        reply = sts.assume_role(
            ctx, {"RoleArn": spec.role, "RoleSessionName": session[:64], "DurationSeconds": 43200}
        )
        creds = reply["Credentials"]
        return {
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
        }

    # -- asynchronous invocation -------------------------------------------------------------------

    def enqueue(self, ref: FunctionRef, request_id: str, payload: bytes) -> None:
        event = {
            "account": ref.account,
            "region": ref.region,
            "name": ref.name,
            "qualifier": ref.qualifier,
            "request_id": request_id,
            "payload": base64.b64encode(payload).decode(),
        }
        with self.env.store.db() as conn:
            outbox.emit(conn, ASYNC_TOPIC, event)

    async def _deliver(self, event: outbox.Event) -> None:
        """One attempt of an Event invoke; raising asks the dispatcher to retry it later."""
        data = event.payload
        ref = FunctionRef(data["account"], data["region"], data["name"], data["qualifier"])
        try:
            spec = self.resolve(ref)
        except (ResourceNotFoundException, InvalidRuntimeException) as exc:
            log.info("async invoke %s of %s dropped: %s", data["request_id"], ref.qualified_arn, exc.message)
            return
        attempt = AsyncAttempt(
            ref, spec, data["request_id"], base64.b64decode(data["payload"]), event.attempt
        )
        with self.env.store.read() as conn:
            settings = store.find_invoke_config(
                conn, ref.account, ref.region, ref.name, ref.qualifier or LATEST
            )
        max_age = (settings or {}).get("MaximumEventAgeInSeconds", invoke_config.DEFAULT_MAX_AGE)
        if self.env.clock.now() - event.created_at > max_age:
            attempt.count -= 1  # this attempt did not run
            await self._failed(attempt, settings, "EventAgeExceeded")
            return
        try:
            attempt.result = await self.run(spec, ref, attempt.request_id, attempt.payload)
        except TooManyRequestsException:
            attempt.result = None
        if attempt.result is not None and not attempt.result.failed:
            target = invoke_config.destination(settings, "OnSuccess")
            if target:
                await send_quietly(self.env, target, to_json(attempt.record("Success")))
            return
        if attempt.count <= (settings or {}).get("MaximumRetryAttempts", invoke_config.DEFAULT_RETRIES):
            raise RuntimeError(f"function error, attempt {attempt.count}: {attempt.error_message()[:500]}")
        await self._failed(attempt, settings, "RetriesExhausted")

    async def _failed(self, attempt: AsyncAttempt, settings: dict[str, Any] | None, condition: str) -> None:
        """An Event invoke given up on: its record to OnFailure, its event to the dead-letter queue."""
        log.info(
            "async invoke %s of %s failed for good (%s)",
            attempt.request_id,
            attempt.ref.qualified_arn,
            condition,
        )
        target = invoke_config.destination(settings, "OnFailure")
        if target:
            await send_quietly(self.env, target, to_json(attempt.record(condition)))
        with self.env.store.read() as conn:
            version = self._version(conn, attempt.ref)
        dead_letter = ((version.config if version else {}).get("DeadLetterConfig") or {}).get("TargetArn")
        if dead_letter:
            message = attempt.error_message()
            await send_quietly(
                self.env,
                dead_letter,
                attempt.payload.decode(errors="replace") or "{}",
                {
                    "RequestID": {"DataType": "String", "StringValue": attempt.request_id},
                    "ErrorCode": {"DataType": "Number", "StringValue": "200"},
                    "ErrorMessage": {"DataType": "String", "StringValue": message[:1000] or condition},
                },
            )


class AsyncAttempt:
    """One Event invoke, as its invocation record (AWS's destination format) describes it."""

    def __init__(
        self, ref: FunctionRef, spec: FunctionSpec, request_id: str, payload: bytes, count: int
    ) -> None:
        self.ref, self.spec, self.request_id, self.payload, self.count = ref, spec, request_id, payload, count
        self.result: InvocationResult | None = None

    def error_message(self) -> str:
        if self.result is None:
            return "Rate Exceeded."
        try:
            return str(json.loads(self.result.payload).get("errorMessage", ""))
        except (ValueError, AttributeError):
            return self.result.payload.decode(errors="replace")

    def record(self, condition: str) -> dict[str, Any]:
        record: dict[str, Any] = {
            "version": "1.0",
            "timestamp": now_iso(),
            "requestContext": {
                "requestId": self.request_id,
                "functionArn": f"{self.ref.arn}:{self.ref.qualifier or LATEST}",
                "condition": condition,
                "approximateInvokeCount": self.count,
            },
            "requestPayload": _parsed(self.payload),
        }
        if self.result is not None:
            context: dict[str, Any] = {"statusCode": 200, "executedVersion": self.spec.version}
            if self.result.function_error:
                context["functionError"] = self.result.function_error
            record["responseContext"] = context
            record["responsePayload"] = _parsed(self.result.payload)
        elif condition == "RetriesExhausted":
            record["responseContext"] = {
                "statusCode": 429,
                "executedVersion": self.spec.version,
                "functionError": "TooManyRequestsException",
            }
        return record


def _parsed(payload: bytes) -> Any:
    try:
        return json.loads(payload) if payload else None
    except ValueError:
        return payload.decode(errors="replace")


def log_tail(result: InvocationResult) -> str:
    return base64.b64encode(result.log.encode()[-TAIL_BYTES:]).decode()


def check_json(payload: bytes) -> None:
    if not payload:
        return
    try:
        json.loads(payload)
    except ValueError as exc:
        raise InvalidRequestContentException(
            f"Could not parse request body into json: Could not parse payload into json: {exc}"
        ) from None


def _retry_delay(attempt: int) -> float:
    # AWS waits about a minute before the first retry and two before the second.
    return 60.0 * attempt


def _function_endpoint(env: Environment) -> str:
    config = env.config
    host = "127.0.0.1" if config.host in ("0.0.0.0", "::", "127.0.0.1", "localhost") else config.host
    return f"http://{host}:{config.port}"
