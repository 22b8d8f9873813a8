"""Responses and errors in every AWS protocol, generated from botocore's service models.

`create_serializer(service, protocol)` picks the protocol's serializer, or a service's own
subclass where the service departs from its protocol (S3), from plain tables.
"""

from __future__ import annotations

from functools import cache

from cloudlet.aws.model import ServiceModel
from cloudlet.aws.serializing.base import ResponseSerializer
from cloudlet.aws.serializing.jsonrpc import CborSerializer, JsonSerializer
from cloudlet.aws.serializing.query import QuerySerializer
from cloudlet.aws.serializing.rest import RestJsonSerializer, RestXmlSerializer
from cloudlet.aws.serializing.s3 import S3Serializer
from cloudlet.aws.serializing.sqs import SqsJsonSerializer, SqsQuerySerializer

__all__ = ["PROTOCOL_SERIALIZERS", "SERVICE_SERIALIZERS", "ResponseSerializer", "create_serializer"]

PROTOCOL_SERIALIZERS: dict[str, type[ResponseSerializer]] = {
    "query": QuerySerializer,
    "json": JsonSerializer,
    "rest-json": RestJsonSerializer,
    "rest-xml": RestXmlSerializer,
    "smithy-rpc-v2-cbor": CborSerializer,
}

# (service, protocol) -> the service's own serializer.
SERVICE_SERIALIZERS: dict[tuple[str, str], type[ResponseSerializer]] = {
    ("s3", "rest-xml"): S3Serializer,
    ("sqs", "json"): SqsJsonSerializer,
    ("sqs", "query"): SqsQuerySerializer,
}


@cache
def create_serializer(service: ServiceModel, protocol: str) -> ResponseSerializer:
    cls = SERVICE_SERIALIZERS.get((service.name, protocol)) or PROTOCOL_SERIALIZERS.get(protocol)
    if cls is None:
        raise ValueError(f"no response serializer for protocol {protocol!r}")
    return cls(service)
