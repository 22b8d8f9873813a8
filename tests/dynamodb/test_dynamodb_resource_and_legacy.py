"""boto3's resource layer (Table, batch_writer, conditions) and the legacy parameters."""

from __future__ import annotations

from decimal import Decimal

import boto3
import pytest
from boto3.dynamodb.conditions import Attr, Key


@pytest.fixture(scope="module")
def resource(endpoint):
    return boto3.session.Session().resource(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_table_resource_with_conditions(resource, make_table):
    table = resource.Table(make_table(range=("sk", "N")))
    with table.batch_writer() as batch:
        for i in range(30):
            batch.put_item(
                Item={
                    "pk": "user",
                    "sk": i,
                    "kind": "even" if i % 2 == 0 else "odd",
                    "price": Decimal("1.10") * i,
                }
            )
    found = table.query(
        KeyConditionExpression=Key("pk").eq("user") & Key("sk").between(10, 15),
        FilterExpression=Attr("kind").eq("odd"),
    )
    assert [item["sk"] for item in found["Items"]] == [11, 13, 15]
    assert found["Items"][0]["price"] == Decimal("12.1")
    table.update_item(
        Key={"pk": "user", "sk": 11},
        UpdateExpression="SET tags = :t",
        ExpressionAttributeValues={":t": {"a", "b"}},
    )
    assert table.get_item(Key={"pk": "user", "sk": 11})["Item"]["tags"] == {"a", "b"}
    scanned = table.scan(FilterExpression=Attr("sk").lt(3) | Attr("tags").contains("a"))
    assert sorted(item["sk"] for item in scanned["Items"]) == [0, 1, 2, 11]


def test_legacy_parameters(ddb, make_table, error_of):
    name = make_table(range=("sk", "S"))
    ddb.put_item(
        TableName=name,
        Item={"pk": {"S": "p"}, "sk": {"S": "a"}, "v": {"N": "1"}},
        Expected={"pk": {"Exists": False}},
    )
    error = error_of(
        ddb.put_item,
        TableName=name,
        Item={"pk": {"S": "p"}, "sk": {"S": "a"}},
        Expected={"pk": {"Exists": False}},
    )
    assert error["Code"] == "ConditionalCheckFailedException"
    ddb.update_item(
        TableName=name,
        Key={"pk": {"S": "p"}, "sk": {"S": "a"}},
        AttributeUpdates={
            "v": {"Action": "ADD", "Value": {"N": "2"}},
            "w": {"Action": "PUT", "Value": {"S": "x"}},
        },
        Expected={"v": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}},
    )
    ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"S": "b"}, "v": {"N": "10"}})
    reply = ddb.query(
        TableName=name,
        KeyConditions={
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]},
            "sk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "a"}]},
        },
        AttributesToGet=["v", "w"],
    )
    assert reply["Items"] == [{"v": {"N": "3"}, "w": {"S": "x"}}]
    reply = ddb.scan(
        TableName=name, ScanFilter={"v": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "5"}]}}
    )
    assert [item["sk"]["S"] for item in reply["Items"]] == ["b"]


def test_more_legacy_parameters(ddb, make_table, error_of):
    name = make_table(range=("sk", "N"))
    for sk, colour in ((1, "red"), (2, "blue"), (3, "green")):
        ddb.put_item(
            TableName=name,
            Item={
                "pk": {"S": "p"},
                "sk": {"N": str(sk)},
                "colour": {"S": colour},
                "tags": {"SS": ["a", "b"]},
            },
        )
    reply = ddb.query(
        TableName=name,
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}},
        QueryFilter={
            "colour": {"ComparisonOperator": "IN", "AttributeValueList": [{"S": "red"}, {"S": "green"}]},
            "tags": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "a"}]},
        },
        ConditionalOperator="OR",
        ScanIndexForward=False,
    )
    assert [item["sk"]["N"] for item in reply["Items"]] == ["3", "1"]
    assert reply["ScannedCount"] == 3
    error = error_of(
        ddb.query,
        TableName=name,
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}},
        QueryFilter={"sk": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "1"}]}},
    )
    assert (
        error["Message"]
        == "QueryFilter can only contain non-primary key attributes: Primary key attribute: sk"
    )
    key = {"pk": {"S": "p"}, "sk": {"N": "1"}}
    reply = ddb.update_item(
        TableName=name,
        Key=key,
        ReturnValues="ALL_NEW",
        AttributeUpdates={
            "tags": {"Action": "DELETE", "Value": {"SS": ["a"]}},
            "colour": {"Action": "DELETE"},
            "count": {"Action": "ADD", "Value": {"N": "5"}},
        },
    )
    assert reply["Attributes"] == {**key, "tags": {"SS": ["b"]}, "count": {"N": "5"}}
    got = ddb.get_item(TableName=name, Key=key, AttributesToGet=["count", "missing"])
    assert got["Item"] == {"count": {"N": "5"}}
    got = ddb.batch_get_item(RequestItems={name: {"Keys": [key], "AttributesToGet": ["tags"]}})
    assert got["Responses"][name] == [{"tags": {"SS": ["b"]}}]
    ddb.delete_item(TableName=name, Key=key, Expected={"count": {"Value": {"N": "5"}}})
    error = error_of(
        ddb.delete_item,
        TableName=name,
        Key={"pk": {"S": "p"}, "sk": {"N": "2"}},
        Expected={"colour": {"ComparisonOperator": "NULL"}},
    )
    assert error["Code"] == "ConditionalCheckFailedException"
    error = error_of(ddb.put_item, TableName=name, Item=key, Expected={"colour": {"Exists": True}})
    assert error["Message"] == (
        "One or more parameter values were invalid: Value must be provided when Exists is"
        " true for Attribute: colour"
    )


