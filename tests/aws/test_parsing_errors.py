"""Hostile, malformed and wrong-typed requests become the service's own 4xx, never a traceback."""

from __future__ import annotations

import base64
import json

import cbor2
import pytest

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import load_service
from cloudlet.aws.parsing import create_parser
from cloudlet.edge.types import Body, Headers, Request

FORM = ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")


def _parse(service: str, protocol: str, request: Request) -> dict:
    parser = create_parser(load_service(service), protocol)
    return parser.parse(request, parser.operation(request))


def _error(service: str, protocol: str, request: Request) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        _parse(service, protocol, request)
    return caught.value


def _dynamodb(body: bytes, operation: str = "PutItem") -> Request:
    headers = Headers([("X-Amz-Target", f"DynamoDB_20120810.{operation}"),
                       ("Content-Type", "application/x-amz-json-1.0")])
    return Request("POST", "/", "", headers, Body(body))


def _cloudwatch(body: bytes, operation: str = "PutMetricData") -> Request:
    path = f"/service/GraniteServiceVersion20100801/operation/{operation}"
    return Request("POST", path, "", Headers([("smithy-protocol", "rpc-v2-cbor")]), Body(body))


def _s3_put(query: str, body: bytes) -> Request:
    return Request("PUT", "/bucket", query, Headers([("Host", "localhost:4566")]), Body(body))


def _form(body: str) -> Request:
    return Request("POST", "/", "", Headers([FORM]), Body(body.encode()))


