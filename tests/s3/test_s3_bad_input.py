"""Uploads that go wrong on the wire: a body shorter or longer than its signed hash says, a
client that hangs up mid-upload, a malformed XML body. Each gets S3's error and leaves no
object and no temporary file behind."""

from __future__ import annotations

import hashlib
import os
import socket
from urllib.parse import urlsplit

import httpx
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError


def _signed_headers(
    method: str, url: str, body: bytes, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """SigV4 headers for `body` (its SHA-256 in x-amz-content-sha256), whatever is then sent."""
    request = AWSRequest(method=method, url=url, data=body, headers=extra or {})
    S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def _temporaries(server) -> list[str]:
    found = []
    for directory, _, files in os.walk(server.data_dir):
        found += [os.path.join(directory, f) for f in files if f.startswith(".tmp-")]
    return found


def _raw_put(endpoint: str, path: str, headers: dict[str, str], body: bytes, *, hang_up: bool) -> bytes:
    parts = urlsplit(endpoint)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        head = f"PUT {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items() if k.lower() != "host")
        sock.sendall(head.encode() + b"\r\n" + body)
        if hang_up:
            return b""
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_a_body_that_does_not_match_its_signed_hash(endpoint, s3, bucket):
    url = f"{endpoint}/{bucket}/k"
    body = b"0123456789"
    headers = _signed_headers("PUT", url, body)
    assert headers["X-Amz-Content-SHA256"] == hashlib.sha256(body).hexdigest()
    answer = httpx.put(url, content=body[:6], headers=headers)  # the client sends less than it signed
    assert answer.status_code == 400 and b"<Code>XAmzContentSHA256Mismatch</Code>" in answer.content
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="k")
    assert exc.value.response["Error"]["Code"] == "404"


def test_a_client_that_hangs_up_mid_upload_leaves_nothing(server, endpoint, s3, bucket):
    path = f"/{bucket}/half"
    headers = _signed_headers("PUT", f"{endpoint}{path}", b"x" * (4 * 1024 * 1024))
    headers["Content-Length"] = str(4 * 1024 * 1024)
    _raw_put(endpoint, path, headers, b"x" * (1024 * 1024), hang_up=True)
    s3.put_object(Bucket=bucket, Key="after", Body=b"ok")  # the server goes on serving
    assert s3.get_object(Bucket=bucket, Key="after")["Body"].read() == b"ok"
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="half")

    # The aborted upload's temporary file goes as soon as the server sees the hang-up; the
    # requests above were answered after that.
    assert _temporaries(server) == []


def test_a_content_length_longer_than_the_body(endpoint, s3, bucket):
    path = f"/{bucket}/short"
    headers = _signed_headers("PUT", f"{endpoint}{path}", b"y" * 100)
    headers["Content-Length"] = "100"
    answer = _raw_put(endpoint, path, headers, b"y" * 20, hang_up=False)
    assert answer == b"" or b" 400 " in answer.split(b"\r\n", 1)[0]  # S3 answers IncompleteBody or closes
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="short")


def test_malformed_xml_bodies(endpoint, bucket):
    url = f"{endpoint}/{bucket}?tagging"
    body = b"<Tagging><TagSet><Tag><Key>a</Key>"
    headers = _signed_headers("PUT", url, body, {"Content-Type": "application/xml"})
    answer = httpx.put(url, content=body, headers=headers)
    assert answer.status_code == 400 and b"<Code>MalformedXML</Code>" in answer.content
