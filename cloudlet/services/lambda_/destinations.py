"""Where Lambda sends what happened: invocation records and dead letters to SQS, SNS, a function
or (invocation records only) an EventBridge event bus.

Deliveries go through the target service's public operations, called as the owning account
(the account in the target's ARN) in the target's region.
"""

from __future__ import annotations

import base64
import inspect
import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cloudlet.edge.types import Headers, Principal, Request, RequestContext

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

log = logging.getLogger("cloudlet.lambda")

SUPPORTED = ("sqs", "sns", "lambda", "events")
# An EventBridge destination gets the record as the detail of an event with these detail-types.
RESULT_TYPES = {True: "Lambda Function Invocation Result - Success", False: "Lambda Function Invocation Result - Failure"}


def service_context(account: str, region: str) -> RequestContext:
    """A RequestContext for calls Lambda makes itself, on behalf of `account`."""
    principal = Principal("", account, f"arn:aws:iam::{account}:root", account)
    return RequestContext(Request("POST", "/", "", Headers()), region=region, principal=principal)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def to_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=_jsonable)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


async def send(env: Environment, arn: str, body: str, attributes: dict[str, Any] | None = None) -> None:
    """Sends a message to an SQS queue or SNS topic, invokes a function asynchronously with it, or
    puts it (an invocation record) on an event bus."""
    parts = arn.split(":")
    if len(parts) < 6 or parts[2] not in SUPPORTED:
        raise ValueError(f"unsupported destination {arn}")
    service, region, account = parts[2], parts[3], parts[4]
    ctx = service_context(account, region)
    if service == "sqs":
        sqs = await env.registry.provider("sqs")
        url = sqs.get_queue_url(ctx, {"QueueName": parts[5], "QueueOwnerAWSAccountId": account})["QueueUrl"]
        params: dict[str, Any] = {"QueueUrl": url, "MessageBody": body}
        if attributes:
            params["MessageAttributes"] = attributes
        await _maybe_await(sqs.send_message(ctx, params))
    elif service == "sns":
        sns = await env.registry.provider("sns")
        params = {"TopicArn": arn, "Message": body}
        if attributes:
            params["MessageAttributes"] = attributes
        await _maybe_await(sns.publish(ctx, params))
    elif service == "events":
        await _put_event(env, arn, account, region, body)
    else:
        lam = await env.registry.provider("lambda")
        await lam.invoke(ctx, {"FunctionName": arn, "InvocationType": "Event", "Payload": body.encode()})


async def _put_event(env: Environment, bus_arn: str, account: str, region: str, record_text: str) -> None:
    """As AWS does: source "lambda", the result as detail-type, the function and bus as resources."""
    if not env.registry.implements("events"):
        raise ValueError("EventBridge is not available in this cloudlet")
    record = json.loads(record_text)
    function_arn = ":".join(record["requestContext"]["functionArn"].split(":")[:7])
    entry = {"Source": "lambda", "DetailType": RESULT_TYPES[record["requestContext"]["condition"] == "Success"],
             "Detail": record_text, "Resources": [function_arn, bus_arn], "EventBusName": bus_arn}
    principal = Principal("lambda.amazonaws.com", account, f"arn:aws:iam::{account}:root", account)
    ctx = RequestContext(Request("POST", "/", "", Headers()), region=region, principal=principal)
    events = await env.registry.provider("events")
    answer = events.put_events(ctx, {"Entries": [entry]})
    if answer["FailedEntryCount"]:
        raise ValueError(f"PutEvents refused the record: {answer['Entries'][0]}")


async def send_quietly(env: Environment, arn: str, body: str, attributes: dict[str, Any] | None = None) -> bool:
    """send(), logging instead of raising: a lost record must not fail the work it describes."""
    try:
        await send(env, arn, body, attributes)
    except Exception as exc:
        log.warning("could not deliver a Lambda record to %s: %r", arn, exc)
        return False
    return True


async def _maybe_await(result: Any) -> Any:
    return await result if inspect.isawaitable(result) else result
