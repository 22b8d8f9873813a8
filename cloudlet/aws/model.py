"""A light, lazily resolved view of botocore's service models.

botocore.model costs ~150 ms to import (it drags in botocore.auth, urllib3...); reading the
JSON ourselves keeps cloudlet's start fast and lets each shape be resolved only when used.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
from functools import cache, cached_property
from typing import Any

# Traits a structure member may carry that override or add to its target shape's own.
_MEMBER_TRAITS = (
    "location", "locationName", "queryName", "flattened", "xmlNamespace", "xmlAttribute",
    "jsonvalue", "timestampFormat", "hostLabel", "idempotencyToken", "eventpayload",
    "eventheader", "streaming", "deprecated", "documentation",
)


@cache
def data_dir() -> str:
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("botocore is not installed: cloudlet reads its service models")
    return os.path.join(next(iter(spec.submodule_search_locations)), "data")


@cache
def available_services() -> tuple[str, ...]:
    return tuple(sorted(
        name for name in os.listdir(data_dir())
        if os.path.isdir(os.path.join(data_dir(), name)) and not name.startswith("_")
    ))


def _read_json(path: str) -> dict[str, Any]:
    if os.path.exists(path):
        with open(path, "rb") as fh:
            return json.load(fh)
    with gzip.open(path + ".gz", "rb") as fh:
        return json.load(fh)


@cache
def load_service(name: str) -> ServiceModel:
    """The newest API version of a service model, e.g. load_service("dynamodb")."""
    root = os.path.join(data_dir(), name)
    if not os.path.isdir(root):
        raise UnknownServiceModel(name)
    versions = sorted(v for v in os.listdir(root) if os.path.isdir(os.path.join(root, v)))
    for version in reversed(versions):
        path = os.path.join(root, version, "service-2.json")
        if os.path.exists(path) or os.path.exists(path + ".gz"):
            return ServiceModel(name, _with_sdk_extras(_read_json(path), os.path.join(root, version)))
    raise UnknownServiceModel(name)


def _with_sdk_extras(raw: dict[str, Any], directory: str) -> dict[str, Any]:
    """Applies service-2.sdk-extras.json as botocore does (e.g. S3's Expires is a timestamp)."""
    extras_path = os.path.join(directory, "service-2.sdk-extras.json")
    if not os.path.exists(extras_path):
        return raw
    merge = _read_json(extras_path).get("merge", {})
    for section, additions in merge.items():
        target = raw.setdefault(section, {})
        for key, value in additions.items():
            if isinstance(value, dict) and isinstance(target.get(key), dict):
                target[key] = {**target[key], **value}
            else:
                target[key] = value
    return raw


class UnknownServiceModel(LookupError):
    pass


class ServiceModel:
    def __init__(self, name: str, raw: dict[str, Any]) -> None:
        self.name = name
        self.raw = raw
        self.metadata: dict[str, Any] = raw.get("metadata", {})
        self._shapes: dict[str, dict[str, Any]] = raw.get("shapes", {})
        self._resolved: dict[tuple, Shape] = {}
        self._operations: dict[str, OperationModel] = {}

    @property
    def protocol(self) -> str:
        return self.metadata.get("protocol", "")

    @property
    def protocols(self) -> list[str]:
        return self.metadata.get("protocols") or [self.protocol]

    @property
    def signing_name(self) -> str:
        return self.metadata.get("signingName") or self.metadata.get("endpointPrefix") or self.name

    @property
    def endpoint_prefix(self) -> str:
        return self.metadata.get("endpointPrefix", self.name)

    @property
    def target_prefix(self) -> str | None:
        return self.metadata.get("targetPrefix")

    @property
    def json_version(self) -> str:
        return self.metadata.get("jsonVersion", "1.0")

    @property
    def api_version(self) -> str:
        return self.metadata.get("apiVersion", "")

    @property
    def xml_namespace(self) -> str | None:
        ns = self.metadata.get("xmlNamespace")
        if isinstance(ns, dict):
            return ns.get("uri")
        return ns

    @property
    def is_query_compatible(self) -> bool:
        """JSON services (SQS) that still answer old query-protocol clients."""
        return "awsQueryCompatible" in self.metadata

    @property
    def operation_names(self) -> list[str]:
        return list(self.raw.get("operations", {}))

    def operation(self, name: str) -> OperationModel:
        op = self._operations.get(name)
        if op is None:
            raw = self.raw["operations"][name]
            op = self._operations[name] = OperationModel(self, name, raw)
        return op

    def has_operation(self, name: str) -> bool:
        return name in self.raw.get("operations", {})

    def shape(self, name: str, member_traits: dict[str, Any] | None = None) -> Shape:
        key = (name, tuple(sorted((member_traits or {}).items())) if member_traits else ())
        shape = self._resolved.get(key)
        if shape is None:
            raw = self._shapes[name]
            shape = Shape(self, name, raw, member_traits or {})
            self._resolved[key] = shape
        return shape

    @cached_property
    def error_shapes(self) -> dict[str, Shape]:
        """Error shapes by their wire code (awsQueryError code when present, else the name)."""
        result: dict[str, Shape] = {}
        for name, raw in self._shapes.items():
            if raw.get("exception") or raw.get("error"):
                shape = self.shape(name)
                result[shape.error_code] = shape
        return result

    def __repr__(self) -> str:
        return f"<ServiceModel {self.name} {self.protocol}>"


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


class Shape:
    """A shape as seen through one reference to it: member traits merged over shape traits."""

    __slots__ = ("__dict__", "model", "name", "raw", "traits", "type_name")

    def __init__(self, model: ServiceModel, name: str, raw: dict[str, Any], member_traits: dict[str, Any]):
        self.model = model
        self.name = name
        self.raw = raw
        self.type_name: str = raw["type"]
        self.traits: dict[str, Any] = {**raw, **member_traits}

    def _ref(self, ref: dict[str, Any]) -> Shape:
        traits = {k: _hashable(v) if isinstance(v, (dict, list)) else v
                  for k, v in ref.items() if k in _MEMBER_TRAITS}
        # xmlNamespace is a dict in the models; keep the raw value for consumers.
        if "xmlNamespace" in ref:
            traits["xmlNamespace"] = _hashable(ref["xmlNamespace"])
        return self.model.shape(ref["shape"], traits)

    @cached_property
    def members(self) -> dict[str, Shape]:
        return {name: self._ref(ref) for name, ref in self.raw.get("members", {}).items()}

    @cached_property
    def member(self) -> Shape:
        return self._ref(self.raw["member"])

    @cached_property
    def key(self) -> Shape:
        return self._ref(self.raw["key"])

    @cached_property
    def value(self) -> Shape:
        return self._ref(self.raw["value"])

    @property
    def required_members(self) -> list[str]:
        return self.raw.get("required", [])

    @property
    def location(self) -> str | None:
        return self.traits.get("location")

    @property
    def location_name(self) -> str | None:
        return self.traits.get("locationName")

    @property
    def payload(self) -> str | None:
        """For a structure: the member that is the whole HTTP body."""
        return self.raw.get("payload")

    @property
    def is_streaming(self) -> bool:
        return bool(self.traits.get("streaming"))

    @property
    def is_eventstream(self) -> bool:
        return bool(self.raw.get("eventstream"))

    @property
    def is_document(self) -> bool:
        return bool(self.raw.get("document"))

    @property
    def is_union(self) -> bool:
        return bool(self.raw.get("union"))

    @property
    def enum(self) -> list[str]:
        return self.raw.get("enum", [])

    @property
    def flattened(self) -> bool:
        return bool(self.traits.get("flattened"))

    @property
    def timestamp_format(self) -> str | None:
        return self.traits.get("timestampFormat")

    @property
    def xml_namespace(self) -> dict[str, str] | None:
        ns = self.traits.get("xmlNamespace")
        if ns is None:
            return None
        return dict(ns) if isinstance(ns, tuple) else ns

    @property
    def is_error(self) -> bool:
        return bool(self.raw.get("exception") or self.raw.get("error"))

    @property
    def error_code(self) -> str:
        return (self.raw.get("error") or {}).get("code") or self.name

    @property
    def error_status(self) -> int:
        return int((self.raw.get("error") or {}).get("httpStatusCode") or 400)

    @property
    def error_sender_fault(self) -> bool:
        return bool((self.raw.get("error") or {}).get("senderFault", True))

    def __repr__(self) -> str:
        return f"<Shape {self.name} {self.type_name}>"


class OperationModel:
    def __init__(self, service: ServiceModel, name: str, raw: dict[str, Any]) -> None:
        self.service = service
        self.name = name
        self.raw = raw
        http = raw.get("http", {})
        self.http_method: str = http.get("method", "POST")
        self.request_uri: str = http.get("requestUri", "/")
        self.response_code: int = int(http.get("responseCode", 200))

    @cached_property
    def input_shape(self) -> Shape | None:
        ref = self.raw.get("input")
        return self.service.shape(ref["shape"]) if ref else None

    @cached_property
    def output_shape(self) -> Shape | None:
        ref = self.raw.get("output")
        if not ref:
            return None
        traits = {"resultWrapper": ref["resultWrapper"]} if "resultWrapper" in ref else {}
        return self.service.shape(ref["shape"], traits)

    @property
    def result_wrapper(self) -> str | None:
        ref = self.raw.get("output") or {}
        return ref.get("resultWrapper")

    @cached_property
    def error_shapes(self) -> list[Shape]:
        return [self.service.shape(ref["shape"]) for ref in self.raw.get("errors", [])]

    @property
    def host_prefix(self) -> str | None:
        return (self.raw.get("endpoint") or {}).get("hostPrefix")

    @property
    def has_streaming_input(self) -> bool:
        shape = self.input_shape
        return bool(shape and shape.payload and shape.members[shape.payload].is_streaming)

    @property
    def has_streaming_output(self) -> bool:
        shape = self.output_shape
        return bool(shape and shape.payload and shape.members[shape.payload].is_streaming)

    @property
    def deprecated(self) -> bool:
        return bool(self.raw.get("deprecated"))

    def __repr__(self) -> str:
        return f"<OperationModel {self.service.name}.{self.name}>"
