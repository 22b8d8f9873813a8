"""Signed aws-chunked bodies (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]): the request is signed by
botocore, the chunk and trailer signatures computed here per the documented algorithm."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import random
import time
import zlib

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from cloudlet.aws.chunked import BadDigest, ChunkSignatureMismatch, decode_aws_chunked
from cloudlet.aws.sigv4 import authenticate
from cloudlet.core.credentials import CredentialRegistry, root_credential
from cloudlet.edge.types import Body, Headers, Request

KEY, SECRET, REGION = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1"
REGISTRY = CredentialRegistry([root_credential(KEY, SECRET, "111122223333")])
EMPTY = hashlib.sha256(b"").hexdigest()


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def _signing_key(date: str) -> bytes:
    key = _hmac(("AWS4" + SECRET).encode(), date)
    for part in (REGION, "s3", "aws4_request"):
        key = _hmac(key, part)
    return key


def signed_upload(data: bytes, mode: str, chunk_size: int = 65536,
                  trailer: tuple[str, str] | None = None) -> tuple[Request, bytes]:
    headers = {
        "Host": "localhost:4566",
        "Content-Encoding": "aws-chunked",
        "X-Amz-Content-SHA256": mode,
        "X-Amz-Decoded-Content-Length": str(len(data)),
    }
    if trailer:
        headers["X-Amz-Trailer"] = trailer[0]
    aws_request = AWSRequest("PUT", "http://localhost:4566/bucket/key", headers=headers)
    SigV4Auth(Credentials(KEY, SECRET), "s3", REGION).add_auth(aws_request)
    seed = aws_request.headers["Authorization"].rsplit("Signature=", 1)[1]
    amz_date = aws_request.headers["X-Amz-Date"]
    scope = f"{amz_date[:8]}/{REGION}/s3/aws4_request"
    key = _signing_key(amz_date[:8])

    previous, wire = seed, []
    pieces = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)] + [b""]
    for piece in pieces:
        to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, EMPTY,
                             hashlib.sha256(piece).hexdigest()])
        previous = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        wire.append(f"{len(piece):x};chunk-signature={previous}\r\n".encode() + piece)
        if piece or not trailer:
            wire.append(b"\r\n")
    if trailer:
        line = f"{trailer[0]}:{trailer[1]}"
        to_sign = "\n".join(["AWS4-HMAC-SHA256-TRAILER", amz_date, scope, previous,
                             hashlib.sha256((line + "\n").encode()).hexdigest()])
        trailer_signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        wire.append(f"{line}\r\nx-amz-trailer-signature:{trailer_signature}\r\n\r\n".encode())
    request = Request("PUT", "/bucket/key", "", Headers(list(aws_request.headers.items())), Body(stream=None))
    return request, b"".join(wire)


async def _cut(data: bytes, seed: int):
    rng = random.Random(seed)
    position = 0
    while position < len(data):
        size = rng.randint(1, 5000)
        yield data[position:position + size]
        position += size


def decode(request: Request, wire: bytes, seed: int = 0):
    auth = authenticate(request, REGISTRY, time.time())
    decoder = decode_aws_chunked(_cut(wire, seed), request.headers, auth)

    async def run() -> bytes:
        return b"".join([piece async for piece in decoder])

    return asyncio.run(run()), decoder


def _crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


@pytest.mark.parametrize("seed", range(4))
def test_signed_chunks_are_verified_and_decoded(seed):
    data = os.urandom(150_000)
    request, wire = signed_upload(data, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    decoded, decoder = decode(request, wire, seed)
    assert decoded == data and decoder.trailers == {}


def test_signed_chunks_with_a_signed_trailer():
    data = os.urandom(70_000)
    request, wire = signed_upload(data, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
                                  trailer=("x-amz-checksum-crc32", _crc32(data)))
    decoded, decoder = decode(request, wire)
    assert decoded == data
    assert decoder.trailers == {"x-amz-checksum-crc32": _crc32(data)}


def test_altered_chunk_data_fails_its_signature():
    data = b"a" * 100_000
    request, wire = signed_upload(data, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    position = wire.index(b"a" * 10) + 70_000
    tampered = wire[:position] + b"b" + wire[position + 1:]
    with pytest.raises(ChunkSignatureMismatch) as info:
        decode(request, tampered)
    assert (info.value.code, info.value.status) == ("SignatureDoesNotMatch", 403)


def test_chunks_replayed_out_of_order_fail():
    data = os.urandom(65536 * 2)
    request, wire = signed_upload(data, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    first_end = wire.index(b"\r\n", wire.index(b"\r\n") + 2 + 65536 - 1) + 2
    second_end = wire.index(b"\r\n", wire.index(b"\r\n", first_end) + 2 + 65536 - 1) + 2
    swapped = wire[first_end:second_end] + wire[:first_end] + wire[second_end:]
    with pytest.raises(ChunkSignatureMismatch):
        decode(request, swapped)


def test_missing_chunk_signature_fails():
    request, wire = signed_upload(b"x" * 1000, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    header_end = wire.index(b"\r\n")
    stripped = b"3e8" + wire[header_end:]
    with pytest.raises(ChunkSignatureMismatch):
        decode(request, stripped)


def test_altered_trailer_fails_the_trailer_signature():
    data = os.urandom(1000)
    request, wire = signed_upload(data, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
                                  trailer=("x-amz-checksum-crc32", _crc32(data)))
    tampered = wire.replace(_crc32(data).encode(), _crc32(b"other").encode())
    with pytest.raises(ChunkSignatureMismatch):
        decode(request, tampered)


def test_signed_trailer_with_wrong_checksum_is_bad_digest():
    data = os.urandom(1000)
    request, wire = signed_upload(data, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
                                  trailer=("x-amz-checksum-crc32", _crc32(b"not the data")))
    with pytest.raises(BadDigest):
        decode(request, wire)


def test_chunk_signatures_are_not_checked_when_auth_is_off():
    request, wire = signed_upload(b"y" * 1000, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    tampered = wire.replace(b"y" * 10, b"z" * 10, 1)
    auth = authenticate(request, REGISTRY, time.time(), enforce=False)
    decoder = decode_aws_chunked(_cut(tampered, 3), request.headers, auth)

    async def run() -> bytes:
        return b"".join([piece async for piece in decoder])

    assert asyncio.run(run()).startswith(b"z" * 10)
