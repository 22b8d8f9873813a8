"""The mailbox: every message SES accepted, as `GET /_cloudlet/ses/messages` returns it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from cloudlet.edge.types import Headers, Request, Response

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment
    from cloudlet.services.mail.store import Message

PATH = "/_cloudlet/ses/messages"
DEFAULT_LIMIT = 100


def describe(account_id: str, region: str, message: Message) -> dict[str, Any]:
    # Imported here: the route is loaded at start-up, and the email package costs milliseconds.
    from email import policy
    from email.parser import BytesParser

    parsed = BytesParser(policy=policy.default).parsebytes(message.raw)
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    return {
        "Id": message.message_id,
        "AccountId": account_id,
        "Region": region,
        "Api": message.api,
        "Source": message.source,
        "Destination": message.recipients,
        "Subject": message.subject,
        "Headers": {key: str(value) for key, value in parsed.items()},
        "Body": {"text_part": text.get_content() if text else None, "html_part": html.get_content() if html else None},
        "RawData": message.raw.decode("utf-8", "replace"),
        "Timestamp": message.created_at,
        "Relayed": message.relayed_at is not None,
    }


class MailboxRoute:
    """GET /_cloudlet/ses/messages[?account=..&region=..&limit=..]: newest first."""

    def __init__(self, env: Environment) -> None:
        self.env = env

    def matches(self, request: Request) -> bool:
        return request.method == "GET" and request.path.rstrip("/") == PATH

    async def handle(self, request: Request) -> Response:
        await self.env.registry.provider("ses")  # its tables exist once it has started
        from cloudlet.services.mail import store

        query = {key: values[0] for key, values in parse_qs(request.query).items()}
        try:
            limit = int(query.get("limit", DEFAULT_LIMIT))
        except ValueError:
            limit = DEFAULT_LIMIT
        with self.env.store.read() as conn:
            rows = store.list_messages(conn, query.get("account"), query.get("region"), limit)
        body = {"messages": [describe(account, region, message) for account, region, message in rows]}
        return Response(200, Headers([("Content-Type", "application/json")]), json.dumps(body).encode())
