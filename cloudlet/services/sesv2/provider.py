"""SES v2 (the REST API): the same identities, templates and mailbox as v1, v2's shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.base import Provider
from cloudlet.services.environment import Environment
from cloudlet.services.mail import composing, identities, sending, store, templates
from cloudlet.services.mail.errors import TemplateExists, TemplateMissing
from cloudlet.services.mail.service import Mail, render
from cloudlet.services.sesv2.errors import (
    AlreadyExistsException,
    BadRequestException,
    NotFoundException,
    reported,
)

Params = dict[str, Any]
_KIND = {"EmailAddress": "EMAIL_ADDRESS", "Domain": "DOMAIN"}


def _dkim(identity: store.Identity) -> Params:
    domain = identity.kind == "Domain"
    return {"SigningEnabled": domain, "Status": "SUCCESS" if domain else "NOT_STARTED",
            "Tokens": identity.attributes.get("DkimTokens", []) if domain else [],
            "SigningAttributesOrigin": "AWS_SES"}


def _simple(params: Params) -> composing.Simple:
    destination = params.get("Destination") or {}
    return composing.Simple(
        source=params.get("FromEmailAddress") or "", to=destination.get("ToAddresses") or [],
        cc=destination.get("CcAddresses") or [], bcc=destination.get("BccAddresses") or [],
        reply_to=params.get("ReplyToAddresses") or [], return_path=params.get("FeedbackForwardingEmailAddress"),
    )


class SesV2Provider(Provider):
    service = "sesv2"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.mail = Mail(env)

    async def start(self) -> None:
        await self.env.registry.provider("ses")  # SES v1 runs the relay for both APIs

    # -- identities ----------------------------------------------------------------------------

    def create_email_identity(self, ctx: RequestContext, params: Params) -> Params:
        name = params["EmailIdentity"]
        with reported(), self.env.store.db() as conn:
            if store.find_identity(conn, ctx.account_id, ctx.region, name):
                raise AlreadyExistsException(f"Email identity {name} already exist.")
            identity = identities.add(conn, ctx.account_id, ctx.region, name, self.mail.now())
        return {"IdentityType": _KIND[identity.kind], "VerifiedForSendingStatus": True,
                "DkimAttributes": _dkim(identity)}

    def _identity(self, ctx: RequestContext, name: str) -> store.Identity:
        with self.env.store.read() as conn:
            identity = store.find_identity(conn, ctx.account_id, ctx.region, name)
        if identity is None:
            raise NotFoundException(f"Email identity {name} does not exist.")
        return identity

    def get_email_identity(self, ctx: RequestContext, params: Params) -> Params:
        identity = self._identity(ctx, params["EmailIdentity"])
        return {"IdentityType": _KIND[identity.kind], "FeedbackForwardingStatus": True,
                "VerifiedForSendingStatus": True, "VerificationStatus": "SUCCESS", "DkimAttributes": _dkim(identity),
                "MailFromAttributes": {"BehaviorOnMxFailure": "USE_DEFAULT_VALUE"}, "Policies": {}, "Tags": []}

    def list_email_identities(self, ctx: RequestContext, params: Params) -> Params:
        limit = min(params.get("PageSize") or 1000, 1000)
        with self.env.store.read() as conn:
            found = store.list_identities(conn, ctx.account_id, ctx.region, None, params.get("NextToken") or "",
                                          limit + 1)
        result: Params = {"EmailIdentities": [
            {"IdentityType": _KIND[i.kind], "IdentityName": i.identity, "SendingEnabled": True,
             "VerificationStatus": "SUCCESS"} for i in found[:limit]]}
        if len(found) > limit:
            result["NextToken"] = found[limit - 1].identity
        return result

    def delete_email_identity(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            if not store.delete_identity(conn, ctx.account_id, ctx.region, params["EmailIdentity"]):
                raise NotFoundException(f"Email identity {params['EmailIdentity']} does not exist.")
        return {}

    # -- templates -----------------------------------------------------------------------------

    def _template(self, params: Params) -> store.Template:
        content = params.get("TemplateContent") or {}
        return store.Template(params["TemplateName"], content.get("Subject"), content.get("Text"),
                              content.get("Html"), self.mail.now())

    def create_email_template(self, ctx: RequestContext, params: Params) -> Params:
        template = self._template(params)
        with reported(), self.env.store.db() as conn:
            if store.find_template(conn, ctx.account_id, ctx.region, template.name):
                raise TemplateExists(template.name)
            store.put_template(conn, ctx.account_id, ctx.region, template)
        return {}

    def update_email_template(self, ctx: RequestContext, params: Params) -> Params:
        template = self._template(params)
        with reported(), self.env.store.db() as conn:
            existing = store.find_template(conn, ctx.account_id, ctx.region, template.name)
            if existing is None:
                raise TemplateMissing(template.name)
            template.created_at = existing.created_at
            store.put_template(conn, ctx.account_id, ctx.region, template)
        return {}

    def get_email_template(self, ctx: RequestContext, params: Params) -> Params:
        with reported():
            template = self.mail.template(ctx.account_id, ctx.region, params["TemplateName"])
        content = {key: value for key, value in (("Subject", template.subject), ("Text", template.text),
                                                 ("Html", template.html)) if value is not None}
        return {"TemplateName": template.name, "TemplateContent": content}

    def delete_email_template(self, ctx: RequestContext, params: Params) -> Params:
        with reported(), self.env.store.db() as conn:
            if not store.delete_template(conn, ctx.account_id, ctx.region, params["TemplateName"]):
                raise TemplateMissing(params["TemplateName"])
        return {}

    def list_email_templates(self, ctx: RequestContext, params: Params) -> Params:
        limit = min(params.get("PageSize") or 10, 100)
        with self.env.store.read() as conn:
            found = store.list_templates(conn, ctx.account_id, ctx.region, params.get("NextToken") or "", limit + 1)
        result: Params = {"TemplatesMetadata": [
            {"TemplateName": t.name, "CreatedTimestamp": datetime.fromtimestamp(t.created_at, UTC)}
            for t in found[:limit]]}
        if len(found) > limit:
            result["NextToken"] = found[limit - 1].name
        return result

    def test_render_email_template(self, ctx: RequestContext, params: Params) -> Params:
        with reported():
            template = self.mail.template(ctx.account_id, ctx.region, params["TemplateName"])
            subject, text, html = render(template, templates.parse_data(params["TemplateData"]))
            message = composing.Simple(source="sender@example.com", subject=subject, text=text, html=html)
            raw = composing.build(message, composing.new_message_id(self.mail.now()), self.mail.now())
        return {"RenderedTemplate": raw.decode("utf-8", "replace")}

    # -- sending -------------------------------------------------------------------------------

    def send_email(self, ctx: RequestContext, params: Params) -> Params:
        content = params["Content"]
        with reported():
            if "Raw" in content:
                message_id = self.mail.send_raw(ctx.account_id, ctx.region, "SendEmail", content["Raw"]["Data"],
                                                params.get("FromEmailAddress"), None)
            elif "Template" in content:
                message_id = self._send_templated(ctx, _simple(params), content["Template"], None)
            else:
                message_id = self._send_simple(ctx, params, content.get("Simple") or {})
        return {"MessageId": message_id}

    def _send_simple(self, ctx: RequestContext, params: Params, simple: Params) -> str:
        if not params.get("FromEmailAddress"):
            raise BadRequestException("Missing required field FromEmailAddress.")
        message = _simple(params)
        body = simple.get("Body") or {}
        message.subject = (simple.get("Subject") or {}).get("Data", "")
        message.text = (body.get("Text") or {}).get("Data")
        message.html = (body.get("Html") or {}).get("Data")
        return self.mail.send(ctx.account_id, ctx.region, "SendEmail", message)

    def _send_templated(self, ctx: RequestContext, message: composing.Simple, given: Params,
                        defaults: str | None) -> str:
        name = given.get("TemplateName") or (given.get("TemplateArn") or "").rsplit("/", 1)[-1]
        template = self.mail.template(ctx.account_id, ctx.region, name)
        return self.mail.send_templated(ctx.account_id, ctx.region, "SendEmail", message, template,
                                        given.get("TemplateData"), defaults)

    def send_bulk_email(self, ctx: RequestContext, params: Params) -> Params:
        default = (params.get("DefaultContent") or {}).get("Template") or {}
        results = []
        with reported():
            for entry in params["BulkEmailEntries"]:
                replacement = ((entry.get("ReplacementEmailContent") or {}).get("ReplacementTemplate") or {})
                given = {**default, "TemplateData": replacement.get("ReplacementTemplateData")}
                message = _simple({**params, "Destination": entry["Destination"]})
                message_id = self._send_templated(ctx, message, given, default.get("TemplateData"))
                results.append({"Status": "SUCCESS", "MessageId": message_id})
        return {"BulkEmailEntryResults": results}

    # -- account -------------------------------------------------------------------------------

    def get_account(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            quota = sending.quota(conn, ctx.account_id, ctx.region, self.mail.now())
        return {"DedicatedIpAutoWarmupEnabled": False, "EnforcementStatus": "HEALTHY",
                "ProductionAccessEnabled": not self.mail.sandbox, "SendQuota": quota, "SendingEnabled": True}
