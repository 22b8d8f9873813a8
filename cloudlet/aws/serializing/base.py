"""What every protocol's serializer shares: per-operation plans, error-shape lookup, request ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import OperationModel, ServiceModel, Shape
from cloudlet.aws.serializing.values import plain_json
from cloudlet.edge.types import Headers, Response

# A compiled operation: (output dict, request id) -> Response.
Plan = Callable[[dict[str, Any], str], Response]


class ResponseSerializer:
    """Turns an operation's output dict, or a ServiceError, into the service's wire format.

    Everything that depends only on the operation (codecs, header bindings, content type) is
    worked out the first time the operation answers and kept in a plan.
    """

    protocol: str = ""
    # Error shape name -> the code clients know it by, where the model no longer says (SQS).
    query_error_codes: dict[str, str] = {}

    def __init__(self, service: ServiceModel) -> None:
        self.service = service
        self._plans: dict[str, Plan] = {}
        self._error_shapes = _error_shapes_by_code(service)
        for name, code in self.query_error_codes.items():
            shape = self._error_shapes.get(name)
            if shape is not None:
                self._error_shapes.setdefault(code, shape)

    def serialize_response(self, operation: OperationModel, output: dict[str, Any], request_id: str) -> Response:
        plan = self._plans.get(operation.name)
        if plan is None:
            plan = self._plans[operation.name] = self.compile(operation)
        return plan(output or {}, request_id)

    def serialize_error(self, operation: OperationModel | None, error: ServiceError, request_id: str) -> Response:
        shape = self.error_shape(error.code)
        response = self.error_response(operation, error, shape, request_id)
        for name, value in error.headers.items():
            response.headers[name] = value
        return response

    def error_shape(self, code: str) -> Shape | None:
        """The modelled error for a code, by its wire code (awsQueryError) or its shape name."""
        return self._error_shapes.get(code)

    def wire_code(self, error: ServiceError, shape: Shape | None) -> str:
        """The code on the wire: the modelled error's code (awsQueryError), else the error's own."""
        if shape is None:
            return error.code
        return self.query_error_codes.get(shape.name) or shape.error_code

    def compile(self, operation: OperationModel) -> Plan:
        raise NotImplementedError

    def error_response(self, operation: OperationModel | None, error: ServiceError, shape: Shape | None,
                       request_id: str) -> Response:
        raise NotImplementedError

    def request_id_headers(self, request_id: str) -> list[tuple[str, str]]:
        return [("x-amzn-RequestId", request_id)]


def _error_shapes_by_code(service: ServiceModel) -> dict[str, Shape]:
    by_name: dict[str, Shape] = {}
    by_wire_code: dict[str, Shape] = {}
    for name, raw in service.raw.get("shapes", {}).items():
        if raw.get("exception") or raw.get("error"):
            shape = service.shape(name)
            by_name[name] = shape
            # Two shapes may share a wire code (CloudWatch's ResourceNotFound): keep the first.
            by_wire_code.setdefault(shape.error_code, shape)
    # A shape's own name wins where it is also another shape's wire code (CloudWatch).
    return {**by_wire_code, **by_name}


def fault(error: ServiceError) -> str:
    return "Sender" if error.sender_fault else "Receiver"


def message_member(shape: Shape | None) -> str | None:
    """The error shape's member carrying the message ("message" or "Message"), if modelled."""
    if shape is None:
        return None
    for name in shape.members:
        if name.lower() == "message":
            return name
    return None


def error_values(error: ServiceError, shape: Shape | None) -> dict[str, Any]:
    """The error as a value of its shape: modelled fields plus the message under its member."""
    result = dict(error.fields)
    name = message_member(shape)
    if name is not None and error.message is not None:
        result[name] = error.message
    return result


def unmodelled_fields(error: ServiceError, shape: Shape | None) -> dict[str, Any]:
    """Fields the error shape does not model, kept as plain JSON values (clients ignore them)."""
    members = shape.members if shape is not None else {}
    return {key: plain_json(value) for key, value in error.fields.items()
            if key not in members and value is not None}


def buffered(status: int, headers: list[tuple[str, str]], body: bytes) -> Response:
    headers.append(("Content-Length", str(len(body))))
    return Response(status, Headers(headers), body)
