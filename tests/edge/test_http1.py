"""The HTTP/1.1 protocol on the wire: keep-alive, pipelining, 100-continue, chunked bodies,
HEAD, bad requests and clients that leave, spoken over raw sockets as clients send them."""

from __future__ import annotations

import json
import socket
import uuid
from urllib.parse import urlsplit

import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from cloudlet.testing.server import RunningServer

CREDENTIALS = Credentials("test", "test")


def _connect(server: RunningServer) -> socket.socket:
    url = urlsplit(server.endpoint)
    sock = socket.create_connection((url.hostname, url.port), timeout=10)
    return sock


def _read_response(sock: socket.socket, buffer: bytearray, head: bool = False) -> tuple[int, dict[str, str], bytes]:
    """One response off the socket (Content-Length or chunked); what follows stays in buffer."""
    while b"\r\n\r\n" not in buffer:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError(f"closed before a response head: {bytes(buffer)!r}")
        buffer += data
    head_end = buffer.index(b"\r\n\r\n")
    lines = bytes(buffer[:head_end]).decode("latin-1").split("\r\n")
    del buffer[: head_end + 4]
    status = int(lines[0].split()[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if head or status in (100, 204, 304):
        return status, headers, b""
    if headers.get("transfer-encoding") == "chunked":
        body = bytearray()
        while True:
            while b"\r\n" not in buffer:
                buffer += sock.recv(65536)
            size_end = buffer.index(b"\r\n")
            size = int(bytes(buffer[:size_end]), 16)
            while len(buffer) < size_end + 2 + size + 2:
                buffer += sock.recv(65536)
            body += buffer[size_end + 2 : size_end + 2 + size]
            del buffer[: size_end + 2 + size + 2]
            if size == 0:
                return status, headers, bytes(body)
    length = int(headers.get("content-length", "0"))
    while len(buffer) < length:
        data = sock.recv(65536)
        if not data:
            break
        buffer += data
    body = bytes(buffer[:length])
    del buffer[:length]
    return status, headers, body


def _raw(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


def _signed(server: RunningServer, service: str, method: str, path: str, body: bytes,
            headers: dict[str, str]) -> dict[str, str]:
    request = AWSRequest(method=method, url=f"{server.endpoint}{path}", data=body, headers=headers)
    (S3SigV4Auth if service == "s3" else SigV4Auth)(CREDENTIALS, service, "us-east-1").add_auth(request)
    return {"Host": urlsplit(server.endpoint).netloc, **dict(request.headers.items())}


def _sts(server: RunningServer) -> tuple[dict[str, str], bytes]:
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    headers = _signed(server, "sts", "POST", "/", body, {"Content-Type": "application/x-www-form-urlencoded"})
    return headers, body


@pytest.fixture(scope="module")
def bucket(server: RunningServer, client) -> str:
    name = f"http1-{uuid.uuid4().hex[:8]}"
    client("s3").create_bucket(Bucket=name)
    return name


def test_keep_alive_answers_several_requests_on_one_connection(server: RunningServer):
    headers, body = _sts(server)
    with _connect(server) as sock:
        buffer = bytearray()
        for _ in range(3):
            sock.sendall(_raw("POST", "/", {**headers, "Content-Length": str(len(body))}, body))
            status, answer_headers, answer = _read_response(sock, buffer)
            assert status == 200 and b"<Account>000000000000</Account>" in answer
            assert answer_headers.get("connection") != "close"
            assert "date" in answer_headers


def test_pipelined_requests_are_answered_in_order(server: RunningServer):
    headers, body = _sts(server)
    sts = _raw("POST", "/", {**headers, "Content-Length": str(len(body))}, body)
    health = _raw("GET", "/_cloudlet/health", {"Host": "localhost"})
    with _connect(server) as sock:
        sock.sendall(sts + health + sts)  # one write: the server sees them together
        buffer = bytearray()
        first, second, third = (_read_response(sock, buffer) for _ in range(3))
    assert first[0] == 200 and b"GetCallerIdentityResponse" in first[2]
    assert second[0] == 200 and json.loads(second[2])["status"] == "running"
    assert third[0] == 200 and b"GetCallerIdentityResponse" in third[2]


def test_expect_continue_waits_for_the_go_ahead(server: RunningServer, client, bucket: str):
    body = b"x" * 5000
    path = f"/{bucket}/continued"
    headers = _signed(server, "s3", "PUT", path, body, {"Expect": "100-continue"})
    with _connect(server) as sock:
        sock.sendall(_raw("PUT", path, {**headers, "Content-Length": str(len(body))}))
        buffer = bytearray()
        status, _, _ = _read_response(sock, buffer)
        assert status == 100  # sent before any of the body
        sock.sendall(body)
        status, answer_headers, _ = _read_response(sock, buffer)
    assert status == 200 and answer_headers["etag"]
    assert client("s3").get_object(Bucket=bucket, Key="continued")["Body"].read() == body


def test_expect_continue_refused_without_the_body(server: RunningServer, bucket: str):
    """A request S3 refuses (no such bucket) is answered at once: the client never sends the body."""
    path = f"/no-such-bucket-{uuid.uuid4().hex[:8]}/k"
    headers = _signed(server, "s3", "PUT", path, b"y" * 100, {"Expect": "100-continue"})
    with _connect(server) as sock:
        sock.sendall(_raw("PUT", path, {**headers, "Content-Length": "100"}))
        status, headers, answer = _read_response(sock, bytearray())
        assert sock.recv(10) == b""  # closed: a body sent anyway must not read as a request
    assert status == 404 and b"<Code>NoSuchBucket</Code>" in answer
    assert headers["connection"] == "close"


def test_chunked_request_body(server: RunningServer):
    body = json.dumps({"QueueName": f"chunked-{uuid.uuid4().hex[:8]}"}).encode()
    headers = _signed(server, "sqs", "POST", "/", body, {"Content-Type": "application/x-amz-json-1.0",
                                                            "X-Amz-Target": "AmazonSQS.CreateQueue"})
    chunked = b"".join(b"%x\r\n%b\r\n" % (len(part), part) for part in (body[:7], body[7:])) + b"0\r\n\r\n"
    with _connect(server) as sock:
        sock.sendall(_raw("POST", "/", {**headers, "Transfer-Encoding": "chunked"}, chunked))
        status, _, answer = _read_response(sock, bytearray())
    assert status == 200, answer
    assert json.loads(answer)["QueueUrl"].endswith(json.loads(body)["QueueName"])


def test_head_has_the_length_and_no_body(server: RunningServer, client, bucket: str):
    client("s3").put_object(Bucket=bucket, Key="headed", Body=b"z" * 1234)
    path = f"/{bucket}/headed"
    headers = _signed(server, "s3", "HEAD", path, b"", {})
    get_headers = _signed(server, "s3", "GET", path, b"", {})
    with _connect(server) as sock:
        # A body after HEAD's head would be read as the start of the next response.
        sock.sendall(_raw("HEAD", path, headers) + _raw("GET", path, get_headers))
        buffer = bytearray()
        status, head_headers, _ = _read_response(sock, buffer, head=True)
        get_status, _, got = _read_response(sock, buffer)
    assert status == 200 and head_headers["content-length"] == "1234"
    assert get_status == 200 and got == b"z" * 1234


def test_connection_close_is_honoured(server: RunningServer):
    with _connect(server) as sock:
        sock.sendall(_raw("GET", "/_cloudlet/health", {"Host": "localhost", "Connection": "close"}))
        buffer = bytearray()
        status, headers, _ = _read_response(sock, buffer)
        assert status == 200 and headers.get("connection") == "close"
        assert sock.recv(10) == b""  # the server closed its end


def test_http_1_0_closes_after_the_answer(server: RunningServer):
    with _connect(server) as sock:
        sock.sendall(b"GET /_cloudlet/health HTTP/1.0\r\nHost: localhost\r\n\r\n")
        status, _, body = _read_response(sock, bytearray())
        assert status == 200 and json.loads(body)["status"] == "running"
        assert sock.recv(10) == b""


def test_malformed_request_gets_400_and_the_server_goes_on(server: RunningServer):
    with _connect(server) as sock:
        sock.sendall(b"NOT A REQUEST\r\n\r\n")
        status, headers, _ = _read_response(sock, bytearray())
    assert status == 400 and headers.get("connection") == "close"
    assert server.get("/_cloudlet/health")["status"] == "running"


def test_client_leaving_mid_body_stores_nothing(server: RunningServer, client, bucket: str):
    path = f"/{bucket}/abandoned"
    body = b"a" * 100_000
    headers = _signed(server, "s3", "PUT", path, body, {})
    with _connect(server) as sock:
        sock.sendall(_raw("PUT", path, {**headers, "Content-Length": str(len(body))}, body[:10_000]))
    s3 = client("s3")
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=bucket, Key="abandoned")
    assert server.get("/_cloudlet/health")["status"] == "running"


def test_large_streamed_answer_arrives_whole(server: RunningServer, client, bucket: str):
    """Several megabytes through a reader slower than the server: written as the socket drains."""
    body = bytes(range(256)) * (16 * 1024)  # 4 MiB
    client("s3").put_object(Bucket=bucket, Key="large", Body=body)
    path = f"/{bucket}/large"
    with _connect(server) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        sock.sendall(_raw("GET", path, _signed(server, "s3", "GET", path, b"", {})))
        status, _, got = _read_response(sock, bytearray())
    assert status == 200 and got == body


def test_forwarded_client_address_from_a_trusted_proxy(server: RunningServer, client):
    """A proxy on the loopback (trusted, as uvicorn trusts it) speaks for its client: policies see
    the address it forwards; the nearest untrusted hop is the client."""
    s3 = client("s3")
    name = f"http1-ip-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*",
        "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}))
    s3.put_object(Bucket=name, Key="k", Body=b"for the allowed network")
    host = {"Host": urlsplit(server.endpoint).netloc}
    with _connect(server) as sock:
        buffer = bytearray()
        sock.sendall(_raw("GET", f"/{name}/k", {**host, "X-Forwarded-For": "203.0.113.7"}))
        allowed = _read_response(sock, buffer)
        sock.sendall(_raw("GET", f"/{name}/k", {**host, "X-Forwarded-For": "203.0.113.7, 198.51.100.9"}))
        nearest = _read_response(sock, buffer)
        sock.sendall(_raw("GET", f"/{name}/k", host))
        direct = _read_response(sock, buffer)
    assert allowed[0] == 200 and allowed[2] == b"for the allowed network"
    assert nearest[0] == 403  # 198.51.100.9 reached the proxy: it is the client
    assert direct[0] == 403
