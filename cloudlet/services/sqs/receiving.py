"""Receiving: which messages a ReceiveMessage gets, what it sees of them, dead-letter moves.

Standard queues hand out visible messages roughly in the order they became visible. FIFO
queues hand them out in send order per message group, and skip every group that has a
message in flight, so a group has at most one batch out at a time. A message already received
maxReceiveCount times moves to the dead-letter queue instead of being received again.

A FIFO receive with a ReceiveRequestAttemptId is remembered for five minutes: repeating it
(a client retrying after a lost answer) returns the same messages with the same receipt
handles and restarts their visibility timeout, as long as none of them was deleted, had its
visibility changed or was received by someone else meanwhile; otherwise it is a new receive.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from cloudlet.services.sqs import addressing, messages, sending, store
from cloudlet.services.sqs.errors import InvalidParameterValue

ATTEMPT_WINDOW = 300.0

SYSTEM_NAMES = ("SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp",
                "SequenceNumber", "MessageDeduplicationId", "MessageGroupId", "AWSTraceHeader",
                "DeadLetterQueueSourceArn")


@dataclass(frozen=True)
class ReceiveRequest:
    count: int
    visibility: int | None
    wait: int | None
    system_names: frozenset[str]
    attribute_names: list[str]
    attempt_id: str | None = None

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ReceiveRequest:
        count = params.get("MaxNumberOfMessages")
        count = 1 if count is None else count
        if not 1 <= count <= 10:
            raise InvalidParameterValue(f"Value {count} for parameter MaxNumberOfMessages is invalid. Reason: Must"
                                        " be between 1 and 10, if provided.")
        visibility = params.get("VisibilityTimeout")
        if visibility is not None and not 0 <= visibility <= 43_200:
            raise InvalidParameterValue(f"Value {visibility} for parameter VisibilityTimeout is invalid. Reason:"
                                        " Must be between 0 and 43200, if provided.")
        wait = params.get("WaitTimeSeconds")
        if wait is not None and not 0 <= wait <= 20:
            raise InvalidParameterValue(f"Value {wait} for parameter WaitTimeSeconds is invalid. Reason: Must be"
                                        " >= 0 and <= 20, if provided.")
        names = {*params.get("AttributeNames", ()), *params.get("MessageSystemAttributeNames", ())}
        system = frozenset(SYSTEM_NAMES) if "All" in names else frozenset(names) & frozenset(SYSTEM_NAMES)
        return cls(count, visibility, wait, system, list(params.get("MessageAttributeNames", ())),
                   params.get("ReceiveRequestAttemptId"))


def receive(conn: sqlite3.Connection, queue: store.Queue, request: ReceiveRequest, now: float) -> list[dict[str, Any]]:
    store.expire_messages(conn, queue.id, now - queue.int_attribute("MessageRetentionPeriod"))
    visibility = queue.visibility_timeout if request.visibility is None else request.visibility
    attempt_id = request.attempt_id if queue.fifo else None  # standard queues ignore it
    if attempt_id is not None:
        sending.check_fifo_id("ReceiveRequestAttemptId", attempt_id)
        repeated = _repeat(conn, queue, attempt_id, now + visibility, now)
        if repeated is not None:
            return [_output(queue, message, request) for message in repeated]
    taken = _take(conn, queue, request, visibility, now)
    if attempt_id is not None and taken:
        store.remember_receive_attempt(conn, queue.id, attempt_id, _held(taken), now + ATTEMPT_WINDOW)
    return [_output(queue, message, request) for message in taken]


def _take(conn: sqlite3.Connection, queue: store.Queue, request: ReceiveRequest, visibility: int,
          now: float) -> list[store.Message]:
    redrive = _Redrive.of(conn, queue)
    taken: list[store.Message] = []
    busy_groups = store.groups_in_flight(conn, queue.id, now) if queue.fifo else set()
    seen: set[int] = set()  # with VisibilityTimeout=0 a taken message stays visible: take it once
    while len(taken) < request.count:
        wanted = request.count - len(taken)
        if queue.fifo:
            window = store.visible_messages_in_order(conn, queue.id, now, max(wanted * 10, 100) + len(seen),
                                                     busy_groups)
            candidates = _grouped([m for m in window if m.id not in seen])[:wanted]
        else:
            window = store.visible_messages(conn, queue.id, now, wanted + len(seen))
            candidates = [m for m in window if m.id not in seen][:wanted]
        if not candidates:
            break
        for message in candidates:
            seen.add(message.id)
            if redrive is not None and message.receive_count >= redrive.max_receive_count:
                redrive.move(conn, queue, message, now)
                continue
            store.mark_received(conn, message, addressing.new_token(), now + visibility, now)
            taken.append(message)
    return taken


def _held(taken: list[store.Message]) -> list[tuple[int, str, float]]:
    return [(message.id, message.receipt or "", message.visible_at) for message in taken]


def _repeat(conn: sqlite3.Connection, queue: store.Queue, attempt_id: str, visible_at: float,
            now: float) -> list[store.Message] | None:
    """The messages of an earlier receive with this attempt id, if untouched since; else None."""
    earlier = store.find_receive_attempt(conn, queue.id, attempt_id, now)
    if earlier is None:
        return None
    held, expires_at = earlier
    found = store.messages_by_rows(conn, queue.id, [row for row, _, _ in held])
    messages_in_order = [found.get(row) for row, _, _ in held]
    for message, (_, token, visible) in zip(messages_in_order, held, strict=True):
        if message is None or message.receipt != token or message.visible_at != visible:
            store.forget_receive_attempt(conn, queue.id, attempt_id)
            return None
    repeated = [message for message in messages_in_order if message is not None]
    for message in repeated:
        store.set_visible_at(conn, message.id, visible_at)
        message.visible_at = visible_at
    store.remember_receive_attempt(conn, queue.id, attempt_id, _held(repeated), expires_at)
    return repeated


def _grouped(messages_in_order: list[store.Message]) -> list[store.Message]:
    """FIFO answers keep a group's messages together (as many of one group as possible)."""
    groups: dict[str | None, list[store.Message]] = {}
    for message in messages_in_order:
        groups.setdefault(message.group_id, []).append(message)
    return [message for group in groups.values() for message in group]


