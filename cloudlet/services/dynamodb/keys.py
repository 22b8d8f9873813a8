"""Order-preserving byte encodings of key values, so SQLite's memcmp order is DynamoDB's order.

S sorts by its UTF-8 bytes and B by its bytes: both are stored as they are. N sorts
numerically: a number is written as a class byte (negative < zero < positive), then its
decimal exponent and its digits, both inverted for negatives so that a larger magnitude sorts
lower, and a terminator for negatives so that -1.2 (a prefix of -1.25) sorts above it.

Rows also carry `hash_of(partition key)`: scans run in that order (as DynamoDB's do, by
partition hash), and parallel scan segments are ranges of it.
"""

from __future__ import annotations

import zlib
from decimal import Decimal

from cloudlet.services.dynamodb.attributes import AttributeValue

_NEGATIVE, _ZERO, _POSITIVE = b"\x01", b"\x80", b"\xc0"
_EXPONENT_BIAS = 0x4000
_NEGATIVE_END = b"\xff"
HASH_SPACE = 1 << 32


def encode(kind: str, value: AttributeValue) -> bytes:
    """The sortable bytes of a key attribute's value of type `kind` (S, N or B)."""
    data = value[kind]
    if kind == "S":
        return data.encode()
    if kind == "B":
        return bytes(data)
    return encode_number(Decimal(data))


def encode_number(number: Decimal) -> bytes:
    if number.is_zero():
        return _ZERO
    sign, digits, exponent = number.normalize().as_tuple()
    # value = 0.d1d2d3... x 10**magnitude, with d1 != 0
    magnitude = len(digits) + int(exponent)
    if not sign:
        return _POSITIVE + (magnitude + _EXPONENT_BIAS).to_bytes(2, "big") + bytes(d + 1 for d in digits)
    return (
        _NEGATIVE
        + (0xFFFF - magnitude - _EXPONENT_BIAS).to_bytes(2, "big")
        + bytes(10 - d for d in digits)
        + _NEGATIVE_END
    )


def hash_of(partition: bytes) -> int:
    return zlib.crc32(partition)


def segment_range(segment: int, total: int) -> tuple[int, int]:
    """The [low, high) partition-hash range of parallel scan segment `segment` of `total`."""
    return segment * HASH_SPACE // total, (segment + 1) * HASH_SPACE // total
