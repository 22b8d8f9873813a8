"""SES v1 through boto3: identities, sending, templates, quotas, configuration sets."""

from __future__ import annotations

import asyncio
import email
import json
from email import policy

import pytest
from botocore.exceptions import ClientError

from cloudlet.config import Config
from cloudlet.edge.app import build_environment
from cloudlet.edge.types import Headers, Request
from cloudlet.services.mail.mailbox import MailboxRoute


@pytest.fixture(scope="module")
def ses(client):
    reply = client("ses")
    reply.verify_email_identity(EmailAddress="sender@example.com")
    reply.verify_domain_identity(Domain="shop.example")
    return reply


@pytest.fixture(scope="module")
def mailbox(server):
    """The mailbox as `GET /_cloudlet/ses/messages` returns it, read by the route in this process."""
    env = build_environment(Config(data_dir=server.data_dir))
    route = MailboxRoute(env)

    async def fetch() -> list[dict]:
        await env.registry.provider("ses")
        response = await route.handle(Request("GET", "/_cloudlet/ses/messages", "", Headers()))
        return json.loads(response.body)["messages"]

    def messages() -> list[dict]:
        return asyncio.run(fetch())

    yield messages
    env.store.close()


def error_of(exc: pytest.ExceptionInfo) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def test_identities_are_verified_at_once(ses):
    assert {"sender@example.com", "shop.example"} <= set(ses.list_identities()["Identities"])
    assert ses.list_identities(IdentityType="Domain")["Identities"] == ["shop.example"]
    attributes = ses.get_identity_verification_attributes(Identities=["sender@example.com", "shop.example",
                                                                      "unknown@example.com"])
    statuses = attributes["VerificationAttributes"]
    assert statuses["sender@example.com"] == {"VerificationStatus": "Success"}
    assert statuses["shop.example"]["VerificationStatus"] == "Success"
    assert "unknown@example.com" not in statuses
    tokens = ses.verify_domain_dkim(Domain="shop.example")["DkimTokens"]
    dkim = ses.get_identity_dkim_attributes(Identities=["shop.example"])["DkimAttributes"]["shop.example"]
    assert dkim["DkimVerificationStatus"] == "Success" and dkim["DkimTokens"] == tokens and len(tokens) == 3


def test_send_email_is_kept_as_mime(ses, mailbox):
    message_id = ses.send_email(
        Source="Shop <sender@example.com>",
        Destination={"ToAddresses": ["alice@example.org"], "CcAddresses": ["bob@example.org"],
                     "BccAddresses": ["audit@example.org"]},
        Message={"Subject": {"Data": "Your order"},
                 "Body": {"Text": {"Data": "Thanks!"}, "Html": {"Data": "<b>Thanks!</b>"}}},
        ReplyToAddresses=["help@example.com"],
    )["MessageId"]
    kept = next(m for m in mailbox() if m["Id"] == message_id)
    assert kept["Source"] == "Shop <sender@example.com>"
    assert kept["Destination"] == ["alice@example.org", "bob@example.org", "audit@example.org"]
    assert kept["Body"]["text_part"].strip() == "Thanks!" and kept["Body"]["html_part"].strip() == "<b>Thanks!</b>"
    parsed = email.message_from_string(kept["RawData"], policy=policy.default)
    assert parsed["Subject"] == "Your order" and parsed["To"] == "alice@example.org"
    assert parsed["Cc"] == "bob@example.org" and parsed["Reply-To"] == "help@example.com"
    assert parsed["Bcc"] is None
    assert parsed["Message-ID"] == f"<{message_id}@email.amazonses.com>"
    assert parsed.is_multipart() and parsed.get_content_type() == "multipart/alternative"


def test_domain_identity_allows_any_of_its_addresses(ses):
    assert ses.send_email(Source="orders@shop.example", Destination={"ToAddresses": ["a@example.org"]},
                          Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}})["MessageId"]


def test_unverified_sender_is_rejected(ses):
    with pytest.raises(ClientError) as exc:
        ses.send_email(Source="stranger@nowhere.example", Destination={"ToAddresses": ["a@example.org"]},
                       Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}})
    assert error_of(exc) == ("MessageRejected", "Email address is not verified. The following identities failed"
                                                " the check in region US-EAST-1: stranger@nowhere.example")


def test_send_raw_email(ses, mailbox):
    raw = (b"From: sender@example.com\r\nTo: carol@example.org\r\nBcc: hidden@example.org\r\n"
           b"Subject: Raw one\r\nContent-Type: text/plain\r\n\r\nraw body\r\n")
    message_id = ses.send_raw_email(RawMessage={"Data": raw})["MessageId"]
    kept = next(m for m in mailbox() if m["Id"] == message_id)
    assert kept["Destination"] == ["carol@example.org", "hidden@example.org"]
    assert kept["Subject"] == "Raw one" and "Bcc" not in kept["Headers"]
    assert kept["Body"]["text_part"].strip() == "raw body"


