"""AWS integrations with services other than Lambda (`arn:aws:apigateway:REGION:SERVICE:action/NAME`
or `...:SERVICE:path/PATH`): the integration request becomes that service's API call, made
in-process through the same protocol layer a client's call goes through, and its wire answer
is what the integration responses select from (by status code)."""

from __future__ import annotations

import inspect
import re
from typing import Any
from urllib.parse import urlencode

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import UnknownServiceModel, load_service
from cloudlet.aws.parsing import create_parser, request_protocol, supported_protocols
from cloudlet.aws.serializing import create_serializer
from cloudlet.aws.validate import validate
from cloudlet.edge.types import Body, Headers, Principal, Request, RequestContext, Response, new_request_id
from cloudlet.services.apigateway.answers import GatewayError

_URI = re.compile(r"^arn:aws[a-z-]*:apigateway:([a-z0-9-]+):([a-z0-9.-]+):(action|path)/(.+)$")
# Endpoint prefixes that are not the botocore service name.
_SERVICES = {
    "states": "stepfunctions",
    "monitoring": "cloudwatch",
    "email": "ses",
    "execute-api": "apigateway",
}


def is_service_uri(uri: str) -> bool:
    match = _URI.match(uri)
    return bool(match) and match.group(2) != "lambda"


async def call(
    env: Any,
    uri: str,
    http_method: str,
    body: bytes,
    query: dict[str, str],
    headers: dict[str, str],
    path_values: dict[str, str],
    account: str,
) -> Response:
    match = _URI.match(uri)
    if match is None:
        raise GatewayError("INTERNAL_ERROR")
    region, prefix, style, target = match.groups()
    service = _SERVICES.get(prefix.split(".")[0], prefix.split(".")[0])
    try:
        model = load_service(service)
    except UnknownServiceModel as exc:
        raise GatewayError("INTERNAL_ERROR") from exc
    request = _request(model, style, target, http_method, body, query, headers, path_values)
    protocol = request_protocol(model, request)
    ctx = RequestContext(
        request,
        new_request_id(),
        service,
        None,
        protocol,
        region,
        Principal("", account, f"arn:aws:iam::{account}:root", account),
    )
    operation = None
    try:
        parser = create_parser(model, protocol)
        operation = parser.operation(request)
        ctx.operation = operation.name
        ctx.params = parser.parse(request, operation)
        validate(operation, ctx.params, protocol)
        if not env.registry.implements(service):
            raise ServiceError(f"cloudlet does not implement {service}", code="NotImplemented", status=501)
        handler = (await env.registry.provider(service)).handler(operation.name)
        if handler is None:
            raise ServiceError(
                f"cloudlet does not implement {service}.{operation.name}", code="NotImplemented", status=501
            )
        result = handler(ctx, ctx.params)
        if inspect.isawaitable(result):
            result = await result
        if isinstance(result, Response):
            return result
        return create_serializer(model, protocol).serialize_response(operation, result or {}, ctx.request_id)
    except ServiceError as exc:
        return create_serializer(model, protocol).serialize_error(operation, exc, ctx.request_id)


def _request(
    model: Any,
    style: str,
    target: str,
    http_method: str,
    body: bytes,
    query: dict[str, str],
    headers: dict[str, str],
    path_values: dict[str, str],
) -> Request:
    out = Headers(list(headers.items()))
    if style == "path":
        path = "/" + re.sub(r"\{([A-Za-z0-9._-]+)\}", lambda m: path_values.get(m.group(1), ""), target)
        return Request(http_method, path, urlencode(query), out, Body(body))
    protocols = supported_protocols(model)
    json_body = not body.strip() or body.strip().startswith(b"{")
    # A JSON service takes a JSON body; one that also speaks the query protocol (SQS) takes the
    # form or query parameters API Gateway users write for it.
    if "json" in protocols and (("query" not in protocols) or (json_body and not query)):
        out["X-Amz-Target"] = f"{model.target_prefix}.{target}"
        out["Content-Type"] = f"application/x-amz-json-{model.json_version or '1.0'}"
        return Request("POST", "/", "", out, Body(body or b"{}"))
    form = urlencode({"Action": target, "Version": model.api_version, **query})
    if body:
        form = f"{form}&{body.decode('utf-8', 'replace')}"
    out["Content-Type"] = "application/x-www-form-urlencoded"
    return Request("POST", "/", "", out, Body(form.encode()))
