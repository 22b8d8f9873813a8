"""Flexible checksums: the check values of each CRC, agreement with botocore's own checksum
classes, and the pure-Python fallback against the native libraries."""

from __future__ import annotations

import base64
import os

import pytest
from botocore import httpchecksum

from cloudlet.aws import checksums

CHECK_INPUT = b"123456789"


@pytest.mark.parametrize(("algorithm", "check"), [
    ("CRC32", 0xCBF43926),
    ("CRC32C", 0xE3069283),
    ("CRC64NVME", 0xAE8B14860A799888),
])
def test_crc_check_values(algorithm, check):
    hasher = checksums.new_hasher(algorithm)
    hasher.update(CHECK_INPUT)
    size = 8 if algorithm == "CRC64NVME" else 4
    assert hasher.digest() == check.to_bytes(size, "big")
    assert checksums.checksum(algorithm, CHECK_INPUT) == base64.b64encode(check.to_bytes(size, "big")).decode()


def _botocore_classes():
    classes = {"CRC32": httpchecksum.Crc32Checksum, "SHA1": httpchecksum.Sha1Checksum,
               "SHA256": httpchecksum.Sha256Checksum}
    if httpchecksum.HAS_CRT:
        classes["CRC32C"] = httpchecksum.CrtCrc32cChecksum
        classes["CRC64NVME"] = httpchecksum.CrtCrc64NvmeChecksum
    return classes


@pytest.mark.parametrize(("algorithm", "reference"), sorted(_botocore_classes().items()))
def test_digests_match_what_botocore_sends(algorithm, reference):
    data = os.urandom(100_003)
    expected = reference()
    expected.update(data)
    assert checksums.checksum(algorithm, data) == expected.b64digest()


@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
def test_incremental_equals_one_shot(algorithm):
    data = os.urandom(10_007)
    hasher = checksums.new_hasher(algorithm.lower())
    for start in range(0, len(data), 333):
        hasher.update(memoryview(data)[start:start + 333])
    assert hasher.b64digest() == checksums.checksum(algorithm, data)
    assert hasher.algorithm == algorithm


@pytest.mark.parametrize(("poly", "width", "native"), [
    (checksums._CRC32C_POLY, 32, "crc32c"),
    (checksums._CRC64NVME_POLY, 64, "crc64nvme"),
])
def test_pure_python_fallback_agrees_with_awscrt(poly, width, native):
    crt = pytest.importorskip("awscrt.checksums")
    data = os.urandom(65_541)
    fallback = checksums._SlicedCrc(poly, width)
    crc = fallback.update(data[:1001], 0)
    crc = fallback.update(data[1001:], crc)
    assert crc == getattr(crt, native)(data)


def test_empty_input():
    assert checksums.checksum("CRC32", b"") == "AAAAAA=="
    assert checksums.checksum("SHA256", b"") == base64.b64encode(bytes.fromhex(
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")).decode()


def test_header_names():
    assert checksums.header_name("CRC64NVME") == "x-amz-checksum-crc64nvme"
    assert checksums.algorithm_from_header("X-Amz-Checksum-CRC32C") == "CRC32C"
    assert checksums.algorithm_from_header("x-amz-checksum-type") is None
    assert checksums.algorithm_from_header("content-md5") is None


def test_unknown_algorithm():
    assert not checksums.is_supported("ADLER32")
    with pytest.raises(checksums.UnsupportedChecksum):
        checksums.new_hasher("ADLER32")
