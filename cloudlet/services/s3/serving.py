"""Objects answered as plain HTTP to callers that are not AWS API clients: CloudFront origin
fetches (in process) and website endpoints. The answer is exactly what GetObject/HeadObject
would put on the wire: same headers, same 304/412/416 and same XML errors."""

from __future__ import annotations

import inspect
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import load_service
from cloudlet.aws.serializing import create_serializer
from cloudlet.aws.serializing.base import ResponseSerializer
from cloudlet.edge.types import Headers, RequestContext, Response

# Request header -> GetObject parameter, for the headers a reader may send.
_CONDITIONS = {
    "if-match": "IfMatch",
    "if-none-match": "IfNoneMatch",
    "range": "Range",
    "if-modified-since": "IfModifiedSince",
    "if-unmodified-since": "IfUnmodifiedSince",
}


def object_params(
    bucket: str, key: str, headers: Headers | None, version_id: str | None = None
) -> dict[str, Any]:
    params: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version_id:
        params["VersionId"] = version_id
    for header, name in _CONDITIONS.items():
        value = headers.get(header) if headers is not None else None
        if value is None:
            continue
        if name.endswith("Since"):
            try:
                params[name] = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                continue  # an unreadable date is ignored, as HTTP says
        else:
            params[name] = value
    return params


@cache
def _serializer() -> ResponseSerializer:
    return create_serializer(load_service("s3"), "rest-xml")


async def object_response(
    provider: Any, ctx: RequestContext, method: str, params: dict[str, Any]
) -> Response:
    """GetObject (or HeadObject for HEAD) run for `ctx`'s caller, as an HTTP response."""
    operation = "HeadObject" if method == "HEAD" else "GetObject"
    ctx.operation, ctx.params = operation, params
    model, wire = load_service("s3"), _serializer()
    try:
        result = provider.handler(operation)(ctx, params)
        if inspect.isawaitable(result):
            result = await result
    except ServiceError as exc:
        return wire.serialize_error(model.operation(operation), exc, ctx.request_id)
    return wire.serialize_response(model.operation(operation), result, ctx.request_id)


def error_response(request_id: str, error: ServiceError) -> Response:
    """An S3 XML error answered outside any operation (CORS refusals)."""
    return _serializer().serialize_error(None, error, request_id)
