"""Queue lifecycle and attributes on top of the store: create (idempotent), read, change."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from cloudlet.services.sqs import attributes, store
from cloudlet.services.sqs.errors import InvalidParameterValue, QueueDeletedRecently, QueueNameExists

MAX_TAGS = 50
NAME_HELD_AFTER_DELETE = 60.0


def arn_lookup(conn: sqlite3.Connection) -> Callable[[str], dict[str, Any] | None]:
    def lookup(arn: str) -> dict[str, Any] | None:
        queue = store.find_queue_by_arn(conn, arn)
        if queue is None:
            return None
        return {"fifo": queue.fifo, "redrive_allow": queue.attributes.get("RedriveAllowPolicy")}
    return lookup


def create(conn: sqlite3.Connection, account_id: str, region: str, name: str, arn: str,
           requested: dict[str, str], tags: dict[str, str], now: float) -> store.Queue:
    fifo = attributes.is_fifo_request(name, requested)
    attributes.check_queue_name(name, fifo)
    lookup = arn_lookup(conn)
    initial = attributes.initial_attributes(fifo, requested, lookup)
    _check_redrive_allowed(initial, arn, lookup)
    existing = store.find_queue(conn, account_id, region, name)
    if existing is not None:
        _check_same(existing, requested, initial)
        return existing
    if store.deleted_since(conn, account_id, region, name, now - NAME_HELD_AFTER_DELETE):
        raise QueueDeletedRecently()
    check_tags(tags)
    return store.insert_queue(conn, account_id, region, name, arn, fifo, initial, tags, now)


def _check_same(existing: store.Queue, requested: dict[str, str], initial: dict[str, str]) -> None:
    """CreateQueue of an existing name succeeds only if every attribute asked for matches."""
    if attributes.is_fifo_request(existing.name, requested) != existing.fifo:
        raise QueueNameExists("FifoQueue")
    for name in requested:
        if name != "FifoQueue" and existing.attributes.get(name, "") != initial.get(name, ""):
            raise QueueNameExists(name)


def change(conn: sqlite3.Connection, queue: store.Queue, changes: dict[str, str], now: float) -> None:
    lookup = arn_lookup(conn)
    values = attributes.validated(changes, queue.fifo, lookup)
    updated = {**queue.attributes, **values}
    attributes.check_combination(updated)
    _check_redrive_allowed(values, queue.arn, lookup)
    store.update_attributes(conn, queue, updated, now)


def _check_redrive_allowed(values: dict[str, str], source_arn: str,
                           lookup: Callable[[str], dict[str, Any] | None]) -> None:
    policy = values.get("RedrivePolicy")
    if not policy:
        return
    target = json.loads(policy)["deadLetterTargetArn"]
    dead_letter = lookup(target)
    if dead_letter is not None and not attributes.redrive_allowed(dead_letter["redrive_allow"], source_arn):
        raise InvalidParameterValue(f"Value {policy} for parameter RedrivePolicy is invalid. Reason: Queue {target}"
                                    " does not allow this queue to use it as a dead-letter queue.")


def values(conn: sqlite3.Connection, queue: store.Queue, names: list[str], now: float) -> dict[str, str]:
    """GetQueueAttributes: the asked-for attributes that the queue has, counts computed now."""
    result = {}
    computed = {}
    if any(name.startswith("Approximate") for name in names):
        cutoff = now - queue.int_attribute("MessageRetentionPeriod")
        visible, in_flight, delayed = store.message_counts(conn, queue.id, now, cutoff)
        computed = {"ApproximateNumberOfMessages": visible, "ApproximateNumberOfMessagesNotVisible": in_flight,
                    "ApproximateNumberOfMessagesDelayed": delayed}
    computed.update({"CreatedTimestamp": int(queue.created_at), "LastModifiedTimestamp": int(queue.modified_at),
                     "QueueArn": queue.arn})
    for name in names:
        if name in computed:
            result[name] = str(computed[name])
        elif queue.attributes.get(name):
            result[name] = queue.attributes[name]
    if "KmsDataKeyReusePeriodSeconds" in names and queue.attributes.get("KmsMasterKeyId"):
        result.setdefault("KmsDataKeyReusePeriodSeconds", "300")
    return result


def check_tags(tags: dict[str, str]) -> None:
    if len(tags) > MAX_TAGS:
        raise InvalidParameterValue(f"Too many tags added for queue. Maximum number of tags per queue is {MAX_TAGS}.")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or len(value) > 256 or key.lower().startswith("aws:"):
            raise InvalidParameterValue(f"Tag key {key!r} or its value is invalid: keys are 1 to 128 characters and"
                                        " must not start with aws:, values up to 256 characters.")


def add_permission(queue: store.Queue, label: str, accounts: list[str], actions: list[str]) -> dict[str, str]:
    policy = json.loads(queue.attributes.get("Policy") or '{"Version":"2012-10-17","Statement":[]}')
    statements = policy.setdefault("Statement", [])
    if any(statement.get("Sid") == label for statement in statements):
        raise InvalidParameterValue(f"Value {label} for parameter Label is invalid. Reason: Already exists.")
    principals = [f"arn:aws:iam::{account}:root" for account in accounts]
    statements.append({
        "Sid": label, "Effect": "Allow",
        "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
        "Action": [f"SQS:{action}" for action in actions] if len(actions) > 1 else f"SQS:{actions[0]}",
        "Resource": queue.arn,
    })
    return {**queue.attributes, "Policy": json.dumps(policy, separators=(",", ":"))}


def remove_permission(queue: store.Queue, label: str) -> dict[str, str]:
    policy = json.loads(queue.attributes.get("Policy") or "{}")
    statements = policy.get("Statement", [])
    kept = [statement for statement in statements if statement.get("Sid") != label]
    if len(kept) == len(statements):
        raise InvalidParameterValue(f"Value {label} for parameter Label is invalid. Reason: can't find label on"
                                    " existing policy.")
    policy["Statement"] = kept
    return {**queue.attributes, "Policy": json.dumps(policy, separators=(",", ":")) if kept else ""}
