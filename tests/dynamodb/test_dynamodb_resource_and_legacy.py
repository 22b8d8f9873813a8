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
