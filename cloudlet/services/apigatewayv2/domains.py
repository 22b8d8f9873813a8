"""Custom domain names and their API mappings: metadata only (cloudlet serves no certificates
or DNS), kept so that templates and scripts that manage them run unchanged."""

from __future__ import annotations

import re
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.apigatewayv2 import store
from cloudlet.services.apigatewayv2.errors import BadRequestException, ConflictException, NotFoundException
from cloudlet.services.apigatewayv2.paging import page
from cloudlet.services.apigatewayv2.resources import require, require_api
from cloudlet.services.environment import Environment
from cloudlet.services.gateway.ids import new_id

_DOMAIN = re.compile(r"^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")
_MAPPING_KEY = re.compile(r"^[A-Za-z0-9._\-/]*$")
_HOSTED_ZONE = "Z1UJRXOUMOOFQ8"  # the hosted zone of regional API Gateway endpoints in us-east-1


def _public(domain: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in domain.items() if not k.startswith("_")}


class DomainOperations:
    env: Environment

    def create_domain_name(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["DomainName"].lower()
        if not _DOMAIN.match(name):
            raise BadRequestException(f"Invalid domain name identifier specified: {params['DomainName']}")
        configurations = []
        for config in params.get("DomainNameConfigurations") or [{}]:
            configurations.append(
                {
                    "ApiGatewayDomainName": f"d-{new_id()}.execute-api.{ctx.region}.amazonaws.com",
                    "DomainNameStatus": "AVAILABLE",
                    "EndpointType": "REGIONAL",
                    "HostedZoneId": _HOSTED_ZONE,
                    "SecurityPolicy": "TLS_1_2",
                    **config,
                }
            )
        domain = {
            "DomainName": name,
            "ApiMappingSelectionExpression": "$request.basepath",
            "DomainNameArn": f"arn:aws:apigateway:{ctx.region}::/domainnames/{name}",
            "DomainNameConfigurations": configurations,
            "RoutingMode": params.get("RoutingMode", "API_MAPPING_ONLY"),
            "Tags": params.get("Tags") or {},
            "_mappings": {},
        }
        if params.get("MutualTlsAuthentication"):
            domain["MutualTlsAuthentication"] = params["MutualTlsAuthentication"]
        with self.env.store.db() as conn:
            if store.get_domain(conn, ctx.account_id, ctx.region, name) is not None:
                raise ConflictException(f"The domain name you provided already exists: {name}")
            store.put_domain(conn, ctx.account_id, ctx.region, domain)
        return _public(domain)

    def get_domain_name(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            return _public(self._domain(conn, ctx, params["DomainName"]))

    def get_domain_names(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            return page([_public(d) for d in store.list_domains(conn, ctx.account_id, ctx.region)], params)

    def update_domain_name(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            domain = self._domain(conn, ctx, params["DomainName"])
            if params.get("DomainNameConfigurations"):
                current = domain["DomainNameConfigurations"][0] if domain["DomainNameConfigurations"] else {}
                domain["DomainNameConfigurations"] = [
                    {**current, **c} for c in params["DomainNameConfigurations"]
                ]
            for key in ("MutualTlsAuthentication", "RoutingMode"):
                if key in params:
                    domain[key] = params[key]
            store.put_domain(conn, ctx.account_id, ctx.region, domain)
        return _public(domain)

    def delete_domain_name(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            if not store.delete_domain(conn, ctx.account_id, ctx.region, params["DomainName"].lower()):
                raise NotFoundException(f"Invalid domain name identifier specified: {params['DomainName']}")
        return {}

    # -- API mappings ----------------------------------------------------------------------------

    def create_api_mapping(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        key = params.get("ApiMappingKey") or ""
        if not _MAPPING_KEY.match(key):
            raise BadRequestException(f"Invalid API mapping key specified: {key}")
        with self.env.store.db() as conn:
            domain = self._domain(conn, ctx, params["DomainName"])
            self._check_target(conn, ctx, params["ApiId"], params["Stage"])
            if any(m["ApiMappingKey"] == key for m in domain["_mappings"].values()):
                raise ConflictException(
                    f"API mapping key {key or '(none)'} already exists for domain {domain['DomainName']}"
                )
            mapping = {
                "ApiId": params["ApiId"],
                "ApiMappingId": new_id(6),
                "ApiMappingKey": key,
                "Stage": params["Stage"],
            }
            domain["_mappings"][mapping["ApiMappingId"]] = mapping
            store.put_domain(conn, ctx.account_id, ctx.region, domain)
        return mapping

    def get_api_mapping(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            return self._mapping(self._domain(conn, ctx, params["DomainName"]), params["ApiMappingId"])

    def get_api_mappings(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            return page(list(self._domain(conn, ctx, params["DomainName"])["_mappings"].values()), params)

    def update_api_mapping(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            domain = self._domain(conn, ctx, params["DomainName"])
            mapping = self._mapping(domain, params["ApiMappingId"])
            mapping.update({k: params[k] for k in ("ApiId", "ApiMappingKey", "Stage") if k in params})
            self._check_target(conn, ctx, mapping["ApiId"], mapping["Stage"])
            store.put_domain(conn, ctx.account_id, ctx.region, domain)
        return mapping

    def delete_api_mapping(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            domain = self._domain(conn, ctx, params["DomainName"])
            self._mapping(domain, params["ApiMappingId"])
            del domain["_mappings"][params["ApiMappingId"]]
            store.put_domain(conn, ctx.account_id, ctx.region, domain)
        return {}

    # -- lookups ---------------------------------------------------------------------------------

    @staticmethod
    def _domain(conn: Any, ctx: RequestContext, name: str) -> dict[str, Any]:
        domain = store.get_domain(conn, ctx.account_id, ctx.region, name.lower())
        if domain is None:
            raise NotFoundException(f"Invalid domain name identifier specified: {name}")
        return domain

    @staticmethod
    def _mapping(domain: dict[str, Any], mapping_id: str) -> dict[str, Any]:
        mapping = domain["_mappings"].get(mapping_id)
        if mapping is None:
            raise NotFoundException(f"Invalid API mapping identifier specified: {mapping_id}")
        return mapping

    @staticmethod
    def _check_target(conn: Any, ctx: RequestContext, api_id: str, stage: str) -> None:
        require_api(conn, api_id, ctx.account_id, ctx.region)
        require(conn, api_id, "stage", stage)
