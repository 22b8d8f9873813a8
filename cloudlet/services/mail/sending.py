"""Sending: the sender checked, the message kept in the mailbox and queued for the SMTP relay."""

from __future__ import annotations

import sqlite3

from cloudlet.core import outbox
from cloudlet.services.mail import composing, identities, store

RELAY_TOPIC = "mail.relay"


def send_simple(conn: sqlite3.Connection, account_id: str, region: str, api: str, message: composing.Simple,
                now: float, relay: bool, sandbox: bool = False) -> str:
    identities.check_sender(conn, account_id, region, message.source)
    composing.check_recipients(message.recipients)
    if sandbox:
        identities.check_recipients_verified(conn, account_id, region, message.recipients)
    message_id = composing.new_message_id(now)
    raw = composing.build(message, message_id, now)
    _keep(conn, account_id, region, store.Message(message_id, api, message.return_path or message.source,
                                                  message.recipients, message.subject, raw, now, None), relay)
    return message_id


def send_raw(conn: sqlite3.Connection, account_id: str, region: str, api: str, data: bytes,
             source: str | None, destinations: list[str] | None, now: float, relay: bool,
             sandbox: bool = False) -> str:
    message_id = composing.new_message_id(now)
    raw = composing.parse_raw(data, source, destinations, message_id, now)
    identities.check_sender(conn, account_id, region, raw.source)
    composing.check_recipients(raw.recipients)
    if sandbox:
        identities.check_recipients_verified(conn, account_id, region, raw.recipients)
    _keep(conn, account_id, region, store.Message(message_id, api, raw.source, raw.recipients, raw.subject,
                                                  raw.data, now, None), relay)
    return message_id


def send_notification(conn: sqlite3.Connection, account_id: str, region: str, source: str, recipient: str,
                      subject: str, text: str, now: float, relay: bool) -> str:
    """Mail SNS sends to an email or email-json subscriber from its own address: no sender check, and
    not counted in SES's quota or statistics."""
    message = composing.Simple(source=source, to=[recipient], subject=subject, text=text)
    composing.check_recipients(message.recipients)
    message_id = composing.new_message_id(now)
    raw = composing.build(message, message_id, now)
    _keep(conn, account_id, region, store.Message(message_id, store.NOT_SES, source, [recipient], subject, raw, now,
                                                  None), relay)
    return message_id


def _keep(conn: sqlite3.Connection, account_id: str, region: str, message: store.Message, relay: bool) -> None:
    store.insert_message(conn, account_id, region, message)
    if relay:
        outbox.emit(conn, RELAY_TOPIC, {"message_id": message.message_id})


def quota(conn: sqlite3.Connection, account_id: str, region: str, now: float) -> dict[str, float]:
    return {"Max24HourSend": 200.0, "MaxSendRate": 1.0,
            "SentLast24Hours": float(store.sent_since(conn, account_id, region, now - 86400))}


def statistics(conn: sqlite3.Connection, account_id: str, region: str, now: float) -> list[tuple[float, int]]:
    """(start of each 15-minute interval of the last two weeks, delivery attempts in it)."""
    return store.attempts_by_bucket(conn, account_id, region, now - 14 * 86400, 900)
