"""Numbers through a real server: 38 significant digits, exponents -130..125, exact arithmetic."""

from __future__ import annotations

import pytest


@pytest.fixture
def table(make_table):
    return make_table()


def _set(ddb, table, expression, values):
    ddb.update_item(
        TableName=table,
        Key={"pk": {"S": "n"}},
        UpdateExpression=expression,
        ExpressionAttributeValues=values,
    )
    return ddb.get_item(TableName=table, Key={"pk": {"S": "n"}})["Item"]


def test_38_digits_with_a_large_exponent_survive_update_expression_values(ddb, table):
    digits = "27182818284590452353602874713526624977"
    item = _set(ddb, table, "SET a = :v", {":v": {"N": f"{digits}E+30"}})
    assert item["a"] == {"N": digits + "0" * 30}


def test_arithmetic_is_exact_and_refuses_results_past_38_digits(ddb, table, error_of):
    item = _set(ddb, table, "SET a = :big + :one", {":big": {"N": "1E+24"}, ":one": {"N": "1"}})
    assert item["a"] == {"N": "1" + "0" * 23 + "1"}
    for expression in ("SET a = :big - :one", "SET a = :big + :one"):
        error = error_of(
            ddb.update_item,
            TableName=table,
            Key={"pk": {"S": "n"}},
            UpdateExpression=expression,
            ExpressionAttributeValues={":big": {"N": "1E+50"}, ":one": {"N": "1"}},
        )
        assert error["Code"] == "ValidationException"
        assert error["Message"].startswith("Number overflow.")


@pytest.mark.parametrize("text", ["NaN", "-Infinity", "dog", " 1", "1 "])
def test_strings_that_are_not_numbers_are_refused(ddb, table, error_of, text):
    error = error_of(
        ddb.put_item, TableName=table, Item={"pk": {"S": "n"}, "a": {"N": text}}
    )
    assert error["Code"] == "ValidationException"
    assert "The parameter cannot be converted to a numeric value" in error["Message"]


@pytest.mark.parametrize("text", ["+3", ".123", "0001.23", "1e+5", "0e1000", "-17.4E37"])
def test_unusual_but_valid_spellings_are_accepted(ddb, table, text):
    ddb.put_item(TableName=table, Item={"pk": {"S": "n"}, "a": {"N": text}})
