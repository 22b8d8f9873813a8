"""Every operation's output and modelled errors, serialized by cloudlet and parsed by botocore.

For each operation of each service below: hypothesis draws outputs from the output shape,
cloudlet serializes them, botocore's own response parser reads them back, and the result
must equal what went in. Each modelled error of the operation goes the same way and must
come back as the ClientError a botocore client raises: same Error.Code, Message, status and
modelled fields. The expected value is normalised only where the wire cannot carry a
difference (each case says why). Operations that cannot round-trip are listed in XFAIL with
the reason; they are checked to still fail, so the table cannot go stale.
"""

from __future__ import annotations

import asyncio
import copy
import io
from functools import cache
from typing import Any

import botocore.model
import botocore.session
import pytest
from botocore.parsers import create_parser
from botocore.response import StreamingBody
from conformance_services import CORE_SERVICES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import value_for  # tests/aws/strategies.py: pytest puts this directory on sys.path
from urllib3 import HTTPHeaderDict

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import OperationModel, Shape, load_service
from cloudlet.aws.serializing import create_serializer, sqs
from cloudlet.aws.serializing.bindings import RAW, bindings_for

SERVICES = CORE_SERVICES

XFAIL: dict[tuple[str, str], str] = {
    # botocore's parser leaves LocationConstraint to a client handler that reads the root's
    # text; tests/aws/test_serializing_clients.py checks it through a real client instead.
    ("s3", "GetBucketLocation"): "root text read by a botocore handler, not by the parser",
    # Deprecated: TopicConfiguration's Events (flattened, items named Event) and Event are
    # both <Event> elements, so a parser cannot tell one from the other.
    ("s3", "GetBucketNotification"): "two members share the element name <Event>",
}

EXAMPLES = 3
ERROR_EXAMPLES = 1
MESSAGE = 'Something <went> & "wrong"'
_XML_PROTOCOLS = ("query", "rest-xml")
_REST_PROTOCOLS = ("rest-json", "rest-xml")
_LOCATED = ("header", "headers", "statusCode")

# Per service and protocol: operations whose round trips pass (junit property operations_covered).
COVERED: dict[str, int] = {}


@cache
def botocore_model(service: str, protocol: str) -> botocore.model.ServiceModel:
    session = botocore.session.get_session()
    native = session.get_service_model(service)
    if protocol == native.protocol:
        return native
    # A JSON model answering query clients (SQS): as the query model was, with a resultWrapper
    # of <Op>Result, its element names and query error codes, which the old clients read.
    raw = copy.deepcopy(session.get_component("data_loader").load_service_model(service, "service-2"))
    if service == "sqs":
        raw = sqs.with_query_names(raw)
    raw["metadata"]["protocol"] = protocol
    raw["metadata"]["protocols"] = [protocol]
    for name, operation in raw["operations"].items():
        if "output" in operation and protocol == "query":
            operation["output"].setdefault("resultWrapper", f"{name}Result")
    return botocore.model.ServiceModel(raw, service_name=service)


def response_dict(response: Any, streaming: bool) -> dict[str, Any]:
    body = response.body
    assert isinstance(body, bytes), "buffered outputs must give a bytes body"
    if isinstance(body, _EventBody):
        streaming = False
    headers = HTTPHeaderDict()
    for name, value in response.headers.items():
        headers.add(name, value)
    # As botocore's endpoint does: a blob payload reaches the parser as a stream.
    wire_body = StreamingBody(io.BytesIO(body), len(body)) if streaming else body
    return {"status_code": response.status, "headers": headers, "body": wire_body, "context": {}}


def blob_payload(shape: Shape | None) -> bool:
    return bool(shape and shape.payload and shape.members[shape.payload].type_name == "blob")


# --- what botocore should read back ---------------------------------------------------------


def expected(shape: Shape, value: Any, protocol: str, *, top: bool = False) -> Any:
    kind = shape.type_name
    if shape.is_document:
        return value
    if kind == "structure":
        return _expected_structure(shape, value, protocol, top)
    if kind == "list":
        return [expected(shape.member, item, protocol) for item in value]
    if kind == "map":
        return {key: expected(shape.value, item, protocol) for key, item in value.items()}
    return value


