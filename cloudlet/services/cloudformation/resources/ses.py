"""AWS::SES::EmailIdentity (SES v2) and AWS::SES::Template (SES v1), through SES's operations."""

from __future__ import annotations

from typing import Any

from cloudlet.services.cloudformation.resources.base import Created, ResourceContext, ResourceType, tags_with


class EmailIdentity(ResourceType):
    type = "AWS::SES::EmailIdentity"
    replace_on = frozenset({"EmailIdentity"})
    name_property = "EmailIdentity"
    attributes = (
        "DkimDNSTokenName1",
        "DkimDNSTokenName2",
        "DkimDNSTokenName3",
        "DkimDNSTokenValue1",
        "DkimDNSTokenValue2",
        "DkimDNSTokenValue3",
    )

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        identity = props["EmailIdentity"]
        params: dict[str, Any] = {"EmailIdentity": identity}
        tags = tags_with(ctx, props.get("Tags"))
        if tags:
            params["Tags"] = tags
        created = await ctx.call("sesv2", "CreateEmailIdentity", params)
        return Created(identity, self._dkim(identity, created.get("DkimAttributes") or {}))

    @staticmethod
    def _dkim(identity: str, dkim: dict[str, Any]) -> dict[str, Any]:
        """The CNAME records AWS asks a domain to publish: <token>._domainkey.<domain>."""
        result = {}
        for number, token in enumerate((dkim.get("Tokens") or [])[:3], start=1):
            result[f"DkimDNSTokenName{number}"] = f"{token}._domainkey.{identity}"
            result[f"DkimDNSTokenValue{number}"] = f"{token}.dkim.amazonses.com"
        return result

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        return attributes  # the configuration members cloudlet's SES keeps are set at creation

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("sesv2", "DeleteEmailIdentity", {"EmailIdentity": physical_id})


class Template(ResourceType):
    type = "AWS::SES::Template"
    attributes = ("Id",)

    @staticmethod
    def _template(ctx: ResourceContext, props: dict[str, Any], name: str) -> dict[str, Any]:
        template = dict(props.get("Template") or {})
        template["TemplateName"] = name
        return template

    async def create(self, ctx: ResourceContext, props: dict[str, Any]) -> Created:
        name = (props.get("Template") or {}).get("TemplateName") or ctx.physical_name(64)
        await ctx.call("ses", "CreateTemplate", {"Template": self._template(ctx, props, name)})
        return Created(name, {"Id": name})

    def needs_replacement(self, old: dict[str, Any], new: dict[str, Any]) -> bool:
        return (old.get("Template") or {}).get("TemplateName") != (new.get("Template") or {}).get(
            "TemplateName"
        )

    async def update(
        self,
        ctx: ResourceContext,
        physical_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        attributes: dict[str, Any],
    ) -> dict[str, Any]:
        await ctx.call("ses", "UpdateTemplate", {"Template": self._template(ctx, new, physical_id)})
        return attributes

    async def delete(
        self, ctx: ResourceContext, physical_id: str, props: dict[str, Any], attributes: dict[str, Any]
    ) -> None:
        await ctx.call("ses", "DeleteTemplate", {"TemplateName": physical_id})