def test_conditional_operator_needs_two_conditions(ddb, make_table, error_of):
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "a": {"S": "x"}})
    one = {"a": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]}}
    two = {**one, "b": {"ComparisonOperator": "NULL"}}
    without = "ConditionalOperator cannot be used without Filter or Expected"
    single = "ConditionalOperator can only be used when Filter or Expected has two or more elements"
    for call, kwargs, message in [
        (ddb.put_item, {"Item": {"pk": {"S": "k"}}}, without),
        (ddb.put_item, {"Item": {"pk": {"S": "k"}}, "Expected": {}}, without),
        (ddb.delete_item, {"Key": {"pk": {"S": "k"}}, "Expected": one}, single),
        (ddb.scan, {}, without),
        (ddb.scan, {"ScanFilter": one}, single),
    ]:
        error = error_of(call, TableName=name, ConditionalOperator="OR", **kwargs)
        assert error["Message"] == message
    assert ddb.scan(TableName=name, ScanFilter=two, ConditionalOperator="OR")["Count"] == 1


def test_mixing_errors_list_parameters_in_aws_order(ddb, make_table, error_of):
    name = make_table()
    error = error_of(
        ddb.update_item,
        TableName=name,
        Key={"pk": {"S": "k"}},
        AttributeUpdates={"a": {"Value": {"S": "v"}}},
        Expected={"a": {"ComparisonOperator": "NULL"}, "b": {"ComparisonOperator": "NULL"}},
        ConditionalOperator="AND",
        UpdateExpression="SET a = :v",
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeValues={":v": {"S": "x"}},
    )
    assert error["Message"] == (
        "Can not use both expression and non-expression parameters in the same request: Non-expression"
        " parameters: {AttributeUpdates, Expected, ConditionalOperator} Expression parameters:"
        " {UpdateExpression, ConditionExpression}"
    )


def test_key_conditions_go_with_filter_and_projection_expressions(ddb, make_table, error_of):
    name = make_table(range=("sk", "N"))
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "sk": {"N": str(i)}, "v": {"N": str(i * 10)}})
    reply = ddb.query(
        TableName=name,
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "k"}]}},
        FilterExpression="v > :low",
        ProjectionExpression="v",
        ExpressionAttributeValues={":low": {"N": "5"}},
    )
    assert reply["Items"] == [{"v": {"N": "10"}}, {"v": {"N": "20"}}]
    error = error_of(
        ddb.query,
        TableName=name,
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "k"}]}},
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "k"}},
    )
    assert error["Message"].endswith("{KeyConditions} Expression parameters: {KeyConditionExpression}")


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (
            {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"L": []}]},
            "ComparisonOperator CONTAINS is not valid for L AttributeValue type",
        ),
        (
            {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"N": "3"}]},
            "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type",
        ),
        (
            {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "3"}, {"S": "dog"}]},
            "AttributeValues inside AttributeValueList must be of same type",
        ),
        (
            {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "4"}, {"N": "3"}]},
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound",
        ),
        ({"ComparisonOperator": "IN", "AttributeValueList": []}, "Invalid number of argument(s) for the IN"),
        (
            {"Exists": False, "ComparisonOperator": "NULL"},
            "Exists and ComparisonOperator cannot be used together for Attribute: a",
        ),
        (
            {"Value": {"N": "3"}, "ComparisonOperator": "EQ", "AttributeValueList": [{"N": "3"}]},
            "Value and AttributeValueList cannot be used together for Attribute: a",
        ),
        (
            {"AttributeValueList": [{"N": "3"}]},
            "AttributeValueList can only be used with a ComparisonOperator for Attribute: a",
        ),
        ({}, "Value must be provided when Exists is null for Attribute: a"),
    ],
)
def test_expected_is_checked_before_the_item_is_read(ddb, make_table, error_of, condition, message):
    name = make_table()
    error = error_of(ddb.put_item, TableName=name, Item={"pk": {"S": "k"}}, Expected={"a": condition})
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith(f"One or more parameter values were invalid: {message}")