def _expected_structure(shape: Shape, value: dict[str, Any], protocol: str, top: bool) -> dict[str, Any]:
    rest_top = top and protocol in _REST_PROTOCOLS
    result = {}
    for name, member in shape.members.items():
        item = value.get(name)
        if not rest_top and member.location in _LOCATED and protocol in _XML_PROTOCOLS:
            continue  # bindings only mean something on the top-level shape of a REST protocol
        if rest_top and name == shape.payload and member.type_name in ("structure",) and item is None:
            # An absent structured payload is an empty body, which botocore reads as {}.
            result[name] = {}
            continue
        if item is None:
            continue
        if protocol in _XML_PROTOCOLS and member.flattened and member.type_name in ("list", "map") and not item:
            continue  # an empty flattened collection writes no element at all
        if rest_top and member.location == "header" and member.type_name == "list" and not item:
            continue  # an empty list has no header form
        result[name] = expected(member, item, protocol)
    return result


def parsed_output(parsed: dict[str, Any], shape: Shape) -> dict[str, Any]:
    parsed.pop("ResponseMetadata", None)
    if blob_payload(shape):
        body = parsed.get(shape.payload)
        if body is not None:
            parsed[shape.payload] = body.read()
    return parsed


# --- the checks ------------------------------------------------------------------------------


def check_output(operation: OperationModel, protocol: str, output: dict[str, Any],
                 events: list[dict[str, Any]] | None = None) -> None:
    shape = operation.output_shape
    want = expected(shape, output, protocol, top=True) if shape is not None else {}
    stream = stream_member(shape)
    if stream is not None:
        output = {**output, stream: events}
    serializer = create_serializer(operation.service, protocol)
    response = serializer.serialize_response(operation, output, "req-1")
    boto_operation = botocore_model(operation.service.name, protocol).operation_model(operation.name)
    if stream is not None:
        response.body = _EventBody(drain(response.body))
    raw = response_dict(response, blob_payload(shape))
    raw["context"]["operation_name"] = operation.name
    parsed = create_parser(protocol).parse(raw, boto_operation.output_shape)
    assert response.status < 300, response.status
    if shape is None:
        return
    if protocol in _REST_PROTOCOLS:
        wire_only(shape, output, response, want)
    if stream is not None:
        parsed[stream] = list(parsed[stream])
        want[stream] = [{name: expected_event(shape.members[stream].members[name], value, protocol)}
                        for event in events or () for name, value in event.items()]
    assert parsed_output(parsed, shape) == want


def expected_event(shape: Shape, value: dict[str, Any], protocol: str) -> dict[str, Any]:
    want = expected(shape, value, protocol)
    for name, member in shape.members.items():
        if member.traits.get("eventpayload") and name not in want:
            # An absent event payload is an empty one, which reads back as empty.
            want[name] = {"structure": {}, "blob": b"", "string": ""}[member.type_name]
    return want


class _EventBody(bytes):
    """An event stream as botocore reads it: the raw urllib3 response's stream()."""

    def stream(self) -> Any:
        yield bytes(self)


def drain(body: Any) -> bytes:
    async def collect() -> bytes:
        return b"".join([chunk async for chunk in body])
    return asyncio.run(collect())


def stream_member(shape: Shape | None) -> str | None:
    if shape is None:
        return None
    return next((name for name, member in shape.members.items() if member.is_eventstream), None)


def events_for(shape: Shape | None) -> Any:
    """A few events of the output's event stream; modelled exceptions end a stream, tested apart."""
    stream = stream_member(shape)
    if shape is None or stream is None:
        return st.just(None)
    members = shape.members[stream].members
    one_event = st.one_of([value_for(member, for_output=True).map(lambda value, name=name: {name: value})
                           for name, member in sorted(members.items()) if not member.is_error])
    return st.lists(one_event, max_size=3)


def wire_only(shape: Shape, output: dict[str, Any], response: Any, want: dict[str, Any]) -> None:
    """What an HTTP response always says, whether or not the output dict set it."""
    bindings = bindings_for(shape)
    if bindings.content_length_member and output.get(bindings.content_length_member) is None:
        want[bindings.content_length_member] = len(response.body)
    content_type = response.headers.get("Content-Type")
    if bindings.content_type_member and output.get(bindings.content_type_member) is None and content_type:
        want[bindings.content_type_member] = content_type
    if bindings.status_member and output.get(bindings.status_member) is None:
        want[bindings.status_member] = response.status
    for name, _prefix in bindings.header_maps:
        # botocore reports every prefixed header map, empty when no header has the prefix.
        want.setdefault(name, {})
    if bindings.payload_kind == RAW and output.get(bindings.payload) is None:
        # No payload is an empty body, which reads back as empty bytes or text.
        want[bindings.payload] = b"" if bindings.payload_shape.type_name == "blob" else ""


