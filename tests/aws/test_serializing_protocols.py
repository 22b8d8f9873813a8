"""What each protocol puts on the wire beyond the values: headers, roots, escapes, empty bodies."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone

import cbor2
import pytest
from botocore.parsers import create_parser
from botocore.session import get_session

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import load_service
from cloudlet.aws.serializing import create_serializer
from cloudlet.aws.serializing.values import epoch_seconds, iso8601, rfc822, xml_escape
from cloudlet.edge.types import Response

WHEN = datetime(2024, 5, 17, 12, 30, 45, tzinfo=UTC)


def answer(service: str, operation: str, output: dict, protocol: str | None = None) -> Response:
    model = load_service(service)
    return create_serializer(model, protocol or model.protocol).serialize_response(
        model.operation(operation), output, "req-1")


def fail(service: str, operation: str | None, error: ServiceError, protocol: str | None = None) -> Response:
    model = load_service(service)
    op = model.operation(operation) if operation else None
    return create_serializer(model, protocol or model.protocol).serialize_error(op, error, "req-1")


def body_text(response: Response) -> str:
    assert isinstance(response.body, bytes)
    return response.body.decode()


@pytest.mark.parametrize(("service", "operation", "content_type"), [
    ("dynamodb", "ListTables", "application/x-amz-json-1.0"),
    ("kinesis", "ListStreams", "application/x-amz-json-1.1"),
    ("lambda", "ListFunctions", "application/json"),
    ("sns", "ListTopics", "text/xml"),
    ("cloudfront", "ListDistributions", "text/xml"),
    ("s3", "ListBuckets", "application/xml"),
])
def test_content_type_and_length(service: str, operation: str, content_type: str) -> None:
    payload = {"Marker": "", "MaxItems": 100, "IsTruncated": False, "Quantity": 0}
    response = answer(service, operation, {"DistributionList": payload} if service == "cloudfront" else {})
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Length"] == str(len(response.body))
    assert response.status == 200


def test_cbor_answers_name_the_protocol() -> None:
    response = answer("cloudwatch", "ListDashboards", {"DashboardEntries": [{"DashboardName": "d",
                                                                             "LastModified": WHEN}]})
    assert response.headers["Content-Type"] == "application/cbor"
    assert response.headers["smithy-protocol"] == "rpc-v2-cbor"
    decoded = cbor2.loads(response.body)
    # Timestamps are CBOR tag 1 (epoch seconds), which cbor2 decodes to an aware datetime.
    assert decoded["DashboardEntries"][0]["LastModified"] == WHEN


def test_request_ids_where_each_client_reads_them() -> None:
    assert answer("dynamodb", "ListTables", {}).headers["x-amzn-RequestId"] == "req-1"
    assert "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>" in body_text(
        answer("sts", "GetCallerIdentity", {}))
    s3 = answer("s3", "ListBuckets", {})
    assert s3.headers["x-amz-request-id"] == "req-1"
    assert s3.headers["x-amz-id-2"]
    assert "x-amzn-RequestId" not in s3.headers


def test_query_answer_shape() -> None:
    text = body_text(answer("sts", "GetCallerIdentity", {"Account": "000000000000"}))
    root = ET.fromstring(text)
    assert root.tag == "{https://sts.amazonaws.com/doc/2011-06-15/}GetCallerIdentityResponse"
    assert [child.tag.split("}")[1] for child in root] == ["GetCallerIdentityResult", "ResponseMetadata"]


def test_query_operation_without_output_still_has_metadata() -> None:
    text = body_text(answer("sns", "DeleteTopic", {}))
    assert "<DeleteTopicResponse" in text and "<RequestId>req-1</RequestId>" in text
    assert "DeleteTopicResult" not in text


def test_s3_root_names_and_namespace() -> None:
    text = body_text(answer("s3", "ListObjectsV2", {"Name": "b", "KeyCount": 0}))
    assert '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>' in text
    text = body_text(answer("s3", "CreateMultipartUpload", {"Bucket": "b", "Key": "k", "UploadId": "u"}))
    assert "<InitiateMultipartUploadResult" in text
    # A payload member names its own root.
    text = body_text(answer("s3", "GetObjectRetention", {"Retention": {"Mode": "GOVERNANCE"}}))
    assert '<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>GOVERNANCE</Mode></Retention>' in text


def test_s3_grantee_type_is_a_namespaced_attribute() -> None:
    grant = {"Grantee": {"Type": "CanonicalUser", "ID": "abc"}, "Permission": "FULL_CONTROL"}
    response = answer("s3", "GetBucketAcl", {"Owner": {"ID": "abc"}, "Grants": [grant]})
    text = body_text(response)
    assert 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"' in text
    shape = get_session().get_service_model("s3").operation_model("GetBucketAcl").output_shape
    parsed = create_parser("rest-xml").parse(
        {"status_code": 200, "headers": {}, "body": response.body}, shape)
    assert parsed["Grants"] == [grant]


def test_rest_json_status_code_member_and_headers() -> None:
    response = answer("lambda", "Invoke", {"StatusCode": 202, "Payload": b""})
    assert response.status == 202
    response = answer("lambda", "DeleteFunction", {"StatusCode": 204})
    assert response.status == 204 and response.body == b""
    assert answer("lambda", "DeleteFunction", {}).status == 200  # the model's responseCode


def test_rest_json_empty_output_has_empty_body() -> None:
    response = answer("apigateway", "DeleteRestApi", {})
    assert response.status == 202
    assert response.body == b""
    assert response.headers["Content-Length"] == "0"


def test_head_answers_have_no_body_but_keep_content_length() -> None:
    response = answer("s3", "HeadObject", {"ContentLength": 1234, "ETag": '"e"', "LastModified": WHEN})
    assert response.body == b""
    assert response.headers.get_all("Content-Length") == ["1234"]
    assert response.headers["Last-Modified"] == "Fri, 17 May 2024 12:30:45 GMT"


def test_header_values_beyond_ascii_are_encoded_not_split() -> None:
    response = answer("s3", "HeadObject", {"Metadata": {"name": "café"},
                                           "ContentDisposition": "inline\r\nSet-Cookie: x=1"})
    assert response.headers["x-amz-meta-name"] == "=?UTF-8?B?Y2Fmw6k=?="
    disposition = response.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert all(value.isascii() for _, value in response.headers.items())


def test_header_maps_and_jsonvalue_headers() -> None:
    response = answer("s3", "HeadObject", {"Metadata": {"colour": "blue", "size": "xl"}})
    assert response.headers["x-amz-meta-colour"] == "blue"
    assert response.headers["x-amz-meta-size"] == "xl"
    slots = {"city": "Paris", "n": 2}
    response = answer("lex-runtime", "PostContent", {"slots": slots, "audioStream": b""})
    encoded = response.headers["x-amz-lex-slots"]
    assert json.loads(base64.b64decode(encoded)) == slots


# --- errors ----------------------------------------------------------------------------------


def test_json_error_document() -> None:
    response = fail("dynamodb", "GetItem", ServiceError("Requested resource not found",
                                                        code="ResourceNotFoundException"))
    assert response.status == 400
    assert json.loads(response.body) == {"__type": "ResourceNotFoundException",
                                         "message": "Requested resource not found"}
    assert response.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert "x-amzn-query-error" not in response.headers


def test_query_compatible_error_carries_the_query_code() -> None:
    response = fail("cloudwatch", "GetDashboard", ServiceError("nope", code="DashboardNotFoundError", status=404))
    assert response.headers["x-amzn-query-error"] == "ResourceNotFound;Sender"
    assert cbor2.loads(response.body)["__type"] == "DashboardNotFoundError"
    receiver = fail("sqs", None, ServiceError("boom", code="InternalError", status=500, sender_fault=False))
    assert receiver.headers["x-amzn-query-error"] == "InternalError;Receiver"


def test_query_error_document() -> None:
    response = fail("iam", "GetRole", ServiceError("Role r not found", code="NoSuchEntity", status=404))
    root = ET.fromstring(response.body)
    namespace = "{https://iam.amazonaws.com/doc/2010-05-08/}"
    assert root.tag == namespace + "ErrorResponse"
    error = root.find(namespace + "Error")
    assert [(child.tag[len(namespace):], child.text) for child in error] == [
        ("Type", "Sender"), ("Code", "NoSuchEntity"), ("Message", "Role r not found")]
    assert root.find(namespace + "RequestId").text == "req-1"


def test_s3_error_document_is_a_bare_error_root() -> None:
    response = fail("s3", "GetObject", ServiceError("The specified bucket does not exist", code="NoSuchBucket",
                                                    status=404, fields={"BucketName": "b"}))
    root = ET.fromstring(response.body)
    assert root.tag == "Error"  # no namespace: clients recognise S3's error by this tag
    assert {child.tag: child.text for child in root} == {
        "Code": "NoSuchBucket", "Message": "The specified bucket does not exist", "BucketName": "b",
        "RequestId": "req-1", "HostId": response.headers["x-amz-id-2"]}
    assert "x-amzn-ErrorType" not in response.headers


def test_bodyless_errors() -> None:
    head = fail("s3", "HeadBucket", ServiceError("Not Found", code="NoSuchBucket", status=404))
    assert head.body == b"" and head.status == 404 and head.headers["Content-Length"] == "0"
    not_modified = fail("s3", "GetObject", ServiceError("Not Modified", code="NotModified", status=304))
    assert not_modified.body == b"" and not_modified.status == 304


def test_error_without_operation_still_serializes() -> None:
    for service in ("dynamodb", "sts", "lambda", "s3", "cloudwatch", "cloudfront"):
        response = fail(service, None, ServiceError("bad signature", code="SignatureDoesNotMatch", status=403))
        assert response.status == 403
        assert b"SignatureDoesNotMatch" in response.body or response.headers.get("x-amzn-ErrorType")


def test_rest_json_error_header_fields() -> None:
    response = fail("lambda", "Invoke", ServiceError("Rate exceeded", code="TooManyRequestsException", status=429,
                                                     fields={"retryAfterSeconds": "3", "Type": "User"}))
    assert response.headers["Retry-After"] == "3"
    assert response.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    assert json.loads(response.body) == {"Type": "User", "message": "Rate exceeded"}


def test_error_headers_from_the_error_are_kept() -> None:
    error = ServiceError("slow down", code="SlowDown", status=503, headers={"Retry-After": "1"})
    assert fail("s3", "PutObject", error).headers["Retry-After"] == "1"


# --- values ----------------------------------------------------------------------------------


def test_timestamp_forms() -> None:
    naive = datetime(2024, 5, 17, 12, 30, 45)
    assert iso8601(naive) == "2024-05-17T12:30:45Z"
    assert iso8601(WHEN.replace(microsecond=123000)) == "2024-05-17T12:30:45.123Z"
    assert iso8601(WHEN.replace(microsecond=123456)) == "2024-05-17T12:30:45.123456Z"
    plus_two = WHEN.astimezone(timezone(timedelta(hours=2)))
    assert iso8601(plus_two) == "2024-05-17T12:30:45Z"
    assert rfc822(1715949045) == "Fri, 17 May 2024 12:30:45 GMT"
    assert epoch_seconds(naive) == 1715949045
    assert epoch_seconds(WHEN.replace(microsecond=500000)) == 1715949045.5
    assert epoch_seconds(1715949045.25) == 1715949045.25


def test_xml_escape_keeps_what_xml_would_change() -> None:
    assert xml_escape("plain") == "plain"
    assert xml_escape('a<b>&"c"') == 'a&lt;b&gt;&amp;"c"'
    # A raw CR would read back as LF after XML end-of-line handling.
    assert xml_escape("line\r\nnext") == "line&#xD;\nnext"
    root = ET.fromstring("<a>" + xml_escape("x\r\ny") + "</a>")
    assert root.text == "x\r\ny"


def test_json_timestamp_format_trait_and_blobs() -> None:
    # Lambda's LastModified is a string; API Gateway's createdDate a timestamp (epoch seconds).
    response = answer("apigateway", "GetRestApi", {"id": "a", "createdDate": WHEN, "binaryMediaTypes": ["*/*"]})
    assert json.loads(response.body) == {"id": "a", "createdDate": 1715949045, "binaryMediaTypes": ["*/*"]}
    response = answer("kinesis", "GetRecords", {"Records": [{"Data": b"\x00\x01", "SequenceNumber": "1",
                                                             "PartitionKey": "p"}]})
    assert json.loads(response.body)["Records"][0]["Data"] == "AAE="


def test_serializers_are_cached_and_protocols_checked() -> None:
    model = load_service("sqs")
    assert create_serializer(model, "json") is create_serializer(model, "json")
    assert create_serializer(model, "query") is not create_serializer(model, "json")
    with pytest.raises(ValueError):
        create_serializer(model, "ec2")
