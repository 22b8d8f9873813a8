"""Service detection on the shared port, fed with what botocore really sends for each service."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import botocore.session
import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest

from cloudlet.aws.model import load_service
from cloudlet.aws.parsing import create_parser, request_protocol
from cloudlet.edge.detect import detect_service, is_s3_host
from cloudlet.edge.types import Body, Headers, Request

ENDPOINT = "http://localhost:4566"

# (service, operation, params) whose requests must be told apart, incl. services that share a
# signing name (ses/sesv2, apigateway/apigatewayv2, dynamodb/dynamodbstreams, s3/s3control).
CASES = [
    ("sts", "GetCallerIdentity", {}),
    ("s3", "ListBuckets", {}),
    ("s3", "GetObject", {"Bucket": "b", "Key": "k"}),
    ("s3control", "ListAccessPoints", {"AccountId": "123456789012"}),
    ("dynamodb", "ListTables", {}),
    ("dynamodbstreams", "ListStreams", {}),
    ("sqs", "ListQueues", {}),
    ("sns", "ListTopics", {}),
    ("ses", "ListIdentities", {}),
    ("sesv2", "ListEmailIdentities", {}),
    ("lambda", "ListFunctions", {}),
    ("apigateway", "GetRestApis", {}),
    ("apigatewayv2", "GetApis", {}),
    ("cloudfront", "ListDistributions", {}),
    ("cloudformation", "ListStacks", {}),
    ("stepfunctions", "ListStateMachines", {}),
    ("events", "ListRules", {}),
    ("cognito-idp", "ListUserPools", {"MaxResults": 10}),
    ("iam", "ListRoles", {}),
    ("kinesis", "ListStreams", {}),
    ("firehose", "ListDeliveryStreams", {}),
    ("logs", "DescribeLogGroups", {}),
    ("cloudwatch", "ListMetrics", {}),
]

_session = botocore.session.get_session()
_session.set_credentials("test", "test")


def _request(service: str, operation: str, params: dict) -> Request:
    client = _session.create_client(service, region_name="us-east-1", endpoint_url=ENDPOINT)
    model = client.meta.service_model
    serialized = client._serializer.serialize_to_request(params, model.operation_model(operation))
    query = serialized["query_string"]
    query = query if isinstance(query, str) else urlencode(query, doseq=True)
    url = ENDPOINT + serialized["url_path"] + ("?" + query if query else "")
    host_prefix = (model.operation_model(operation).endpoint or {}).get("hostPrefix")
    if host_prefix:
        url = url.replace("localhost", host_prefix.format(**params) + "localhost", 1)
    aws_request = AWSRequest(method=serialized["method"], url=url, data=serialized["body"],
                             headers=serialized["headers"])
    signer = S3SigV4Auth if model.signing_name == "s3" else SigV4Auth
    signer(_session.get_credentials(), model.signing_name, "us-east-1").add_auth(aws_request)
    parts = urlsplit(aws_request.url)
    body = aws_request.body if isinstance(aws_request.body, bytes) else (aws_request.body or "").encode()
    headers = Headers((k, v.decode() if isinstance(v, bytes) else v) for k, v in aws_request.headers.items())
    headers["Host"] = parts.netloc
    return Request(aws_request.method, parts.path, parts.query, headers, Body(body))


def _fits(service: str, request: Request) -> bool:
    model = load_service(service)
    try:
        create_parser(model, request_protocol(model, request)).operation(request)
    except Exception:
        return False
    return True


@pytest.mark.parametrize(("service", "operation", "params"), CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES])
def test_botocore_requests_reach_their_service(service, operation, params):
    request = _request(service, operation, params)
    assert detect_service(request, lambda s: s in ("sts",), _fits) == service


def test_unsigned_browser_get_is_s3():
    request = Request("GET", "/bucket/index.html", "", Headers([("Host", "localhost:4566")]))
    assert detect_service(request, lambda s: False, _fits) == "s3"


@pytest.mark.parametrize("host", [
    "bucket.s3.localhost:4566", "s3.localhost:4566", "my.bucket.s3.amazonaws.com",
    "bucket.s3.us-west-2.amazonaws.com", "bucket.s3-us-west-2.amazonaws.com",
])
def test_s3_hosts(host):
    assert is_s3_host(host)


@pytest.mark.parametrize("host", ["localhost:4566", "abc.execute-api.localhost:4566", "d1.cloudfront.localhost"])
def test_not_s3_hosts(host):
    assert not is_s3_host(host)
