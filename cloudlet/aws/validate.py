"""Server-side input validation against the model, worded as AWS's services word it.

AWS checks every member of the parsed input against its shape's constraints and reports all
failures at once::

    2 validation errors detected: Value null at 'tableName' failed to satisfy constraint:
    Member must not be null; Value '0' at 'limit' failed to satisfy constraint: Member must
    have value greater than or equal to 1

The member path is AWS's: member names with the first letter lowered, list entries as
`keySchema.1.member.attributeName` (1-based), map values as `item.<key>.member`. Per member
the pattern is checked before the length, as AWS does. The error code is the protocol family's
(ValidationException for JSON services, ValidationError for query services) unless a service
words it its own way (`_SERVICE_STYLES`). Each shape is compiled once into a checker.
"""

from __future__ import annotations

import datetime
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.model import OperationModel, Shape

_JSON_PROTOCOLS = frozenset({"json", "rest-json", "smithy-rpc-v2-cbor"})


@dataclass(frozen=True)
class _Style:
    """How a service reports invalid input."""

    code: str = ""  # "" = the protocol family's code
    constraints: bool = True  # lengths, ranges, patterns, enums
    missing: str | None = None  # a separate code for a missing required member, worded per service
    missing_message: str = ""


_SERVICE_STYLES: dict[str, _Style | None] = {
    "s3": None,  # S3 validates in the service, with its own codes
    "s3control": None,
    # The @connections API answers an oversized message with PayloadTooLargeException itself.
    "apigatewaymanagementapi": _Style(constraints=False),
    "sns": None,  # SNS answers InvalidParameter with its own wording
    "sqs": _Style(constraints=False, missing="MissingParameter",
                  missing_message="The request must contain the parameter {name}."),
    "cloudwatch": _Style(missing="MissingParameter", missing_message="The parameter {name} is required."),
    "logs": _Style(code="InvalidParameterException"),
    "apigatewayv2": _Style(code="BadRequestException"),  # its model has no ValidationException
    "apigateway": _Style(code="BadRequestException"),  # nor has this one
}


def validate(operation: OperationModel, params: dict[str, Any], protocol: str) -> None:
    """Raises the service's validation error when `params` break the model's constraints."""
    service = operation.service.name
    style = _SERVICE_STYLES.get(service, _Style())
    if style is None or operation.input_shape is None:
        return
    if protocol == "rest-xml" and service.startswith("s3"):
        return
    check = _checker(operation.input_shape, protocol in _JSON_PROTOCOLS, style.constraints)
    errors: list[str] = []
    missing: list[str] = []
    check(params, "", errors, missing)
    if missing and style.missing:
        message = style.missing_message.format(name=missing[0])
        raise ServiceError(message, code=style.missing, status=400)
    if errors:
        raise ServiceError(_message(errors), code=style.code or _family_code(protocol), status=400)


def _family_code(protocol: str) -> str:
    return "ValidationError" if protocol in ("query", "ec2") else "ValidationException"


def _message(errors: list[str]) -> str:
    count = len(errors)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(errors)


# A checker takes (value, path, errors, missing) and appends what is wrong.
Checker = Callable[[Any, str, list[str], list[str]], None]
_CHECKERS: dict[tuple[Shape, bool, bool], Checker] = {}


def _checker(shape: Shape, typed: bool, constraints: bool) -> Checker:
    key = (shape, typed, constraints)
    checker = _CHECKERS.get(key)
    if checker is None:
        # Recursive shapes (DynamoDB's AttributeValue) reach themselves: register a
        # trampoline before compiling the children.
        slot: list[Checker] = []
        _CHECKERS[key] = lambda v, p, e, m: slot[0](v, p, e, m)
        checker = _ShapeChecker(shape, typed, constraints).check
        slot.append(checker)
        _CHECKERS[key] = checker
    return checker


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


