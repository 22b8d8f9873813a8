"""What a message is allowed to hold, how big it is, and the MD5 digests clients check.

MD5OfMessageAttributes is SQS's own encoding, which SDKs recompute and compare: attributes
sorted by name, each as length-prefixed (4-byte big-endian) name and data type, a transport
byte (1 string/number, 2 binary, 3 string list, 4 binary list) and the length-prefixed value(s).
Message attributes are kept as their wire dicts with binary values in base64, so they store
as JSON.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from decimal import Decimal, InvalidOperation
from typing import Any

from cloudlet.services.sqs.errors import InvalidMessageContents, InvalidParameterValue, MissingParameter

MAX_ATTRIBUTES = 10
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
# Characters allowed in a body or string value (XML 1.0's Char production).
_INVALID_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TRANSPORT = {"String": 1, "Number": 1, "Binary": 2}
_SYSTEM_ATTRIBUTES = ("AWSTraceHeader",)


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def md5_of_attributes(attributes: dict[str, dict[str, Any]]) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    for name in sorted(attributes):
        value = attributes[name]
        data_type = value["DataType"]
        digest.update(_prefixed(name.encode()) + _prefixed(data_type.encode()))
        if "StringValue" in value:
            digest.update(b"\x01" + _prefixed(value["StringValue"].encode()))
        elif "BinaryValue" in value:
            digest.update(b"\x02" + _prefixed(base64.b64decode(value["BinaryValue"])))
        elif "StringListValues" in value:
            digest.update(b"\x03" + b"".join(_prefixed(item.encode()) for item in value["StringListValues"]))
        else:
            digest.update(b"\x04" + b"".join(_prefixed(base64.b64decode(item))
                                             for item in value.get("BinaryListValues", ())))
    return digest.hexdigest()


def _prefixed(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def check_body(body: str | None) -> str:
    if not body:
        raise MissingParameter("MessageBody")
    _check_characters(body, "the message body")
    return body


def _check_characters(text: str, where: str) -> None:
    bad = _INVALID_CHAR.search(text)
    if bad is not None:
        raise InvalidMessageContents(
            f"Invalid binary character '#x{ord(bad.group()):X}' was found in {where}, the set of allowed"
            " characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")


def stored_attributes(attributes: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """Checks message attributes as SQS does and returns them in their stored form."""
    if not attributes:
        return {}
    if len(attributes) > MAX_ATTRIBUTES:
        raise InvalidParameterValue(f"Number of message attributes [{len(attributes)}] exceeds the allowed"
                                    f" maximum [{MAX_ATTRIBUTES}].")
    return {name: _stored_value(name, value) for name, value in attributes.items()}


def _check_name(name: str) -> None:
    lowered = name.lower()
    if (not _NAME.match(name) or lowered.startswith(("aws.", "amazon.")) or name.startswith(".")
            or name.endswith(".") or ".." in name):
        raise InvalidParameterValue(f"Message (user) attribute name '{name}' is invalid. The attribute name can"
                                    " contain A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.)"
                                    " characters; must not start with AWS. or Amazon.; and must not contain"
                                    " successive periods or start or end with a period.")


def _stored_value(name: str, value: dict[str, Any]) -> dict[str, Any]:
    _check_name(name)
    data_type = value.get("DataType") or ""
    base = data_type.split(".", 1)[0]
    if not data_type:
        raise InvalidParameterValue(f"The message attribute '{name}' must contain non-empty message attribute"
                                    " type.")
    if base not in _TRANSPORT or len(data_type) > 256:
        raise InvalidParameterValue(f"The type of message (user) attribute '{name}' is invalid. You must use"
                                    " only the following supported type prefixes: Binary, Number, String.")
    if base == "Binary":
        binary = value.get("BinaryValue")
        if not binary:
            raise _empty_value(name, data_type)
        return {"DataType": data_type, "BinaryValue": base64.b64encode(binary).decode()}
    text = value.get("StringValue")
    if not text:
        raise _empty_value(name, data_type)
    _check_characters(text, f"the message attribute '{name}'")
    if base == "Number":
        _check_number(name, text)
    return {"DataType": data_type, "StringValue": text}


def _empty_value(name: str, data_type: str) -> InvalidParameterValue:
    return InvalidParameterValue(f"The message attribute '{name}' must contain non-empty message attribute value"
                                 f" for message attribute type '{data_type.split('.', 1)[0]}'.")


def _check_number(name: str, text: str) -> None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) >= Decimal("1e126") or (
            number and abs(number) < Decimal("1e-128")):
        raise InvalidParameterValue(f"Could not cast message attribute '{name}' value to number.")


def stored_system_attributes(attributes: dict[str, dict[str, Any]] | None) -> dict[str, str]:
    """MessageSystemAttributes of a send: only AWSTraceHeader, a String."""
    result = {}
    for name, value in (attributes or {}).items():
        if name not in _SYSTEM_ATTRIBUTES:
            raise InvalidParameterValue(f"Message system attribute name '{name}' is invalid.")
        if value.get("DataType") != "String" or not value.get("StringValue"):
            raise InvalidParameterValue(f"Message system attribute '{name}' must be a non-empty String.")
        result[name] = value["StringValue"]
    return result


def system_md5(system: dict[str, str]) -> str | None:
    if "AWSTraceHeader" not in system:
        return None
    return md5_of_attributes({"AWSTraceHeader": {"DataType": "String", "StringValue": system["AWSTraceHeader"]}})


def wire_attributes(stored: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Stored attributes -> the MessageAttributeValue dicts a receive answers."""
    result = {}
    for name, value in stored.items():
        if "BinaryValue" in value:
            result[name] = {"DataType": value["DataType"], "BinaryValue": base64.b64decode(value["BinaryValue"])}
        else:
            result[name] = dict(value)
    return result


def size_of(body: str, attributes: dict[str, dict[str, Any]]) -> int:
    """A message's size as SQS counts it: body plus each attribute's name, type and value."""
    size = len(body.encode())
    for name, value in attributes.items():
        size += len(name.encode()) + len(value["DataType"].encode())
        if "BinaryValue" in value:
            size += len(base64.b64decode(value["BinaryValue"]))
        else:
            size += len(value["StringValue"].encode())
    return size


def select_attributes(stored: dict[str, dict[str, Any]], names: list[str]) -> dict[str, dict[str, Any]]:
    """The attributes a receive asked for: names, `All`, `.*`, or prefixes like `order.*`."""
    if not names or not stored:
        return {}
    if "All" in names or ".*" in names:
        return stored
    prefixes = tuple(name[:-1] for name in names if name.endswith(".*"))
    wanted = set(names)
    return {name: value for name, value in stored.items()
            if name in wanted or (prefixes and name.startswith(prefixes))}
