"""SES (the v1 query API): identities, templates, sending, quotas, configuration sets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.base import Provider
from cloudlet.services.environment import Environment
from cloudlet.services.mail import composing, identities, sending, store, templates
from cloudlet.services.mail.errors import TemplateExists, TemplateMissing
from cloudlet.services.mail.service import Mail, render
from cloudlet.services.ses.errors import (
    ConfigurationSetAlreadyExists,
    ConfigurationSetDoesNotExist,
    InvalidParameterValue,
    reported,
)

Params = dict[str, Any]
PAGE = 1000


def _simple(params: Params) -> composing.Simple:
    destination = params.get("Destination") or {}
    return composing.Simple(
        source=params["Source"], to=destination.get("ToAddresses") or [], cc=destination.get("CcAddresses") or [],
        bcc=destination.get("BccAddresses") or [], reply_to=params.get("ReplyToAddresses") or [],
        return_path=params.get("ReturnPath"),
    )


class SesProvider(Provider):
    service = "ses"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.mail = Mail(env)

    async def start(self) -> None:
        self.mail.start_relay()

    # -- identities ----------------------------------------------------------------------------

    def _add_identity(self, ctx: RequestContext, identity: str) -> store.Identity:
        with reported(), self.env.store.db() as conn:
            return identities.add(conn, ctx.account_id, ctx.region, identity, self.mail.now())

    def verify_email_identity(self, ctx: RequestContext, params: Params) -> Params:
        self._email(params["EmailAddress"])
        self._add_identity(ctx, params["EmailAddress"])
        return {}

    def verify_email_address(self, ctx: RequestContext, params: Params) -> Params:
        return self.verify_email_identity(ctx, params)

    def verify_domain_identity(self, ctx: RequestContext, params: Params) -> Params:
        return {"VerificationToken": self._domain(ctx, params["Domain"]).token}

    def verify_domain_dkim(self, ctx: RequestContext, params: Params) -> Params:
        return {"DkimTokens": self._domain(ctx, params["Domain"]).attributes["DkimTokens"]}

    def _domain(self, ctx: RequestContext, domain: str) -> store.Identity:
        if "@" in domain:
            raise InvalidParameterValue(f"Invalid domain name: {domain}")
        return self._add_identity(ctx, domain)

    @staticmethod
    def _email(address: str) -> None:
        with reported():
            if identities.kind_of(address) != "EmailAddress":
                raise InvalidParameterValue(f"Invalid email address<{address}>.")

    def list_identities(self, ctx: RequestContext, params: Params) -> Params:
        limit = min(params.get("MaxItems") or PAGE, PAGE)
        with self.env.store.read() as conn:
            found = store.list_identities(conn, ctx.account_id, ctx.region, params.get("IdentityType"),
                                          params.get("NextToken") or "", limit + 1)
        result: Params = {"Identities": [identity.identity for identity in found[:limit]]}
        if len(found) > limit:
            result["NextToken"] = found[limit - 1].identity
        return result

    def _identities(self, ctx: RequestContext, names: list[str]) -> dict[str, store.Identity]:
        with self.env.store.read() as conn:
            found = {name: store.find_identity(conn, ctx.account_id, ctx.region, name) for name in names}
        return {name: identity for name, identity in found.items() if identity is not None}

    def get_identity_verification_attributes(self, ctx: RequestContext, params: Params) -> Params:
        found = self._identities(ctx, params["Identities"])
        return {"VerificationAttributes": {
            name: {"VerificationStatus": "Success", **({"VerificationToken": identity.token}
                                                        if identity.kind == "Domain" else {})}
            for name, identity in found.items()}}

    def get_identity_dkim_attributes(self, ctx: RequestContext, params: Params) -> Params:
        found = self._identities(ctx, params["Identities"])
        return {"DkimAttributes": {name: identities.dkim_attributes(identity) for name, identity in found.items()}}

    def get_identity_notification_attributes(self, ctx: RequestContext, params: Params) -> Params:
        found = self._identities(ctx, params["Identities"])
        return {"NotificationAttributes": {name: {
            "BounceTopic": "", "ComplaintTopic": "", "DeliveryTopic": "", "ForwardingEnabled": True,
            "HeadersInBounceNotificationsEnabled": False, "HeadersInComplaintNotificationsEnabled": False,
            "HeadersInDeliveryNotificationsEnabled": False} for name in found}}

    def delete_identity(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            store.delete_identity(conn, ctx.account_id, ctx.region, params["Identity"])
        return {}

    def list_verified_email_addresses(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            found = store.list_identities(conn, ctx.account_id, ctx.region, "EmailAddress", "", 10_000)
        return {"VerifiedEmailAddresses": [identity.identity for identity in found]}

    def delete_verified_email_address(self, ctx: RequestContext, params: Params) -> Params:
        return self.delete_identity(ctx, {"Identity": params["EmailAddress"]})

    # -- templates -----------------------------------------------------------------------------

    def create_template(self, ctx: RequestContext, params: Params) -> Params:
        template = self._template(params["Template"])
        with reported(), self.env.store.db() as conn:
            if store.find_template(conn, ctx.account_id, ctx.region, template.name):
                raise TemplateExists(template.name)
            store.put_template(conn, ctx.account_id, ctx.region, template)
        return {}

    def update_template(self, ctx: RequestContext, params: Params) -> Params:
        template = self._template(params["Template"])
        with reported(), self.env.store.db() as conn:
            existing = store.find_template(conn, ctx.account_id, ctx.region, template.name)
            if existing is None:
                raise TemplateMissing(template.name)
            template.created_at = existing.created_at
            store.put_template(conn, ctx.account_id, ctx.region, template)
        return {}

    def _template(self, given: Params) -> store.Template:
        name = given.get("TemplateName") or ""
        if not name:
            raise InvalidParameterValue("Template name cannot be empty.")
        template = store.Template(name, given.get("SubjectPart"), given.get("TextPart"), given.get("HtmlPart"),
                                  self.mail.now())
        with reported():
            for part in (template.subject, template.text, template.html):
                templates.render(part, _Anything())
        return template

    def get_template(self, ctx: RequestContext, params: Params) -> Params:
        with reported():
            template = self.mail.template(ctx.account_id, ctx.region, params["TemplateName"])
        shown: Params = {"TemplateName": template.name}
        for key, value in (("SubjectPart", template.subject), ("TextPart", template.text),
                           ("HtmlPart", template.html)):
            if value is not None:
                shown[key] = value
        return {"Template": shown}

    def delete_template(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            store.delete_template(conn, ctx.account_id, ctx.region, params["TemplateName"])
        return {}

    def list_templates(self, ctx: RequestContext, params: Params) -> Params:
        limit = min(params.get("MaxItems") or 100, 100)
        with self.env.store.read() as conn:
            found = store.list_templates(conn, ctx.account_id, ctx.region, params.get("NextToken") or "", limit + 1)
        result: Params = {"TemplatesMetadata": [
            {"Name": t.name, "CreatedTimestamp": datetime.fromtimestamp(t.created_at, UTC)} for t in found[:limit]]}
        if len(found) > limit:
            result["NextToken"] = found[limit - 1].name
        return result

    def test_render_template(self, ctx: RequestContext, params: Params) -> Params:
        with reported():
            template = self.mail.template(ctx.account_id, ctx.region, params["TemplateName"])
            subject, text, html = render(template, templates.parse_data(params["TemplateData"]))
            message = composing.Simple(source="sender@example.com", subject=subject, text=text, html=html)
            raw = composing.build(message, composing.new_message_id(self.mail.now()), self.mail.now())
        return {"RenderedTemplate": raw.decode("utf-8", "replace")}

    # -- sending -------------------------------------------------------------------------------

    def _check_configuration_set(self, ctx: RequestContext, params: Params) -> None:
        name = params.get("ConfigurationSetName")
        if name:
            with self.env.store.read() as conn:
                if not store.configuration_set_exists(conn, ctx.account_id, ctx.region, name):
                    raise ConfigurationSetDoesNotExist(f"Configuration set <{name}> does not exist.")

    def send_email(self, ctx: RequestContext, params: Params) -> Params:
        self._check_configuration_set(ctx, params)
        message = _simple(params)
        content = params["Message"]
        body = content.get("Body") or {}
        message.subject = (content.get("Subject") or {}).get("Data", "")
        message.text = (body.get("Text") or {}).get("Data")
        message.html = (body.get("Html") or {}).get("Data")
        with reported():
            return {"MessageId": self.mail.send(ctx.account_id, ctx.region, "SendEmail", message)}

    def send_raw_email(self, ctx: RequestContext, params: Params) -> Params:
        self._check_configuration_set(ctx, params)
        with reported():
            return {"MessageId": self.mail.send_raw(ctx.account_id, ctx.region, "SendRawEmail",
                                                    params["RawMessage"]["Data"], params.get("Source"),
                                                    params.get("Destinations"))}

    def send_templated_email(self, ctx: RequestContext, params: Params) -> Params:
        self._check_configuration_set(ctx, params)
        with reported():
            template = self.mail.template(ctx.account_id, ctx.region, params["Template"])
            return {"MessageId": self.mail.send_templated(ctx.account_id, ctx.region, "SendTemplatedEmail",
                                                          _simple(params), template, params["TemplateData"])}

    def send_bulk_templated_email(self, ctx: RequestContext, params: Params) -> Params:
        self._check_configuration_set(ctx, params)
        status = []
        with reported():
            template = self.mail.template(ctx.account_id, ctx.region, params["Template"])
            templates.parse_data(params.get("DefaultTemplateData"))
            for entry in params["Destinations"]:
                message = _simple({**params, "Destination": entry["Destination"]})
                message_id = self.mail.send_templated(ctx.account_id, ctx.region, "SendBulkTemplatedEmail",
                                                      message, template, entry.get("ReplacementTemplateData"),
                                                      params.get("DefaultTemplateData"))
                status.append({"Status": "Success", "MessageId": message_id})
        return {"Status": status}

    # -- account -------------------------------------------------------------------------------

    def get_send_quota(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            return sending.quota(conn, ctx.account_id, ctx.region, self.mail.now())

    def get_send_statistics(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            buckets = sending.statistics(conn, ctx.account_id, ctx.region, self.mail.now())
        return {"SendDataPoints": [{"Timestamp": datetime.fromtimestamp(start, UTC), "DeliveryAttempts": count,
                                    "Bounces": 0, "Complaints": 0, "Rejects": 0} for start, count in buckets]}

    def get_account_sending_enabled(self, ctx: RequestContext, params: Params) -> Params:
        return {"Enabled": True}

    # -- configuration sets --------------------------------------------------------------------

    def create_configuration_set(self, ctx: RequestContext, params: Params) -> Params:
        name = params["ConfigurationSet"]["Name"]
        with self.env.store.db() as conn:
            if not store.put_configuration_set(conn, ctx.account_id, ctx.region, name, self.mail.now()):
                raise ConfigurationSetAlreadyExists(f"Configuration set <{name}> already exists.")
        return {}

    def describe_configuration_set(self, ctx: RequestContext, params: Params) -> Params:
        self._check_configuration_set(ctx, params)
        return {"ConfigurationSet": {"Name": params["ConfigurationSetName"]}}

    def delete_configuration_set(self, ctx: RequestContext, params: Params) -> Params:
        name = params["ConfigurationSetName"]
        with self.env.store.db() as conn:
            if not store.delete_configuration_set(conn, ctx.account_id, ctx.region, name):
                raise ConfigurationSetDoesNotExist(f"Configuration set <{name}> does not exist.")
        return {}

    def list_configuration_sets(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            names = store.list_configuration_sets(conn, ctx.account_id, ctx.region)
        return {"ConfigurationSets": [{"Name": name} for name in names]}


class _Anything(dict):
    """Rendering data that has every name: checks a template's syntax alone."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> Any:
        return self
