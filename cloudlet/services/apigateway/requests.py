"""One data-plane request as the REST API sees it: the method request and its $context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudlet.services.gateway.proxy_events import Facts, _clf_time


@dataclass
class MethodRequest:
    facts: Facts
    api: dict[str, Any]
    stage: dict[str, Any]
    resource: dict[str, Any]
    method: dict[str, Any]
    path_params: dict[str, str]
    region: str
    authorizer: dict[str, Any] | None = None
    api_key: dict[str, Any] | None = None
    extra_context: dict[str, Any] = field(default_factory=dict)

    @property
    def http_method(self) -> str:
        return self.facts.method

    @property
    def resource_path(self) -> str:
        return self.resource["path"]

    @property
    def stage_variables(self) -> dict[str, str]:
        return self.stage.get("variables") or {}

    def query(self) -> dict[str, list[str]]:
        from urllib.parse import parse_qsl

        out: dict[str, list[str]] = {}
        for key, value in parse_qsl(self.facts.query, keep_blank_values=True):
            out.setdefault(key, []).append(value)
        return out

    def value(self, expression: str) -> str | None:
        """method.request.{path|querystring|multivaluequerystring|header|multivalueheader}.NAME,
        stageVariables.NAME or context.NAME."""
        if expression.startswith("stageVariables."):
            return self.stage_variables.get(expression[len("stageVariables.") :])
        if expression.startswith("context."):
            found: Any = self.context()
            for part in expression[len("context.") :].split("."):
                found = found.get(part) if isinstance(found, dict) else None
            return None if found is None else str(found)
        if expression == "method.request.body":
            return self.facts.body.decode("utf-8", "replace")
        where, _, name = expression.removeprefix("method.request.").partition(".")
        if where == "path":
            return self.path_params.get(name)
        if where == "querystring":
            values = self.query().get(name)
            return values[-1] if values else None
        if where == "multivaluequerystring":
            values = self.query().get(name)
            return ",".join(values) if values else None
        if where == "header":
            return self.facts.headers.get(name)
        if where == "multivalueheader":
            values = self.facts.headers.get_all(name)
            return ",".join(values) if values else None
        return None

    def params(self) -> dict[str, dict[str, str]]:
        """$input.params(): path, querystring and header maps (last value wins)."""
        return {
            "path": dict(self.path_params),
            "querystring": {k: v[-1] for k, v in self.query().items()},
            "header": dict(self.facts.headers.items()),
        }

    def method_arn(self) -> str:
        path = self.facts.path.lstrip("/")
        return (
            f"arn:aws:execute-api:{self.region}:{self.facts.account}:{self.facts.api_id}/"
            f"{self.facts.stage}/{self.http_method}/{path}"
        )

    def identity(self) -> dict[str, Any]:
        identity: dict[str, Any] = {
            key: None
            for key in (
                "cognitoIdentityPoolId",
                "accountId",
                "cognitoIdentityId",
                "caller",
                "principalOrgId",
                "accessKey",
                "cognitoAuthenticationType",
                "cognitoAuthenticationProvider",
                "userArn",
                "user",
            )
        }
        identity.update(sourceIp=self.facts.source_ip, userAgent=self.facts.user_agent or None)
        if self.api_key is not None:
            identity.update(apiKey=self.api_key["value"], apiKeyId=self.api_key["id"])
        return identity

    def context(self) -> dict[str, Any]:
        facts = self.facts
        context: dict[str, Any] = {
            "accountId": facts.account,
            "apiId": facts.api_id,
            "domainName": facts.domain,
            "domainPrefix": facts.domain_prefix,
            "extendedRequestId": facts.request_id,
            "httpMethod": facts.method,
            "identity": self.identity(),
            "path": facts.raw_path,
            "protocol": "HTTP/1.1",
            "requestId": facts.request_id,
            "requestTime": _clf_time(facts.now),
            "requestTimeEpoch": int(facts.now * 1000),
            "resourceId": self.resource["id"],
            "resourcePath": self.resource_path,
            "stage": facts.stage,
        }
        if self.authorizer is not None:
            context["authorizer"] = self.authorizer
        context.update(self.extra_context)
        return context
