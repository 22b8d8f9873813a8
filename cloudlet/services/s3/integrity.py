"""Which digests an upload is checked against, and the checksums S3 stores and returns.

S3 computes a flexible checksum for every object (CRC64NVME when the client names none); a
multipart object's checksum is COMPOSITE (the checksum of its parts' checksums, "-N") or
FULL_OBJECT (of all its bytes; the only kind CRC64NVME has).
"""

from __future__ import annotations

import base64
from typing import Any

from cloudlet.aws import checksums
from cloudlet.aws.chunked import is_aws_chunked
from cloudlet.edge.types import Headers
from cloudlet.services.s3.blobs import Expected, check_checksum_value
from cloudlet.services.s3.errors import InvalidRequest

ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
DEFAULT_ALGORITHM = "CRC64NVME"
FULL_OBJECT_ONLY = ("CRC64NVME",)
COMPOSITE_ONLY = ("SHA1", "SHA256")


def sent_checksum(params: dict[str, Any]) -> tuple[str, str] | None:
    """(algorithm, value) of an `x-amz-checksum-*` header sent up front."""
    found = [(alg, params[f"Checksum{alg}"]) for alg in ALGORITHMS if params.get(f"Checksum{alg}")]
    if len(found) > 1:
        raise InvalidRequest(
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
        )
    if found:
        check_checksum_value(*found[0])
        return found[0]
    return None


def requested_algorithm(params: dict[str, Any], headers: Headers) -> str | None:
    """The algorithm the client computes: from its checksum header, trailer or SDK header."""
    sent = sent_checksum(params)
    if sent is not None:
        return sent[0]
    for name in (headers.get("x-amz-trailer") or "").split(","):
        algorithm = checksums.algorithm_from_header(name)
        if algorithm in ALGORITHMS:
            return algorithm
    algorithm = params.get("ChecksumAlgorithm")
    if algorithm:
        algorithm = algorithm.upper()
        if algorithm not in ALGORITHMS:
            raise InvalidRequest(
                "Checksum algorithm provided is unsupported. Please try again with any of the "
                "valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"
            )
        return algorithm
    return None


def expected_body(
    params: dict[str, Any], headers: Headers, default: str | None = DEFAULT_ALGORITHM
) -> Expected:
    """What to verify a PutObject/UploadPart body against as it streams."""
    sent = sent_checksum(params)
    algorithm = requested_algorithm(params, headers) or default
    length = None if is_aws_chunked(headers) else params.get("ContentLength")
    return Expected(
        md5_b64=params.get("ContentMD5"),
        algorithm=algorithm,
        checksum=sent[1] if sent else None,
        length=length,
    )


def checksum_output(checksum: dict[str, str] | None) -> dict[str, Any]:
    """ChecksumXXX and ChecksumType output members of a stored checksum."""
    if not checksum:
        return {}
    return {f"Checksum{checksum['algorithm']}": checksum["value"], "ChecksumType": checksum["type"]}


def composite(algorithm: str, part_checksums: list[str]) -> str:
    """The checksum of the parts' raw checksums, suffixed with the part count."""
    hasher = checksums.new_hasher(algorithm)
    for value in part_checksums:
        hasher.update(base64.b64decode(value))
    return f"{hasher.b64digest()}-{len(part_checksums)}"
