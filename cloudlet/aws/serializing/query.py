"""The `query` protocol: `<OpResponse><OpResult>...</OpResult><ResponseMetadata>` in XML.

Also answers old query-protocol clients of services whose model has moved to JSON (SQS):
their outputs carry no resultWrapper, and the query answer wraps them in `<OpResult>` all
the same, as the service always did.
"""

from __future__ import annotations

from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import OperationModel, ServiceModel, Shape
from cloudlet.aws.serializing.base import Plan, ResponseSerializer, buffered
from cloudlet.aws.serializing.values import xml_escape
from cloudlet.aws.serializing.xmlbody import XML_DECLARATION, XmlWriters, namespace_attr
from cloudlet.aws.serializing.xmlerrors import error_document
from cloudlet.edge.types import Response

CONTENT_TYPE = "text/xml"


def service_namespace(service: ServiceModel) -> str | None:
    """The XML namespace a service answers in: the model's, or the one its requests declare."""
    if service.xml_namespace:
        return service.xml_namespace
    for name in service.operation_names:
        raw = service.raw["operations"][name]
        uri = _namespace_uri((raw.get("input") or {}).get("xmlNamespace"))
        if uri:
            return uri
        shape = service.operation(name).input_shape
        if shape is not None and shape.payload:
            uri = _namespace_uri(shape.members[shape.payload].xml_namespace)
            if uri:
                return uri
    return None


def _namespace_uri(namespace: Any) -> str | None:
    if isinstance(namespace, dict):
        return namespace.get("uri")
    if isinstance(namespace, tuple):
        return dict(namespace).get("uri")
    return namespace


class QuerySerializer(ResponseSerializer):
    protocol = "query"
    # Where the model has no namespace of its own (a JSON model answering query clients).
    default_namespace: str | None = None

    def __init__(self, service: ServiceModel) -> None:
        super().__init__(service)
        self.writers = XmlWriters()
        self.namespace = namespace_attr(service_namespace(service) or self.default_namespace)
        self._native = "query" in service.protocols

    def result_wrapper(self, operation: OperationModel) -> str | None:
        if operation.output_shape is None:
            return None
        if self._native:
            return operation.result_wrapper
        return f"{operation.name}Result"

    def compile(self, operation: OperationModel) -> Plan:
        shape = operation.output_shape
        head = f"{XML_DECLARATION}<{operation.name}Response{self.namespace}>"
        tail = f"</{operation.name}Response>"
        wrapper = self.result_wrapper(operation)
        open_wrapper = f"<{wrapper}>" if wrapper else ""
        close_wrapper = f"</{wrapper}>" if wrapper else ""
        children = self.writers.structure(shape).children if shape is not None else None

        def plan(output: dict[str, Any], request_id: str) -> Response:
            parts = [head, open_wrapper]
            if children is not None:
                children(parts, output)
            parts.append(close_wrapper)
            parts.append(f"<ResponseMetadata><RequestId>{xml_escape(request_id)}</RequestId></ResponseMetadata>")
            parts.append(tail)
            body = "".join(parts).encode("utf-8")
            return buffered(200, [("Content-Type", CONTENT_TYPE), *self.request_id_headers(request_id)], body)
        return plan

    def error_response(self, operation: OperationModel | None, error: ServiceError, shape: Shape | None,
                       request_id: str) -> Response:
        body = error_document(self.namespace, self.writers, self.wire_code(error, shape), error, shape, request_id)
        return buffered(error.status, [("Content-Type", CONTENT_TYPE), *self.request_id_headers(request_id)], body)
