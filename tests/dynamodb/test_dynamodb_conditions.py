"""ConditionExpression through a real server: what is refused as written, what only fails."""

from __future__ import annotations

import pytest


@pytest.fixture
def table(make_table, ddb):
    name = make_table()
    ddb.put_item(
        TableName=name,
        Item={
            "pk": {"S": "k"},
            "n": {"N": "1"},
            "two": {"N": "2"},
            "l1": {"L": [{"N": "1"}]},
            "b": {"B": b"\x7f"},
        },
    )
    return name


def _update(ddb, table, condition, values=None):
    kwargs = {"ExpressionAttributeValues": values} if values else {}
    return ddb.update_item(
        TableName=table, Key={"pk": {"S": "k"}}, UpdateExpression="REMOVE z", ConditionExpression=condition, **kwargs
    )


@pytest.mark.parametrize(
    ("condition", "values", "message"),
    [
        (
            "n < :v",
            {":v": {"L": [{"N": "1"}]}},
            "Incorrect operand type for operator or function; operator or function: <, operand type: L",
        ),
        (
            ":v >= n",
            {":v": {"BOOL": True}},
            "Incorrect operand type for operator or function; operator or function: >=, operand type: BOOL",
        ),
        (
            "n BETWEEN :lo AND :hi",
            {":lo": {"N": "2"}, ":hi": {"S": "dog"}},
            "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand:"
            " AttributeValue: {N:2}, upper bound operand: AttributeValue: {S:dog}",
        ),
        (
            "n BETWEEN :lo AND :hi",
            {":lo": {"N": "2"}, ":hi": {"N": "1"}},
            "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound"
            " operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {N:1}",
        ),
        (
            "n = n",
            None,
            "The first operand must be distinct from the remaining operands for this operator or function;"
            " operator: =, first operand: [n]",
        ),
        (
            "contains(l1, l1)",
            None,
            "The first operand must be distinct from the remaining operands for this operator or function;"
            " operator: contains, first operand: [l1]",
        ),
    ],
)
def test_refused_as_written(ddb, table, error_of, condition, values, message):
    error = error_of(_update, ddb, table, condition, values)
    assert error["Code"] == "ValidationException"
    assert error["Message"] == f"Invalid ConditionExpression: {message}"


@pytest.mark.parametrize(
    ("condition", "values"),
    [
        ("l1 < :v", {":v": {"N": "5"}}),  # an attribute of an unordered type: false, not an error
        ("n BETWEEN two AND :v", {":v": {"N": "1"}}),  # bounds from the item are not checked up front
        ("n BETWEEN :v AND :w", {":v": {"S": "0"}, ":w": {"S": "2"}}),  # types differ from the item's
        ("q < z", None),
    ],
)
def test_only_fails(ddb, table, error_of, condition, values):
    assert error_of(_update, ddb, table, condition, values)["Code"] == "ConditionalCheckFailedException"


def test_attribute_type_takes_a_value_as_its_first_operand(ddb, table):
    _update(ddb, table, "attribute_type(:v, :t)", {":v": {"N": "0"}, ":t": {"S": "N"}})


def test_binary_orders_as_unsigned_bytes(ddb, table):
    _update(ddb, table, "b < :v", {":v": {"B": b"\x80"}})
    _update(ddb, table, "b BETWEEN :lo AND :hi", {":lo": {"B": b"\x7e"}, ":hi": {"B": b"\x80"}})
