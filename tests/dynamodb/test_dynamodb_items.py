"""Single-item operations through boto3: values, return values, conditions and AWS's errors."""

from __future__ import annotations

import pytest


def _nested(levels: int) -> dict:
    value: dict = {"S": "leaf"}
    for _ in range(levels - 1):
        value = {"M": {"a": value}}
    return value


NESTED_33 = _nested(33)


@pytest.fixture
def table(make_table):
    return make_table(range=("sk", "S"))


def key(pk="p", sk="s"):
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def test_every_type_round_trips(ddb, table):
    item = {
        **key(),
        "s": {"S": ""},
        "n": {"N": "-0012.3400"},
        "b": {"B": b"\x00\xff"},
        "bool": {"BOOL": False},
        "null": {"NULL": True},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2.50"]},
        "bs": {"BS": [b"x"]},
        "l": {"L": [{"S": "x"}, {"N": "1"}]},
        "m": {"M": {"inner": {"M": {"deep": {"S": "y"}}}}},
    }
    ddb.put_item(TableName=table, Item=item)
    stored = ddb.get_item(TableName=table, Key=key(), ConsistentRead=True)["Item"]
    assert stored["n"] == {"N": "-12.34"}
    assert sorted(stored["ns"]["NS"]) == ["1", "2.5"]
    assert stored["m"] == item["m"] and stored["b"] == item["b"] and stored["s"] == {"S": ""}


def test_get_missing_item_has_no_item(ddb, table):
    assert "Item" not in ddb.get_item(TableName=table, Key=key("nobody"))


def test_projection_expression(ddb, table):
    ddb.put_item(
        TableName=table, Item={**key(), "a": {"M": {"b": {"S": "x"}, "c": {"S": "y"}}}, "d": {"S": "z"}}
    )
    got = ddb.get_item(
        TableName=table, Key=key(), ProjectionExpression="a.b, #d", ExpressionAttributeNames={"#d": "d"}
    )
    assert got["Item"] == {"a": {"M": {"b": {"S": "x"}}}, "d": {"S": "z"}}


def test_put_return_values(ddb, table):
    assert "Attributes" not in ddb.put_item(
        TableName=table, Item={**key(), "v": {"N": "1"}}, ReturnValues="ALL_OLD"
    )
    old = ddb.put_item(TableName=table, Item={**key(), "v": {"N": "2"}}, ReturnValues="ALL_OLD")
    assert old["Attributes"]["v"] == {"N": "1"}


def test_put_rejects_update_return_values(ddb, table, error_of):
    error = error_of(ddb.put_item, TableName=table, Item=key(), ReturnValues="ALL_NEW")
    assert error["Message"] == "Return values set to invalid value"


@pytest.mark.parametrize(
    ("return_values", "expected"),
    [
        ("ALL_OLD", {"pk": {"S": "p"}, "sk": {"S": "s"}, "a": {"N": "1"}, "b": {"S": "keep"}}),
        (
            "ALL_NEW",
            {"pk": {"S": "p"}, "sk": {"S": "s"}, "a": {"N": "3"}, "b": {"S": "keep"}, "c": {"S": "new"}},
        ),
        ("UPDATED_OLD", {"a": {"N": "1"}}),
        ("UPDATED_NEW", {"a": {"N": "3"}, "c": {"S": "new"}}),
    ],
)
def test_update_return_values(ddb, table, return_values, expected):
    ddb.put_item(TableName=table, Item={**key(), "a": {"N": "1"}, "b": {"S": "keep"}})
    reply = ddb.update_item(
        TableName=table,
        Key=key(),
        UpdateExpression="SET a = a + :two, c = :c",
        ExpressionAttributeValues={":two": {"N": "2"}, ":c": {"S": "new"}},
        ReturnValues=return_values,
    )
    assert reply["Attributes"] == expected


def test_update_creates_item_and_counts(ddb, table):
    for _ in range(3):
        ddb.update_item(
            TableName=table,
            Key=key("counter"),
            UpdateExpression="ADD hits :one, seen :who",
            ExpressionAttributeValues={":one": {"N": "1"}, ":who": {"SS": ["me"]}},
        )
    item = ddb.get_item(TableName=table, Key=key("counter"))["Item"]
    assert item["hits"] == {"N": "3"} and item["seen"] == {"SS": ["me"]}


