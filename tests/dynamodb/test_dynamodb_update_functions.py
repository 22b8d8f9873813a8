"""Through boto3 against the server: the update functions if_not_exists and list_append, list
index REMOVE, Select=ALL_PROJECTED_ATTRIBUTES on indexes, and empty sets refused."""

from __future__ import annotations

import pytest


@pytest.fixture
def table(make_table):
    return make_table()


def _update(ddb, table, expression, values, **kwargs):
    return ddb.update_item(
        TableName=table,
        Key={"pk": {"S": "k"}},
        UpdateExpression=expression,
        ExpressionAttributeValues=values,
        ReturnValues="ALL_NEW",
        **kwargs,
    )["Attributes"]


def test_if_not_exists_and_list_append(ddb, table):
    values = {":zero": {"N": "0"}, ":one": {"N": "1"}, ":first": {"L": [{"S": "a"}]}}
    expression = "SET hits = if_not_exists(hits, :zero) + :one, trail = list_append(if_not_exists(trail, :empty), :first)"
    values[":empty"] = {"L": []}
    assert _update(ddb, table, expression, values) == {
        "pk": {"S": "k"},
        "hits": {"N": "1"},
        "trail": {"L": [{"S": "a"}]},
    }
    after = _update(ddb, table, expression, values)
    assert after["hits"] == {"N": "2"} and after["trail"] == {"L": [{"S": "a"}, {"S": "a"}]}
    # list_append puts its first operand first: prepending.
    after = _update(ddb, table, "SET trail = list_append(:head, trail)", {":head": {"L": [{"S": "z"}]}})
    assert after["trail"] == {"L": [{"S": "z"}, {"S": "a"}, {"S": "a"}]}
    # if_not_exists keeps an existing value.
    after = _update(ddb, table, "SET hits = if_not_exists(hits, :big)", {":big": {"N": "100"}})
    assert after["hits"] == {"N": "2"}
    # REMOVE with a list index closes the gap.
    after = ddb.update_item(
        TableName=table, Key={"pk": {"S": "k"}}, UpdateExpression="REMOVE trail[0]", ReturnValues="ALL_NEW"
    )["Attributes"]
    assert after["trail"] == {"L": [{"S": "a"}, {"S": "a"}]}


@pytest.mark.parametrize(
    ("kind", "empty", "name"), [("SS", [], "string set"), ("NS", [], "number set"), ("BS", [], "binary set")]
)
def test_empty_sets_are_refused_and_nothing_is_written(ddb, table, error_of, kind, empty, name):
    error = error_of(ddb.put_item, TableName=table, Item={"pk": {"S": "e"}, "s": {kind: empty}})
    assert error["Code"] == "ValidationException"
    assert error["Message"] == f"One or more parameter values were invalid: An {name}  may not be empty"
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "e"}})


def test_select_all_projected_attributes(ddb, make_table, error_of):
    name = make_table(
        range=("sk", "S"),
        definitions=[("g", "S")],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["kept"]},
            }
        ],
    )
    ddb.put_item(
        TableName=name,
        Item={"pk": {"S": "p"}, "sk": {"S": "1"}, "g": {"S": "x"}, "kept": {"N": "1"}, "dropped": {"N": "2"}},
    )
    reply = ddb.query(
        TableName=name,
        IndexName="by-g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "x"}},
        Select="ALL_PROJECTED_ATTRIBUTES",
    )
    assert reply["Items"] == [{"pk": {"S": "p"}, "sk": {"S": "1"}, "g": {"S": "x"}, "kept": {"N": "1"}}]
    scanned = ddb.scan(TableName=name, IndexName="by-g", Select="ALL_PROJECTED_ATTRIBUTES")["Items"]
    assert scanned == reply["Items"]
    # ALL_ATTRIBUTES needs an ALL projection on a global index; a table has no projection to select.
    error = error_of(ddb.scan, TableName=name, IndexName="by-g", Select="ALL_ATTRIBUTES")
    assert error["Code"] == "ValidationException"
    error = error_of(ddb.scan, TableName=name, Select="ALL_PROJECTED_ATTRIBUTES")
    assert error["Code"] == "ValidationException"
