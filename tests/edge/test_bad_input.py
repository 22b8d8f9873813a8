"""Bad input of every protocol gets the service's own error, signed correctly so it reaches the parser."""

from __future__ import annotations

import urllib.error
import urllib.request

import cbor2
import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from cloudlet.testing.server import RunningServer

CREDENTIALS = Credentials("test", "test")


def _signed_call(server: RunningServer, service: str, path: str, body: bytes, headers: dict[str, str],
                 method: str = "POST") -> tuple[int, dict[str, str], bytes]:
    request = AWSRequest(method=method, url=server.endpoint + path, data=body, headers=headers)
    SigV4Auth(CREDENTIALS, service, "us-east-1").add_auth(request)
    prepared = urllib.request.Request(request.url, data=body, method=method, headers=dict(request.headers.items()))
    try:
        with urllib.request.urlopen(prepared, timeout=10) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


JSON_10 = {"Content-Type": "application/x-amz-json-1.0"}


@pytest.mark.parametrize(("body", "code"), [
    (b"{not json", b"SerializationException"),
    (b'{"TableName": 5}', b"SerializationException"),
    (b'{"TableName": ["a"]}', b"SerializationException"),
    (b"[]", b"SerializationException"),
])
def test_json_protocol_malformed_bodies(server, body, code):
    status, _, reply = _signed_call(server, "dynamodb", "/", body,
                                          {**JSON_10, "X-Amz-Target": "DynamoDB_20120810.DescribeTable"})
    assert status == 400
    assert code in reply


def test_json_protocol_missing_required_member(server):
    status, _, reply = _signed_call(server, "dynamodb", "/", b"{}",
                                    {**JSON_10, "X-Amz-Target": "DynamoDB_20120810.DescribeTable"})
    assert status == 400
    assert b"ValidationException" in reply
    assert b"Value null at 'tableName' failed to satisfy constraint: Member must not be null" in reply


def test_json_protocol_unknown_operation(server):
    status, _, reply = _signed_call(server, "dynamodb", "/", b"{}",
                                    {**JSON_10, "X-Amz-Target": "DynamoDB_20120810.MakeCoffee"})
    assert status == 400
    assert b"UnknownOperationException" in reply


def test_query_protocol_missing_parameter_changes_nothing(server, client):
    body = b"Action=AssumeRole&Version=2011-06-15&RoleSessionName=abc"
    status, _, reply = _signed_call(server, "sts", "/", body,
                                    {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400
    assert b"<ErrorResponse" in reply and b"ValidationError" in reply


def test_query_protocol_unknown_action(server):
    body = b"Action=BrewTea&Version=2011-06-15"
    status, _, reply = _signed_call(server, "sts", "/", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400
    assert b"InvalidAction" in reply


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    b'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>&b;</TagSet></Tagging>',
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>&e;</TagSet></Tagging>',
    b"<Tagging><TagSet><Tag><Key>k</Key>",
])
def test_rest_xml_hostile_and_malformed_xml(server, body):
    request = AWSRequest(method="PUT", url=server.endpoint + "/bucket?tagging", data=body,
                         headers={"Content-Type": "application/xml"})
    S3SigV4Auth(CREDENTIALS, "s3", "us-east-1").add_auth(request)
    prepared = urllib.request.Request(request.url, data=body, method="PUT", headers=dict(request.headers.items()))
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(prepared, timeout=10)
    assert exc.value.code == 400
    assert b"MalformedXML" in exc.value.read()


def test_cbor_protocol_malformed_body(server):
    headers = {"Content-Type": "application/cbor", "Accept": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}
    status, _, reply = _signed_call(server, "monitoring", "/service/GraniteServiceVersion20100801/operation/ListMetrics",
                                    b"\xbf\x61", headers)
    assert status == 400
    assert cbor2.loads(reply)["__type"].endswith("SerializationException")


def test_oversized_body_is_refused(server):
    body = b"{" + b" " * (64 * 1024 * 1024 + 10) + b"}"
    status, _, reply = _signed_call(server, "dynamodb", "/", body,
                                    {**JSON_10, "X-Amz-Target": "DynamoDB_20120810.ListTables"})
    assert status == 413
    assert b"RequestEntityTooLarge" in reply