def test_conditional_writes(ddb, table, error_of):
    ddb.put_item(
        TableName=table, Item={**key(), "v": {"N": "1"}}, ConditionExpression="attribute_not_exists(pk)"
    )
    error = error_of(
        ddb.put_item,
        TableName=table,
        Item={**key(), "v": {"N": "2"}},
        ConditionExpression="attribute_not_exists(pk)",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    assert error["Code"] == "ConditionalCheckFailedException"
    assert error["Message"] == "The conditional request failed"
    assert error["Item"]["v"] == {"N": "1"}
    error = error_of(
        ddb.delete_item,
        TableName=table,
        Key=key(),
        ConditionExpression="v > :v",
        ExpressionAttributeValues={":v": {"N": "5"}},
    )
    assert error["Code"] == "ConditionalCheckFailedException" and "Item" not in error
    ddb.delete_item(
        TableName=table, Key=key(), ConditionExpression="v = :v", ExpressionAttributeValues={":v": {"N": "1"}}
    )
    assert "Item" not in ddb.get_item(TableName=table, Key=key())


@pytest.mark.parametrize(
    ("call", "kwargs", "message"),
    [
        ("get_item", {"Key": {"pk": {"S": "p"}}}, "The provided key element does not match the schema"),
        (
            "get_item",
            {"Key": {"pk": {"S": "p"}, "sk": {"N": "1"}}},
            "The provided key element does not match the schema",
        ),
        (
            "put_item",
            {"Item": {"pk": {"S": "p"}}},
            "One or more parameter values were invalid: Missing the key sk in the item",
        ),
        (
            "put_item",
            {"Item": {"pk": {"N": "1"}, "sk": {"S": "s"}}},
            "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N",
        ),
        (
            "put_item",
            {"Item": {"pk": {"S": ""}, "sk": {"S": "s"}}},
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty"
            " string value. Key: pk",
        ),
        (
            "put_item",
            {"Item": {"pk": {"S": "p" * 2049}, "sk": {"S": "s"}}},
            "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes",
        ),
        (
            "put_item",
            {"Item": {"pk": {"S": "p"}, "sk": {"S": "s" * 1025}}},
            "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit"
            " of 1024 bytes",
        ),
        (
            "put_item",
            {"Item": {**key(), "deep": NESTED_33}},
            "Nesting Levels have exceeded supported limits",
        ),
        (
            "put_item",
            {"Item": {**key(), "big": {"S": "x" * 410_000}}},
            "Item size has exceeded the maximum allowed size",
        ),
        (
            "put_item",
            {"Item": {**key(), "ss": {"SS": ["a", "a"]}}},
            "One or more parameter values were invalid: Input collection [a, a] contains duplicates.",
        ),
        (
            "put_item",
            {"Item": {**key(), "n": {"N": "1" * 39}}},
            "Attempting to store more than 38 significant digits",
        ),
        (
            "update_item",
            {
                "Key": key(),
                "UpdateExpression": "SET pk = :v",
                "ExpressionAttributeValues": {":v": {"S": "x"}},
            },
            "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key",
        ),
        (
            "update_item",
            {
                "Key": key(),
                "UpdateExpression": "SET #a = :v",
                "ExpressionAttributeNames": {"#a": "a", "#b": "b"},
                "ExpressionAttributeValues": {":v": {"S": "x"}},
            },
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}",
        ),
        (
            "update_item",
            {
                "Key": key(),
                "UpdateExpression": "SET name = :v",
                "ExpressionAttributeValues": {":v": {"S": "x"}},
            },
            "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: name",
        ),
        (
            "update_item",
            {
                "Key": key(),
                "UpdateExpression": "SET a = :v,",
                "ExpressionAttributeValues": {":v": {"S": "x"}},
            },
            'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: ","',
        ),
        (
            "put_item",
            {
                "Item": key(),
                "ConditionExpression": "attribute_exists(#a)",
                "ExpressionAttributeNames": {"a": "a"},
            },
            'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"',
        ),
        (
            "put_item",
            {"Item": key(), "ConditionExpression": "a = :v", "ExpressionAttributeValues": {"v": {"S": "x"}}},
            'ExpressionAttributeValues contains invalid key: Syntax error; key: "v"',
        ),
        (
            "put_item",
            {"Item": key(), "ExpressionAttributeValues": {":v": {"S": "x"}}},
            "ExpressionAttributeValues can only be specified when using expressions",
        ),
        (
            "put_item",
            {
                "Item": key(),
                "ConditionExpression": "a = :v",
                "Expected": {"a": {"Exists": False}},
                "ExpressionAttributeValues": {":v": {"S": "x"}},
            },
            "Can not use both expression and non-expression parameters in the same request",
        ),
    ],
)
def test_validation_errors(ddb, table, error_of, call, kwargs, message):
    error = error_of(getattr(ddb, call), TableName=table, **kwargs)
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith(message)
    assert "Item" not in ddb.get_item(TableName=table, Key=key())


def test_missing_table(ddb, error_of):
    error = error_of(ddb.get_item, TableName="no-such-table", Key={"pk": {"S": "x"}})
    assert (error["Code"], error["Message"]) == ("ResourceNotFoundException", "Requested resource not found")


