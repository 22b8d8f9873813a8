"""The SMTP relay: every kept message is also handed to a real SMTP server when one is set.

Settings come from the server's config (`extra`: smtp_host, smtp_port, smtp_user,
smtp_password, smtp_starttls, which `cloudlet up --smtp-*` sets) or the environment variables
CLOUDLET_SMTP_HOST, CLOUDLET_SMTP_PORT, CLOUDLET_SMTP_USER, CLOUDLET_SMTP_PASSWORD and
CLOUDLET_SMTP_STARTTLS. Relaying goes through the outbox: at least once, retried with backoff.
"""

from __future__ import annotations

import asyncio
import os
import smtplib
from dataclasses import dataclass
from email.utils import parseaddr
from typing import TYPE_CHECKING

from cloudlet.core.outbox import Event, exponential_backoff
from cloudlet.services.mail import store

if TYPE_CHECKING:
    from cloudlet.config import Config
    from cloudlet.core.store import Store

CONSUMER = "mail.relay"
MAX_ATTEMPTS = 20
BACKOFF = exponential_backoff(base=2.0, cap=300.0)
_TIMEOUT = 30.0


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False

    @classmethod
    def from_config(cls, config: Config) -> SmtpSettings | None:
        def setting(name: str) -> str | None:
            return config.extra.get(f"smtp_{name}") or os.environ.get(f"CLOUDLET_SMTP_{name.upper()}")

        host = setting("host")
        if not host:
            return None
        return cls(host, int(setting("port") or 25), setting("user"), setting("password"),
                   (setting("starttls") or "").lower() in ("1", "true", "yes"))


class Relay:
    def __init__(self, db: Store, settings: SmtpSettings) -> None:
        self.store = db
        self.settings = settings

    async def handle(self, event: Event) -> None:
        with self.store.read() as conn:
            message = store.find_message(conn, event.payload["message_id"])
        if message is None or message.relayed_at is not None:
            return  # deleted by a reset, or relayed by an earlier attempt that lost its lease
        await asyncio.to_thread(self._send, message)
        with self.store.db() as conn:
            store.mark_relayed(conn, message.message_id, event.created_at)

    def _send(self, message: store.Message) -> None:
        settings = self.settings
        with smtplib.SMTP(settings.host, settings.port, timeout=_TIMEOUT) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.sendmail(parseaddr(message.source)[1] or message.source, message.recipients, message.raw)
