"""Which protocol and which operation a request names, and the errors when it names none."""

from __future__ import annotations

import pytest

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import load_service
from cloudlet.aws.parsing import create_parser, request_protocol, s3_bucket_from_host
from cloudlet.edge.types import Body, Headers, Request

FORM = ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")


def _request(method: str, path: str, query: str = "", headers: list | None = None, body: bytes = b"",
             host: str = "localhost:4566") -> Request:
    return Request(method, path, query, Headers([("Host", host), *(headers or [])]), Body(body))


def _operation(service: str, request: Request) -> str:
    model = load_service(service)
    return create_parser(model, request_protocol(model, request)).operation(request).name


def _parse(service: str, request: Request) -> dict:
    model = load_service(service)
    parser = create_parser(model, request_protocol(model, request))
    return parser.parse(request, parser.operation(request))


# -- protocol

@pytest.mark.parametrize(("service", "request_", "protocol"), [
    ("sqs", _request("POST", "/", headers=[("X-Amz-Target", "AmazonSQS.ListQueues"),
                                           ("Content-Type", "application/x-amz-json-1.0")]), "json"),
    ("sqs", _request("POST", "/", headers=[FORM], body=b"Action=ListQueues&Version=2012-11-05"), "query"),
    ("sqs", _request("GET", "/000000000000/q", "Action=ReceiveMessage&Version=2012-11-05"), "query"),
    ("cloudwatch", _request("POST", "/service/GraniteServiceVersion20100801/operation/ListMetrics",
                            headers=[("smithy-protocol", "rpc-v2-cbor")]), "smithy-rpc-v2-cbor"),
    ("cloudwatch", _request("POST", "/", headers=[("X-Amz-Target", "GraniteServiceVersion20100801.ListMetrics"),
                                                  ("Content-Type", "application/x-amz-json-1.0")]), "json"),
    ("cloudwatch", _request("POST", "/", headers=[FORM], body=b"Action=ListMetrics"), "query"),
    ("dynamodb", _request("POST", "/", headers=[FORM]), "json"),  # one protocol: no guessing
    ("s3", _request("GET", "/b", "Action=x"), "rest-xml"),
])
def test_request_protocol(service, request_, protocol):
    assert request_protocol(load_service(service), request_) == protocol


# -- S3 routing

S3_ROUTES = [
    ("GET", "/", "", [], "ListBuckets"),
    ("GET", "/b", "", [], "ListObjects"),
    ("GET", "/b/", "", [], "ListObjects"),
    ("GET", "/b", "list-type=2&prefix=a", [], "ListObjectsV2"),
    ("GET", "/b", "location", [], "GetBucketLocation"),
    ("GET", "/b", "location=", [], "GetBucketLocation"),
    ("GET", "/b", "versions", [], "ListObjectVersions"),
    ("GET", "/b", "uploads", [], "ListMultipartUploads"),
    ("GET", "/b", "analytics&id=a", [], "GetBucketAnalyticsConfiguration"),
    ("GET", "/b", "analytics", [], "ListBucketAnalyticsConfigurations"),
    ("GET", "/b", "lifecycle", [], "GetBucketLifecycleConfiguration"),
    ("PUT", "/b", "", [], "CreateBucket"),
    ("PUT", "/b", "tagging", [], "PutBucketTagging"),
    ("HEAD", "/b", "", [], "HeadBucket"),
    ("POST", "/b", "delete", [], "DeleteObjects"),
    ("GET", "/b/k", "", [], "GetObject"),
    ("GET", "/b/k", "versionId=3", [], "GetObject"),
    ("GET", "/b/k", "tagging", [], "GetObjectTagging"),
    ("GET", "/b/k", "uploadId=u", [], "ListParts"),
    ("GET", "/b/k", "attributes", [], "GetObjectAttributes"),
    ("HEAD", "/b/k", "", [], "HeadObject"),
    ("PUT", "/b/k", "", [], "PutObject"),
    ("PUT", "/b/k", "", [("x-amz-copy-source", "/o/k")], "CopyObject"),
    ("PUT", "/b/k", "partNumber=1&uploadId=u", [], "UploadPart"),
    ("PUT", "/b/k", "partNumber=1&uploadId=u", [("x-amz-copy-source", "/o/k")], "UploadPartCopy"),
    ("POST", "/b/k", "uploads", [], "CreateMultipartUpload"),
    ("POST", "/b/k", "uploadId=u", [], "CompleteMultipartUpload"),
    ("DELETE", "/b/k", "", [], "DeleteObject"),
    ("DELETE", "/b/k", "uploadId=u", [], "AbortMultipartUpload"),
    ("POST", "/b/k", "select&select-type=2", [], "SelectObjectContent"),
]


