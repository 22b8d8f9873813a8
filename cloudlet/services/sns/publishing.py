"""Publishing: a Publish (or batch entry) checked, deduplicated (FIFO) and fanned out.

Each matching, confirmed subscription gets one outbox event in the publish transaction, so a
message reaches every subscriber at least once (also across a restart) and each subscriber
retries on its own. FIFO topics order deliveries per (subscription, message group).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any

from cloudlet.core import outbox
from cloudlet.services.sns import filters, store
from cloudlet.services.sns.errors import InvalidParameter, InvalidParameterValue

DELIVERY_TOPIC = "sns.deliver"
MAX_SIZE = 262144
DEDUP_WINDOW = 300.0
_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
_FIFO_ID = re.compile(r"^[A-Za-z0-9!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]{1,128}$")


def timestamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def check(topic: store.Topic, params: dict[str, Any]) -> dict[str, Any]:
    """The message as deliveries need it; InvalidParameter when AWS would refuse it."""
    message = params.get("Message")
    if not message:
        raise InvalidParameter("Empty message")
    subject = params.get("Subject")
    if subject is not None and (not subject or len(subject) > 100 or not subject.isascii()
                                or any(ch in subject for ch in "\r\n")):
        raise InvalidParameter("Subject")
    attributes = _attributes(params.get("MessageAttributes") or {})
    if _size(message, attributes) > MAX_SIZE:
        raise InvalidParameter("Message too long")
    per_protocol = _structure(message) if params.get("MessageStructure") == "json" else {}
    if params.get("MessageStructure") not in (None, "json"):
        raise InvalidParameter("MessageStructure")
    record: dict[str, Any] = {
        "topic_arn": topic.arn,
        "message": per_protocol.pop("default", message),
        "per_protocol": per_protocol,
        "subject": subject,
        "attributes": attributes,
    }
    _fifo_fields(topic, params, record)
    return record


def _attributes(raw: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """name -> {"Type", "Value"} as the SNS envelope carries it (binary values in base64)."""
    checked = {}
    for name, value in raw.items():
        if not _ATTRIBUTE_NAME.match(name) or name.startswith((".", "AWS.", "Amazon.")) or name.endswith(".") \
                or ".." in name:
            raise InvalidParameterValue(f"The message attribute name '{name}' is invalid.")
        data_type = value.get("DataType") or ""
        base = data_type.split(".", 1)[0]
        if base not in ("String", "Number", "Binary"):
            raise InvalidParameterValue(f"The message attribute '{name}' has an invalid message attribute type,"
                                        " the set of supported type prefixes is Binary, Number, and String.")
        if base == "Binary":
            blob = value.get("BinaryValue")
            if blob is None:
                raise InvalidParameterValue(f"The message attribute '{name}' with type 'Binary' must use field"
                                            " 'Binary'.")
            text = base64.b64encode(blob if isinstance(blob, bytes) else str(blob).encode()).decode()
        else:
            text = value.get("StringValue")
            if text is None or text == "":
                raise InvalidParameterValue(f"The message attribute '{name}' must contain non-empty message"
                                            f" attribute value for message attribute type '{base}'.")
            _check_value(name, data_type, text)
        checked[name] = {"Type": data_type, "Value": text}
    return checked


def _check_value(name: str, data_type: str, text: str) -> None:
    if data_type.startswith("Number"):
        try:
            float(text)
        except ValueError:
            raise InvalidParameterValue(f"Could not cast message attribute '{name}' value to number.") from None
    elif data_type == "String.Array":
        try:
            values = json.loads(text)
        except ValueError:
            values = None
        if not isinstance(values, list) or any(isinstance(v, (dict, list)) for v in values):
            raise InvalidParameterValue(f"The message attribute '{name}' with type 'String.Array' has to be a"
                                        " valid array of strings, numbers, booleans or nulls.")


def _size(message: str, attributes: dict[str, dict[str, str]]) -> int:
    size = len(message.encode())
    for name, value in attributes.items():
        size += len(name.encode()) + len(value["Type"].encode()) + len(value["Value"].encode())
    return size


def _structure(message: str) -> dict[str, str]:
    try:
        parsed = json.loads(message)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise InvalidParameter("Message Structure - No JSON message body is parseable")
    if "default" not in parsed:
        raise InvalidParameter("Message Structure - No default entry in JSON message body")
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in parsed.items()}


def _fifo_fields(topic: store.Topic, params: dict[str, Any], record: dict[str, Any]) -> None:
    group, dedup = params.get("MessageGroupId"), params.get("MessageDeduplicationId")
    for name, value in (("MessageGroupId", group), ("MessageDeduplicationId", dedup)):
        if value is not None and not _FIFO_ID.match(value):
            raise InvalidParameter(f"{name} Reason: {name} can only include alphanumeric and punctuation"
                                   " characters. 1 to 128 in length.")
    if not topic.fifo:
        if dedup is not None:
            raise InvalidParameter("MessageDeduplicationId Reason: The request includes MessageDeduplicationId"
                                   " parameter that is not valid for this topic type")
        record["group_id"] = group  # standard topics pass it on (SQS fair queues)
        return
    if group is None:
        raise InvalidParameter("The MessageGroupId parameter is required for FIFO topics")
    if dedup is None:
        if topic.attributes.get("ContentBasedDeduplication") != "true":
            raise InvalidParameter("The topic should either have ContentBasedDeduplication enabled or"
                                   " MessageDeduplicationId provided explicitly")
        dedup = hashlib.sha256(params["Message"].encode()).hexdigest()
    record["group_id"], record["dedup_id"] = group, dedup


def publish(conn: sqlite3.Connection, topic: store.Topic, record: dict[str, Any], base_url: str,
            now: float) -> dict[str, Any]:
    """Stores the deliveries of one checked message; returns Publish's answer."""
    message_id = str(uuid.uuid4())
    answer: dict[str, Any] = {"MessageId": message_id}
    if topic.fifo:
        duplicate = store.find_duplicate(conn, topic.arn, record["dedup_id"], now)
        if duplicate is not None:
            return {"MessageId": duplicate[0], "SequenceNumber": duplicate[1]}
        sequence = f"{store.next_sequence(conn, topic.arn):020d}"
        store.remember_dedup(conn, topic.arn, record["dedup_id"], message_id, sequence, now + DEDUP_WINDOW)
        record["sequence"] = answer["SequenceNumber"] = sequence
    record.update(message_id=message_id, timestamp=timestamp(now), base_url=base_url)
    for sub in store.topic_subscriptions(conn, topic.arn):
        if _wanted(sub, record):
            key = f"{sub.arn}\x00{record['group_id']}" if topic.fifo else None
            outbox.emit(conn, DELIVERY_TOPIC, {"kind": "notification", "subscription": sub.arn,
                                               "message": record}, key=key)
    return answer


def _wanted(sub: store.Subscription, record: dict[str, Any]) -> bool:
    policy = sub.attributes.get("FilterPolicy")
    if not policy:
        return True
    scope = sub.attributes.get("FilterPolicyScope", "MessageAttributes")
    attributes = {name: _api_form(value) for name, value in record["attributes"].items()}
    message = record["per_protocol"].get(sub.protocol, record["message"])
    return filters.matches(policy, scope, attributes, message)


def _api_form(value: dict[str, str]) -> dict[str, str]:
    return {"DataType": value["Type"], "StringValue": value["Value"]}
