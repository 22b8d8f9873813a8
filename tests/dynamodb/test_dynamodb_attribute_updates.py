"""UpdateItem's legacy AttributeUpdates and AttributesToGet: what AWS accepts and how it refuses."""

from __future__ import annotations

import pytest
from botocore.config import Config


@pytest.fixture
def table(make_table):
    return make_table()


def _key(pk="k"):
    return {"pk": {"S": pk}}


def _update(ddb, table, updates, pk="k"):
    return ddb.update_item(TableName=table, Key=_key(pk), AttributeUpdates=updates)


def _item(ddb, table, pk="k"):
    return ddb.get_item(TableName=table, Key=_key(pk)).get("Item")


def test_deleting_from_a_missing_item_creates_nothing(ddb, table):
    _update(ddb, table, {"a": {"Action": "DELETE"}}, pk="gone-1")
    _update(ddb, table, {"a": {"Action": "DELETE", "Value": {"SS": ["x"]}}}, pk="gone-2")
    ddb.update_item(TableName=table, Key=_key("gone-3"), UpdateExpression="REMOVE a")
    ddb.update_item(
        TableName=table,
        Key=_key("gone-4"),
        UpdateExpression="DELETE s :v",
        ExpressionAttributeValues={":v": {"SS": ["x"]}},
    )
    for pk in ("gone-1", "gone-2", "gone-3", "gone-4"):
        assert _item(ddb, table, pk) is None
    # An update with nothing in it, or one that sets or adds, still creates the item.
    ddb.update_item(TableName=table, Key=_key("made-1"))
    ddb.update_item(TableName=table, Key=_key("made-2"), UpdateExpression="REMOVE a SET b = :v",
                    ExpressionAttributeValues={":v": {"S": "x"}})
    assert _item(ddb, table, "made-1") == _key("made-1")
    assert _item(ddb, table, "made-2") == {**_key("made-2"), "b": {"S": "x"}}


@pytest.mark.parametrize(
    ("action", "value", "kind"),
    [
        ("DELETE", {"S": "x"}, "S"),
        ("DELETE", {"N": "1"}, "N"),
        ("DELETE", {"L": [{"N": "1"}]}, "L"),
        ("DELETE", {"BOOL": True}, "BOOL"),
        ("ADD", {"S": "x"}, "S"),
        ("ADD", {"M": {"y": {"N": "2"}}}, "M"),
        ("ADD", {"NULL": True}, "NULL"),
    ],
)
def test_action_on_a_type_it_does_not_support(ddb, table, error_of, action, value, kind):
    error = error_of(_update, ddb, table, {"a": {"Action": action, "Value": value}})
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        f"One or more parameter values were invalid: Action {action} is not supported for the type {kind}"
    )


@pytest.mark.parametrize(
    ("stored", "action", "value"),
    [
        ({"N": "1"}, "DELETE", {"NS": ["1"]}),
        ({"NS": ["1"]}, "DELETE", {"SS": ["1"]}),
        ({"SS": ["dog"]}, "ADD", {"N": "2"}),
        ({"SS": ["dog"]}, "ADD", {"L": [{"S": "cat"}]}),
        ({"L": [{"S": "dog"}]}, "ADD", {"SS": ["cat"]}),
        ({"N": "2"}, "ADD", {"L": [{"S": "dog"}]}),
    ],
)
def test_type_mismatch_with_the_stored_attribute(ddb, table, error_of, stored, action, value):
    ddb.put_item(TableName=table, Item={**_key(), "a": stored})
    error = error_of(_update, ddb, table, {"a": {"Action": action, "Value": value}})
    assert error["Message"] == "Type mismatch for attribute to update"


def test_add_appends_to_a_list_keeping_duplicates(ddb, table):
    ddb.put_item(TableName=table, Item={**_key(), "a": {"L": [{"N": "1"}, {"N": "2"}]}})
    _update(ddb, table, {"a": {"Action": "ADD", "Value": {"L": [{"N": "2"}, {"S": "x"}]}}})
    _update(ddb, table, {"b": {"Action": "ADD", "Value": {"L": [{"N": "7"}]}}})
    item = _item(ddb, table)
    assert item["a"] == {"L": [{"N": "1"}, {"N": "2"}, {"N": "2"}, {"S": "x"}]}
    assert item["b"] == {"L": [{"N": "7"}]}


def test_attributes_to_get_refuses_duplicates_and_an_empty_list(client, ddb, table, error_of):
    error = error_of(ddb.get_item, TableName=table, Key=_key(), AttributesToGet=["a", "b", "a"])
    assert error["Message"] == "One or more parameter values were invalid: Duplicate value in attribute name: a"
    unchecked = client("dynamodb", config=Config(parameter_validation=False))
    error = error_of(unchecked.get_item, TableName=table, Key=_key(), AttributesToGet=[])
    assert error["Code"] == "ValidationException"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("no!such!table", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
        ("xx", "Member must have length greater than or equal to 3"),
    ],
)
def test_item_operations_check_the_table_name_before_looking_it_up(ddb, error_of, name, problem):
    error = error_of(ddb.put_item, TableName=name, Item=_key())
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        f"1 validation error detected: Value '{name}' at 'tableName' failed to satisfy constraint: {problem}"
    )
    assert error_of(ddb.get_item, TableName="no_such_table", Key=_key())["Code"] == "ResourceNotFoundException"
