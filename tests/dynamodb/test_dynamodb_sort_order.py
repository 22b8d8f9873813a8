"""Sort keys come back from Query in DynamoDB's order, through the server: binary by unsigned
bytes, strings by UTF-8 bytes (not UTF-16 code units), numbers numerically."""

from __future__ import annotations

import pytest


def _query(ddb, table, forward=True):
    reply = ddb.query(
        TableName=table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        ScanIndexForward=forward,
    )
    return [item["sk"] for item in reply["Items"]]


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("B", [b"\x00", b"\x00\x00", b"\x01", b"\x7f", b"\x80", b"\xff", b"\xff\x00"]),
        # U+FFFF is EF BF BF in UTF-8 and sorts before the emoji (F0 9F 98 80), which UTF-16
        # (D83D DE00) would put first.
        ("S", ["A", "B", "a", "ab", "z", "\u00e9", "\uffff", "\U0001f600"]),
        ("N", ["-1E+10", "-2.5", "-0.001", "0", "1E-5", "3", "10", "1.5E+3"]),
    ],
)
def test_query_returns_sort_keys_in_dynamodb_order(ddb, make_table, kind, values):
    table = make_table(range=("sk", kind))
    for value in reversed(values):
        ddb.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {kind: value}})
    expected = [{kind: value} for value in values]
    if kind == "N":
        expected = [{"N": n} for n in ["-10000000000", "-2.5", "-0.001", "0", "0.00001", "3", "10", "1500"]]
    assert _query(ddb, table) == expected
    assert _query(ddb, table, forward=False) == expected[::-1]
