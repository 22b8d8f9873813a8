"""SES v2 through boto3, and every message relayed to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import os
import queue as queues
import shutil
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from botocore.exceptions import ClientError

from cloudlet.testing.server import free_port, start_server


class Inbox:
    """An aiosmtpd handler: each message the server receives, with its envelope."""

    def __init__(self) -> None:
        self.received: queues.Queue = queues.Queue()

    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.put((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def next(self, timeout: float = 10):
        return self.received.get(timeout=timeout)


@pytest.fixture(scope="module")
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, inbox):
    """This module's server relays to the aiosmtpd server (settings from the environment)."""
    data_dir = str(tmp_path_factory.mktemp("cloudlet-ses"))
    saved = {key: os.environ.get(key) for key in ("CLOUDLET_SMTP_HOST", "CLOUDLET_SMTP_PORT")}
    os.environ.update(CLOUDLET_SMTP_HOST="127.0.0.1", CLOUDLET_SMTP_PORT=str(inbox[1]))
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


@pytest.fixture(scope="module")
def sesv2(client):
    return client("sesv2")


def test_identities(sesv2):
    created = sesv2.create_email_identity(EmailIdentity="news.example")
    assert created["IdentityType"] == "DOMAIN" and created["VerifiedForSendingStatus"] is True
    assert len(created["DkimAttributes"]["Tokens"]) == 3
    sesv2.create_email_identity(EmailIdentity="me@example.com")
    with pytest.raises(ClientError) as exc:
        sesv2.create_email_identity(EmailIdentity="me@example.com")
    assert exc.value.response["Error"]["Code"] == "AlreadyExistsException"
    got = sesv2.get_email_identity(EmailIdentity="me@example.com")
    assert got["IdentityType"] == "EMAIL_ADDRESS" and got["VerificationStatus"] == "SUCCESS"
    names = {i["IdentityName"] for i in sesv2.list_email_identities()["EmailIdentities"]}
    assert {"news.example", "me@example.com"} <= names
    with pytest.raises(ClientError) as exc:
        sesv2.get_email_identity(EmailIdentity="nobody@example.com")
    assert exc.value.response["Error"]["Code"] == "NotFoundException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_v1_and_v2_share_identities(client, sesv2):
    client("ses").verify_email_identity(EmailAddress="shared@example.com")
    assert sesv2.get_email_identity(EmailIdentity="shared@example.com")["VerifiedForSendingStatus"] is True


def test_simple_email_is_relayed_over_smtp(sesv2, inbox):
    sesv2.create_email_identity(EmailIdentity="relay.example")
    message_id = sesv2.send_email(
        FromEmailAddress="Relay <noreply@relay.example>",
        Destination={"ToAddresses": ["to@example.org"], "BccAddresses": ["bcc@example.org"]},
        Content={"Simple": {"Subject": {"Data": "Über relay"},
                            "Body": {"Text": {"Data": "plain ✓"}, "Html": {"Data": "<i>html</i>"}}}},
    )["MessageId"]
    mail_from, recipients, content = inbox[0].next()
    assert mail_from == "noreply@relay.example"
    assert recipients == ["to@example.org", "bcc@example.org"]
    parsed = message_from_bytes(content, policy=policy.default)
    assert parsed["Subject"] == "Über relay" and parsed["To"] == "to@example.org" and parsed["Bcc"] is None
    assert parsed["Message-ID"] == f"<{message_id}@email.amazonses.com>"
    assert parsed.get_body(("plain",)).get_content().strip() == "plain ✓"
    assert parsed.get_body(("html",)).get_content().strip() == "<i>html</i>"


def test_templates_and_bulk_email(sesv2, inbox):
    sesv2.create_email_identity(EmailIdentity="bulk.example")
    sesv2.create_email_template(TemplateName="promo", TemplateContent={
        "Subject": "Hello {{name}}", "Text": "Code: {{code}}"})
    assert sesv2.get_email_template(TemplateName="promo")["TemplateContent"]["Subject"] == "Hello {{name}}"
    rendered = sesv2.test_render_email_template(TemplateName="promo", TemplateData='{"name": "A", "code": "X"}')
    assert "Hello A" in rendered["RenderedTemplate"]
    reply = sesv2.send_bulk_email(
        FromEmailAddress="deals@bulk.example",
        DefaultContent={"Template": {"TemplateName": "promo", "TemplateData": '{"name": "you", "code": "D"}'}},
        BulkEmailEntries=[
            {"Destination": {"ToAddresses": ["one@example.org"]}},
            {"Destination": {"ToAddresses": ["two@example.org"]},
             "ReplacementEmailContent": {"ReplacementTemplate": {"ReplacementTemplateData": '{"name": "Two"}'}}},
        ])
    assert [r["Status"] for r in reply["BulkEmailEntryResults"]] == ["SUCCESS", "SUCCESS"]
    got = {}
    for _ in range(2):
        _, recipients, content = inbox[0].next()
        parsed = message_from_bytes(content, policy=policy.default)
        got[recipients[0]] = (parsed["Subject"], parsed.get_content().strip())
    assert got == {"one@example.org": ("Hello you", "Code: D"), "two@example.org": ("Hello Two", "Code: D")}
    sesv2.delete_email_template(TemplateName="promo")
    with pytest.raises(ClientError) as exc:
        sesv2.get_email_template(TemplateName="promo")
    assert exc.value.response["Error"]["Code"] == "NotFoundException"


def test_raw_email_through_v2(sesv2, inbox):
    sesv2.create_email_identity(EmailIdentity="raw@example.com")
    raw = b"From: raw@example.com\r\nTo: r@example.org\r\nSubject: raw v2\r\n\r\nbody\r\n"
    sesv2.send_email(Content={"Raw": {"Data": raw}})
    _, recipients, content = inbox[0].next()
    assert recipients == ["r@example.org"] and b"Subject: raw v2" in content


def test_unverified_sender(sesv2):
    with pytest.raises(ClientError) as exc:
        sesv2.send_email(FromEmailAddress="x@unverified.example", Destination={"ToAddresses": ["a@example.org"]},
                         Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}})
    assert exc.value.response["Error"]["Code"] == "MessageRejected"


def test_account_counts_sends(sesv2, inbox):
    sesv2.create_email_identity(EmailIdentity="count.example")
    before = sesv2.get_account()["SendQuota"]["SentLast24Hours"]
    sesv2.send_email(FromEmailAddress="a@count.example", Destination={"ToAddresses": ["c@example.org"]},
                     Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}})
    inbox[0].next()
    quota = sesv2.get_account()["SendQuota"]
    assert quota["SentLast24Hours"] == before + 1 and quota["Max24HourSend"] == 200.0


def test_send_with_the_aws_cli(endpoint, client, inbox):
    import subprocess
    import sys

    client("ses").verify_email_identity(EmailAddress="cli@example.com")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1"}
    subprocess.run([sys.executable, "-m", "awscli", "--endpoint-url", endpoint, "ses", "send-email",
                    "--from", "cli@example.com", "--to", "cli-to@example.org", "--subject", "From the CLI",
                    "--text", "cli body"], env=env, capture_output=True, check=True, timeout=60)
    _, recipients, content = inbox[0].next()
    assert recipients == ["cli-to@example.org"] and b"From the CLI" in content