def test_number_precision_and_arithmetic(ddb, table):
    ddb.put_item(TableName=table, Item={**key(), "n": {"N": "0.1"}})
    reply = ddb.update_item(
        TableName=table,
        Key=key(),
        UpdateExpression="SET n = n + :x",
        ExpressionAttributeValues={":x": {"N": "12345678901234567890123456789012345.6"}},
        ReturnValues="UPDATED_NEW",
    )
    assert reply["Attributes"]["n"] == {"N": "12345678901234567890123456789012345.7"}


def test_consumed_capacity(ddb, table):
    reply = ddb.put_item(
        TableName=table, Item={**key(), "v": {"S": "x" * 3000}}, ReturnConsumedCapacity="TOTAL"
    )
    assert reply["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 3.0, "WriteCapacityUnits": 3.0}
    reply = ddb.get_item(TableName=table, Key=key(), ReturnConsumedCapacity="TOTAL")
    assert reply["ConsumedCapacity"]["CapacityUnits"] == 0.5
    reply = ddb.get_item(TableName=table, Key=key(), ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
    assert reply["ConsumedCapacity"]["CapacityUnits"] == 1.0


@pytest.mark.parametrize("call", ["update_item", "delete_item"])
def test_failed_condition_returns_the_old_item_when_asked(ddb, table, error_of, call):
    ddb.put_item(TableName=table, Item={**key("rv"), "v": {"N": "1"}})
    kwargs = {"UpdateExpression": "SET v = :two"} if call == "update_item" else {}
    error = error_of(
        getattr(ddb, call),
        TableName=table,
        Key=key("rv"),
        ConditionExpression="v = :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
        **kwargs,
    )
    assert error["Code"] == "ConditionalCheckFailedException"
    assert error["Item"] == {**key("rv"), "v": {"N": "1"}}
    # Without the option, or when there was no item, the error carries no item.
    error = error_of(
        getattr(ddb, call),
        TableName=table,
        Key=key("rv"),
        ConditionExpression="v = :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
        **kwargs,
    )
    assert "Item" not in error
    error = error_of(
        getattr(ddb, call),
        TableName=table,
        Key=key("absent"),
        ConditionExpression="attribute_exists(pk)",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
        **(
            {"UpdateExpression": "SET v = :two", "ExpressionAttributeValues": {":two": {"N": "2"}}}
            if call == "update_item"
            else {}
        ),
    )
    assert error["Code"] == "ConditionalCheckFailedException" and "Item" not in error
    assert ddb.get_item(TableName=table, Key=key("rv"))["Item"]["v"] == {"N": "1"}


def test_update_growing_an_item_past_400_kb(ddb, table, error_of):
    ddb.put_item(TableName=table, Item={**key("big"), "a": {"S": "x" * 300_000}})
    error = error_of(
        ddb.update_item,
        TableName=table,
        Key=key("big"),
        UpdateExpression="SET b = :b",
        ExpressionAttributeValues={":b": {"S": "y" * 200_000}},
    )
    assert (error["Code"], error["Message"]) == (
        "ValidationException",
        "Item size to update has exceeded the maximum allowed size",
    )
    assert "b" not in ddb.get_item(TableName=table, Key=key("big"))["Item"]


def test_attribute_names_are_limited_to_65535_bytes(ddb, table, error_of):
    longest, too_long = "n" * 65535, "é" * 32768  # 65536 bytes in UTF-8
    ddb.put_item(TableName=table, Item={**key(), longest: {"N": "1"}})
    got = ddb.get_item(TableName=table, Key=key(), ProjectionExpression="#n", ExpressionAttributeNames={"#n": longest})
    assert got["Item"] == {longest: {"N": "1"}}
    refused = [
        (ddb.put_item, {"Item": {**key(), too_long: {"N": "1"}}}),
        (ddb.put_item, {"Item": {**key(), "m": {"M": {too_long: {"N": "1"}}}}}),
        (ddb.get_item, {"Key": key(), "AttributesToGet": [too_long]}),
        (ddb.update_item, {"Key": key(), "AttributeUpdates": {too_long: {"Value": {"N": "1"}}}}),
        (
            ddb.update_item,
            {
                "Key": key(),
                "UpdateExpression": "SET #n = :v",
                "ExpressionAttributeNames": {"#n": too_long},
                "ExpressionAttributeValues": {":v": {"N": "1"}},
            },
        ),
    ]
    for call, kwargs in refused:
        error = error_of(call, TableName=table, **kwargs)
        assert error["Code"] == "ValidationException"
        assert "Attribute name is too large, must be less than 65536 bytes" in error["Message"]