def check_error(operation: OperationModel, protocol: str, shape: Shape, drawn: dict[str, Any],
                code: str) -> None:
    fields = {name: value for name, value in drawn.items() if name.lower() != "message"}
    error = ServiceError(MESSAGE, code=code, status=shape.error_status,
                         sender_fault=shape.error_sender_fault, fields=fields)
    serializer = create_serializer(operation.service, protocol)
    response = serializer.serialize_error(operation, error, "req-1")
    assert response.status == shape.error_status
    boto_model = botocore_model(operation.service.name, protocol)
    boto_operation = boto_model.operation_model(operation.name)
    parser = create_parser(protocol)
    raw = response_dict(response, False)
    parsed = parser.parse(raw, boto_operation.output_shape)
    if operation.http_method == "HEAD" and protocol == "rest-xml":
        # A HEAD answer has no body: botocore reports the status as the code (S3 does the same).
        assert parsed["Error"]["Code"] == str(shape.error_status)
        return
    assert parsed["Error"]["Code"] == wire_code(operation, shape), parsed["Error"]
    assert parsed["Error"]["Message"] == MESSAGE
    boto_shape = boto_model.shape_for_error_code(parsed["Error"]["Code"])
    if boto_model.metadata.get("awsQueryCompatible") is not None and protocol != "query":
        # botocore names the exception class after QueryErrorCode, the shape's own name.
        assert parsed["Error"]["QueryErrorCode"] == shape.name
        if boto_shape is None:
            return  # the model lacks the legacy code, so botocore itself parses no fields
    assert boto_shape is not None
    if boto_shape.name != shape.name:
        return  # the model gives two errors one wire code: a client cannot know which was meant
    # As botocore's endpoint does: a second pass with the error shape adds modelled fields.
    modelled = parser.parse(raw, boto_shape)
    want = expected(shape, fields, protocol, top=True)
    got = {name: modelled[name] for name in want if name in modelled}
    assert got == want


def wire_code(operation: OperationModel, shape: Shape) -> str:
    if operation.service.name == "sqs":
        # SQS's model lost its query-era codes; SQS still answers with them.
        return sqs.QUERY_ERROR_CODES.get(shape.name, shape.error_code)
    return shape.error_code


def failures_of(service: str, protocol: str) -> dict[str, str]:
    model = load_service(service)
    failures: dict[str, str] = {}
    covered = 0
    for name in model.operation_names:
        operation = model.operation(name)
        try:
            run_operation(operation, protocol)
        except Exception as exc:  # collected and compared with XFAIL below
            failures[name] = describe(exc)
        else:
            covered += 1
    COVERED[f"{service}/{protocol}"] = covered
    return failures


def describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return " | ".join(describe(inner) for inner in exc.exceptions[:2])
    return f"{type(exc).__name__}: {str(exc)[:600]}"


def run_operation(operation: OperationModel, protocol: str) -> None:
    shape = operation.output_shape
    output = value_for(shape, for_output=True) if shape is not None else st.just({})

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(output, events_for(shape))
    def outputs(value: dict[str, Any], events: list[dict[str, Any]] | None) -> None:
        check_output(operation, protocol, value, events)

    outputs()
    for error_shape in operation.error_shapes:
        error_check(operation, protocol, error_shape)()


def error_check(operation: OperationModel, protocol: str, shape: Shape) -> Any:
    code = wire_code(operation, shape) if protocol == "query" else shape.name

    @settings(max_examples=ERROR_EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(value_for(shape, for_output=True))
    def errors(value: dict[str, Any]) -> None:
        check_error(operation, protocol, shape, value, code)

    return errors


CASES = [(service, protocol) for service, protocols in SERVICES.items() for protocol in protocols]


@pytest.mark.parametrize(("service", "protocol"), CASES, ids=[f"{s}-{p}" for s, p in CASES])
def test_round_trip(service: str, protocol: str, record_property: Any) -> None:
    failures = failures_of(service, protocol)
    record_property("operations_covered", COVERED[f"{service}/{protocol}"])
    expected_failures = {op for (svc, op) in XFAIL if svc == service}
    unexpected = {op: why for op, why in failures.items() if op not in expected_failures}
    assert not unexpected, "\n".join(f"{op}: {why}" for op, why in sorted(unexpected.items()))
    now_passing = expected_failures - set(failures)
    assert not now_passing, f"listed in XFAIL but round-trips now: {sorted(now_passing)}"
    operations = len(load_service(service).operation_names)
    assert COVERED[f"{service}/{protocol}"] == operations - len(expected_failures)
