"""What subscribers receive: the SNS JSON envelope, the raw message, or the Lambda event."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

from cloudlet.services.sns import store
from cloudlet.services.sns.signing import Signer

CONFIRM_TEXT = ("You have chosen to subscribe to the topic {topic}.\n"
                "To confirm the subscription, visit the SubscribeURL included in this message.")
UNSUBSCRIBE_TEXT = ("You have chosen to deactivate subscription {arn}.\n"
                    "To cancel this operation and restore the subscription, visit the SubscribeURL included in"
                    " this message.")


EMAIL_SENDER = "AWS Notifications <no-reply@sns.amazonaws.com>"
EMAIL_SUBJECT = "AWS Notification Message"
CONFIRM_SUBJECT = "AWS Notification - Subscription Confirmation"
EMAIL_CONFIRM_TEXT = ("You have chosen to subscribe to the topic: \n{topic}\n\n"
                      "To confirm this subscription, click or visit the link below "
                      "(If this was in error no action is necessary):\n{url}\n")
EMAIL_FOOTER = ("\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the "
                "link below to unsubscribe:\n{url}\n\nPlease do not reply directly to this email. If you have any "
                "questions or comments regarding this email, please contact us at "
                "https://aws.amazon.com/support")


def unsubscribe_url(base_url: str, subscription_arn: str) -> str:
    return f"{base_url}/?Action=Unsubscribe&SubscriptionArn={quote(subscription_arn, safe='')}"


def subscribe_url(base_url: str, topic_arn: str, token: str) -> str:
    return f"{base_url}/?Action=ConfirmSubscription&TopicArn={quote(topic_arn, safe='')}&Token={token}"


def message_for(sub: store.Subscription, record: dict[str, Any]) -> str:
    return record["per_protocol"].get(sub.protocol, record["message"])


def notification(sub: store.Subscription, record: dict[str, Any], signer: Signer,
                 signature_version: str) -> dict[str, Any]:
    envelope: dict[str, Any] = {"Type": "Notification", "MessageId": record["message_id"]}
    if record.get("sequence"):
        envelope["SequenceNumber"] = record["sequence"]
    envelope["TopicArn"] = record["topic_arn"]
    if record.get("subject") is not None:
        envelope["Subject"] = record["subject"]
    envelope["Message"] = message_for(sub, record)
    envelope["Timestamp"] = record["timestamp"]
    envelope["SignatureVersion"] = signature_version
    signer.sign(envelope, record["base_url"])
    envelope["UnsubscribeURL"] = unsubscribe_url(record["base_url"], sub.arn)
    if record["attributes"]:
        envelope["MessageAttributes"] = record["attributes"]
    return envelope


def confirmation(kind: str, sub_arn: str, topic_arn: str, token: str, base_url: str, now: str,
                 signer: Signer) -> dict[str, Any]:
    """A SubscriptionConfirmation or UnsubscribeConfirmation message."""
    text = CONFIRM_TEXT.format(topic=topic_arn) if kind == "SubscriptionConfirmation" \
        else UNSUBSCRIBE_TEXT.format(arn=sub_arn)
    envelope: dict[str, Any] = {
        "Type": kind,
        "MessageId": str(uuid.uuid4()),
        "Token": token,
        "TopicArn": topic_arn,
        "Message": text,
        "SubscribeURL": subscribe_url(base_url, topic_arn, token),
        "Timestamp": now,
        "SignatureVersion": "1",
    }
    signer.sign(envelope, base_url)
    return envelope


def email(sub: store.Subscription, envelope: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of the mail an email or email-json subscriber gets for a notification."""
    subject = envelope.get("Subject") or EMAIL_SUBJECT
    if sub.protocol == "email-json":
        return subject, json.dumps(envelope, indent=2)
    return subject, envelope["Message"] + EMAIL_FOOTER.format(url=envelope["UnsubscribeURL"])


def email_confirmation(protocol: str, message: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of the mail that asks an email or email-json subscriber to confirm."""
    if protocol == "email-json":
        return CONFIRM_SUBJECT, json.dumps(message, indent=2)
    return CONFIRM_SUBJECT, EMAIL_CONFIRM_TEXT.format(topic=message["TopicArn"], url=message["SubscribeURL"])


def lambda_event(sub: store.Subscription, envelope: dict[str, Any]) -> dict[str, Any]:
    record = {key: envelope.get(key) for key in ("Type", "MessageId", "TopicArn", "Subject", "Message",
                                                 "Timestamp", "SignatureVersion", "Signature")}
    record["SigningCertUrl"] = envelope["SigningCertURL"]
    record["UnsubscribeUrl"] = envelope["UnsubscribeURL"]
    record["MessageAttributes"] = envelope.get("MessageAttributes", {})
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": sub.arn,
                         "Sns": record}]}
