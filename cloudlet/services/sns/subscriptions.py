"""Subscriptions: protocols and endpoints, their attributes, and confirmation state."""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import uuid
from typing import Any

from cloudlet.services.sns import filters, store, topics
from cloudlet.services.sns.errors import InvalidParameter, subscription_not_found

PROTOCOLS = frozenset({"http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose"})
# Subscribers AWS confirms at once: the endpoint is an AWS resource, not someone's inbox or server.
_CONFIRMED_AT_ONCE = frozenset({"sqs", "lambda", "firehose", "application", "sms"})
SETTABLE = frozenset({"RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "DeliveryPolicy",
                      "RedrivePolicy", "SubscriptionRoleArn", "ReplayPolicy"})
_RAW_CAPABLE = frozenset({"sqs", "http", "https", "firehose", "lambda"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ARN = re.compile(r"^arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):(\d{12}):(.+)$")
_PHONE = re.compile(r"^\+?[0-9]{5,15}$")
PENDING = "pending confirmation"


def subscription_arn(topic_arn: str) -> str:
    return f"{topic_arn}:{uuid.uuid4()}"


def check_endpoint(protocol: str, endpoint: str | None) -> str:
    if protocol not in PROTOCOLS:
        raise InvalidParameter(f"Amazon SNS does not support this protocol string: {protocol}")
    endpoint = endpoint or ""
    if protocol in ("http", "https"):
        if not endpoint.lower().startswith(protocol + "://"):
            raise InvalidParameter("Endpoint must match the specified protocol")
    elif protocol in ("email", "email-json"):
        if not _EMAIL.match(endpoint):
            raise InvalidParameter("Email address")
    elif protocol == "sms":
        if not _PHONE.match(endpoint):
            raise InvalidParameter(f"Invalid SMS endpoint: {endpoint}")
    else:
        match = _ARN.match(endpoint)
        service = {"sqs": "sqs", "lambda": "lambda", "firehose": "firehose", "application": "sns"}[protocol]
        if match is None or match.group(1) != service:
            label = {"sqs": "SQS endpoint ARN", "lambda": "Lambda endpoint ARN", "firehose": "Firehose endpoint ARN",
                     "application": "Application endpoint ARN"}[protocol]
            raise InvalidParameter(label)
    return endpoint


def check_attribute(protocol: str, name: str, value: str, scope: str) -> str:
    if name not in SETTABLE:
        raise InvalidParameter("AttributeName")
    if name == "RawMessageDelivery":
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise InvalidParameter("Attributes Reason: RawMessageDelivery: Invalid value [" + value
                                   + "]. Must be true or false.")
        if lowered == "true" and protocol not in _RAW_CAPABLE:
            raise InvalidParameter("Attributes Reason: Delivery protocol [" + protocol
                                   + "] does not support raw message delivery.")
        return lowered
    if name == "FilterPolicyScope" and value not in ("MessageAttributes", "MessageBody"):
        raise InvalidParameter("Attributes Reason: FilterPolicyScope: Invalid value [" + value
                               + "]. Please use either MessageBody or MessageAttributes")
    if name == "FilterPolicy" and value:
        filters.check(value, scope)
    if name == "RedrivePolicy" and value:
        _check_redrive(value)
    if name == "DeliveryPolicy" and value:
        _json(name, value)
    return value


def _json(name: str, value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        raise InvalidParameter(f"{name}: failed to parse JSON.") from None


def _check_redrive(value: str) -> None:
    policy = _json("RedrivePolicy", value)
    target = policy.get("deadLetterTargetArn") if isinstance(policy, dict) else None
    if not isinstance(target, str) or not target.startswith("arn:") or ":sqs:" not in target:
        raise InvalidParameter("RedrivePolicy: deadLetterTargetArn is missing or is not a valid SQS queue ARN")


def _checked_attributes(protocol: str, attributes: dict[str, str]) -> dict[str, str]:
    scope = attributes.get("FilterPolicyScope", "MessageAttributes")
    checked = {name: check_attribute(protocol, name, value, scope) for name, value in attributes.items()}
    if "FilterPolicy" in checked and "FilterPolicyScope" not in checked:
        checked["FilterPolicyScope"] = "MessageAttributes"
    return checked


def subscribe(conn: sqlite3.Connection, topic: store.Topic, params: dict[str, Any], owner: str,
              now: float) -> tuple[store.Subscription, bool]:
    """(the subscription, whether it is new); an identical subscription is returned as it is."""
    protocol = (params.get("Protocol") or "").lower()
    endpoint = check_endpoint(protocol, params.get("Endpoint"))
    if topic.fifo and protocol not in ("sqs", "lambda", "firehose"):
        raise InvalidParameter(f"Invalid protocol type: {protocol}")
    if protocol == "sqs" and endpoint.endswith(".fifo") and not topic.fifo:
        raise InvalidParameter("Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics")
    attributes = _checked_attributes(protocol, dict(params.get("Attributes") or {}))
    existing = store.find_by_endpoint(conn, topic.arn, protocol, endpoint)
    if existing is not None:
        if any(existing.attributes.get(key) != value for key, value in attributes.items()):
            raise InvalidParameter("Attributes Reason: Subscription already exists with different attributes")
        return existing, False
    region, account_id, _ = topics.parse_arn(topic.arn) or (topic.region, topic.account_id, "")
    sub = store.Subscription(subscription_arn(topic.arn), topic.arn, account_id, region, owner, protocol,
                             endpoint, attributes, protocol not in _CONFIRMED_AT_ONCE, secrets.token_hex(64))
    store.insert_subscription(conn, sub, now)
    return sub, True


def get(conn: sqlite3.Connection, arn: str) -> store.Subscription:
    if arn == PENDING or not arn.startswith("arn:"):
        raise InvalidParameter("SubscriptionArn")
    sub = store.find_subscription(conn, arn)
    if sub is None:
        raise subscription_not_found()
    return sub


def set_attribute(conn: sqlite3.Connection, sub: store.Subscription, name: str, value: str) -> None:
    scope = sub.attributes.get("FilterPolicyScope", "MessageAttributes")
    if name == "FilterPolicyScope" and sub.attributes.get("FilterPolicy"):
        filters.check(sub.attributes["FilterPolicy"], check_attribute(sub.protocol, name, value, scope))
    value = check_attribute(sub.protocol, name, value, scope)
    if value == "" and name in ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy"):
        sub.attributes.pop(name, None)
        if name == "FilterPolicy":
            sub.attributes.pop("FilterPolicyScope", None)
    else:
        sub.attributes[name] = value
        if name == "FilterPolicy":
            sub.attributes.setdefault("FilterPolicyScope", "MessageAttributes")
    store.update_subscription(conn, sub)


def describe(sub: store.Subscription) -> dict[str, str]:
    attributes = {
        "SubscriptionArn": sub.arn,
        "TopicArn": sub.topic_arn,
        "Owner": sub.owner,
        "Protocol": sub.protocol,
        "Endpoint": sub.endpoint,
        "ConfirmationWasAuthenticated": "true" if sub.protocol in _CONFIRMED_AT_ONCE else "false",
        "PendingConfirmation": "true" if sub.pending else "false",
        "RawMessageDelivery": "false",
    }
    if sub.protocol in ("http", "https"):
        attributes["EffectiveDeliveryPolicy"] = json.dumps(
            {"healthyRetryPolicy": topics.DEFAULT_DELIVERY_POLICY["http"]["defaultHealthyRetryPolicy"]})
    attributes.update(sub.attributes)
    return attributes


def listed(sub: store.Subscription) -> dict[str, str]:
    return {"SubscriptionArn": PENDING.title().replace(" ", "") if sub.pending else sub.arn,
            "Owner": sub.owner, "Protocol": sub.protocol, "Endpoint": sub.endpoint, "TopicArn": sub.topic_arn}


def returned_arn(sub: store.Subscription, params: dict[str, Any]) -> str:
    return sub.arn if not sub.pending or params.get("ReturnSubscriptionArn") else PENDING
