"""The errors a request parser answers, in each protocol's own convention.

Which code a "bad value" gets is data: each protocol lists the codes its services use, most
specific first; the first one the service's model declares wins, the last is the default.
"""

from __future__ import annotations

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import ServiceModel

_BAD_VALUE_CODES = {
    "query": ("InvalidParameterValue", "InvalidParameter", "ValidationError"),
    "ec2": ("InvalidParameterValue",),
    "json": ("SerializationException",),
    "smithy-rpc-v2-cbor": ("SerializationException",),
    "rest-json": ("InvalidRequestContentException", "BadRequestException", "SerializationException"),
    "rest-xml": ("InvalidArgument",),
}
_MALFORMED_BODY_CODES = {
    **_BAD_VALUE_CODES,
    "query": ("MalformedInput",),
    "ec2": ("MalformedInput",),
    "rest-xml": ("MalformedXML",),
}
_MALFORMED_XML_MESSAGE = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)


def _pick(service: ServiceModel, codes: tuple[str, ...]) -> str:
    modelled = service.error_shapes
    return next((code for code in codes[:-1] if code in modelled), codes[-1])


def bad_value(service: ServiceModel, protocol: str, message: str) -> ServiceError:
    return ServiceError(message, code=_pick(service, _BAD_VALUE_CODES[protocol]), status=400)


def malformed_body(service: ServiceModel, protocol: str, message: str) -> ServiceError:
    code = _pick(service, _MALFORMED_BODY_CODES[protocol])
    if code == "MalformedXML":
        message = _MALFORMED_XML_MESSAGE
    return ServiceError(message, code=code, status=400)


def unknown_operation(service: ServiceModel, protocol: str, name: str) -> ServiceError:
    if protocol in ("query", "ec2"):
        if not name:
            return ServiceError("Missing Action", code="MissingAction", status=400)
        return ServiceError(
            f"Could not find operation {name} for version {service.api_version}",
            code="InvalidAction", status=400,
        )
    if protocol in ("json", "smithy-rpc-v2-cbor"):
        return ServiceError(f"Operation {name or '(none)'} is not known to {service.name}",
                            code="UnknownOperationException", status=400)
    return ServiceError(f"No operation of {service.name} matches {name}",
                        code="UnknownOperationException", status=404)


def method_not_allowed(method: str, path: str) -> ServiceError:
    return ServiceError(f"{method} is not allowed on {path}", code="MethodNotAllowed", status=405)