@pytest.mark.parametrize(("method", "path", "query", "headers", "operation"), S3_ROUTES,
                         ids=[f"{r[0]} {r[1]}?{r[2]} {r[4]}" for r in S3_ROUTES])
def test_s3_routes(method, path, query, headers, operation):
    assert _operation("s3", _request(method, path, query, headers)) == operation


@pytest.mark.parametrize(("host", "path", "query", "operation", "params"), [
    ("b.s3.localhost:4566", "/", "", "ListObjects", {"Bucket": "b"}),
    ("b.s3.localhost:4566", "/k/x.txt", "", "GetObject", {"Bucket": "b", "Key": "k/x.txt"}),
    ("b.s3.amazonaws.com", "/", "location", "GetBucketLocation", {"Bucket": "b"}),
    ("my.b.s3.us-east-1.amazonaws.com", "/k", "", "GetObject", {"Bucket": "my.b", "Key": "k"}),
    ("s3.localhost:4566", "/b/k", "", "GetObject", {"Bucket": "b", "Key": "k"}),
])
def test_s3_virtual_hosted_style(host, path, query, operation, params):
    request = _request("GET", path, query, host=host)
    assert _operation("s3", request) == operation
    assert _parse("s3", request) == params


@pytest.mark.parametrize(("host", "bucket"), [
    ("bucket.s3.localhost:4566", "bucket"),
    ("bucket.s3.localhost", "bucket"),
    ("bucket.s3.amazonaws.com", "bucket"),
    ("Bucket.S3.AmazonAWS.com", "bucket"),
    ("my.bucket.s3.amazonaws.com", "my.bucket"),
    ("bucket.s3.us-west-2.amazonaws.com", "bucket"),
    ("bucket.s3-us-west-2.amazonaws.com", "bucket"),
    ("bucket.s3.dualstack.eu-west-1.amazonaws.com", "bucket"),
    ("bucket.s3.localhost.localstack.cloud:4566", "bucket"),
    ("s3.localhost:4566", None),
    ("s3.amazonaws.com", None),
    ("s3.us-east-1.amazonaws.com", None),
    ("localhost:4566", None),
    ("123456789012.localhost:4566", None),  # s3control's account host prefix
    ("bucket.s3-website-us-east-1.amazonaws.com", None),
    ("ap-123456789012.s3-accesspoint.us-east-1.amazonaws.com", None),
    ("abc.execute-api.localhost:4566", None),
])
def test_s3_bucket_from_host(host, bucket):
    assert s3_bucket_from_host(host) == bucket


def test_s3_keys_keep_slashes_and_are_percent_decoded():
    params = _parse("s3", _request("GET", "/b/a%2Fb/c%20d%2B/%E2%9C%93"))
    assert params == {"Bucket": "b", "Key": "a/b/c d+/\u2713"}
    assert _parse("s3", _request("GET", "/b//leading"))["Key"] == "/leading"
    assert _parse("s3", _request("GET", "/b/dir/"))["Key"] == "dir/"


def test_s3_streaming_body_is_handed_over_unread():
    async def chunks():
        yield b"never read by the parser"

    body = Body(stream=chunks())
    request = Request("PUT", "/b/k", "", Headers([("Host", "localhost:4566"), ("Content-Length", "24")]), body)
    params = _parse("s3", request)
    assert params["Body"] is body and not body.is_buffered
    assert params["ContentLength"] == 24


def test_s3_metadata_headers_become_a_map():
    headers = [("x-amz-meta-color", "blue"), ("X-Amz-Meta-Size", "2"), ("x-amz-acl", "private")]
    params = _parse("s3", _request("PUT", "/b/k", headers=headers))
    assert params["Metadata"] == {"color": "blue", "size": "2"}  # as S3 stores them
    assert params["ACL"] == "private"


def test_s3_unknown_method_and_s3control_requests():
    with pytest.raises(ServiceError) as caught:
        _operation("s3", _request("PATCH", "/b/k"))
    assert (caught.value.code, caught.value.status) == ("MethodNotAllowed", 405)
    with pytest.raises(ServiceError) as caught:
        _operation("s3", _request("GET", "/v20180820/accesspoint", headers=[("x-amz-account-id", "1")]))
    assert caught.value.status == 501


