"""The checksums AWS accepts beside a payload (S3 flexible checksums), by AWS algorithm name.

AWS sends and stores each digest base64-encoded, big-endian for the CRCs: a CRC32 travels as
the base64 of its 4 bytes, a CRC64NVME as the base64 of its 8.

CRC32 comes from zlib. CRC32C uses the `crc32c` package when installed, else `awscrt` (what
botocore itself uses for CRC32C and CRC64NVME), else a table-driven pure-Python fallback; CRC64NVME
uses `awscrt` or the fallback. The fallback runs at roughly 10-13 MB/s, enough for tests and small
objects; install `crc32c`/`awscrt` where large uploads with those algorithms matter. The native
libraries are imported on first use, never at start-up.
"""

from __future__ import annotations

import base64
import hashlib
import sys
import zlib
from array import array
from collections.abc import Callable
from functools import cache
from typing import Protocol

# The CRC parameters (reflected polynomials) of CRC-32C (Castagnoli) and CRC-64/NVME.
_CRC32C_POLY = 0x82F63B78
_CRC64NVME_POLY = 0x9A6C9329AC4BC9B5

_HEADER_PREFIX = "x-amz-checksum-"


class Hasher(Protocol):
    def update(self, data: bytes | bytearray | memoryview) -> None: ...

    def digest(self) -> bytes: ...


class ChecksumHasher:
    """One running checksum: update() with the payload as it streams, then b64digest()."""

    __slots__ = ("_hasher", "algorithm")

    def __init__(self, algorithm: str, hasher: Hasher) -> None:
        self.algorithm = algorithm
        self._hasher = hasher

    def update(self, data: bytes | bytearray | memoryview) -> None:
        self._hasher.update(data)

    def digest(self) -> bytes:
        return self._hasher.digest()

    def b64digest(self) -> str:
        return base64.b64encode(self._hasher.digest()).decode("ascii")


class _Crc:
    """A running CRC over a `step(data, crc) -> crc` function, digest big-endian."""

    __slots__ = ("_crc", "_size", "_step")

    def __init__(self, step: Callable[[bytes, int], int], size: int) -> None:
        self._step = step
        self._size = size
        self._crc = 0

    def update(self, data: bytes | bytearray | memoryview) -> None:
        if data:
            self._crc = self._step(data, self._crc)

    def digest(self) -> bytes:
        return self._crc.to_bytes(self._size, "big")


def _zlib_crc32(data: bytes, crc: int) -> int:
    return zlib.crc32(data, crc)


@cache
def _crc32c_step() -> Callable[[bytes, int], int]:
    try:
        import crc32c  # type: ignore[import-not-found]

        return lambda data, crc: crc32c.crc32c(data, crc)
    except ImportError:
        pass
    try:
        from awscrt import checksums  # type: ignore[import-not-found]

        return lambda data, crc: checksums.crc32c(bytes(data), crc)
    except ImportError:
        return _SlicedCrc(_CRC32C_POLY, 32).update


@cache
def _crc64nvme_step() -> Callable[[bytes, int], int]:
    try:
        from awscrt import checksums  # type: ignore[import-not-found]

        return lambda data, crc: checksums.crc64nvme(bytes(data), crc)
    except ImportError:
        return _SlicedCrc(_CRC64NVME_POLY, 64).update


class _SlicedCrc:
    """A reflected CRC in pure Python, slicing by the word size (4 or 8 bytes per step).

    Each word needs one table lookup per byte but only one trip round the interpreter loop,
    which is where pure-Python CRCs spend their time.
    """

    def __init__(self, poly: int, width: int) -> None:
        self.mask = (1 << width) - 1
        self.word = width // 8
        self.typecode = "I" if width == 32 else "Q"
        if array(self.typecode).itemsize != self.word:  # pragma: no cover - exotic platforms
            self.typecode = "L" if array("L").itemsize == self.word else "Q"
        base = []
        for i in range(256):
            crc = i
            for _ in range(8):
                crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
            base.append(crc)
        self.tables = [base]
        for _ in range(1, self.word):
            prev = self.tables[-1]
            self.tables.append([(prev[i] >> 8) ^ base[prev[i] & 0xFF] for i in range(256)])

    def update(self, data: bytes | bytearray | memoryview, crc: int) -> int:
        crc ^= self.mask
        data = bytes(data)
        whole = len(data) - len(data) % self.word
        words = array(self.typecode)
        words.frombytes(data[:whole])
        if sys.byteorder == "big":  # pragma: no cover
            words.byteswap()
        crc = self._words(words, crc) if self.word == 4 else self._dwords(words, crc)
        base = self.tables[0]
        for byte in data[whole:]:
            crc = base[(crc ^ byte) & 0xFF] ^ (crc >> 8)
        return crc ^ self.mask

    def _words(self, words: array, crc: int) -> int:
        t0, t1, t2, t3 = self.tables
        for word in words:
            crc ^= word
            crc = t3[crc & 0xFF] ^ t2[(crc >> 8) & 0xFF] ^ t1[(crc >> 16) & 0xFF] ^ t0[crc >> 24]
        return crc

    def _dwords(self, words: array, crc: int) -> int:
        t0, t1, t2, t3, t4, t5, t6, t7 = self.tables
        for word in words:
            crc ^= word
            crc = (t7[crc & 0xFF] ^ t6[(crc >> 8) & 0xFF] ^ t5[(crc >> 16) & 0xFF]
                   ^ t4[(crc >> 24) & 0xFF] ^ t3[(crc >> 32) & 0xFF] ^ t2[(crc >> 40) & 0xFF]
                   ^ t1[(crc >> 48) & 0xFF] ^ t0[crc >> 56])
        return crc


_FACTORIES: dict[str, Callable[[], Hasher]] = {
    "CRC32": lambda: _Crc(_zlib_crc32, 4),
    "CRC32C": lambda: _Crc(_crc32c_step(), 4),
    "CRC64NVME": lambda: _Crc(_crc64nvme_step(), 8),
    "SHA1": hashlib.sha1,
    "SHA256": hashlib.sha256,
    "SHA512": hashlib.sha512,
    "MD5": hashlib.md5,
}

ALGORITHMS: tuple[str, ...] = tuple(_FACTORIES)


def is_supported(algorithm: str) -> bool:
    return algorithm.upper() in _FACTORIES


def new_hasher(algorithm: str) -> ChecksumHasher:
    """A running checksum for an AWS algorithm name ("CRC32", "crc64nvme", "SHA256"...)."""
    name = algorithm.upper()
    factory = _FACTORIES.get(name)
    if factory is None:
        raise UnsupportedChecksum(algorithm)
    return ChecksumHasher(name, factory())


def checksum(algorithm: str, data: bytes) -> str:
    """The base64 digest of `data`, as AWS writes it in x-amz-checksum-* headers."""
    hasher = new_hasher(algorithm)
    hasher.update(data)
    return hasher.b64digest()


def header_name(algorithm: str) -> str:
    """x-amz-checksum-crc32 for CRC32, and so on."""
    return _HEADER_PREFIX + algorithm.lower()


def algorithm_from_header(name: str) -> str | None:
    """CRC32 for x-amz-checksum-crc32 (any case); None for any other header."""
    lname = name.strip().lower()
    if not lname.startswith(_HEADER_PREFIX):
        return None
    algorithm = lname[len(_HEADER_PREFIX):].upper()
    return algorithm if algorithm in _FACTORIES else None


class UnsupportedChecksum(ValueError):
    def __init__(self, algorithm: str) -> None:
        super().__init__(f"unsupported checksum algorithm {algorithm!r}")
        self.algorithm = algorithm
