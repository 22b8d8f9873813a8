"""Sending a matched event to one target, at least once, through the target service's provider.

A failed attempt raises and the outbox retries it with backoff, within the target's RetryPolicy
(MaximumRetryAttempts, default 185; MaximumEventAgeInSeconds, default 24 hours). An error that
retrying cannot cure (the target is gone, or its policy refuses EventBridge) is final at once,
as AWS treats it. A given-up event goes to the target's dead-letter queue when it has one,
with AWS's message attributes, and is dropped otherwise.
"""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any

from cloudlet.aws.errors import ServiceError
from cloudlet.core.outbox import Event, exponential_backoff
from cloudlet.edge.types import Headers, Principal, Request, RequestContext
from cloudlet.services.events import publishing, transform
from cloudlet.services.events.names import parse_bus_arn

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

log = logging.getLogger("cloudlet.events")

CONSUMER = "events.deliver"
MAX_ATTEMPTS = 100_000  # the handler decides when to give up, per target
BACKOFF = exponential_backoff(base=1.0, cap=60.0)
SERVICE_PRINCIPAL = "events.amazonaws.com"
DEFAULT_RETRIES = 185
DEFAULT_MAX_AGE = 86_400


class TargetFailed(Exception):
    """A delivery that failed for good (retrying cannot help)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class Deliveries:
    def __init__(self, env: Environment) -> None:
        self.env = env

    async def handle(self, event: Event) -> None:
        payload = event.payload
        target = payload["target"]
        try:
            await self._send(payload)
        except TargetFailed as exc:
            await self._give_up(payload, exc.code, exc.message, "", event.attempt)
        except Exception as exc:
            policy = target.get("RetryPolicy") or {}
            retries = policy.get("MaximumRetryAttempts", DEFAULT_RETRIES)
            too_old = self.env.clock.now() - event.created_at > policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE)
            if event.attempt <= retries and not too_old:
                raise
            condition = "MaximumEventAgeExceeded" if too_old else "MaximumRetryAttemptsExceeded"
            await self._give_up(payload, type(exc).__name__, str(exc), condition, event.attempt)

    async def _send(self, payload: dict[str, Any]) -> None:
        target, event = payload["target"], payload["event"]
        arn = target["Arn"]
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        if service == "events":
            self._forward(arn, event)
            return
        body = transform.render(target, event, payload["rule"], payload["rule_name"], payload["ingested"])
        if service == "sqs":
            await self._to_queue(arn, body, payload, target)
        elif service == "sns":
            await self._call("sns", "Publish", payload, self._topic_params(arn, body, target, event))
        elif service == "lambda":
            await self._call("lambda", "Invoke", payload,
                             {"FunctionName": arn, "InvocationType": "Event", "Payload": body.encode()})
        else:
            raise TargetFailed("UnsupportedTarget", f"cloudlet does not deliver EventBridge events to {arn}")

    def _forward(self, arn: str, event: dict[str, Any]) -> None:
        bus = parse_bus_arn(arn)
        if bus is None:
            raise TargetFailed("ResourceNotFoundException", f"{arn} is not an event bus")
        with self.env.store.db() as conn:
            publishing.route(conn, bus, event, self.env.clock.now(), forwarded=True)

    async def _to_queue(self, arn: str, body: str, payload: dict[str, Any], target: dict[str, Any]) -> None:
        sqs = await self._provider("sqs")
        fifo = arn.endswith(".fifo")
        group = (target.get("SqsParameters") or {}).get("MessageGroupId")
        try:
            sqs.deliver_from_service(arn, body, source_arn=payload["rule"], service_principal=SERVICE_PRINCIPAL,
                                     source_account=payload["account"], group_id=group if fifo else None,
                                     deduplication_id=payload["event"]["id"] if fifo else None)
        except ServiceError as exc:
            raise _failure(exc) from None

    @staticmethod
    def _topic_params(arn: str, body: str, target: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {"TopicArn": arn, "Message": body}
        if arn.endswith(".fifo"):
            params["MessageGroupId"] = (target.get("SqsParameters") or {}).get("MessageGroupId") or event["id"]
            params["MessageDeduplicationId"] = event["id"]
        return params

    async def _call(self, service: str, operation: str, payload: dict[str, Any], params: dict[str, Any]) -> None:
        provider = await self._provider(service)
        arn = params.get("TopicArn") or params.get("FunctionName") or ""
        account, region = arn.split(":")[4], arn.split(":")[3]
        try:
            result = provider.handler(operation)(_service_context(service, operation, region, account), params)
            if inspect.isawaitable(result):
                await result
        except ServiceError as exc:
            raise _failure(exc) from None

    async def _provider(self, service: str) -> Any:
        if not self.env.registry.implements(service):
            raise TargetFailed("UnsupportedTarget", f"{service} is not available in this cloudlet")
        return await self.env.registry.provider(service)

    async def _give_up(self, payload: dict[str, Any], code: str, message: str, condition: str, attempts: int) -> None:
        target = payload["target"]
        queue = (target.get("DeadLetterConfig") or {}).get("Arn")
        log.warning("EventBridge gave up sending event %s to %s (%s: %s)", payload["event"]["id"], target["Arn"],
                    code, message)
        if not queue:
            return
        attributes = {
            "RULE_ARN": payload["rule"], "TARGET_ARN": target["Arn"], "ERROR_CODE": code,
            "ERROR_MESSAGE": message[:1000] or code, "RETRY_ATTEMPTS": str(max(attempts - 1, 0)),
        }
        if condition:
            attributes["EXHAUSTED_RETRY_CONDITION"] = condition
        try:
            sqs = await self._provider("sqs")
            sqs.deliver_from_service(
                queue, transform.to_json(payload["event"]),
                {name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()},
                source_arn=payload["rule"], service_principal=SERVICE_PRINCIPAL, source_account=payload["account"])
        except (ServiceError, TargetFailed) as exc:
            log.warning("EventBridge could not dead-letter event %s to %s: %s", payload["event"]["id"], queue, exc)


def _failure(exc: ServiceError) -> Exception:
    """A client error of the target (gone, refused, invalid) is final; anything else is retried."""
    if 400 <= exc.status < 500 and exc.code not in ("ThrottlingException", "TooManyRequestsException"):
        return TargetFailed(exc.code, exc.message)
    return exc


def _service_context(service: str, operation: str, region: str, account: str) -> RequestContext:
    """A call EventBridge makes to another service on the rule owner's behalf."""
    principal = Principal(SERVICE_PRINCIPAL, account, f"arn:aws:iam::{account}:root", account)
    return RequestContext(Request("POST", "/", "", Headers([("host", "localhost")])), service=service,
                          operation=operation, region=region, principal=principal)
