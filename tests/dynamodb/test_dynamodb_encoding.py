"""Pure logic: the key encoding sorts as DynamoDB does; numbers follow its 38-digit rules."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from cloudlet.services.dynamodb import keys
from cloudlet.services.dynamodb.attributes import canonical_number, dumps, loads, number_arithmetic
from cloudlet.services.dynamodb.errors import ValidationException

NUMBERS = [
    "-1E+125",
    "-99.5",
    "-10",
    "-1.25",
    "-1.2",
    "-1",
    "-0.001",
    "0",
    "1E-130",
    "0.001",
    "0.5",
    "1",
    "1.2",
    "1.25",
    "9.99",
    "10",
    "10.5",
    "100",
    "12345678901234567890123456789012345678",
    "9.9E+125",
]


def test_numbers_sort_numerically():
    shuffled = NUMBERS[:]
    random.Random(7).shuffle(shuffled)
    encoded = sorted(shuffled, key=lambda n: keys.encode_number(Decimal(n)))
    assert encoded == NUMBERS


def test_strings_sort_by_utf8_bytes():
    words = ["a", "B", "ab", "é", "z", "\U0001f600", "\uffff"]
    assert sorted(words, key=lambda w: keys.encode("S", {"S": w})) == sorted(words, key=str.encode)


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("1.50", "1.5"),
        ("-0", "0"),
        ("1e2", "100"),
        ("0.000100", "0.0001"),
        ("-3.0E-3", "-0.003"),
    ],
)
def test_canonical_numbers(given, canonical):
    assert canonical_number(given) == canonical


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("1" * 39, "more than 38 significant digits"),
        ("1E+126", "Number overflow"),
        ("1E-131", "Number underflow"),
        ("abc", "The parameter cannot be converted to a numeric value: abc"),
        ("NaN", "The parameter cannot be converted to a numeric value: NaN"),
        (" 1", "cannot be converted to a numeric value"),
        ("1" * 39 + "E+30", "more than 38 significant digits"),
    ],
)
def test_invalid_numbers(given, message):
    with pytest.raises(ValidationException) as exc:
        canonical_number(given)
    assert message in exc.value.message


def test_canonical_number_keeps_all_digits_of_a_canonical_spelling():
    # A canonical spelling can be longer than 40 characters (trailing zeros): canonicalizing it
    # again must not round it in a narrower context.
    once = canonical_number("31415926535897932384626433832795028841E+30")
    assert once == "31415926535897932384626433832795028841" + "0" * 30
    assert canonical_number(once) == once


@pytest.mark.parametrize(("a", "b", "op"), [("1E+50", "1", "-"), ("1E+50", "1", "+"), ("9E+125", "9E+125", "+")])
def test_arithmetic_result_that_cannot_be_stored_is_an_overflow(a, b, op):
    with pytest.raises(ValidationException) as exc:
        number_arithmetic(Decimal(a), Decimal(b), op)
    assert exc.value.message.startswith("Number overflow.")


def test_arithmetic_is_exact_within_38_digits():
    assert number_arithmetic(Decimal("1E+22"), Decimal("1"), "+") == "10000000000000000000001"
    assert number_arithmetic(Decimal("1E+22"), Decimal("1"), "-") == "9999999999999999999999"


def test_stored_json_round_trips_binary():
    item = {"B": {"M": {"B": {"B": b"\x00\xff"}}}, "set": {"BS": [b"a", b"b"]}, "s": {"S": "B"}}
    assert loads(dumps(item)) == item
