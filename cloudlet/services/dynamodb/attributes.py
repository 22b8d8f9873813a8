"""AttributeValues: validation, DynamoDB's number semantics, sizes, equality and compact JSON.

An item is `{name: AttributeValue}` where an AttributeValue is a one-key dict as on the wire
(`{"S": "x"}`, `{"N": "12.5"}`, `{"B": b"..."}`, `{"L": [...]}`...). Numbers are kept as their
canonical string (38 significant digits at most, no exponent, no trailing zeros), so equal
numbers are equal strings and an item's JSON is stable.
"""

from __future__ import annotations

import base64
import json
from decimal import Context, Decimal, InvalidOperation
from typing import Any

from cloudlet.services.dynamodb.errors import ValidationException, invalid

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]

MAX_ITEM_SIZE = 400 * 1024
MAX_DEPTH = 32
_DIGITS = 38
_MAX_EXPONENT = 125  # largest magnitude 9.99...E+125
_MIN_EXPONENT = -130  # smallest magnitude 1E-130
ARITHMETIC = Context(prec=_DIGITS + 2)
# Wide enough to add or subtract any two storable numbers exactly (exponents -130..125).
_EXACT = Context(prec=2 * (_MAX_EXPONENT - _MIN_EXPONENT + _DIGITS))

SCALAR_TYPES = frozenset({"S", "N", "B"})
SET_TYPES = {"SS": "S", "NS": "N", "BS": "B"}
ALL_TYPES = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})
_SET_NAMES = {"SS": "string set", "NS": "number set", "BS": "binary set"}


# -- numbers -------------------------------------------------------------------------------------


def to_decimal(text: str) -> Decimal:
    # Python's Decimal forgives spaces and underscores; DynamoDB does not.
    plain = isinstance(text, str) and text == text.strip() and "_" not in text
    try:
        number = Decimal(text) if plain and text else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValidationException(f"The parameter cannot be converted to a numeric value: {text}")
    return number


def canonical_number(value: Decimal | str) -> str:
    """The one spelling DynamoDB answers with; raises for numbers it cannot store."""
    number = to_decimal(value) if isinstance(value, str) else value
    if number.is_zero():
        return "0"
    # Range first: normalizing a number far out of range overflows the arithmetic context.
    _check_magnitude(number.adjusted())
    if _significant_digits(number) > _DIGITS:
        raise ValidationException("Attempting to store more than 38 significant digits in a Number")
    # At most 38 significant digits: rounding to 40 only drops trailing zeros.
    return format(number.normalize(ARITHMETIC), "f")


def number_arithmetic(a: Decimal, b: Decimal, op: str) -> str:
    """`a + b` or `a - b` as stored; DynamoDB calls a result it cannot hold exactly an overflow."""
    result = _EXACT.add(a, b) if op == "+" else _EXACT.subtract(a, b)
    if not result.is_zero() and _significant_digits(result) > _DIGITS:
        raise ValidationException(
            "Number overflow. Attempting to store a number with magnitude larger than supported range"
        )
    return canonical_number(result)


def _significant_digits(number: Decimal) -> int:
    return len("".join(map(str, number.as_tuple().digits)).strip("0"))


def _check_magnitude(magnitude: int) -> None:
    if magnitude > _MAX_EXPONENT:
        raise ValidationException(
            "Number overflow. Attempting to store a number with magnitude larger than supported range"
        )
    if magnitude < _MIN_EXPONENT:
        raise ValidationException(
            "Number underflow. Attempting to store a number with magnitude smaller than supported range"
        )


# -- validation ------------------------------------------------------------------------------------


MAX_NAME_BYTES = 65535
NAME_TOO_LONG = "Attribute name is too large, must be less than 65536 bytes"


def check_item(item: Item, *, depth: int = 0) -> Item:
    """Validates an item from a request; returns it with every number canonical."""
    return {check_attribute_name(name): check_value(value, depth + 1) for name, value in item.items()}


def check_attribute_name(name: str) -> str:
    # UTF-8 takes at most 4 bytes a character: only long names need encoding.
    if len(name) > MAX_NAME_BYTES // 4 and len(name.encode()) > MAX_NAME_BYTES:
        raise invalid(NAME_TOO_LONG)
    return name


