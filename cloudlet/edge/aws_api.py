"""An AWS API call, top to bottom: detect, authenticate, parse, validate, dispatch, serialize.

Each step is a small method; the order is `handle`. Bad input anywhere becomes a ServiceError
in the service's own wire format; anything else is a bug and answers InternalFailure (500)
with the traceback in the server log, never on the wire.
"""

from __future__ import annotations

import inspect
import logging
import time
from typing import TYPE_CHECKING

from cloudlet.aws import errors
from cloudlet.aws.chunked import decode_aws_chunked, is_aws_chunked
from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import OperationModel, ServiceModel, UnknownServiceModel, load_service
from cloudlet.aws.parsing import create_parser, request_protocol
from cloudlet.aws.serializing import create_serializer
from cloudlet.aws.sigv4 import AuthError, AuthResult, authenticate, verify_payload_hash
from cloudlet.aws.validate import validate
from cloudlet.edge.detect import detect_service
from cloudlet.edge.fallback import fallback_error
from cloudlet.edge.request_log import REQUEST_LOG
from cloudlet.edge.types import Body, BodyTooLarge, Principal, Request, RequestContext, Response

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

log = logging.getLogger("cloudlet.request")

_RPC_PROTOCOLS = ("query", "json", "smithy-rpc-v2-cbor")


class AwsApi:
    def __init__(self, env: Environment) -> None:
        self.env = env
        self.registry = env.registry

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        ctx = RequestContext(request, region=self.env.config.region)
        model: ServiceModel | None = None
        operation: OperationModel | None = None
        try:
            model, detected = await self._detect(ctx)
            operation = await self._parse(ctx, model, detected)
            response = await self._dispatch(ctx, model, operation)
        except ServiceError as exc:
            response = self._error(ctx, model, operation, exc)
        except BodyTooLarge as exc:
            too_large = errors.error("RequestEntityTooLarge", f"Request body exceeds {exc.limit} bytes", 413)
            response = self._error(ctx, model, operation, too_large)
        except Exception:
            log.exception("internal error in %s.%s (request %s)", ctx.service, ctx.operation, ctx.request_id)
            failure = errors.InternalFailure("We encountered an internal error. Please try again.")
            response = self._error(ctx, model, operation, failure)
        REQUEST_LOG.line(ctx.service or "-", ctx.operation or "-", response.status,
                         (time.perf_counter() - started) * 1000, ctx.request_id)
        return response

    async def _detect(self, ctx: RequestContext) -> tuple[ServiceModel, OperationModel | None]:
        """The service's model, and the operation when telling services apart matched it."""
        request = ctx.request
        if _is_form(request):
            await request.body.read(self.env.config.max_body)
        matched: dict[str, OperationModel] = {}

        def fits(service: str, request: Request) -> bool:
            operation = self._matching_operation(service, request)
            if operation is not None:
                matched[service] = operation
            return operation is not None

        service = detect_service(request, self.registry.implements, fits)
        ctx.service = service
        try:
            model = load_service(service)
        except UnknownServiceModel:
            raise errors.error("UnknownService", f"cloudlet does not know the service {service!r}", 400) from None
        ctx.protocol = request_protocol(model, request)
        if ctx.protocol in _RPC_PROTOCOLS:
            await request.body.read(self.env.config.max_body)
        return model, matched.get(service or "")

    @staticmethod
    def _matching_operation(service: str, request: Request) -> OperationModel | None:
        try:
            model = load_service(service)
            return create_parser(model, request_protocol(model, request)).operation(request)
        except (ServiceError, UnknownServiceModel, KeyError):
            return None

    async def _parse(self, ctx: RequestContext, model: ServiceModel,
                     operation: OperationModel | None) -> OperationModel:
        request = ctx.request
        parser = create_parser(model, ctx.protocol or model.protocol)
        if operation is None:
            operation = parser.operation(request)
        ctx.operation = operation.name
        streaming = operation.has_streaming_input
        if not streaming:
            await request.body.read(self.env.config.max_body)
        auth = self._authenticate(ctx)
        if streaming:
            request.body = self._streaming_body(request, auth)
        elif is_aws_chunked(request.headers):
            decoded = decode_aws_chunked(Body(request.body.data).chunks(), request.headers, auth)
            request.body = Body(b"".join([chunk async for chunk in decoded]))
        ctx.params = parser.parse(request, operation)
        validate(operation, ctx.params, ctx.protocol or model.protocol)
        return operation

    def _authenticate(self, ctx: RequestContext) -> AuthResult:
        config = self.env.config
        try:
            # Skew is judged on wall time: tests that move the clock still sign with real time.
            auth = authenticate(ctx.request, self.env.credentials, self.env.clock.now(), enforce=config.auth,
                                skew_now=time.time())
        except AuthError as exc:
            raise exc.to_service_error(ctx.service or "", ctx.protocol or "") from None
        if auth.region:
            ctx.region = auth.region
        cred = auth.credential
        if cred is not None:
            ctx.principal = Principal(cred.access_key, cred.account_id, cred.arn, cred.user_id, cred.session_token)
        elif auth.anonymous and ctx.service != "s3" and config.auth:
            # Only S3 (and invoke traffic, which never comes here) serves anonymous callers.
            raise _missing_authentication(ctx.protocol or "")
        return auth

    def _streaming_body(self, request: Request, auth: AuthResult) -> Body:
        chunks = request.body.chunks()
        if is_aws_chunked(request.headers):
            chunks = decode_aws_chunked(chunks, request.headers, auth)
        else:
            expected = request.headers.get("x-amz-content-sha256")
            if expected and len(expected) == 64 and not auth.anonymous:
                chunks = verify_payload_hash(chunks, expected)
        return Body(stream=chunks)

    async def _dispatch(self, ctx: RequestContext, model: ServiceModel, operation: OperationModel) -> Response:
        service = ctx.service or model.name
        if not self.registry.implements(service):
            raise errors.NotImplementedOperation(service, operation.name)
        provider = await self.registry.provider(service)
        handler = provider.handler(operation.name)
        if handler is None:
            raise errors.NotImplementedOperation(service, operation.name)
        result = handler(ctx, ctx.params)
        if inspect.isawaitable(result):
            result = await result
        if isinstance(result, Response):
            return result
        serializer = create_serializer(model, ctx.protocol or model.protocol)
        return serializer.serialize_response(operation, result or {}, ctx.request_id)

    def _error(self, ctx: RequestContext, model: ServiceModel | None, operation: OperationModel | None,
               exc: ServiceError) -> Response:
        if model is None:
            return fallback_error(ctx, exc)
        serializer = create_serializer(model, ctx.protocol or model.protocol)
        return serializer.serialize_error(operation, exc, ctx.request_id)


def _is_form(request: Request) -> bool:
    return (request.headers.get("content-type") or "").startswith("application/x-www-form-urlencoded")


def _missing_authentication(protocol: str) -> ServiceError:
    message = "Request is missing Authentication Token"
    if protocol == "query":
        return errors.MissingAuthenticationToken(message)
    return errors.error("MissingAuthenticationTokenException", message, 400)
