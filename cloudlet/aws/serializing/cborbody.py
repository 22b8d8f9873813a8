"""Output values to CBOR-ready Python values (smithy-rpc-v2-cbor bodies)."""

from __future__ import annotations

from typing import Any

import cbor2

from cloudlet.aws.model import Shape
from cloudlet.aws.serializing import values
from cloudlet.aws.serializing.jsonbody import Codec, JsonCodecs

# CBOR tag 1: epoch-based date/time, the only timestamp form rpc-v2-cbor clients read.
_EPOCH_TAG = 1


def dumps(value: Any) -> bytes:
    return cbor2.dumps(value)


def _timestamp(value: Any) -> cbor2.CBORTag:
    return cbor2.CBORTag(_EPOCH_TAG, values.epoch_seconds(value))


def _blob(value: Any) -> bytes:
    return value if type(value) is bytes else values.blob_bytes(value)


class CborCodecs(JsonCodecs):
    """Like JSON, except that blobs stay bytes, timestamps are tagged and keys are member names."""

    def key(self, name: str, member: Shape) -> str:
        # rpc-v2-cbor ignores jsonName/locationName: the wire key is the member name.
        return name

    def blob(self) -> Codec:
        return _blob

    def timestamp(self, fmt: str) -> Codec:
        # timestampFormat does not apply to rpc-v2-cbor: timestamps are always tag 1.
        return _timestamp