# -- XML: defused, and S3's MalformedXML

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>
<Tagging><TagSet><Tag><Key>&lol2;</Key><Value>v</Value></Tag></TagSet></Tagging>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Tagging><TagSet><Tag><Key>&x;</Key><Value>v</Value></Tag></TagSet></Tagging>"""


@pytest.mark.parametrize("body", [
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    b"<Tagging><TagSet><Tag>",
    b"not xml at all",
    b"<Tagging>\xff\xfe</Tagging>",
], ids=["billion-laughs", "external-entity", "truncated", "not-xml", "bad-encoding"])
def test_hostile_or_broken_xml_is_malformed_xml(body):
    error = _error("s3", "rest-xml", _s3_put("tagging", body))
    assert (error.code, error.status) == ("MalformedXML", 400)


def test_wrong_typed_xml_value_is_malformed_xml():
    body = (b"<LifecycleConfiguration><Rule><Status>Enabled</Status>"
            b"<Expiration><Days>soon</Days></Expiration></Rule></LifecycleConfiguration>")
    assert _error("s3", "rest-xml", _s3_put("lifecycle", body)).code == "MalformedXML"


def test_well_formed_xml_with_namespace_prefix_parses():
    body = (b'<s3:Tagging xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/"><s3:TagSet>'
            b"<s3:Tag><s3:Key>k</s3:Key><s3:Value>v</s3:Value></s3:Tag></s3:TagSet></s3:Tagging>")
    params = _parse("s3", "rest-xml", _s3_put("tagging", body))
    assert params == {"Bucket": "bucket", "Tagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}


def test_wrong_typed_header_is_invalid_argument():
    request = Request("PUT", "/bucket/key", "", Headers([("Content-Length", "lots")]), Body(b""))
    error = _error("s3", "rest-xml", request)
    assert (error.code, error.status) == ("InvalidArgument", 400)
    assert "lots" in error.message


# -- JSON

@pytest.mark.parametrize("body", [
    b"{", b"[1, 2]", b'"text"', b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000,
    b'{"TableName": "t", "Item": ' + b'{"a": {"M": ' * 2_000 + b"{}" + b"}}" * 2_000 + b"}",
], ids=["truncated", "array", "string", "not-utf8", "deep-array", "deep-attribute-value"])
def test_broken_json_is_serialization_exception(body):
    error = _error("dynamodb", "json", _dynamodb(body))
    assert (error.code, error.status) == ("SerializationException", 400)


@pytest.mark.parametrize(("body", "where"), [
    ({"TableName": 5, "Item": {}}, "TableName"),
    ({"TableName": "t", "Item": {"a": {"B": "!!not base64!!"}}}, "Item.a.B"),
    ({"TableName": "t", "Item": {"a": {"BOOL": "yes"}}}, "Item.a.BOOL"),
    ({"TableName": "t", "Item": []}, "Item"),
    ({"TableName": "t", "Item": {"a": {"L": {"not": "a list"}}}}, "Item.a.L"),
], ids=["int-for-string", "bad-base64", "string-for-bool", "list-for-map", "map-for-list"])
def test_wrong_typed_json_names_the_member(body, where):
    error = _error("dynamodb", "json", _dynamodb(json.dumps(body).encode()))
    assert error.code == "SerializationException"
    assert f"'{where}'" in error.message


def test_json_integer_rejects_fractions_and_booleans():
    for limit in (1.5, True, "10"):
        body = json.dumps({"Limit": limit}).encode()
        assert _error("dynamodb", "json", _dynamodb(body, "ListTables")).code == "SerializationException"
    assert _parse("dynamodb", "json", _dynamodb(b'{"Limit": 10.0}', "ListTables")) == {"Limit": 10}


def test_rest_json_uses_the_services_own_bad_request_code():
    lambda_request = Request("POST", "/2015-03-31/functions", "", Headers([]), Body(b"{"))
    assert _error("lambda", "rest-json", lambda_request).code == "InvalidRequestContentException"
    apigw_request = Request("POST", "/restapis", "", Headers([]), Body(b'{"name": 5}'))
    assert _error("apigateway", "rest-json", apigw_request).code == "BadRequestException"


def test_jsonvalue_header_is_base64_json_or_a_bad_request():
    properties = [{"k": "v"}]
    encoded = base64.b64encode(json.dumps(properties).encode()).decode()
    ok = Request("POST", "/topics/t", "", Headers([("x-amz-mqtt5-user-properties", encoded)]), Body(b""))
    assert _parse("iot-data", "rest-json", ok)["userProperties"] == properties
    for garbage in ("%%%", base64.b64encode(b"{not json").decode()):
        bad = Request("POST", "/topics/t", "", Headers([("x-amz-mqtt5-user-properties", garbage)]), Body(b""))
        error = _error("iot-data", "rest-json", bad)
        assert (error.code, error.status) == ("SerializationException", 400)
        assert "x-amz-mqtt5-user-properties" in error.message


# -- CBOR

@pytest.mark.parametrize("body", [
    b"\xa1",  # a map with its only entry missing
    b"\x5b\xff\xff\xff\xff\xff\xff\xff\xff",  # a byte string claiming 2**64 bytes
    b"\x9b\xff\xff\xff\xff\xff\xff\xff\xff",  # an array claiming 2**64 items
    b"\x81" * 200_000,  # arrays nested 200,000 deep
    b"\xff\xff",  # a stray break
    b"\x83\x01\x02\x03",  # an array, not a map
    cbor2.dumps({"Namespace": "n", "MetricData": [{"MetricName": "m", "Timestamp": cbor2.CBORTag(1, "x")}]}),
], ids=["truncated", "huge-bytes", "huge-array", "deep", "break", "not-a-map", "bad-epoch"])
def test_broken_cbor_is_serialization_exception(body):
    error = _error("cloudwatch", "smithy-rpc-v2-cbor", _cloudwatch(body))
    assert (error.code, error.status) == ("SerializationException", 400)


@pytest.mark.parametrize("body", [
    {"Namespace": 1},
    {"Namespace": "n", "MetricData": [{"MetricName": "m", "Value": "1"}]},
    {"Namespace": "n", "MetricData": [{"MetricName": "m", "Timestamp": "2020-01-01"}]},
    {"Namespace": "n", "MetricData": [{"MetricName": "m", "Timestamp": cbor2.CBORTag(99, 1)}]},
], ids=["int-for-string", "string-for-double", "string-timestamp", "unknown-tag"])
def test_wrong_typed_cbor_is_serialization_exception(body):
    error = _error("cloudwatch", "smithy-rpc-v2-cbor", _cloudwatch(cbor2.dumps(body)))
    assert error.code == "SerializationException"


def test_cbor_timestamps_and_blobs_are_native():
    body = cbor2.dumps({"Namespace": "n", "MetricData": [
        {"MetricName": "m", "Timestamp": cbor2.CBORTag(1, 1_600_000_000.5), "Value": 2.25}]})
    params = _parse("cloudwatch", "smithy-rpc-v2-cbor", _cloudwatch(body))
    stamp = params["MetricData"][0]["Timestamp"]
    assert (stamp.timestamp(), stamp.tzinfo is not None) == (1_600_000_000.5, True)
    assert params["MetricData"][0]["Value"] == 2.25


# -- query

def test_wrong_typed_query_value_uses_the_services_code():
    sqs = _form("Action=ReceiveMessage&Version=2012-11-05&QueueUrl=q&MaxNumberOfMessages=ten")
    assert _error("sqs", "query", sqs).code == "ValidationError"
    cloudwatch = _form("Action=GetMetricStatistics&Version=2010-08-01&Period=soon")
    assert _error("cloudwatch", "query", cloudwatch).code == "InvalidParameterValue"
    sns = _form("Action=ListOriginationNumbers&Version=2010-03-31&MaxResults=many")
    assert _error("sns", "query", sns).code == "InvalidParameter"


def test_query_list_indexes_must_be_numbers():
    request = _form("Action=ListMetrics&Version=2010-08-01&Dimensions.member.first.Name=a")
    assert "Dimensions" in _error("cloudwatch", "query", request).message


def test_query_body_that_is_not_utf8_is_a_validation_error():
    request = Request("POST", "/", "", Headers([FORM]), Body(b"Action=ListRoles&Version=2010-05-08&Marker=%ff"))
    assert _error("iam", "query", request).code == "ValidationError"