class _ShapeChecker:
    def __init__(self, shape: Shape, typed: bool, constraints: bool) -> None:
        raw = shape.raw
        self.kind = shape.type_name
        self.typed = typed
        self.sensitive = bool(raw.get("sensitive"))
        self.min = raw.get("min") if constraints else None
        self.max = raw.get("max") if constraints else None
        self.pattern_text = raw.get("pattern") if constraints and self.kind == "string" else None
        self.pattern = compile_pattern(self.pattern_text) if self.pattern_text else None
        self.enum = frozenset(shape.enum) if constraints and shape.enum else None
        self.enum_text = "[" + ", ".join(shape.enum) + "]" if self.enum else ""
        self.members: list[tuple[str, str, bool, Checker]] = []
        self.item: Checker | None = None
        self.value: Checker | None = None
        if self.kind == "structure" and not shape.is_document:
            required = set(shape.required_members)
            for name, member in shape.members.items():
                self.members.append((name, _lower_first(name), name in required,
                                     _checker(member, typed, constraints)))
        elif self.kind == "list":
            self.item = _checker(shape.member, typed, constraints)
        elif self.kind == "map":
            self.value = _checker(shape.value, typed, constraints)

    def check(self, value: Any, path: str, errors: list[str], missing: list[str]) -> None:
        if self.typed and not _TYPE_CHECKS[self.kind](value):
            raise _serialization_error(self.kind, value)
        if self.pattern is not None and not self.pattern.fullmatch(value):
            errors.append(self._fail(value, path, f"Member must satisfy regular expression pattern: "
                                                  f"{self.pattern_text}"))
        if self.min is not None or self.max is not None:
            self._check_bounds(value, path, errors)
        if self.enum is not None and value not in self.enum:
            errors.append(self._fail(value, path, f"Member must satisfy enum value set: {self.enum_text}"))
        if self.members:
            self._check_members(value, path, errors, missing)
        elif self.item is not None:
            item = self.item
            for index, entry in enumerate(value, 1):
                item(entry, f"{path}.{index}.member", errors, missing)
        elif self.value is not None:
            check_value = self.value
            for key, entry in value.items():
                check_value(entry, f"{path}.{key}.member", errors, missing)

    def _check_members(self, value: dict[str, Any], path: str, errors: list[str], missing: list[str]) -> None:
        prefix = path + "." if path else ""
        for name, wire_path, required, check in self.members:
            member = value.get(name)
            if member is None:
                if required:
                    errors.append(f"Value null at '{prefix}{wire_path}' failed to satisfy constraint: "
                                  f"Member must not be null")
                    missing.append(name)
                continue
            check(member, prefix + wire_path, errors, missing)

    def _check_bounds(self, value: Any, path: str, errors: list[str]) -> None:
        if self.kind in ("string", "blob", "list", "map"):
            size = _length(value)
            what = "length"
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            size, what = value, "value"
        else:
            return
        if self.min is not None and size < self.min:
            errors.append(self._fail(value, path, f"Member must have {what} greater than or equal to "
                                                  f"{_number(self.min)}"))
        if self.max is not None and size > self.max:
            errors.append(self._fail(value, path, f"Member must have {what} less than or equal to "
                                                  f"{_number(self.max)}"))

    def _fail(self, value: Any, path: str, constraint: str) -> str:
        shown = "Value" if self.sensitive else f"Value {_show(value)}"
        return f"{shown} at '{path}' failed to satisfy constraint: {constraint}"


def _length(value: Any) -> int:
    if isinstance(value, str) and not value.isascii():
        # Java counts UTF-16 code units: characters outside the BMP count twice.
        return len(value.encode("utf-16-le")) // 2
    return len(value)


def _number(bound: Any) -> str:
    return str(int(bound)) if isinstance(bound, float) and bound.is_integer() else str(bound)


def _show(value: Any) -> str:
    """A value as AWS (Java's toString) prints it in a validation message."""
    return f"'{_text(value)}'"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray, memoryview)):
        size = len(value)
        return f"java.nio.HeapByteBuffer[pos=0 lim={size} cap={size}]"
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_text(v)}" for k, v in value.items()) + "}"
    if value is None:
        return "null"
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "structure": lambda v: isinstance(v, dict),
    "map": lambda v: isinstance(v, dict),
    "list": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "blob": lambda v: isinstance(v, (bytes, bytearray, memoryview, str)),
    "boolean": lambda v: isinstance(v, bool),
    "integer": _is_integer,
    "long": _is_integer,
    "short": _is_integer,
    "byte": _is_integer,
    "float": _is_number,
    "double": _is_number,
    "bigdecimal": _is_number,
    "biginteger": _is_integer,
    "timestamp": lambda v: isinstance(v, (datetime.datetime, int, float, str)) and not isinstance(v, bool),
    "document": lambda v: True,
}

_JAVA_TYPES = {
    "string": "a String", "integer": "an Integer", "long": "a Long", "short": "a Short", "byte": "a Byte",
    "float": "a Float", "double": "a Double", "boolean": "a Boolean", "timestamp": "a Date",
    "blob": "a ByteBuffer", "bigdecimal": "a BigDecimal", "biginteger": "a BigInteger",
}


