"""smithy-rpc-v2-cbor: POST /service/<Service>/operation/<Operation> with a CBOR body.

The values walk like JSON's, except that CBOR carries bytes and epoch timestamps (tag 1)
natively: blobs are raw byte strings, never base64.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import cbor2

from cloudlet.aws.model import OperationModel, ServiceModel, Shape
from cloudlet.aws.parsing.base import InvalidValue, MalformedBody, RequestParser
from cloudlet.aws.parsing.jsonbody import JsonValues
from cloudlet.aws.parsing.scalars import to_timestamp
from cloudlet.edge.types import Request

_PATH = re.compile(r"^(?:/.*)?/service/([^/]+)/operation/([^/?]+)$")


def load_cbor_map(data: bytes) -> dict[Any, Any]:
    """The body as a CBOR map; an empty body is an empty map."""
    if not data:
        return {}
    try:
        value = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
        raise MalformedBody(f"the body is not valid CBOR: {exc}") from None
    if not isinstance(value, dict):
        raise MalformedBody("the body must be a CBOR map")
    return value


class CborValues(JsonValues):
    def _blob(self, value: Any, shape: Shape) -> bytes:
        if not isinstance(value, (bytes, bytearray)):
            raise InvalidValue("expected a byte string")
        return bytes(value)

    def _float(self, value: Any, shape: Shape) -> float:
        if isinstance(value, Decimal):  # tag 4, a decimal fraction
            return float(value)
        return super()._float(value, shape)

    def _timestamp(self, value: Any, shape: Shape) -> Any:
        if isinstance(value, datetime | int | float) and not isinstance(value, bool):
            return to_timestamp(value)
        raise InvalidValue("expected an epoch timestamp")


class CborRequestParser(RequestParser):
    protocol = "smithy-rpc-v2-cbor"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self._values = CborValues()

    def operation(self, request: Request) -> OperationModel:
        match = _PATH.match(request.path)
        if match is None:
            raise self._unknown_operation(request.path)
        target, name = match.groups()
        if target != self.service.target_prefix or not self.service.has_operation(name):
            raise self._unknown_operation(name)
        return self.service.operation(name)

    def _parse(self, request: Request, operation: OperationModel, shape: Shape) -> dict[str, Any]:
        return self._values.structure(load_cbor_map(request.body.data), shape)
