"""Queue attributes: names, defaults, validation, and the FIFO naming rules.

Settable attributes are kept as the canonical strings GetQueueAttributes answers; the
Approximate* counts, timestamps and the ARN are computed when asked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from cloudlet.core import policy
from cloudlet.services.sqs.errors import InvalidAttributeName, InvalidAttributeValue, InvalidParameterValue

MAX_MESSAGE_SIZE = 1_048_576
DEFAULT_MESSAGE_SIZE = 262_144

_STANDARD_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_FIFO_NAME = re.compile(r"^[A-Za-z0-9_-]{1,75}\.fifo$")

DEFAULTS = {
    "DelaySeconds": "0",
    "MaximumMessageSize": str(DEFAULT_MESSAGE_SIZE),
    "MessageRetentionPeriod": "345600",
    "ReceiveMessageWaitTimeSeconds": "0",
    "VisibilityTimeout": "30",
    "SqsManagedSseEnabled": "true",
}
FIFO_DEFAULTS = {
    "FifoQueue": "true",
    "ContentBasedDeduplication": "false",
    "DeduplicationScope": "queue",
    "FifoThroughputLimit": "perQueue",
}
# Attributes only GetQueueAttributes answers (computed), in the order AWS lists them.
COMPUTED = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn")
_INTEGER_RANGES = {
    "DelaySeconds": (0, 900),
    "MaximumMessageSize": (1024, MAX_MESSAGE_SIZE),
    "MessageRetentionPeriod": (60, 1_209_600),
    "ReceiveMessageWaitTimeSeconds": (0, 20),
    "VisibilityTimeout": (0, 43_200),
    "KmsDataKeyReusePeriodSeconds": (60, 86_400),
}
_FIFO_ONLY = ("ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit")
_ENUMS = {
    "DeduplicationScope": ("messageGroup", "queue"),
    "FifoThroughputLimit": ("perQueue", "perMessageGroupId"),
}
_SETTABLE = frozenset({*_INTEGER_RANGES, *_FIFO_ONLY, "Policy", "RedrivePolicy", "RedriveAllowPolicy",
                       "KmsMasterKeyId", "SqsManagedSseEnabled"})
ALL_NAMES = frozenset({*_SETTABLE, *COMPUTED, "FifoQueue"})


def check_queue_name(name: str, fifo: bool) -> None:
    if fifo and not _FIFO_NAME.match(name):
        raise InvalidParameterValue(
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores,"
            " must end with .fifo suffix and be 1 to 80 in length.")
    if not fifo and not _STANDARD_NAME.match(name):
        raise InvalidParameterValue("Can only include alphanumeric characters, hyphens, or underscores."
                                    " 1 to 80 in length")


def is_fifo_request(name: str, attributes: dict[str, str]) -> bool:
    flag = attributes.get("FifoQueue")
    if flag is None:
        return False
    if flag.lower() not in ("true", "false"):
        raise InvalidAttributeValue("FifoQueue")
    return flag.lower() == "true"


def initial_attributes(fifo: bool, requested: dict[str, str],
                       lookup: Callable[[str], dict[str, Any] | None]) -> dict[str, str]:
    """The attributes of a new queue: defaults overlaid with the requested ones, validated."""
    attributes = dict(DEFAULTS, **(FIFO_DEFAULTS if fifo else {}))
    changes = {name: value for name, value in requested.items() if name != "FifoQueue"}
    attributes.update(validated(changes, fifo, lookup, creating=True))
    check_combination(attributes)
    return attributes


def validated(changes: dict[str, str], fifo: bool, lookup: Callable[[str], dict[str, Any] | None], *,
              creating: bool = False) -> dict[str, str]:
    """Canonical values for `changes`; raises AWS's error for the first bad name or value.

    `lookup(arn)` -> {"fifo": bool, "account_id": ..., "redrive_allow": dict | None} of a queue
    (for RedrivePolicy targets), or None when there is none.
    """
    result = {}
    for name, value in changes.items():
        if name == "FifoQueue" and not creating:
            raise InvalidAttributeName(name)
        if name not in _SETTABLE or (name in _FIFO_ONLY and not fifo):
            raise InvalidAttributeName(name)
        result[name] = _canonical(name, value, fifo, lookup)
    return result


def check_combination(attributes: dict[str, str]) -> None:
    if (attributes.get("FifoThroughputLimit") == "perMessageGroupId"
            and attributes.get("DeduplicationScope") != "messageGroup"):
        raise InvalidAttributeValue("FifoThroughputLimit", "The perMessageGroupId value is allowed only when"
                                    " the value for DeduplicationScope is messageGroup")


def _canonical(name: str, value: str, fifo: bool, lookup: Callable[[str], dict[str, Any] | None]) -> str:
    if name in _INTEGER_RANGES:
        low, high = _INTEGER_RANGES[name]
        if not re.fullmatch(r"-?\d+", value.strip()) or not low <= int(value) <= high:
            raise InvalidAttributeValue(name)
        return str(int(value))
    if name in ("ContentBasedDeduplication", "SqsManagedSseEnabled"):
        if value.lower() not in ("true", "false"):
            raise InvalidAttributeValue(name)
        return value.lower()
    if name in _ENUMS:
        if value not in _ENUMS[name]:
            raise InvalidAttributeValue(name)
        return value
    if name == "RedrivePolicy":
        return _redrive_policy(value, fifo, lookup)
    if name == "RedriveAllowPolicy":
        return _redrive_allow_policy(value)
    if name == "Policy" and value:
        try:
            policy.statements(_json_object(name, value))
        except policy.PolicyError:
            raise InvalidAttributeValue(name) from None
    return value


def _json_object(name: str, value: str) -> dict[str, Any]:
    try:
        parsed = json.loads(value)
    except ValueError:
        raise InvalidAttributeValue(name) from None
    if not isinstance(parsed, dict):
        raise InvalidAttributeValue(name)
    return parsed


def _redrive_policy(value: str, fifo: bool, lookup: Callable[[str], dict[str, Any] | None]) -> str:
    if value == "":
        return ""
    policy = _json_object("RedrivePolicy", value)
    target, count = policy.get("deadLetterTargetArn"), policy.get("maxReceiveCount")
    if not target or count is None:
        raise InvalidParameterValue("Value " + value + " for parameter RedrivePolicy is invalid. Reason: Redrive"
                                    " policy does not contain mandatory attribute: "
                                    + ("deadLetterTargetArn." if not target else "maxReceiveCount."))
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= 1000:
        raise InvalidParameterValue(f"Value {value} for parameter RedrivePolicy is invalid. Reason: Invalid value"
                                    f" for maxReceiveCount: {policy.get('maxReceiveCount')}, valid values are from"
                                    " 1 to 1000 both inclusive.")
    dead_letter = lookup(target)
    if dead_letter is None:
        raise InvalidParameterValue(f"Value {value} for parameter RedrivePolicy is invalid. Reason: Dead letter"
                                    f" target does not exist.")
    if dead_letter["fifo"] != fifo:
        kind = "FIFO" if fifo else "standard"
        raise InvalidParameterValue(f"Value {value} for parameter RedrivePolicy is invalid. Reason: Dead-letter"
                                    f" queue must be same type of queue as the source ({kind}).")
    return json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": count}, separators=(",", ":"))


def _redrive_allow_policy(value: str) -> str:
    if value == "":
        return ""
    policy = _json_object("RedriveAllowPolicy", value)
    permission = policy.get("redrivePermission")
    sources = policy.get("sourceQueueArns")
    if permission not in ("allowAll", "denyAll", "byQueue"):
        raise InvalidParameterValue(f"Value {value} for parameter RedriveAllowPolicy is invalid. Reason: Invalid"
                                    " value for redrivePermission.")
    if permission == "byQueue":
        if not isinstance(sources, list) or not 1 <= len(sources) <= 10:
            raise InvalidParameterValue(f"Value {value} for parameter RedriveAllowPolicy is invalid. Reason:"
                                        " sourceQueueArns must list 1 to 10 queue ARNs for redrivePermission"
                                        " byQueue.")
    elif sources:
        raise InvalidParameterValue(f"Value {value} for parameter RedriveAllowPolicy is invalid. Reason:"
                                    " sourceQueueArns is only allowed with redrivePermission byQueue.")
    return json.dumps(policy, separators=(",", ":"))


def redrive_allowed(dead_letter_allow_policy: str | None, source_arn: str) -> bool:
    """Whether a dead-letter queue's RedriveAllowPolicy lets `source_arn` name it."""
    if not dead_letter_allow_policy:
        return True
    policy = json.loads(dead_letter_allow_policy)
    permission = policy.get("redrivePermission")
    if permission == "denyAll":
        return False
    if permission == "byQueue":
        return source_arn in policy.get("sourceQueueArns", [])
    return True


def requested_names(names: list[str]) -> list[str]:
    """GetQueueAttributes' AttributeNames, expanded (All) and checked."""
    for name in names:
        if name != "All" and name not in ALL_NAMES:
            raise InvalidAttributeName(name)
    if "All" in names:
        return sorted(ALL_NAMES)
    return list(dict.fromkeys(names))
