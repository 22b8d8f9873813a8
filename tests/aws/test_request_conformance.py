"""Every operation's input, serialized by botocore's own client serializer, parsed by cloudlet.

For each operation of each service below, hypothesis draws inputs from the input shape,
botocore serializes them and builds the HTTP request exactly as a client does (URL, query
string, host prefix, headers, body), and cloudlet must name the same operation and read back
the same input. The expected value is normalised only where the wire cannot carry a
difference (see `carried`: each rule says why). Operations that cannot round-trip are listed
in XFAIL with the reason and are checked to still fail, so the table cannot go stale.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlsplit

import botocore.session
import pytest
from botocore.awsrequest import create_request_object, prepare_request_dict
from botocore.serialize import create_serializer
from conformance_services import CORE_SERVICES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import value_for  # tests/aws/strategies.py: pytest puts this directory on sys.path

from cloudlet.aws.model import Shape, load_service
from cloudlet.aws.parsing import create_parser, request_protocol
from cloudlet.edge.types import Body, Headers, Request

ENDPOINT = "http://localhost:4566"
EXAMPLES = 5

# service -> protocols it is checked in: the shared list plus the services below.
SERVICES: dict[str, tuple[str, ...]] = {
    **CORE_SERVICES,
    # Beyond the core list: services the reference architectures touch.
    "s3control": ("rest-xml",),
    "iot-data": ("rest-json",),
    "iot": ("rest-json",),
    "cognito-identity": ("json",),
    "athena": ("json",),
    "scheduler": ("rest-json",),
    "secretsmanager": ("json",),
    "ssm": ("json",),
    "kms": ("json",),
    "ec2": ("ec2",),
}

# Operations whose request is, on the wire, identical to another's: cloudlet resolves it to
# the one on the right (the deprecated twin loses). Parsing with the requested operation
# must still round-trip.
SAME_WIRE: dict[tuple[str, str], str] = {
    ("s3", "GetBucketLifecycle"): "GetBucketLifecycleConfiguration",
    ("s3", "PutBucketLifecycle"): "PutBucketLifecycleConfiguration",
    ("s3", "GetBucketNotification"): "GetBucketNotificationConfiguration",
    ("s3", "PutBucketNotification"): "PutBucketNotificationConfiguration",
    # S3 Express' control endpoint is another host; the request itself is ListBuckets'.
    ("s3", "ListDirectoryBuckets"): "ListBuckets",
}

# (service, protocol, operation) -> why it cannot round-trip.
XFAIL: dict[tuple[str, str, str], str] = {
    ("s3", "rest-xml", "PutBucketNotification"): (
        "deprecated QueueConfigurationDeprecated has members Event and Events that are both "
        "<Event> elements on the wire"
    ),
}

_settings = settings(
    max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
    suppress_health_check=list(HealthCheck),
)
_session = botocore.session.get_session()


@cache
def _botocore_model(service: str):
    return _session.get_service_model(service)


@cache
def _serializer(protocol: str):
    return create_serializer(protocol, include_validation=True)


def wire_request(service: str, protocol: str, operation: str, params: dict[str, Any]) -> Request:
    """The HTTP request a botocore client sends for `params`, as cloudlet's edge hands it on."""
    return botocore_request(_botocore_model(service).operation_model(operation), protocol, params)


def botocore_request(op_model: Any, protocol: str, params: dict[str, Any]) -> Request:
    serialized = _serializer(protocol).serialize_to_request(params, op_model)
    prepare_request_dict(serialized, ENDPOINT)
    prepared = create_request_object(serialized).prepare()
    parts = urlsplit(prepared.url)
    body = prepared.body
    if body is None:
        body = b""
    elif isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, bytes):
        body = body.read()
    headers = Headers([("Host", parts.netloc)])
    for key, value in prepared.headers.items():
        headers.add(key, value.decode() if isinstance(value, bytes) else value)
    return Request(prepared.method, parts.path or "/", parts.query, headers, Body(body))


# -- what the wire can carry


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


def carried(params: dict[str, Any], shape: Shape, protocol: str) -> dict[str, Any]:
    """`params` as they can come back through `protocol`."""
    if protocol in ("query", "ec2"):
        value = _query_carried(params, shape, empty_list_sent=protocol == "query")
        return {} if value is ABSENT else value
    if protocol in ("rest-json", "rest-xml"):
        return _rest_carried(params, shape, protocol)
    return params


def _query_carried(value: Any, shape: Shape, *, empty_list_sent: bool) -> Any:
    # An empty structure or map sends no parameter at all, so it comes back absent; a list
    # item that sends nothing is lost from the list. An empty list is sent as `Name=` by the
    # query protocol, not at all by EC2's.
    kind = shape.type_name
    if kind == "structure" and not shape.is_document:
        kept = {k: _query_carried(v, shape.members[k], empty_list_sent=empty_list_sent) for k, v in value.items()}
        kept = {k: v for k, v in kept.items() if v is not ABSENT}
        return kept or ABSENT
    if kind == "list":
        if not value:
            return [] if empty_list_sent else ABSENT
        items = [_query_carried(i, shape.member, empty_list_sent=empty_list_sent) for i in value]
        return [i for i in items if i is not ABSENT] or ABSENT
    if kind == "map":
        # A map entry always sends its key; a value that sends nothing reads back empty.
        entries = {k: _query_carried(v, shape.value, empty_list_sent=empty_list_sent) for k, v in value.items()}
        return {k: _empty_like(shape.value) if v is ABSENT else v for k, v in entries.items()} or ABSENT
    return value


