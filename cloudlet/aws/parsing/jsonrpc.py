"""The json protocol (JSON-RPC): POST /, `X-Amz-Target: <targetPrefix>.<Operation>`, JSON body."""

from __future__ import annotations

from typing import Any

from cloudlet.aws.model import OperationModel, ServiceModel, Shape
from cloudlet.aws.parsing.base import RequestParser
from cloudlet.aws.parsing.jsonbody import JsonValues, load_json_object
from cloudlet.edge.types import Request


class JsonRpcRequestParser(RequestParser):
    protocol = "json"

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self._values = JsonValues()

    def operation(self, request: Request) -> OperationModel:
        target = request.headers.get("x-amz-target") or ""
        prefix, _, name = target.rpartition(".")
        # The prefix is checked by the edge when it picks the service; a client that sends
        # only the operation name still means that operation.
        if not name or not self.service.has_operation(name):
            raise self._unknown_operation(target)
        if prefix and self.service.target_prefix and prefix != self.service.target_prefix:
            raise self._unknown_operation(target)
        return self.service.operation(name)

    def _parse(self, request: Request, operation: OperationModel, shape: Shape) -> dict[str, Any]:
        return self._values.structure(load_json_object(request.body.data), shape)
