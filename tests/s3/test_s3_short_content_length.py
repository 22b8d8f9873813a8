"""A Content-Length shorter than the body the client goes on to send. S3 reads the declared
length, whose hash no longer matches the signed one: XAmzContentSHA256Mismatch, nothing stored.
The bytes past the declared length are no request; the server answers 400 and goes on serving.

When the extra bytes arrive in the same read as the request, the HTTP layer rejects the
connection with its own plain-text 400 before S3's XML error goes out (AWS would send both);
either way nothing is stored."""

from __future__ import annotations

import os
import socket
import time
from urllib.parse import urlsplit

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError


def _send(endpoint: str, path: str, body: bytes, declared: int, pause: float) -> bytes:
    request = AWSRequest(method="PUT", url=f"{endpoint}{path}", data=body)
    S3SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(request)
    headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
    parts = urlsplit(endpoint)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        head = f"PUT {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {declared}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall(head.encode() + b"\r\n" + body[:declared])
        if pause:
            time.sleep(pause)
        sock.sendall(body[declared:])
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def _temporaries(server) -> list[str]:
    return [name for _, _, names in os.walk(server.data_dir) for name in names if name.startswith(".tmp-")]


@pytest.mark.parametrize("pause", [0.5, 0.0], ids=["extra-bytes-later", "extra-bytes-at-once"])
def test_a_content_length_shorter_than_the_body(server, endpoint, s3, bucket, pause):
    answer = _send(endpoint, f"/{bucket}/long", b"z" * 100, declared=20, pause=pause)
    assert b" 400 " in answer.split(b"\r\n", 1)[0], answer[:600]
    if pause:
        assert b"<Code>XAmzContentSHA256Mismatch</Code>" in answer
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="long")
    s3.put_object(Bucket=bucket, Key="after", Body=b"ok")
    assert s3.get_object(Bucket=bucket, Key="after")["Body"].read() == b"ok"
    assert _temporaries(server) == []
