"""SNS email and email-json subscribers: confirmation and notifications mailed through SES.

The module's server relays mail to a real SMTP server (aiosmtpd), so each test checks both the
mailbox (`GET /_cloudlet/ses/messages`) and what actually arrives over SMTP.
"""

from __future__ import annotations

import json
import os
import queue as queues
import shutil
import time
import urllib.request
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from cloudlet.testing.server import free_port, start_server


class Inbox:
    def __init__(self) -> None:
        self.received: queues.Queue = queues.Queue()
        self.port = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.put((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def next(self, timeout: float = 15):
        mail_from, recipients, content = self.received.get(timeout=timeout)
        return mail_from, recipients, message_from_bytes(content, policy=policy.default)


@pytest.fixture(scope="module")
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, inbox):
    data_dir = str(tmp_path_factory.mktemp("cloudlet-sns-email"))
    saved = {key: os.environ.get(key) for key in ("CLOUDLET_SMTP_HOST", "CLOUDLET_SMTP_PORT")}
    os.environ.update(CLOUDLET_SMTP_HOST="127.0.0.1", CLOUDLET_SMTP_PORT=str(inbox.port))
    try:
        running = start_server(data_dir)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    yield running
    running.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def _body(message) -> str:
    return message.get_body(("plain",)).get_content()


def _mailbox(server, recipient: str, count: int, timeout: float = 15) -> list[dict]:
    """The mailbox's messages to `recipient`, oldest first, once there are `count` of them."""
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in server.get("/_cloudlet/ses/messages")["messages"] if recipient in m["Destination"]]
        if len(found) >= count or time.monotonic() > deadline:
            return list(reversed(found))
        time.sleep(0.05)


def test_email_subscriber_confirms_by_the_mailed_link_then_gets_notifications(sns, topic, server, inbox):
    arn = topic()
    assert sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="reader@example.org")["SubscriptionArn"] \
        == "pending confirmation"
    mail_from, recipients, confirmation = inbox.next()
    assert mail_from == "no-reply@sns.amazonaws.com" and recipients == ["reader@example.org"]
    assert confirmation["Subject"] == "AWS Notification - Subscription Confirmation"
    assert arn in _body(confirmation)
    link = next(line for line in _body(confirmation).splitlines() if "Action=ConfirmSubscription" in line)
    with urllib.request.urlopen(link.strip(), timeout=5) as reply:
        sub_arn = reply.read().decode().split("<SubscriptionArn>")[1].split("</SubscriptionArn>")[0]
    assert sns.get_subscription_attributes(SubscriptionArn=sub_arn)["Attributes"]["PendingConfirmation"] == "false"

    sns.publish(TopicArn=arn, Message="the news", Subject="Today")
    _, _, notification = inbox.next()
    assert notification["Subject"] == "Today" and notification["From"].endswith("<no-reply@sns.amazonaws.com>")
    text = _body(notification)
    assert text.splitlines()[0] == "the news" and "Action=Unsubscribe" in text
    kept = _mailbox(server, "reader@example.org", 2)
    assert [m["Subject"] for m in kept] == ["AWS Notification - Subscription Confirmation", "Today"]
    assert kept[1]["Api"] == "sns"


def test_email_json_gets_the_envelope_and_a_per_protocol_message(sns, topic, inbox):
    arn = topic()
    sns.subscribe(TopicArn=arn, Protocol="email-json", Endpoint="machine@example.org")
    _, _, confirmation = inbox.next()
    request = json.loads(_body(confirmation))
    assert request["Type"] == "SubscriptionConfirmation" and request["TopicArn"] == arn
    sns.confirm_subscription(TopicArn=arn, Token=request["Token"])

    sns.publish(TopicArn=arn, MessageStructure="json",
                Message=json.dumps({"default": "plain", "email-json": "for json mail"}))
    _, _, notification = inbox.next()
    assert notification["Subject"] == "AWS Notification Message"
    envelope = json.loads(_body(notification))
    assert envelope["Type"] == "Notification" and envelope["Message"] == "for json mail"
    assert envelope["Signature"] and envelope["UnsubscribeURL"]


def test_pending_email_subscriber_gets_nothing_and_ses_counts_are_untouched(sns, topic, inbox, client):
    ses = client("ses")
    before = ses.get_send_quota()["SentLast24Hours"]
    arn = topic()
    sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="later@example.org")
    inbox.next()  # the confirmation request
    sns.publish(TopicArn=arn, Message="not yet")
    with pytest.raises(queues.Empty):
        inbox.next(timeout=1.5)
    assert ses.get_send_quota()["SentLast24Hours"] == before
