"""The optional SES sandbox (CLOUDLET_SES_SANDBOX=true): mail goes only to verified identities,
as in a new AWS account, through both APIs and every kind of send."""

from __future__ import annotations

import shutil

import pytest
from botocore.exceptions import ClientError

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server

REJECTED = "Email address is not verified. The following identities failed the check in region US-EAST-1: "


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = str(tmp_path_factory.mktemp("cloudlet-ses-sandbox"))
    running = start_server(data_dir, "--ses-sandbox")
    yield running
    running.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def ses(client):
    ses = client("ses")
    ses.verify_email_identity(EmailAddress="sender@example.com")
    ses.verify_email_identity(EmailAddress="friend@example.org")
    ses.verify_domain_identity(Domain="team.example")
    return ses


def _send(ses, *to: str) -> str:
    return ses.send_email(Source="sender@example.com", Destination={"ToAddresses": list(to)},
                          Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}})["MessageId"]


def test_verified_recipients_and_domains_receive(ses):
    assert _send(ses, "friend@example.org", "anyone@team.example")


def test_an_unverified_recipient_rejects_the_message(ses):
    with pytest.raises(ClientError) as exc:
        _send(ses, "friend@example.org", "Stranger <stranger@elsewhere.example>")
    error = exc.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("MessageRejected", REJECTED + "stranger@elsewhere.example")


def test_raw_and_v2_sends_follow_the_same_rule(ses, client):
    raw = b"From: sender@example.com\r\nTo: nobody@elsewhere.example\r\nSubject: x\r\n\r\nbody\r\n"
    with pytest.raises(ClientError) as exc:
        ses.send_raw_email(RawMessage={"Data": raw})
    assert exc.value.response["Error"]["Code"] == "MessageRejected"
    sesv2 = client("sesv2")
    assert sesv2.get_account()["ProductionAccessEnabled"] is False
    with pytest.raises(ClientError) as exc:
        sesv2.send_email(FromEmailAddress="sender@example.com",
                         Destination={"ToAddresses": ["nobody@elsewhere.example"]},
                         Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}})
    assert exc.value.response["Error"]["Code"] == "MessageRejected"
    assert sesv2.send_email(FromEmailAddress="sender@example.com", Destination={"ToAddresses": ["friend@example.org"]},
                            Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}})["MessageId"]


def test_outside_the_sandbox_any_recipient_is_fine(tmp_path):
    running = start_server(str(tmp_path / "no-sandbox"))
    try:
        ses = make_client(running.endpoint, "ses")
        ses.verify_email_identity(EmailAddress="sender@example.com")
        assert _send(ses, "stranger@elsewhere.example")
        assert make_client(running.endpoint, "sesv2").get_account()["ProductionAccessEnabled"] is True
    finally:
        running.stop()
