"""Delivering: one outbox event per (message, subscription), handled here, at least once.

A failed attempt raises, and the outbox retries it with backoff. After the protocol's number
of attempts (the delivery policy's numRetries + 1 for HTTP) the message goes to the
subscription's dead-letter queue when it has a RedrivePolicy, and is dropped otherwise, as AWS
does.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import logging
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from cloudlet.core.outbox import Event, exponential_backoff
from cloudlet.edge.types import Headers, Principal, Request, RequestContext
from cloudlet.services.sns import envelope, store
from cloudlet.services.sns.signing import Signer

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

log = logging.getLogger("cloudlet.sns")

CONSUMER = "sns.deliver"
MAX_ATTEMPTS = 10_000  # the handler decides when to give up, per protocol
BACKOFF = exponential_backoff(base=1.0, cap=20.0)
_ATTEMPTS = {"sqs": 25, "lambda": 25, "firehose": 25, "email": 25, "email-json": 25}
_HTTP_TIMEOUT = 15.0
CONFIRMATION_ATTEMPTS = 4
EMAIL_PROTOCOLS = ("email", "email-json")
SNS_USER_ID = "AIDAIT2UOQQY3AUEKVGXU"  # the sender id AWS's SNS deliveries carry


class DeliveryFailed(Exception):
    pass


class Deliveries:
    def __init__(self, env: Environment, signer: Signer) -> None:
        self.env = env
        self.signer = signer

    async def handle(self, event: Event) -> None:
        payload = event.payload
        if payload["kind"] != "notification":
            try:
                if payload.get("protocol") in EMAIL_PROTOCOLS:
                    await self._mail(payload["account"], payload["region"], payload["endpoint"], payload["subject"],
                                     payload["body"])
                else:
                    await self._post(payload["endpoint"], payload["body"], payload["headers"])
            except DeliveryFailed:
                if event.attempt < CONFIRMATION_ATTEMPTS:
                    raise
                log.warning("SNS gave up sending a %s to %s", payload["kind"], payload["endpoint"])
            return
        with self.env.store.read() as conn:
            sub = store.find_subscription(conn, payload["subscription"])
            topic = store.find_topic(conn, sub.topic_arn) if sub else None
        if sub is None or topic is None:
            return  # unsubscribed (or topic deleted) since the publish: nothing to deliver
        version = topic.attributes.get("SignatureVersion", "1")
        try:
            await self._notify(sub, payload["message"], version)
        except Exception:
            if event.attempt < _attempts(sub):
                raise
            await self._give_up(sub, payload["message"], version)

    async def _notify(self, sub: store.Subscription, record: dict[str, Any], version: str) -> None:
        raw = sub.attributes.get("RawMessageDelivery") == "true"
        if sub.protocol == "sqs":
            await self._send_to_queue(sub.endpoint, sub, record, version, raw)
        elif sub.protocol in ("http", "https"):
            body, headers = self._http_request(sub, record, version, raw)
            await self._post(sub.endpoint, body, headers)
        elif sub.protocol == "lambda":
            await self._invoke(sub, record, version)
        elif sub.protocol in EMAIL_PROTOCOLS:
            subject, body = envelope.email(sub, envelope.notification(sub, record, self.signer, version))
            await self._mail(sub.account_id, sub.region, sub.endpoint, subject, body)
        else:
            log.info("SNS protocol %s is not delivered by cloudlet; dropping message %s", sub.protocol,
                     record["message_id"])

    async def _give_up(self, sub: store.Subscription, record: dict[str, Any], version: str) -> None:
        redrive = sub.attributes.get("RedrivePolicy")
        if not redrive:
            log.warning("SNS gave up delivering %s to %s", record["message_id"], sub.arn)
            return
        target = json.loads(redrive)["deadLetterTargetArn"]
        await self._send_to_queue(target, sub, record, version, sub.attributes.get("RawMessageDelivery") == "true")

    # -- sqs -------------------------------------------------------------------------------------

    async def _send_to_queue(self, queue_arn: str, sub: store.Subscription, record: dict[str, Any],
                             version: str, raw: bool) -> None:
        if not self.env.registry.implements("sqs"):
            raise DeliveryFailed("SQS is not available in this cloudlet")
        _, _, _, region, account, name = queue_arn.split(":", 5)
        params: dict[str, Any] = {"QueueUrl": f"http://localhost/{account}/{name}"}
        if raw:
            params["MessageBody"] = envelope.message_for(sub, record)
            if record["attributes"]:
                params["MessageAttributes"] = _queue_attributes(record["attributes"])
        else:
            params["MessageBody"] = json.dumps(envelope.notification(sub, record, self.signer, version), indent=2)
        if name.endswith(".fifo"):
            params["MessageGroupId"] = record.get("group_id") or "default"
            params["MessageDeduplicationId"] = record.get("dedup_id") or record["message_id"]
        provider = await self.env.registry.provider("sqs")
        result = provider.send_message(_service_context("sqs", "SendMessage", region, sub.account_id), params)
        if inspect.isawaitable(result):
            await result

    # -- lambda ----------------------------------------------------------------------------------

    async def _invoke(self, sub: store.Subscription, record: dict[str, Any], version: str) -> None:
        if not self.env.registry.implements("lambda"):
            raise DeliveryFailed("Lambda is not available in this cloudlet")
        region = sub.endpoint.split(":")[3]
        event = envelope.lambda_event(sub, envelope.notification(sub, record, self.signer, version))
        provider = await self.env.registry.provider("lambda")
        params = {"FunctionName": sub.endpoint, "InvocationType": "Event", "Payload": json.dumps(event).encode()}
        result = provider.invoke(_service_context("lambda", "Invoke", region, sub.account_id), params)
        if inspect.isawaitable(result):
            await result

    # -- email and email-json ----------------------------------------------------------------------

    async def _mail(self, account: str, region: str, address: str, subject: str, body: str) -> None:
        """Into SES's mailbox (and its SMTP relay when one is configured), from SNS's own address."""
        if not self.env.registry.implements("ses"):
            raise DeliveryFailed("SES is not available in this cloudlet")
        ses = await self.env.registry.provider("ses")
        ses.mail.send_notification(account, region, envelope.EMAIL_SENDER, address, subject, body)

    # -- http ------------------------------------------------------------------------------------

    def _http_request(self, sub: store.Subscription, record: dict[str, Any], version: str,
                      raw: bool) -> tuple[str, dict[str, str]]:
        headers = http_headers("Notification", record["message_id"], sub.topic_arn, sub.arn)
        if raw:
            headers["x-amz-sns-rawdelivery"] = "true"
            return envelope.message_for(sub, record), headers
        return json.dumps(envelope.notification(sub, record, self.signer, version), indent=2), headers

    async def _post(self, url: str, body: str, headers: dict[str, str]) -> None:
        status = await asyncio.to_thread(_post, url, body.encode(), headers)
        if not 200 <= status < 300:
            raise DeliveryFailed(f"POST {url} answered {status}")


def http_headers(kind: str, message_id: str, topic_arn: str, sub_arn: str | None) -> dict[str, str]:
    headers = {
        "Content-Type": "text/plain; charset=UTF-8",
        "User-Agent": "Amazon Simple Notification Service Agent",
        "x-amz-sns-message-type": kind,
        "x-amz-sns-message-id": message_id,
        "x-amz-sns-topic-arn": topic_arn,
    }
    if sub_arn is not None:
        headers["x-amz-sns-subscription-arn"] = sub_arn
    return headers


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=_HTTP_TIMEOUT) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError) as exc:
        raise DeliveryFailed(f"POST {url} failed: {exc}") from None


def _attempts(sub: store.Subscription) -> int:
    if sub.protocol in ("http", "https"):
        policy = sub.attributes.get("DeliveryPolicy")
        retries = 3
        if policy:
            parsed = json.loads(policy)
            retry = parsed.get("healthyRetryPolicy") or parsed.get("http", {}).get("defaultHealthyRetryPolicy") or {}
            retries = int(retry.get("numRetries", 3))
        return retries + 1
    return _ATTEMPTS.get(sub.protocol, 1)


def _queue_attributes(attributes: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
    converted: dict[str, dict[str, Any]] = {}
    for name, value in attributes.items():
        if value["Type"].startswith("Binary"):
            converted[name] = {"DataType": value["Type"], "BinaryValue": base64.b64decode(value["Value"])}
        else:
            converted[name] = {"DataType": value["Type"], "StringValue": value["Value"]}
    return converted


def _service_context(service: str, operation: str, region: str, account_id: str) -> RequestContext:
    """The context of a call SNS makes to another service on a topic owner's behalf."""
    request = Request("POST", "/", "", Headers([("host", "localhost")]))
    principal = Principal("", account_id, f"arn:aws:iam::{account_id}:root", SNS_USER_ID)
    return RequestContext(request, service=service, operation=operation, region=region, principal=principal)
