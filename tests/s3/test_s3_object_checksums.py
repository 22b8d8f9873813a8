"""Flexible checksums: computed, verified, stored and returned with ChecksumMode=ENABLED."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from cloudlet.aws import checksums

ALGORITHMS = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"]
MiB = 1024 * 1024


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_put_with_checksum_is_stored_and_returned(s3, bucket, algorithm):
    body = b"checksum me" * 100
    put = s3.put_object(Bucket=bucket, Key=algorithm, Body=body, ChecksumAlgorithm=algorithm)
    expected = checksums.checksum(algorithm, body)
    assert put[f"Checksum{algorithm}"] == expected
    got = s3.get_object(Bucket=bucket, Key=algorithm, ChecksumMode="ENABLED")
    assert got[f"Checksum{algorithm}"] == expected and got["ChecksumType"] == "FULL_OBJECT"
    assert got["Body"].read() == body
    head = s3.head_object(Bucket=bucket, Key=algorithm)
    assert f"Checksum{algorithm}" not in head


def test_default_checksum_is_crc64nvme(client, bucket):
    plain = client(
        "s3", config=Config(request_checksum_calculation="when_required", retries={"max_attempts": 1})
    )
    plain.put_object(Bucket=bucket, Key="plain", Body=b"abc")
    got = plain.get_object(Bucket=bucket, Key="plain", ChecksumMode="ENABLED")
    assert got["ChecksumCRC64NVME"] == checksums.checksum("CRC64NVME", b"abc")


def test_wrong_checksum_is_bad_digest_and_leaves_nothing(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.put_object(
            Bucket=bucket, Key="bad", Body=b"data", ChecksumCRC32=checksums.checksum("CRC32", b"other")
        )
    assert exc.value.response["Error"]["Code"] == "BadDigest"
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="bad", Body=b"data", ChecksumSHA256="dGVzdA==")
    assert exc.value.response["Error"]["Code"] == "InvalidRequest"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_content_md5_verified(s3, bucket):
    body = b"md5 body"
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    s3.put_object(Bucket=bucket, Key="ok", Body=body, ContentMD5=md5)
    assert s3.get_object(Bucket=bucket, Key="ok")["Body"].read() == body


@pytest.mark.parametrize(
    ("algorithm", "kind"),
    [
        ("SHA256", "COMPOSITE"),
        ("CRC32", "COMPOSITE"),
        ("CRC64NVME", "FULL_OBJECT"),
        ("CRC32C", "FULL_OBJECT"),
    ],
)
def test_multipart_checksums(s3, bucket, algorithm, kind):
    one, two = os.urandom(5 * MiB), b"second part"
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm=algorithm, ChecksumType=kind)[
        "UploadId"
    ]
    parts = []
    for number, data in enumerate((one, two), 1):
        reply = s3.upload_part(
            Bucket=bucket, Key="mp", UploadId=uid, PartNumber=number, Body=data, ChecksumAlgorithm=algorithm
        )
        assert reply[f"Checksum{algorithm}"] == checksums.checksum(algorithm, data)
        parts.append(
            {
                "PartNumber": number,
                "ETag": reply["ETag"],
                f"Checksum{algorithm}": reply[f"Checksum{algorithm}"],
            }
        )
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": parts}
    )
    if kind == "FULL_OBJECT":
        expected = checksums.checksum(algorithm, one + two)
    else:
        raw = b"".join(base64.b64decode(checksums.checksum(algorithm, d)) for d in (one, two))
        expected = base64.b64encode(_digest(algorithm, raw)).decode() + "-2"
    assert done[f"Checksum{algorithm}"] == expected
    got = s3.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert got[f"Checksum{algorithm}"] == expected and got["ChecksumType"] == kind
    attrs = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=["ObjectParts", "Checksum"])
    assert attrs["ObjectParts"]["TotalPartsCount"] == 2


def _digest(algorithm: str, data: bytes) -> bytes:
    hasher = checksums.new_hasher(algorithm)
    hasher.update(data)
    return hasher.digest()


def test_bad_checksum_combination(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.create_multipart_upload(
            Bucket=bucket, Key="x", ChecksumAlgorithm="CRC64NVME", ChecksumType="COMPOSITE"
        )
    assert exc.value.response["Error"]["Code"] == "InvalidRequest"
