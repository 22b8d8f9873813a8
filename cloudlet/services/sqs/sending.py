"""Sending: a SendMessage (or batch entry) checked, deduplicated (FIFO) and stored."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from typing import Any

from cloudlet.edge.types import new_request_id
from cloudlet.services.sqs import messages, store
from cloudlet.services.sqs.errors import InvalidParameterValue, MissingParameter

DEDUP_WINDOW = 300.0
_FIFO_ID = re.compile(r"^[A-Za-z0-9!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]{1,128}$")


def send(conn: sqlite3.Connection, queue: store.Queue, params: dict[str, Any], sender_id: str,
         now: float) -> dict[str, Any]:
    """Stores one message; returns the SendMessage answer (without the Id of a batch entry)."""
    return commit(conn, queue, params, prepare(queue, params, sender_id, now), now)


def prepare(queue: store.Queue, params: dict[str, Any], sender_id: str, now: float) -> store.NewMessage:
    """The message a send would store, checked; reads nothing, so it can run before the write."""
    body = messages.check_body(params.get("MessageBody"))
    attributes = messages.stored_attributes(params.get("MessageAttributes"))
    system = messages.stored_system_attributes(params.get("MessageSystemAttributes"))
    limit = queue.int_attribute("MaximumMessageSize")
    if messages.size_of(body, attributes) > limit:
        raise InvalidParameterValue(f"One or more parameters are invalid. Reason: Message must be shorter than"
                                    f" {limit} bytes.")
    delay = _delay(queue, params.get("DelaySeconds"))
    return store.NewMessage(new_request_id(), body, messages.md5_hex(body.encode()), attributes,
                            {"SenderId": sender_id, **system}, sent_at=now, visible_at=now + delay)


def commit(conn: sqlite3.Connection, queue: store.Queue, params: dict[str, Any], message: store.NewMessage,
           now: float) -> dict[str, Any]:
    """Stores a prepared message (FIFO: unless it is a duplicate); returns SendMessage's answer."""
    answer = _answer(message)
    if queue.fifo:
        duplicate = _fifo_fields(conn, queue, params, message, now)
        if duplicate is not None:
            answer["MessageId"], answer["SequenceNumber"] = duplicate
            return answer
        answer["SequenceNumber"] = message.sequence
    else:
        _standard_fields(params, message)
    store.insert_message(conn, queue.id, message)
    return answer


def _answer(message: store.NewMessage) -> dict[str, Any]:
    answer: dict[str, Any] = {"MessageId": message.message_id, "MD5OfMessageBody": message.body_md5}
    if message.attributes:
        answer["MD5OfMessageAttributes"] = messages.md5_of_attributes(message.attributes)
    trace = messages.system_md5(message.system)
    if trace is not None:
        answer["MD5OfMessageSystemAttributes"] = trace
    return answer


def _delay(queue: store.Queue, requested: int | None) -> int:
    if requested is None:
        return queue.int_attribute("DelaySeconds")
    if not 0 <= requested <= 900:
        raise InvalidParameterValue(f"Value {requested} for parameter DelaySeconds is invalid. Reason:"
                                    " DelaySeconds must be >= 0 and <= 900.")
    if queue.fifo and requested:
        raise InvalidParameterValue(f"Value {requested} for parameter DelaySeconds is invalid. Reason: The request"
                                    " include parameter that is not valid for this queue type.")
    return requested


def check_fifo_id(name: str, value: str) -> None:
    """Group, deduplication and receive attempt ids: 1 to 128 alphanumerics and punctuation."""
    if not _FIFO_ID.match(value):
        raise InvalidParameterValue(f"Value {value} for parameter {name} is invalid. Reason: {name} can only"
                                    " include alphanumeric and punctuation characters. 1 to 128 in length.")


def _standard_fields(params: dict[str, Any], message: store.NewMessage) -> None:
    dedup_id = params.get("MessageDeduplicationId")
    if dedup_id is not None:
        raise InvalidParameterValue(f"Value {dedup_id} for parameter MessageDeduplicationId is invalid. Reason:"
                                    " The request includes a parameter that is not valid for this queue type.")
    group_id = params.get("MessageGroupId")
    if group_id is not None:  # fair queues: a standard queue takes a group id and keeps it
        check_fifo_id("MessageGroupId", group_id)
        message.group_id = group_id


def _fifo_fields(conn: sqlite3.Connection, queue: store.Queue, params: dict[str, Any],
                 message: store.NewMessage, now: float) -> tuple[str, str] | None:
    """Fills group, deduplication id and sequence; returns (id, sequence) of a duplicate instead."""
    group_id = params.get("MessageGroupId")
    if not group_id:
        raise MissingParameter("MessageGroupId")
    check_fifo_id("MessageGroupId", group_id)
    dedup_id = params.get("MessageDeduplicationId")
    if dedup_id is None:
        if queue.attributes.get("ContentBasedDeduplication") != "true":
            raise InvalidParameterValue("The queue should either have ContentBasedDeduplication enabled or"
                                        " MessageDeduplicationId provided explicitly")
        dedup_id = hashlib.sha256(message.body.encode()).hexdigest()
    check_fifo_id("MessageDeduplicationId", dedup_id)
    message.group_id, message.dedup_id = group_id, dedup_id
    scope_key = dedup_id
    if queue.attributes.get("DeduplicationScope") == "messageGroup":
        scope_key = f"{group_id}\x00{dedup_id}"
    duplicate = store.find_duplicate(conn, queue.id, scope_key, now)
    if duplicate is not None:
        return duplicate
    store.forget_expired_dedup(conn, queue.id, now)
    message.sequence = f"{18_000_000_000_000_000_000 + store.next_sequence(conn, queue):020d}"
    store.remember_dedup(conn, queue.id, scope_key, message.message_id, message.sequence, now + DEDUP_WINDOW)
    return None
