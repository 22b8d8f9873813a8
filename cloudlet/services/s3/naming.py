"""The rules a bucket name and an object key must follow."""

from __future__ import annotations

import re

from cloudlet.services.s3.errors import InvalidBucketName, KeyTooLongError

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP_ADDRESS = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
MAX_KEY_BYTES = 1024


def is_valid_bucket_name(name: str) -> bool:
    return bool(
        _BUCKET.match(name)
        and ".." not in name
        and ".-" not in name
        and "-." not in name
        and not _IP_ADDRESS.match(name)
        and not name.startswith(_RESERVED_PREFIXES)
        and not name.endswith(_RESERVED_SUFFIXES)
    )


def check_bucket_name(name: str) -> None:
    if not is_valid_bucket_name(name):
        raise InvalidBucketName(name)


def check_key(key: str) -> None:
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise KeyTooLongError(Size=str(len(key.encode("utf-8"))), MaxSizeAllowed=str(MAX_KEY_BYTES))