def test_host_label_is_read_from_the_host():
    # s3control's AccountId travels in a header and in the host; the host alone is enough.
    request = _request("GET", "/v20180820/accesspoint", host="123456789012.localhost:4566")
    assert _operation("s3control", request) == "ListAccessPoints"
    assert _parse("s3control", request) == {"AccountId": "123456789012"}
    request.headers.add("x-amz-account-id", "210987654321")
    assert _parse("s3control", request) == {"AccountId": "210987654321"}


# -- rest-json routing

@pytest.mark.parametrize(("method", "path", "operation"), [
    ("GET", "/2015-03-31/functions/", "ListFunctions"),
    ("GET", "/2015-03-31/functions", "ListFunctions"),
    ("GET", "/2015-03-31/functions/my-function", "GetFunction"),
    ("GET", "/2015-03-31/functions/my-function/configuration", "GetFunctionConfiguration"),
    ("POST", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af/invocations", "Invoke"),
    ("GET", "/2015-03-31/event-source-mappings/", "ListEventSourceMappings"),
])
def test_lambda_routes(method, path, operation):
    assert _operation("lambda", _request(method, path)) == operation


def test_rest_json_labels_query_and_query_maps():
    request = _request("GET", "/restapis/r1/stages/prod/exports/oas30", "extensions=postman&a=1&a=2",
                       headers=[("Accept", "application/yaml")])
    assert _parse("apigateway", request) == {
        "restApiId": "r1", "stageName": "prod", "exportType": "oas30", "accepts": "application/yaml",
        "parameters": {"extensions": "postman", "a": "1"},
    }
    request = _request("GET", "/2015-03-31/functions/f", "Qualifier=%24LATEST")
    assert _parse("lambda", request) == {"FunctionName": "f", "Qualifier": "$LATEST"}


@pytest.mark.parametrize(("method", "path", "code", "status"), [
    ("GET", "/2015-03-31/nothing-here", "UnknownOperationException", 404),
    ("PATCH", "/2015-03-31/functions/f", "MethodNotAllowed", 405),
])
def test_rest_json_no_route(method, path, code, status):
    with pytest.raises(ServiceError) as caught:
        _operation("lambda", _request(method, path))
    assert (caught.value.code, caught.value.status) == (code, status)


# -- RPC protocols

def test_json_unknown_or_missing_target():
    for target in ("DynamoDB_20120810.DropEverything", "Other_20120810.ListTables", None):
        headers = [("X-Amz-Target", target)] if target else []
        headers.append(("Content-Type", "application/x-amz-json-1.0"))
        with pytest.raises(ServiceError) as caught:
            create_parser(load_service("dynamodb"), "json").operation(_request("POST", "/", headers=headers))
        assert (caught.value.code, caught.value.status) == ("UnknownOperationException", 400)


def test_query_unknown_or_missing_action():
    parser = create_parser(load_service("iam"), "query")
    with pytest.raises(ServiceError) as caught:
        parser.operation(_request("POST", "/", headers=[FORM], body=b"Action=DropEverything&Version=2010-05-08"))
    assert (caught.value.code, caught.value.status) == ("InvalidAction", 400)
    assert caught.value.message == "Could not find operation DropEverything for version 2010-05-08"
    with pytest.raises(ServiceError) as caught:
        parser.operation(_request("POST", "/", headers=[FORM], body=b"Version=2010-05-08"))
    assert caught.value.code == "MissingAction"


def test_query_action_in_the_url_and_parameters_in_both():
    request = _request("POST", "/", "Action=ListRoles&Version=2010-05-08", headers=[FORM], body=b"MaxItems=5")
    assert _operation("iam", request) == "ListRoles"
    assert _parse("iam", request) == {"MaxItems": 5}


def test_cbor_unknown_operation_or_service():
    parser = create_parser(load_service("cloudwatch"), "smithy-rpc-v2-cbor")
    for path in ("/service/GraniteServiceVersion20100801/operation/DropEverything",
                 "/service/Other/operation/ListMetrics", "/"):
        with pytest.raises(ServiceError) as caught:
            parser.operation(_request("POST", path, headers=[("smithy-protocol", "rpc-v2-cbor")]))
        assert caught.value.code == "UnknownOperationException"