def _empty_like(shape: Shape) -> Any:
    return [] if shape.type_name == "list" else {}


def _rest_carried(params: dict[str, Any], shape: Shape, protocol: str) -> dict[str, Any]:
    result = {}
    for name, value in params.items():
        member = shape.members[name]
        value = _rest_member(value, member, shape, name, protocol)
        if value is not ABSENT:
            result[name] = value
    # botocore sends `{}` for an absent rest-json structure, union or document payload: it
    # reads back as an empty one.
    payload = shape.payload
    if (protocol == "rest-json" and payload and payload not in result
            and shape.members[payload].type_name == "structure"):
        result[payload] = {}
    # A streaming payload is the request body itself, whether or not the client sent one.
    if payload and shape.members[payload].is_streaming:
        result.setdefault(payload, b"")
    return result


def _rest_member(value: Any, member: Shape, shape: Shape, name: str, protocol: str) -> Any:
    location = member.location
    if location in ("header", "headers", "querystring") and member.type_name in ("list", "map") and not value:
        return ABSENT  # an empty list or map adds no header or query parameter
    if location == "querystring" and member.type_name == "map":
        # A query-string map entry holding an empty list sends no parameter.
        return {k: v for k, v in value.items() if v != []} or ABSENT
    if name == shape.payload and member.type_name in ("blob", "string") and not member.is_streaming:
        return value or ABSENT  # an empty payload is an empty body: nothing was sent
    if location is None and protocol == "rest-xml":
        return _xml_carried(value, member)
    return value


def _xml_carried(value: Any, shape: Shape) -> Any:
    # A flattened list or map has no wrapper element: empty, it leaves no trace.
    kind = shape.type_name
    if kind in ("list", "map") and shape.flattened and not value:
        return ABSENT
    if kind == "structure" and not shape.is_document:
        kept = {k: _xml_carried(v, shape.members[k]) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not ABSENT}
    if kind == "list":
        return [_xml_carried(v, shape.member) for v in value]
    if kind == "map":
        return {k: _xml_carried(v, shape.value) for k, v in value.items()}
    return value


def _read_bodies(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.data if isinstance(v, Body) else v) for k, v in params.items()}


# -- the round trip

CASES = [
    (service, protocol, name)
    for service, protocols in SERVICES.items()
    for protocol in protocols
    for name in load_service(service).operation_names
]


def _case_param(service: str, protocol: str, name: str):
    reason = XFAIL.get((service, protocol, name))
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(service, protocol, name, marks=marks, id=f"{service}-{protocol}-{name}")


@pytest.mark.parametrize(("service", "protocol", "name"), [_case_param(*case) for case in CASES])
def test_botocore_request_parses_back(service: str, protocol: str, name: str) -> None:
    model = load_service(service)
    operation = model.operation(name)
    shape = operation.input_shape
    inputs = value_for(shape) if shape is not None else st.just({})

    @_settings
    @given(inputs)
    def round_trip(params: dict[str, Any]) -> None:
        request = wire_request(service, protocol, name, params)
        assert request_protocol(model, request) == protocol
        parser = create_parser(model, protocol)
        found = parser.operation(request)
        assert found.name == SAME_WIRE.get((service, name), name)
        parsed = _read_bodies(parser.parse(request, operation))
        expected = {}
        if shape is not None:
            expected = _set_by_http(carried(params, shape, protocol), shape, request)
        assert parsed == expected

    round_trip()


def _set_by_http(expected: dict[str, Any], shape: Shape, request: Request) -> dict[str, Any]:
    """Members bound to headers the HTTP layer writes itself (botocore sets Content-Length
    from the body, and Content-Type for rest-json bodies): the request carries them anyway."""
    for name, member in shape.members.items():
        header = (member.location_name or "").lower()
        if member.location == "header" and header in ("content-length", "content-type") and name not in expected:
            value = request.headers.get(header)
            if value is not None:
                expected[name] = int(value) if member.type_name in ("integer", "long") else value
    return expected


def test_coverage_summary() -> None:
    """Every operation of every listed service is either round-tripped or in XFAIL."""
    covered: dict[str, int] = {}
    for service, protocol, name in CASES:
        if (service, protocol, name) not in XFAIL:
            key = f"{service}/{protocol}"
            covered[key] = covered.get(key, 0) + 1
    report = ", ".join(f"{k}: {v}" for k, v in sorted(covered.items()))
    print(f"\nrequest round trips: {sum(covered.values())} operations ({report}); xfail: {len(XFAIL)}")
    assert all(covered.get(f"{s}/{p}") for s, ps in SERVICES.items() for p in ps)
    assert all((s, p, n) in CASES for s, p, n in XFAIL), "XFAIL names an operation that does not exist"
