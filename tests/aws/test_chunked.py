"""aws-chunked bodies exactly as botocore sends them (flexible checksums in a trailer), fed to the
decoder in randomly cut pieces."""

from __future__ import annotations

import asyncio
import base64
import os
import random
import time
import zlib
from urllib.parse import urlsplit

import botocore.compat
import botocore.session
import pytest
from botocore.config import Config

from cloudlet.aws.chunked import (
    BadDigest,
    IncompleteBody,
    content_encoding_without_aws_chunked,
    decode_aws_chunked,
    is_aws_chunked,
)
from cloudlet.aws.sigv4 import authenticate
from cloudlet.core.credentials import CredentialRegistry, root_credential
from cloudlet.edge.types import Body, Headers, Request

KEY, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGISTRY = CredentialRegistry([root_credential(KEY, SECRET, "111122223333")])


class _Captured(Exception):
    def __init__(self, request) -> None:
        super().__init__("captured")
        self.request = request


def _stop(request, **_) -> None:
    raise _Captured(request)


def botocore_upload(body: bytes, algorithm: str | None = None, **params) -> tuple[Request, bytes]:
    """PutObject as boto3 sends it to an https endpoint: aws-chunked, checksum in a trailer."""
    client = botocore.session.get_session().create_client(
        "s3", region_name="us-east-1", endpoint_url="https://localhost:4566", aws_access_key_id=KEY,
        aws_secret_access_key=SECRET, config=Config(retries={"max_attempts": 1}),
    )
    client.meta.events.register("before-send", _stop)
    call = {"Bucket": "bucket", "Key": "key", "Body": body, **params}
    if algorithm:
        call["ChecksumAlgorithm"] = algorithm
    with pytest.raises(_Captured) as info:
        client.put_object(**call)
    prepared = info.value.request
    url = urlsplit(prepared.url)
    headers = Headers([(k, v.decode() if isinstance(v, bytes) else v) for k, v in prepared.headers.items()])
    if "host" not in headers:
        headers.add("Host", url.netloc)
    wire = prepared.body.read() if hasattr(prepared.body, "read") else bytes(prepared.body)
    return Request(prepared.method, url.path, url.query, headers, Body(stream=None)), wire


async def _pieces(data: bytes, rng: random.Random, largest: int = 9000):
    position = 0
    while position < len(data):
        size = rng.randint(1, largest)
        yield data[position:position + size]
        position += size
        await asyncio.sleep(0)


def decode(wire: bytes, request: Request, seed: int = 0, largest: int = 9000):
    auth = authenticate(request, REGISTRY, time.time())
    decoder = decode_aws_chunked(_pieces(wire, random.Random(seed), largest), request.headers, auth)

    async def run() -> bytes:
        return b"".join([piece async for piece in decoder])

    return asyncio.run(run()), decoder


ALGORITHMS = ["CRC32", "SHA1", "SHA256"] + (["CRC32C", "CRC64NVME"] if botocore.compat.HAS_CRT else [])


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_boto_flexible_checksum_upload_decodes_and_verifies(algorithm):
    body = os.urandom(2 * 1024 * 1024 + 12345)  # more than one 1 MiB aws-chunked chunk
    request, wire = botocore_upload(body, algorithm)
    assert is_aws_chunked(request.headers)
    assert request.headers["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    decoded, decoder = decode(wire, request, seed=hash(algorithm) & 0xFFFF)
    assert decoded == body
    header = f"x-amz-checksum-{algorithm.lower()}"
    assert header in decoder.trailers
    assert decoder.decoded_length == len(body)


@pytest.mark.parametrize("seed", range(8))
def test_default_crc32_upload_with_pieces_cut_anywhere(seed):
    body = bytes(range(256)) * 37
    request, wire = botocore_upload(body)
    decoded, decoder = decode(wire, request, seed=seed, largest=17)
    assert decoded == body
    expected = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    assert decoder.trailers == {"x-amz-checksum-crc32": expected}


def test_empty_upload():
    request, wire = botocore_upload(b"")
    decoded, decoder = decode(wire, request)
    assert decoded == b"" and "x-amz-checksum-crc32" in decoder.trailers


def test_wrong_trailer_checksum_is_bad_digest():
    request, wire = botocore_upload(b"hello world")
    good = base64.b64encode(zlib.crc32(b"hello world").to_bytes(4, "big"))
    wire = wire.replace(good, base64.b64encode(zlib.crc32(b"other").to_bytes(4, "big")))
    with pytest.raises(BadDigest) as info:
        decode(wire, request)
    assert info.value.message == "The CRC32 you specified did not match the calculated checksum."
    assert (info.value.code, info.value.status) == ("BadDigest", 400)


def test_altered_data_is_bad_digest():
    request, wire = botocore_upload(b"hello world")
    with pytest.raises(BadDigest):
        decode(wire.replace(b"hello world", b"hello WORLD"), request)


def test_decoded_length_must_match_the_header():
    request, wire = botocore_upload(b"hello world")
    auth = authenticate(request, REGISTRY, time.time())
    request.headers["x-amz-decoded-content-length"] = "12"  # past the signature check: a lying client
    decoder = decode_aws_chunked(_pieces(wire, random.Random(1)), request.headers, auth)

    async def run() -> None:
        async for _ in decoder:
            pass

    with pytest.raises(IncompleteBody):
        asyncio.run(run())


def test_truncated_body_is_incomplete():
    request, wire = botocore_upload(b"hello world" * 100)
    with pytest.raises(IncompleteBody):
        decode(wire[:len(wire) // 2], request)


def test_declared_trailer_that_never_comes():
    request, wire = botocore_upload(b"hello")
    cut = wire.index(b"x-amz-checksum-crc32:")
    with pytest.raises(Exception) as info:
        decode(wire[:cut] + b"\r\n", request)
    assert getattr(info.value, "status", None) == 400


def test_malformed_chunk_header():
    request, wire = botocore_upload(b"hello")
    with pytest.raises(Exception) as info:
        decode(b"zz\r\n" + wire, request)
    assert getattr(info.value, "status", None) == 400


def test_content_encoding_helpers():
    assert content_encoding_without_aws_chunked(Headers([("Content-Encoding", "gzip,aws-chunked")])) == "gzip"
    assert content_encoding_without_aws_chunked(Headers([("Content-Encoding", "aws-chunked")])) is None
    assert not is_aws_chunked(Headers([("Content-Encoding", "gzip")]))
    assert is_aws_chunked(Headers([("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")]))


@pytest.mark.parametrize("algorithm", ["CRC32C", "CRC64NVME"])
def test_crc_trailers_botocore_needs_crt_for(algorithm):
    # Built by hand so the check runs without awscrt on the client side too.
    from cloudlet.aws.checksums import checksum

    body = os.urandom(5000)
    name = f"x-amz-checksum-{algorithm.lower()}"
    wire = b"%x\r\n%s\r\n0\r\n%s:%s\r\n\r\n" % (len(body), body, name.encode(), checksum(algorithm, body).encode())
    headers = Headers([("Content-Encoding", "aws-chunked"), ("x-amz-trailer", name),
                       ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                       ("x-amz-decoded-content-length", str(len(body)))])
    decoder = decode_aws_chunked(_pieces(wire, random.Random(5), 700), headers, None)

    async def run() -> bytes:
        return b"".join([piece async for piece in decoder])

    assert asyncio.run(run()) == body
    assert decoder.trailers == {name: checksum(algorithm, body)}
