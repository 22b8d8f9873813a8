"""Mutated and hostile requests thrown at a real server: never a 500, and it keeps serving.

Requests start as what botocore really sends for operations of every protocol, then get
their bodies, headers and paths mangled by hypothesis. The server runs with --auth off so
the mutations reach the parsers instead of stopping at the signature check.
"""

from __future__ import annotations

import http.client
import shutil
import tempfile
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import botocore.session
import pytest
from botocore.awsrequest import AWSRequest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudlet.testing.server import RunningServer, start_server

# (service, operation, params): one seed per protocol family and body format.
SEEDS = [
    ("sts", "AssumeRole", {"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "s1"}),
    ("sqs", "SendMessage", {"QueueUrl": "http://localhost/000000000000/q", "MessageBody": "hi"}),
    ("dynamodb", "PutItem", {"TableName": "t", "Item": {"pk": {"S": "a"}, "n": {"N": "1"}}}),
    ("s3", "PutBucketTagging", {"Bucket": "b", "Tagging": {"TagSet": [{"Key": "k", "Value": "v"}]}}),
    ("lambda", "CreateFunction", {"FunctionName": "f", "Role": "arn:aws:iam::123456789012:role/r",
                                  "Code": {"ZipFile": b"PK"}, "Runtime": "python3.12", "Handler": "h.h"}),
    ("cloudwatch", "PutMetricData", {"Namespace": "n", "MetricData": [{"MetricName": "m", "Value": 1.0}]}),
    ("cloudfront", "CreateInvalidation", {"DistributionId": "D", "InvalidationBatch": {
        "Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": "c"}}),
]

HOSTILE_BODIES = [
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><Tagging><TagSet>&c;</TagSet></Tagging>',
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Tagging>&e;</Tagging>',
    b"[" * 5000 + b"]" * 5000,
    b'{"TableName": ' + b'{"a":' * 3000 + b"1" + b"}" * 3000 + b"}",
    b"\xff\xfe\x00garbage",
    b'{"TableName": 1e99999, "Item": null}',
    b"\xbf\x61\x61\xff\xff",  # broken CBOR
    b"Action=AssumeRole&Version=2011-06-15&RoleArn=%ZZ&RoleSessionName=",
]


def _seed_requests() -> list[tuple[str, str, dict[str, str], bytes]]:
    session = botocore.session.get_session()
    session.set_credentials("test", "test")
    built = []
    for service, operation, params in SEEDS:
        client = session.create_client(service, region_name="us-east-1", endpoint_url="http://localhost:4566")
        model = client.meta.service_model.operation_model(operation)
        request_dict = client._serializer.serialize_to_request(params, model)
        request_dict["url"] = "http://localhost:4566" + request_dict["url_path"]
        if request_dict["query_string"]:
            request_dict["url"] += "?" + (request_dict["query_string"] if isinstance(request_dict["query_string"], str)
                                          else urlencode(request_dict["query_string"], doseq=True))
        request = AWSRequest(method=request_dict["method"], url=request_dict["url"],
                             data=request_dict["body"], headers=request_dict["headers"])
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        parts = urlsplit(request.url)
        path = parts.path + ("?" + parts.query if parts.query else "")
        headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/{client.meta.service_model.signing_name}/aws4_request, "
            "SignedHeaders=host, Signature=00"
        )
        built.append((request.method, path, headers, body))
    return built


SEED_REQUESTS = _seed_requests()


@pytest.fixture(scope="module")
def open_server() -> Iterator[RunningServer]:
    data_dir = tempfile.mkdtemp(prefix="cloudlet-fuzz-")
    running = start_server(data_dir, "--auth", "off")
    yield running
    running.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def _send(server: RunningServer, method: str, path: str, headers: dict[str, str], body: bytes) -> int:
    host = urlsplit(server.endpoint)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    try:
        headers = {k: v for k, v in headers.items() if k.lower() not in ("content-length", "host")}
        conn.request(method, path, body=body, headers=headers)
        reply = conn.getresponse()
        reply.read()
        return reply.status
    finally:
        conn.close()


def _mutate_bytes(data: bytes, position: int, value: bytes, mode: str) -> bytes:
    position = position % (len(data) + 1)
    if mode == "insert":
        return data[:position] + value + data[position:]
    if mode == "truncate":
        return data[:position]
    return data[:position] + value + data[position + len(value):]


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    seed=st.sampled_from(SEED_REQUESTS),
    body_choice=st.one_of(
        st.tuples(st.integers(0, 10_000), st.binary(min_size=1, max_size=8),
                  st.sampled_from(["insert", "overwrite", "truncate"])),
        st.sampled_from(HOSTILE_BODIES),
    ),
    drop_header=st.sampled_from([None, "Content-Type", "X-Amz-Target", "Content-MD5"]),
    path_suffix=st.sampled_from(["", "%", "/%2e%2e/", "?x=%ZZ", "/../../etc", "?Action"]),
)
def test_mutated_requests_never_500(open_server, seed, body_choice, drop_header, path_suffix):
    method, path, headers, body = seed
    body = body_choice if isinstance(body_choice, bytes) else _mutate_bytes(body, *body_choice)
    headers = {k: v for k, v in headers.items() if drop_header is None or k.lower() != drop_header.lower()}
    status = _send(open_server, method, path + path_suffix, headers, body)
    assert status < 500 or status == 501, f"{method} {path}{path_suffix} -> {status}\n{open_server.log()[-3000:]}"


def test_still_serving_after_the_fuzz(open_server):
    assert open_server.get("/_cloudlet/health")["status"] == "running"
    assert "Traceback" not in open_server.log()
