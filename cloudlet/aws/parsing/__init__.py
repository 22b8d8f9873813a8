"""Requests to (operation, input dict) for every AWS protocol, driven by botocore's models.

`request_protocol` says which of a service's protocols a request speaks, `create_parser`
gives the (cached) parser for it; `parser.operation(request)` names the operation and
`parser.parse(request, operation)` reads its input. Service quirks are parser subclasses
chosen from _SPECIAL_PARSERS, never `if service == ...` in the generic code.
"""

from __future__ import annotations

import re
from functools import lru_cache

from cloudlet.aws.model import ServiceModel
from cloudlet.aws.parsing.base import RequestParser
from cloudlet.aws.parsing.cbor import CborRequestParser
from cloudlet.aws.parsing.ec2 import Ec2RequestParser
from cloudlet.aws.parsing.jsonrpc import JsonRpcRequestParser
from cloudlet.aws.parsing.query import QueryRequestParser
from cloudlet.aws.parsing.rest import RestJsonRequestParser, RestXmlRequestParser
from cloudlet.aws.parsing.s3 import S3RequestParser, s3_bucket_from_host
from cloudlet.aws.parsing.sqs import SqsQueryRequestParser
from cloudlet.edge.types import Request

__all__ = ["RequestParser", "create_parser", "request_protocol", "s3_bucket_from_host"]

_PARSERS: dict[str, type[RequestParser]] = {
    "query": QueryRequestParser,
    "ec2": Ec2RequestParser,
    "json": JsonRpcRequestParser,
    "rest-json": RestJsonRequestParser,
    "rest-xml": RestXmlRequestParser,
    "smithy-rpc-v2-cbor": CborRequestParser,
}
_SPECIAL_PARSERS: dict[tuple[str, str], type[RequestParser]] = {
    ("s3", "rest-xml"): S3RequestParser,
    ("sqs", "query"): SqsQueryRequestParser,
}
_CBOR_PATH = re.compile(r"/service/[^/]+/operation/[^/]+$")
_FORM = "application/x-www-form-urlencoded"


def supported_protocols(service: ServiceModel) -> list[str]:
    """The model's protocols, plus query for JSON services that still answer query clients (SQS)."""
    protocols = list(service.protocols)
    if service.is_query_compatible and "query" not in protocols:
        protocols.append("query")
    return protocols


def request_protocol(service: ServiceModel, request: Request) -> str:
    """Which of the service's protocols this request speaks; the model's own when in doubt.

    Only headers, path and query are consulted: a form body is recognised by its
    Content-Type, so the body need not be read yet.
    """
    protocols = supported_protocols(service)
    if len(protocols) == 1:
        return protocols[0]
    headers = request.headers
    content_type = headers.get("content-type") or ""
    if "smithy-rpc-v2-cbor" in protocols and (
        headers.get("smithy-protocol") == "rpc-v2-cbor" or _CBOR_PATH.search(request.path)
    ):
        return "smithy-rpc-v2-cbor"
    if "json" in protocols and ("x-amz-target" in headers or content_type.startswith("application/x-amz-json")):
        return "json"
    if "query" in protocols and (content_type.startswith(_FORM) or "Action=" in request.query):
        return "query"
    return service.protocol if service.protocol in protocols else protocols[0]


@lru_cache(maxsize=512)
def create_parser(service: ServiceModel, protocol: str) -> RequestParser:
    """The parser for one service speaking one protocol, built once (its tables with it)."""
    cls = _SPECIAL_PARSERS.get((service.name, protocol)) or _PARSERS.get(protocol)
    if cls is None:
        raise ValueError(f"cloudlet has no request parser for the {protocol!r} protocol")
    return cls(service)
