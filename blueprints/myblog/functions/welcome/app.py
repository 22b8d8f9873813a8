"""Sends every new subscriber a welcome email: the subscribers table's stream → SES."""

from __future__ import annotations

import os
from typing import Any

import boto3

ses = boto3.client("ses")

SUBJECT = "Welcome to MyBlog.com"
TEXT = "Hello!\n\nThanks for subscribing to MyBlog.com. New posts will reach you here.\n"
HTML = "<p>Hello!</p><p>Thanks for subscribing to <b>MyBlog.com</b>. New posts will reach you here.</p>"


def handler(event: dict, context: Any) -> dict:
    sent = 0
    for record in event["Records"]:
        if record["eventName"] != "INSERT":
            continue
        email = record["dynamodb"]["NewImage"]["email"]["S"]
        ses.send_email(
            Source=os.environ["SENDER"],
            Destination={"ToAddresses": [email]},
            Message={"Subject": {"Data": SUBJECT},
                     "Body": {"Text": {"Data": TEXT}, "Html": {"Data": HTML}}},
        )
        sent += 1
    return {"sent": sent}
