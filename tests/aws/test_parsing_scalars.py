"""Text to values: timestamps in every AWS format, header lists, numbers, booleans, base64."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cloudlet.aws.parsing.base import InvalidValue
from cloudlet.aws.parsing.headers import split_header_list
from cloudlet.aws.parsing.scalars import from_base64, from_text, to_timestamp

NEW_YEAR = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(("wire", "expected"), [
    ("2020-01-01T00:00:00Z", NEW_YEAR),
    ("2020-01-01T00:00:00.000Z", NEW_YEAR),
    ("2020-01-01T00:00:00.5Z", NEW_YEAR.replace(microsecond=500_000)),
    ("2020-01-01T00:00:00.123456789Z", NEW_YEAR.replace(microsecond=123_456)),
    ("2020-01-01T02:00:00+02:00", NEW_YEAR),
    ("2020-01-01T00:00:00", NEW_YEAR),
    ("Wed, 01 Jan 2020 00:00:00 GMT", NEW_YEAR),
    ("1577836800", NEW_YEAR),
    ("1577836800.25", NEW_YEAR.replace(microsecond=250_000)),
    (1577836800, NEW_YEAR),
    (1577836800.5, NEW_YEAR.replace(microsecond=500_000)),
    (1577836800.123456, NEW_YEAR.replace(microsecond=123_456)),
])
def test_timestamps(wire, expected):
    parsed = to_timestamp(wire)
    assert parsed == expected and parsed.utcoffset() is not None


@pytest.mark.parametrize("wire", ["yesterday", "", "2020-13-01T00:00:00Z", True, None, [1], "1e400"])
def test_bad_timestamps(wire):
    with pytest.raises(InvalidValue):
        to_timestamp(wire)


@pytest.mark.parametrize(("text", "type_name", "value"), [
    ("42", "integer", 42), ("-7", "long", -7), ("+3", "integer", 3),
    ("1.5", "double", 1.5), ("-0.25", "float", -0.25), ("1e3", "double", 1000.0),
    ("Infinity", "double", float("inf")), ("-Infinity", "float", float("-inf")),
    ("true", "boolean", True), ("False", "boolean", False),
    ("aGk=", "blob", b"hi"), ("aGk", "blob", b"hi"),
    (" text ", "string", " text "),
])
def test_text_values(text, type_name, value):
    assert from_text(text, type_name) == value


@pytest.mark.parametrize(("text", "type_name"), [
    ("4.2", "integer"), ("", "integer"), ("0x10", "long"), ("one", "double"), ("yes", "boolean"),
    ("", "boolean"), ("not base64!", "blob"),
])
def test_bad_text_values(text, type_name):
    with pytest.raises(InvalidValue):
        from_text(text, type_name)


def test_nan_parses():
    value = from_text("NaN", "double")
    assert value != value


def test_base64_ignores_line_breaks():
    assert from_base64("aGVs\nbG8=") == b"hello"


@pytest.mark.parametrize(("header", "items"), [
    ("a,b,c", ["a", "b", "c"]),
    ("a, b ,c", ["a", "b", "c"]),
    ('a,"b,c","d\\"e"', ["a", "b,c", 'd"e']),
    ("single", ["single"]),
    ('""', [""]),
])
def test_header_lists(header, items):
    assert split_header_list(header) == items


def test_header_list_of_http_dates_keeps_their_commas():
    header = "Wed, 01 Jan 2020 00:00:00 GMT, Thu, 02 Jan 2020 00:00:00 GMT"
    assert split_header_list(header, merge_dates=True) == [
        "Wed, 01 Jan 2020 00:00:00 GMT", "Thu, 02 Jan 2020 00:00:00 GMT"]