def test_templates(ses, mailbox):
    ses.create_template(Template={"TemplateName": "welcome", "SubjectPart": "Hi {{name}}",
                                  "TextPart": "Dear {{name}},{{#if vip}} VIP{{/if}}{{#each items}} [{{this}}]{{/each}}",
                                  "HtmlPart": "<p>{{name}} from {{address.city}}</p>"})
    with pytest.raises(ClientError) as exc:
        ses.create_template(Template={"TemplateName": "welcome", "SubjectPart": "x"})
    assert exc.value.response["Error"]["Code"] == "AlreadyExists"
    assert ses.get_template(TemplateName="welcome")["Template"]["SubjectPart"] == "Hi {{name}}"
    assert "welcome" in [t["Name"] for t in ses.list_templates()["TemplatesMetadata"]]
    data = '{"name": "Ann", "vip": true, "items": ["a", "b"], "address": {"city": "Oslo"}}'
    rendered = ses.test_render_template(TemplateName="welcome", TemplateData=data)["RenderedTemplate"]
    assert "Subject: Hi Ann" in rendered and "Dear Ann, VIP [a] [b]" in rendered
    with pytest.raises(ClientError) as exc:
        ses.test_render_template(TemplateName="welcome", TemplateData='{"vip": false}')
    assert error_of(exc) == ("MissingRenderingAttribute", "Attribute 'name' is not present in the rendering data.")
    message_id = ses.send_templated_email(Source="sender@example.com", Destination={"ToAddresses": ["d@example.org"]},
                                          Template="welcome", TemplateData=data)["MessageId"]
    kept = next(m for m in mailbox() if m["Id"] == message_id)
    assert kept["Subject"] == "Hi Ann" and "<p>Ann from Oslo</p>" in kept["Body"]["html_part"]
    bulk = ses.send_bulk_templated_email(
        Source="sender@example.com", Template="welcome", DefaultTemplateData='{"name": "friend", "address": {}}',
        Destinations=[{"Destination": {"ToAddresses": ["e@example.org"]}, "ReplacementTemplateData": "{}"},
                      {"Destination": {"ToAddresses": ["f@example.org"]},
                       "ReplacementTemplateData": '{"name": "Fay", "address": {"city": "Rome"}}'}])
    assert [s["Status"] for s in bulk["Status"]] == ["Success", "Success"]
    ses.delete_template(TemplateName="welcome")
    with pytest.raises(ClientError) as exc:
        ses.get_template(TemplateName="welcome")
    assert error_of(exc) == ("TemplateDoesNotExist", "Template welcome does not exist.")


def test_quota_and_statistics_count_real_sends(ses):
    before = ses.get_send_quota()["SentLast24Hours"]
    ses.send_email(Source="sender@example.com", Destination={"ToAddresses": ["g@example.org"]},
                   Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}})
    quota = ses.get_send_quota()
    assert quota["SentLast24Hours"] == before + 1 and quota["Max24HourSend"] == 200.0
    points = ses.get_send_statistics()["SendDataPoints"]
    assert sum(p["DeliveryAttempts"] for p in points) == before + 1


def test_configuration_sets(ses):
    ses.create_configuration_set(ConfigurationSet={"Name": "tracking"})
    assert {"Name": "tracking"} in ses.list_configuration_sets()["ConfigurationSets"]
    with pytest.raises(ClientError) as exc:
        ses.send_email(Source="sender@example.com", Destination={"ToAddresses": ["a@example.org"]},
                       Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}},
                       ConfigurationSetName="missing")
    assert exc.value.response["Error"]["Code"] == "ConfigurationSetDoesNotExist"
    ses.delete_configuration_set(ConfigurationSetName="tracking")


def test_delete_identity(ses):
    ses.verify_email_identity(EmailAddress="temp@example.com")
    ses.delete_identity(Identity="temp@example.com")
    assert "temp@example.com" not in ses.list_identities()["Identities"]


def test_mailbox_over_http(ses, server):
    assert isinstance(server.get("/_cloudlet/ses/messages")["messages"], list)


@pytest.mark.parametrize("recipient", ["no-at-sign", "two@@example.org"])
def test_invalid_recipient_addresses_are_invalid_parameter_values(ses, recipient):
    with pytest.raises(ClientError) as exc:
        ses.send_email(Source="sender@example.com", Destination={"ToAddresses": [recipient]},
                       Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}})
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize(("source", "message"), [("no-at-sign", "Missing final '@domain'"),
                                                  ("Name <broken", "Illegal address: Name <broken")])
def test_invalid_source_addresses(ses, source, message):
    with pytest.raises(ClientError) as exc:
        ses.send_email(Source=source, Destination={"ToAddresses": ["a@example.org"]},
                       Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}})
    assert error_of(exc) == ("InvalidParameterValue", message)


def test_invalid_identities_are_refused(ses):
    with pytest.raises(ClientError) as exc:
        ses.verify_email_identity(EmailAddress="not an address")
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValue"
