"""Topics: names, ARNs, attributes as GetTopicAttributes shows them, and tags."""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

from cloudlet.services.sns import store
from cloudlet.services.sns.errors import InvalidParameter, ResourceNotFound, TagLimitExceeded, topic_not_found

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_FIFO_NAME = re.compile(r"^[A-Za-z0-9_-]{1,251}\.fifo$")
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]+)$")

# Attributes a caller may set (CreateTopic / SetTopicAttributes); the rest are computed.
SETTABLE = frozenset({
    "DisplayName", "Policy", "DeliveryPolicy", "KmsMasterKeyId", "SignatureVersion", "TracingConfig",
    "ContentBasedDeduplication", "FifoTopic", "ArchivePolicy", "DataProtectionPolicy", "FifoThroughputScope",
    *(f"{protocol}{suffix}" for protocol in ("Application", "Firehose", "HTTP", "Lambda", "SQS")
      for suffix in ("SuccessFeedbackRoleArn", "SuccessFeedbackSampleRate", "FailureFeedbackRoleArn")),
})
_CREATE_ONLY = frozenset({"FifoTopic"})
_BOOLEANS = frozenset({"FifoTopic", "ContentBasedDeduplication"})

DEFAULT_DELIVERY_POLICY = {
    "http": {
        "defaultHealthyRetryPolicy": {
            "minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 3, "numMaxDelayRetries": 0,
            "numNoDelayRetries": 0, "numMinDelayRetries": 0, "backoffFunction": "linear",
        },
        "disableSubscriptionOverrides": False,
        "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
    }
}


def topic_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:aws:sns:{region}:{account_id}:{name}"


def parse_arn(arn: str) -> tuple[str, str, str] | None:
    """(region, account id, name) of a topic ARN, or None."""
    match = _TOPIC_ARN.match(arn)
    return (match.group(1), match.group(2), match.group(3)) if match else None


def get(conn: sqlite3.Connection, arn: str) -> store.Topic:
    if parse_arn(arn) is None:
        raise InvalidParameter("TopicArn")
    topic = store.find_topic(conn, arn)
    if topic is None:
        raise topic_not_found()
    return topic


def create(conn: sqlite3.Connection, account_id: str, region: str, params: dict[str, Any],
           now: float) -> str:
    name = params["Name"]
    attributes = dict(params.get("Attributes") or {})
    for key in attributes:
        if key not in SETTABLE:
            raise InvalidParameter("Attributes Reason: Unknown attribute")
    fifo = _is_true(attributes.get("FifoTopic", "false"), "FifoTopic")
    _check_name(name, fifo)
    if not fifo:
        if "ContentBasedDeduplication" in attributes and _is_true(attributes["ContentBasedDeduplication"],
                                                                  "ContentBasedDeduplication"):
            raise InvalidParameter("Attributes Reason: Content-based deduplication can only be set for FIFO topics")
        attributes.pop("FifoTopic", None)
    for key, value in attributes.items():
        attributes[key] = _checked(key, value)
    arn = topic_arn(region, account_id, name)
    new_tags = {tag["Key"]: tag["Value"] for tag in params.get("Tags") or []}
    existing = store.find_topic(conn, arn)
    if existing is not None:
        if any(existing.attributes.get(k) != v for k, v in attributes.items()):
            raise InvalidParameter("Attributes Reason: Topic already exists with different attributes")
        if new_tags and new_tags != store.tags(conn, arn):
            raise InvalidParameter("Tags Reason: Topic already exists with different tags")
        return arn
    store.insert_topic(conn, store.Topic(arn, account_id, region, name, fifo, attributes), now)
    set_tags(conn, arn, new_tags)
    return arn


def _check_name(name: str, fifo: bool) -> None:
    if fifo:
        if not _FIFO_NAME.match(name):
            raise InvalidParameter(
                "Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII"
                " letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long."
            )
    elif not _NAME.match(name):
        raise InvalidParameter("Topic Name")


def _is_true(value: str, name: str) -> bool:
    lowered = str(value).lower()
    if lowered not in ("true", "false"):
        raise InvalidParameter(f"Attributes Reason: {name}: Invalid value [{value}]. Must be true or false.")
    return lowered == "true"


def _checked(name: str, value: str) -> str:
    if name in _BOOLEANS:
        return "true" if _is_true(value, name) else "false"
    if name in ("Policy", "DeliveryPolicy", "DataProtectionPolicy", "ArchivePolicy") and value:
        try:
            json.loads(value)
        except ValueError:
            raise InvalidParameter(f"Attributes Reason: {name}: failed to parse JSON.") from None
    if name == "SignatureVersion" and value not in ("1", "2"):
        raise InvalidParameter("Attributes Reason: SignatureVersion: Invalid value [" + value
                               + "]. Must be 1 or 2.")
    return value


def set_attribute(conn: sqlite3.Connection, topic: store.Topic, name: str, value: str | None) -> None:
    if name not in SETTABLE or name in _CREATE_ONLY:
        raise InvalidParameter("AttributeName")
    if name == "ContentBasedDeduplication" and not topic.fifo:
        raise InvalidParameter("Attributes Reason: Content-based deduplication can only be set for FIFO topics")
    if value is None or value == "":
        topic.attributes.pop(name, None)
    else:
        topic.attributes[name] = _checked(name, value)
    store.update_topic_attributes(conn, topic)


def describe(conn: sqlite3.Connection, topic: store.Topic) -> dict[str, str]:
    confirmed, pending = store.subscription_counts(conn, topic.arn)
    attributes = {
        "TopicArn": topic.arn,
        "Owner": topic.account_id,
        "Policy": json.dumps(default_policy(topic)),
        "DisplayName": "",
        "SubscriptionsConfirmed": str(confirmed),
        "SubscriptionsPending": str(pending),
        "SubscriptionsDeleted": "0",
        "EffectiveDeliveryPolicy": json.dumps(DEFAULT_DELIVERY_POLICY),
    }
    if topic.fifo:
        attributes.update({"FifoTopic": "true", "ContentBasedDeduplication": "false"})
    attributes.update(topic.attributes)
    if "DeliveryPolicy" in topic.attributes:
        attributes["EffectiveDeliveryPolicy"] = topic.attributes["DeliveryPolicy"]
    return attributes


def default_policy(topic: store.Topic) -> dict[str, Any]:
    actions = ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
               "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"]
    return {
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [{
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": actions,
            "Resource": topic.arn,
            "Condition": {"StringEquals": {"AWS:SourceOwner": topic.account_id}},
        }],
    }


# -- tags ----------------------------------------------------------------------------------------

MAX_TAGS = 50


def tagged_topic(conn: sqlite3.Connection, arn: str) -> store.Topic:
    topic = store.find_topic(conn, arn) if parse_arn(arn) else None
    if topic is None:
        raise ResourceNotFound("Resource does not exist")
    return topic


def set_tags(conn: sqlite3.Connection, arn: str, new_tags: dict[str, str]) -> None:
    if not new_tags:
        return
    merged = {**store.tags(conn, arn), **new_tags}
    if len(merged) > MAX_TAGS:
        raise TagLimitExceeded("Could not complete request: tag quota of per resource exceeded")
    store.put_tags(conn, arn, new_tags)
