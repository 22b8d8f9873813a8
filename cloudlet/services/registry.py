"""The table of services cloudlet implements, built once and inspectable.

Adding a service is one line here; everything else (which operations exist, which are
implemented) is read from the botocore model and the provider class.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

from cloudlet.aws.model import load_service

if TYPE_CHECKING:
    from cloudlet.services.base import Provider
    from cloudlet.services.environment import Environment

# botocore service name -> "module:Class" of its provider, imported on first use so that
# start-up pays only for what is called.
PROVIDERS: dict[str, str] = {
    "apigatewayv2": "cloudlet.services.apigatewayv2.provider:ApiGatewayV2Provider",
    "apigatewaymanagementapi": "cloudlet.services.apigatewayv2.management:ApiGatewayManagementProvider",
    "cloudformation": "cloudlet.services.cloudformation.provider:CloudFormationProvider",
    "cloudfront": "cloudlet.services.cloudfront.provider:CloudFrontProvider",
    "dynamodb": "cloudlet.services.dynamodb.provider:DynamoDBProvider",
    "dynamodbstreams": "cloudlet.services.dynamodbstreams.provider:DynamoDBStreamsProvider",
    "events": "cloudlet.services.events.provider:EventsProvider",
    "lambda": "cloudlet.services.lambda_.provider:LambdaProvider",
    "logs": "cloudlet.services.logs.provider:LogsProvider",
    "s3": "cloudlet.services.s3.provider:S3Provider",
    "ses": "cloudlet.services.ses.provider:SesProvider",
    "sesv2": "cloudlet.services.sesv2.provider:SesV2Provider",
    "sns": "cloudlet.services.sns.provider:SnsProvider",
    "sqs": "cloudlet.services.sqs.provider:SqsProvider",
    "sts": "cloudlet.services.sts.provider:StsProvider",
    "apigateway": "cloudlet.services.apigateway.provider:ApiGatewayProvider",
}


# Services that issue temporary credentials: the signature check asks them about keys it does
# not know, even before anything else has called the service in this process.
CREDENTIAL_ISSUERS: tuple[str, ...] = ("sts",)

# Invoke traffic a service answers itself (API Gateway stages, S3 websites and browser POST
# uploads, CloudFront, Function URLs and code downloads, the Lambda Runtime API): name -> "module:factory", where
# factory(env) returns an object with `matches(request) -> bool` and
# `async handle(request) -> Response`. Checked in this order before AWS API detection.
# Route modules are imported at start-up: keep them light and import heavy code in handle().
ROUTES: dict[str, str] = {
    "cloudfront": "cloudlet.services.cloudfront.routes:CloudFrontRoute",
    "execute-api": "cloudlet.services.gateway.route:GatewayRoute",
    "lambda-url": "cloudlet.services.lambda_.url_route:FunctionUrlRoute",
    "lambda-code": "cloudlet.services.lambda_.code_urls:CodeDownloadRoute",
    "s3-post": "cloudlet.services.s3.post_route:PostRoute",
    "s3-website": "cloudlet.services.s3.website:WebsiteRoute",
    "sns": "cloudlet.services.sns.routes:SnsRoutes",
    "ses": "cloudlet.services.mail.mailbox:MailboxRoute",
    "s3-cors": "cloudlet.services.s3.cors_route:CorsRoute",
}


def invoke_routes(env: Environment) -> list:
    routes = []
    for target in ROUTES.values():
        module, _, name = target.partition(":")
        routes.append(getattr(importlib.import_module(module), name)(env))
    return routes


@cache
def provider_class(service: str) -> type[Provider]:
    module, _, name = PROVIDERS[service].partition(":")
    return getattr(importlib.import_module(module), name)


def coverage() -> dict[str, tuple[list[str], list[str]]]:
    """service -> (implemented operations, all operations of its model)."""
    result = {}
    for service in sorted(PROVIDERS):
        operations = sorted(load_service(service).operation_names)
        result[service] = (provider_class(service).implemented(operations), operations)
    return result


class Registry:
    """The live providers of one server process."""

    def __init__(self) -> None:
        self._providers: dict[str, Provider] = {}
        self.env: Environment | None = None

    def bind(self, env: Environment) -> None:
        self.env = env
        for service in CREDENTIAL_ISSUERS:
            env.credentials.add_lookup(lambda key, service=service: self._existing_or_new(service).lookup_credential(key))

    def _existing_or_new(self, service: str) -> Provider:
        return self._providers.get(service) or self._create(service)

    @staticmethod
    def names() -> list[str]:
        return sorted(PROVIDERS)

    @staticmethod
    def implements(service: str) -> bool:
        return service in PROVIDERS

    async def provider(self, service: str) -> Provider:
        provider = self._providers.get(service)
        if provider is None:
            provider = self._create(service)
            await provider.start()
        return provider

    def _create(self, service: str) -> Provider:
        if self.env is None:
            raise RuntimeError("registry not bound to an environment")
        cls = provider_class(service)
        if cls.migrations:
            self.env.store.migrate(service, cls.migrations)
        provider = self._providers[service] = cls(self.env)
        return provider

    async def start_used(self) -> None:
        """Services that have kept state in this data directory start with the server, to resume
        their timers, pollers and deliveries. One never used has nothing to resume: it starts
        with its first request, and its code is not loaded until then."""
        used = self.env.store.migrated() if self.env is not None else set()
        for service in self.names():
            if service in used and service not in self._providers:
                await self._create(service).start()

    async def stop_all(self) -> None:
        for provider in self._providers.values():
            await provider.stop()

    def started(self) -> list[Provider]:
        return list(self._providers.values())