def _serialization_error(kind: str, value: Any) -> ServiceError:
    """What the Coral JSON services say when a value has the wrong JSON type."""
    if isinstance(value, list):
        message = "Start of list found where not expected"
    elif isinstance(value, dict):
        message = "Start of structure or map found where not expected."
    elif kind in ("structure", "map"):
        message = "Unexpected value type in payload"
    elif kind == "list":
        message = "Unexpected field type"
    else:
        token = ("TRUE_VALUE" if value else "FALSE_VALUE") if isinstance(value, bool) else \
            "STRING_VALUE" if isinstance(value, str) else "NUMBER_VALUE" if _is_number(value) else "VALUE"
        message = f"{token} can not be converted to {_JAVA_TYPES.get(kind, 'the expected type')}"
    return ServiceError(message, code="SerializationException", status=400)


# --- the models' `pattern` constraints (Java regular expressions) as Python ones -------------
# Java and Python agree on most syntax; the differences the models use are Unicode categories
# (\p{L}, \p{ASCII}...), which Python's `re` lacks, a literal `-` right after a class escape
# ([\w-_]), and supplementary characters written as a surrogate-pair range. Categories are
# expanded into explicit ranges, computed once on first use (one pass over every code point,
# about 0.3 s). A pattern that still does not compile is not enforced.

_CATEGORY = re.compile(r"\\[pP]\{(\w+)\}")
_CLASS_ESCAPE_DASH = re.compile(r"(\\[wdsWDS])-(?!\])")
# Java writes "any supplementary character" as a UTF-16 surrogate-pair range.
_SURROGATE_RANGE = "\\uD800\\uDC00-\\uDBFF\\uDFFF"
_FIXED = {
    "ASCII": "\\x00-\\x7f",
    "Cntrl": "\\x00-\\x1f\\x7f",
    "Print": "\\x20-\\x7e",
    "Graph": "\\x21-\\x7e",
    "Alpha": "A-Za-z",
    "Digit": "0-9",
    "Alnum": "A-Za-z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Space": " \\t\\n\\x0b\\f\\r",
    "Upper": "A-Z",
    "Lower": "a-z",
}


@cache
def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        pass
    try:
        return re.compile(_translate(pattern))
    except (re.error, KeyError):
        return None


def _translate(pattern: str) -> str:
    pattern = _CLASS_ESCAPE_DASH.sub(r"\1\\-", pattern).replace(_SURROGATE_RANGE, "\\U00010000-\\U0010ffff")
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            match = _CATEGORY.match(pattern, i)
            if match:
                ranges = _ranges(match.group(1))
                negate = pattern[i + 1] == "P"
                if depth and not negate:
                    out.append(ranges)
                else:
                    out.append(("[^" if negate else "[") + ranges + "]")
                i = match.end()
                continue
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]" and depth:
            depth -= 1
        out.append(char)
        i += 1
    return "".join(out)


@cache
def _ranges(name: str) -> str:
    if name in _FIXED:
        return _FIXED[name]
    if name.startswith("Is"):
        name = name[2:]
    if not name or not name[0].isupper() or len(name) > 2:
        raise KeyError(name)
    return "".join(_fmt(lo, hi) for lo, hi in _category_ranges(name))


def _fmt(lo: int, hi: int) -> str:
    return f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}"


def _category_ranges(prefix: str) -> tuple[tuple[int, int], ...]:
    """Code point ranges whose Unicode general category starts with `prefix` ("L", "Lu")."""
    ranges = _all_category_ranges().get(prefix)
    if not ranges:
        raise KeyError(prefix)
    return ranges


@cache
def _all_category_ranges() -> dict[str, tuple[tuple[int, int], ...]]:
    """One pass over every code point, grouped by major ("L") and full ("Lu") category."""
    found: dict[str, list[tuple[int, int]]] = {}
    category = unicodedata.category
    previous = ""
    start = 0
    for code in range(sys.maxunicode + 2):
        current = category(chr(code)) if code <= sys.maxunicode else ""
        if current != previous:
            if previous:
                for key in (previous, previous[0]):
                    runs = found.setdefault(key, [])
                    if runs and runs[-1][1] == start - 1:
                        runs[-1] = (runs[-1][0], code - 1)
                    else:
                        runs.append((start, code - 1))
            previous, start = current, code
    return {key: tuple(runs) for key, runs in found.items()}
