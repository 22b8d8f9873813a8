"""What both SES APIs share at run time: the tables, the relay, and the steps of a send."""

from __future__ import annotations

import logging
import os
from typing import Any

from cloudlet.services.environment import Environment
from cloudlet.services.mail import composing, identities, sending, store, templates
from cloudlet.services.mail.errors import MissingAttribute, TemplateMissing
from cloudlet.services.mail.relay import BACKOFF, CONSUMER, MAX_ATTEMPTS, Relay, SmtpSettings

log = logging.getLogger("cloudlet.ses")


class Mail:
    """One per provider; the schema is migrated under its own namespace, once per data directory."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        env.store.migrate(store.NAMESPACE, store.MIGRATIONS)
        self.smtp = SmtpSettings.from_config(env.config)
        # The SES sandbox (only verified recipients), off unless asked for: config extra
        # `ses_sandbox` or CLOUDLET_SES_SANDBOX=true.
        flag = env.config.extra.get("ses_sandbox") or os.environ.get("CLOUDLET_SES_SANDBOX") or ""
        self.sandbox = flag.lower() in ("1", "true", "yes")

    def start_relay(self) -> None:
        if self.smtp is not None:
            self.env.dispatcher.subscribe(sending.RELAY_TOPIC, Relay(self.env.store, self.smtp).handle,
                                          name=CONSUMER, max_attempts=MAX_ATTEMPTS, backoff=BACKOFF, timeout=60.0)

    def now(self) -> float:
        return self.env.clock.now()

    def send(self, account_id: str, region: str, api: str, message: composing.Simple) -> str:
        with self.env.store.db() as conn:
            return sending.send_simple(conn, account_id, region, api, message, self.now(), self.smtp is not None,
                                       self.sandbox)

    def send_raw(self, account_id: str, region: str, api: str, data: bytes, source: str | None,
                 destinations: list[str] | None) -> str:
        with self.env.store.db() as conn:
            return sending.send_raw(conn, account_id, region, api, data, source, destinations, self.now(),
                                    self.smtp is not None, self.sandbox)

    def send_notification(self, account_id: str, region: str, source: str, recipient: str, subject: str,
                          text: str) -> str:
        with self.env.store.db() as conn:
            return sending.send_notification(conn, account_id, region, source, recipient, subject, text, self.now(),
                                             self.smtp is not None)

    def template(self, account_id: str, region: str, name: str) -> store.Template:
        with self.env.store.read() as conn:
            template = store.find_template(conn, account_id, region, name)
        if template is None:
            raise TemplateMissing(name)
        return template

    def send_templated(self, account_id: str, region: str, api: str, message: composing.Simple,
                       template: store.Template, data_text: str | None, defaults: str | None = None) -> str:
        """As SES: a message whose template cannot be rendered is accepted, then not delivered."""
        with self.env.store.read() as conn:
            identities.check_sender(conn, account_id, region, message.source)
        data = {**templates.parse_data(defaults), **templates.parse_data(data_text)}
        try:
            rendered = render(template, data)
        except MissingAttribute as exc:
            message_id = composing.new_message_id(self.now())
            log.warning("SES rendering failure for message %s (template %s): %s", message_id, template.name,
                        exc.message)
            return message_id
        message.subject, message.text, message.html = rendered
        return self.send(account_id, region, api, message)


def render(template: store.Template, data: dict[str, Any]) -> tuple[str, str | None, str | None]:
    return (templates.render(template.subject, data) or "", templates.render(template.text, data),
            templates.render(template.html, data))