def check_value(value: Any, depth: int = 1) -> AttributeValue:
    if depth > MAX_DEPTH:
        raise ValidationException("Nesting Levels have exceeded supported limits")
    if not isinstance(value, dict) or not value:
        raise ValidationException(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
        )
    if len(value) > 1:
        raise ValidationException(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
        )
    ((kind, data),) = value.items()
    if kind == "N":
        return {"N": canonical_number(data)}
    if kind in SET_TYPES:
        return {kind: _check_set(kind, data)}
    if kind == "L":
        return {"L": [check_value(entry, depth + 1) for entry in data]}
    if kind == "M":
        return {"M": {check_attribute_name(name): check_value(entry, depth + 1) for name, entry in data.items()}}
    if kind == "NULL" and data is not True:
        raise invalid("Null attribute value types must have the value of true")
    if kind not in ALL_TYPES:
        raise ValidationException(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
        )
    return value


def _check_set(kind: str, members: list[Any]) -> list[Any]:
    if not members:
        raise invalid(f"An {_SET_NAMES[kind]}  may not be empty")
    if kind == "NS":
        members = [canonical_number(member) for member in members]
    if len(set(members)) != len(members):
        shown = ", ".join(str(member) for member in members)
        raise invalid(f"Input collection [{shown}] contains duplicates.")
    return members


# -- sizes ------------------------------------------------------------------------------------------


def item_size(item: Item) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def value_size(value: AttributeValue) -> int:
    ((kind, data),) = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        return _number_size(data)
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(member.encode()) for member in data)
    if kind == "NS":
        return sum(_number_size(member) for member in data)
    if kind == "BS":
        return sum(len(member) for member in data)
    if kind == "L":
        return 3 + sum(1 + value_size(entry) for entry in data)
    return 3 + sum(1 + len(name.encode()) + value_size(entry) for name, entry in data.items())


def _number_size(text: str) -> int:
    digits = len(text.replace("-", "").replace(".", "").strip("0")) or 1
    return (digits + 1) // 2 + 1


# -- comparison --------------------------------------------------------------------------------------


def equal(left: AttributeValue | None, right: AttributeValue | None) -> bool:
    """Equality as conditions see it: sets compare as sets, numbers by value."""
    if left is None or right is None:
        return False
    ((left_kind, left_data),) = left.items()
    ((right_kind, right_data),) = right.items()
    if left_kind != right_kind:
        return False
    if left_kind == "N":
        return Decimal(left_data) == Decimal(right_data)
    if left_kind == "NS":
        return {Decimal(n) for n in left_data} == {Decimal(n) for n in right_data}
    if left_kind in ("SS", "BS"):
        return set(left_data) == set(right_data)
    if left_kind == "L":
        return len(left_data) == len(right_data) and all(map(equal, left_data, right_data))
    if left_kind == "M":
        return left_data.keys() == right_data.keys() and all(
            equal(v, right_data[k]) for k, v in left_data.items()
        )
    return left_data == right_data


def sort_value(value: AttributeValue) -> tuple[str, Any] | None:
    """(type, comparable) for the ordered types N, S and B; None for the rest."""
    ((kind, data),) = value.items()
    if kind == "N":
        return kind, Decimal(data)
    if kind == "S":
        return kind, data.encode()
    if kind == "B":
        return kind, bytes(data)
    return None


# -- compact JSON (the stored form) -----------------------------------------------------------------


def _encode_bytes(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(value).decode()
    raise TypeError(f"cannot store {type(value).__name__}")


_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_encode_bytes)


def _decode_binary(obj: dict[str, Any]) -> dict[str, Any]:
    # Inside an item, a dict holding "B"/"BS" with a str/list is an AttributeValue (names map to
    # dicts, never to strings), so the hook can restore bytes without knowing the path.
    if len(obj) == 1:
        if isinstance(obj.get("B"), str):
            return {"B": base64.b64decode(obj["B"])}
        if isinstance(obj.get("BS"), list):
            return {"BS": [base64.b64decode(member) for member in obj["BS"]]}
    return obj


def dumps(item: Item) -> str:
    return _encoder.encode(item)


def loads(text: str) -> Item:
    if '"B' not in text:
        return json.loads(text)
    return json.loads(text, object_hook=_decode_binary)