@dataclass
class _Redrive:
    target: store.Queue
    max_receive_count: int

    @classmethod
    def of(cls, conn: sqlite3.Connection, queue: store.Queue) -> _Redrive | None:
        policy = queue.redrive_policy()
        if not policy:
            return None
        target = store.find_queue_by_arn(conn, policy["deadLetterTargetArn"])
        if target is None:  # the dead-letter queue was deleted: messages stay where they are
            return None
        return cls(target, int(policy["maxReceiveCount"]))

    def move(self, conn: sqlite3.Connection, source: store.Queue, message: store.Message, now: float) -> None:
        move_to(conn, message, self.target, {**message.system, "DeadLetterQueueSourceArn": source.arn}, now)


def move_to(conn: sqlite3.Connection, message: store.Message, target: store.Queue, system: dict[str, str],
            now: float) -> None:
    sequence = None
    if target.fifo:
        sequence = f"{18_000_000_000_000_000_000 + store.next_sequence(conn, target):020d}"
    store.move_message(conn, message, target, system, now, sequence)


def _output(queue: store.Queue, message: store.Message, request: ReceiveRequest) -> dict[str, Any]:
    assert message.receipt is not None
    result: dict[str, Any] = {
        "MessageId": message.message_id,
        "ReceiptHandle": addressing.receipt_handle(queue.id, message.id, message.receipt),
        "MD5OfBody": message.body_md5,
        "Body": message.body,
    }
    system = _system_attributes(message, request.system_names)
    if system:
        result["Attributes"] = system
    selected = messages.select_attributes(message.attributes, request.attribute_names)
    if selected:
        result["MessageAttributes"] = messages.wire_attributes(selected)
        result["MD5OfMessageAttributes"] = messages.md5_of_attributes(selected)
    return result


def _system_attributes(message: store.Message, names: frozenset[str]) -> dict[str, str]:
    if not names:
        return {}
    values = {
        "SenderId": message.system.get("SenderId"),
        "SentTimestamp": str(int(message.sent_at * 1000)),
        "ApproximateReceiveCount": str(message.receive_count),
        "ApproximateFirstReceiveTimestamp": str(int((message.first_received_at or message.sent_at) * 1000)),
        "SequenceNumber": message.sequence,
        "MessageDeduplicationId": message.dedup_id,
        "MessageGroupId": message.group_id,
        "AWSTraceHeader": message.system.get("AWSTraceHeader"),
        "DeadLetterQueueSourceArn": message.system.get("DeadLetterQueueSourceArn"),
    }
    return {name: value for name, value in values.items() if name in names and value is not None}
