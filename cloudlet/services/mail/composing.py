"""Messages as MIME: what SES would hand to the recipient's mail server."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses

from cloudlet.services.mail.errors import InvalidMessage

MAX_RECIPIENTS = 50


@dataclass
class Simple:
    """A message given as parts (SendEmail, templates): SES builds the MIME."""

    source: str
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)
    subject: str = ""
    text: str | None = None
    html: str | None = None
    return_path: str | None = None

    @property
    def recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]


def new_message_id(now: float) -> str:
    """SES's form: time-based hex, a UUID, and a counter."""
    return f"{int(now * 1000):016x}-{uuid.uuid4()}-000000"


def check_recipients(recipients: list[str]) -> None:
    if not recipients:
        raise InvalidMessage("Missing required header 'To'.")
    if len(recipients) > MAX_RECIPIENTS:
        raise InvalidMessage("Recipient count exceeds 50.")
    for address in recipients:
        parsed = getaddresses([address])
        if not parsed or "@" not in parsed[0][1]:
            raise InvalidMessage(f"Illegal address: {address}")


def build(message: Simple, message_id: str, now: float) -> bytes:
    mime = EmailMessage(policy=policy.SMTP)
    mime["From"] = message.source
    if message.to:
        mime["To"] = ", ".join(message.to)
    if message.cc:
        mime["Cc"] = ", ".join(message.cc)
    if message.reply_to:
        mime["Reply-To"] = ", ".join(message.reply_to)
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(datetime.fromtimestamp(now, UTC))
    mime["Message-ID"] = f"<{message_id}@email.amazonses.com>"
    mime["MIME-Version"] = "1.0"
    if message.text is not None:
        mime.set_content(message.text)
    if message.html is not None:
        if message.text is not None:
            mime.add_alternative(message.html, subtype="html")
        else:
            mime.set_content(message.html, subtype="html")
    if message.text is None and message.html is None:
        mime.set_content("")
    return mime.as_bytes()


@dataclass
class Raw:
    source: str
    recipients: list[str]
    subject: str | None
    data: bytes


def parse_raw(data: bytes, source: str | None, destinations: list[str] | None, message_id: str,
              now: float) -> Raw:
    """A raw MIME message: envelope from its headers where the call did not give it."""
    try:
        parsed = BytesParser(policy=policy.default).parsebytes(data)
    except Exception:  # the parser raises many types on garbage
        raise InvalidMessage("Could not parse the raw message.") from None
    if not parsed.keys():
        raise InvalidMessage("Could not parse the raw message.")
    sender = source or str(parsed.get("From") or "")
    if not sender:
        raise InvalidMessage("Missing required header 'From'.")
    recipients = destinations or [address for _, address in
                                  getaddresses([str(v) for h in ("To", "Cc", "Bcc") for v in parsed.get_all(h, [])])]
    if parsed.get("Bcc") is not None:
        del parsed["Bcc"]  # as SES does: Bcc addresses are envelope recipients, never headers
    if parsed.get("Message-ID") is None:
        parsed["Message-ID"] = f"<{message_id}@email.amazonses.com>"
    if parsed.get("Date") is None:
        parsed["Date"] = format_datetime(datetime.fromtimestamp(now, UTC))
    return Raw(sender, recipients, str(parsed.get("Subject")) if parsed.get("Subject") else None,
               parsed.as_bytes(policy=policy.SMTP))
