"""The control plane through boto3: tables, indexes, TTL, tags, limits, and AWS's errors."""

from __future__ import annotations

import time

import pytest
from botocore.config import Config

KEYS = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEFS = [{"AttributeName": "pk", "AttributeType": "S"}]


def test_create_describe_delete(ddb, error_of):
    created = ddb.create_table(
        TableName="lifecycle",
        KeySchema=KEYS,
        AttributeDefinitions=DEFS,
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
    )
    assert created["TableDescription"]["TableStatus"] == "CREATING"
    ddb.get_waiter("table_exists").wait(TableName="lifecycle")
    table = ddb.describe_table(TableName="lifecycle")["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["TableArn"] == "arn:aws:dynamodb:us-east-1:000000000000:table/lifecycle"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert table["ItemCount"] == 0
    ddb.put_item(TableName="lifecycle", Item={"pk": {"S": "a"}, "v": {"S": "x" * 100}})
    table = ddb.describe_table(TableName="lifecycle")["Table"]
    assert table["ItemCount"] == 1 and table["TableSizeBytes"] > 100
    deleted = ddb.delete_table(TableName="lifecycle")["TableDescription"]
    assert deleted["TableStatus"] == "DELETING" and deleted["ItemCount"] == 1
    # Unlike DescribeTable's, DeleteTable's description leaves out the schema.
    assert not {"CreationDateTime", "KeySchema", "AttributeDefinitions"} & set(deleted)
    error = error_of(ddb.describe_table, TableName="lifecycle")
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == "Requested resource not found: Table: lifecycle not found"


def test_create_existing_table_is_in_use(ddb, make_table, error_of):
    name = make_table()
    error = error_of(
        ddb.create_table,
        TableName=name,
        KeySchema=KEYS,
        AttributeDefinitions=DEFS,
        BillingMode="PAY_PER_REQUEST",
    )
    assert error["Code"] == "ResourceInUseException"
    assert error["Message"] == f"Table already exists: {name}"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"AttributeDefinitions": [{"AttributeName": "other", "AttributeType": "S"}]},
            "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions.",
        ),
        (
            {"AttributeDefinitions": [*DEFS, {"AttributeName": "x", "AttributeType": "S"}]},
            "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match",
        ),
        (
            {"KeySchema": [{"AttributeName": "pk", "KeyType": "RANGE"}]},
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
        ),
        (
            {"BillingMode": "PROVISIONED"},
            "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified",
        ),
        (
            {"AttributeDefinitions": [*DEFS, {"AttributeName": "pk", "AttributeType": "N"}]},
            "One or more parameter values were invalid: Duplicate AttributeName pk in AttributeDefinitions",
        ),
        (
            {"TableName": "xy"},
            "1 validation error detected: Value 'xy' at 'tableName' failed to satisfy constraint: Member must have"
            " length greater than or equal to 3",
        ),
        (
            {"TableName": "a@b"},
            "1 validation error detected: Value 'a@b' at 'tableName' failed to satisfy constraint: Member must"
            " satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        ),
    ],
)
def test_create_validation(ddb, kwargs, message, error_of):
    params = {
        "TableName": "invalid",
        "KeySchema": KEYS,
        "AttributeDefinitions": DEFS,
        "BillingMode": "PAY_PER_REQUEST",
        **kwargs,
    }
    error = error_of(ddb.create_table, **params)
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith(message)


def test_create_without_attribute_definitions_is_refused(client, error_of):
    unchecked = client("dynamodb", config=Config(parameter_validation=False))
    error = error_of(unchecked.create_table, TableName="no-definitions", KeySchema=KEYS, BillingMode="PAY_PER_REQUEST")
    assert error["Code"] == "ValidationException"
    assert "AttributeDefinitions" in error["Message"]


def test_list_tables_paginates(ddb, make_table, error_of):
    names = sorted(make_table() for _ in range(5))
    seen = []
    for page in ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2}):
        assert len(page["TableNames"]) <= 2
        seen.extend(page["TableNames"])
    assert set(names) <= set(seen)
    assert seen == sorted(seen)


def test_update_table_adds_and_deletes_gsi(ddb, make_table, error_of, server):
    name = make_table()
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"p{i}"}, "g": {"S": "same"}, "n": {"N": str(i)}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "sparse"}})
    reply = ddb.update_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "g", "AttributeType": "S"},
            {"AttributeName": "n", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "by_g",
                    "KeySchema": [
                        {"AttributeName": "g", "KeyType": "HASH"},
                        {"AttributeName": "n", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            }
        ],
    )
    assert reply["TableDescription"]["TableStatus"] == "UPDATING"
    assert reply["TableDescription"]["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["TableStatus"] == "UPDATING" and table["GlobalSecondaryIndexes"][0]["Backfilling"] is True
    error = error_of(
        ddb.query,
        TableName=name,
        IndexName="by_g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "same"}},
    )
    assert error["Message"] == "Cannot read from backfilling global secondary index: by_g"
    server.advance_clock(3)
    table = ddb.describe_table(TableName=name)["Table"]
    index = table["GlobalSecondaryIndexes"][0]
    assert (
        table["TableStatus"] == "ACTIVE" and index["IndexStatus"] == "ACTIVE" and "Backfilling" not in index
    )
    assert index["ItemCount"] == 3
    found = ddb.query(
        TableName=name,
        IndexName="by_g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "same"}},
        ScanIndexForward=False,
    )
    assert [item["pk"]["S"] for item in found["Items"]] == ["p2", "p1", "p0"]
    assert set(found["Items"][0]) == {"pk", "g", "n"}
    reply = ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by_g"}}])
    assert reply["TableDescription"]["TableStatus"] == "UPDATING"
    assert [
        (i["IndexName"], i["IndexStatus"]) for i in reply["TableDescription"]["GlobalSecondaryIndexes"]
    ] == [("by_g", "DELETING")]
    assert "GlobalSecondaryIndexes" not in ddb.describe_table(TableName=name)["Table"]
    error = error_of(
        ddb.query,
        TableName=name,
        IndexName="by_g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "same"}},
    )
    assert error["Message"] == "The table does not have the specified index: by_g"


def test_update_table_billing_mode(ddb, make_table, error_of):
    name = make_table()
    ddb.update_table(
        TableName=name,
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 7, "WriteCapacityUnits": 8},
    )
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 8
    assert "BillingModeSummary" not in table or table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    error = error_of(ddb.update_table, TableName=name)
    assert error["Code"] == "ValidationException"


def test_ttl_and_tags(ddb, make_table, error_of):
    name = make_table()
    assert (
        ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"
    )
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "exp",
    }
    error = error_of(
        ddb.update_time_to_live,
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"},
    )
    assert error["Message"] == "TimeToLive is already enabled"
    arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    ddb.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    error = error_of(ddb.list_tags_of_resource, ResourceArn=arn + "nope")
    assert error["Code"] == "ResourceNotFoundException"


def test_tags_are_checked(client, ddb, make_table, error_of):
    arn = ddb.describe_table(TableName=make_table())["Table"]["TableArn"]
    error = error_of(ddb.tag_resource, ResourceArn="not-an-arn", Tags=[{"Key": "k", "Value": "v"}])
    assert error["Code"] == "ValidationException"
    assert "ARNs must start with 'arn:'" in error["Message"]
    unchecked = client("dynamodb", config=Config(parameter_validation=False))
    assert error_of(unchecked.tag_resource, ResourceArn=arn, Tags=[])["Code"] == "ValidationException"
    for key, value in (("ok", "#!%^&"), ("->>;-)", "ok")):
        error = error_of(ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": key, "Value": value}])
        assert "contains invalid characters" in error["Message"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team:x_1.2/3=4+5-6@7 8", "Value": "Équipe 9"}])
    error = error_of(
        ddb.create_table,
        TableName="too-many-tags",
        KeySchema=KEYS,
        AttributeDefinitions=DEFS,
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": str(i), "Value": "v"} for i in range(51)],
    )
    assert error["Message"] == "One or more parameter values were invalid: Too many tags"
    assert error_of(ddb.describe_table, TableName="too-many-tags")["Code"] == "ResourceNotFoundException"


def test_limits_and_endpoints(ddb, error_of):
    assert ddb.describe_limits()["TableMaxReadCapacityUnits"] == 40000
    assert ddb.describe_endpoints()["Endpoints"][0]["CachePeriodInMinutes"] == 1440


def test_local_secondary_index(ddb, make_table, error_of):
    name = make_table(
        range=("sk", "S"),
        definitions=[("rank", "N")],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_rank",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "rank", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["extra"]},
            }
        ],
    )
    for sk, rank in (("a", 3), ("b", 1), ("c", 2)):
        ddb.put_item(
            TableName=name,
            Item={
                "pk": {"S": "p"},
                "sk": {"S": sk},
                "rank": {"N": str(rank)},
                "extra": {"S": sk},
                "hidden": {"S": "h"},
            },
        )
    found = ddb.query(
        TableName=name,
        IndexName="by_rank",
        KeyConditionExpression="pk = :p AND #r >= :r",
        ExpressionAttributeNames={"#r": "rank"},
        ExpressionAttributeValues={":p": {"S": "p"}, ":r": {"N": "2"}},
    )
    assert [item["sk"]["S"] for item in found["Items"]] == ["c", "a"]
    assert all("hidden" not in item and "extra" in item for item in found["Items"])
    error = error_of(
        ddb.put_item, TableName=name, Item={"pk": {"S": "p"}, "sk": {"S": "d"}, "rank": {"S": "x"}}
    )
    assert error["Message"].startswith(
        "One or more parameter values were invalid: Type mismatch for Index Key rank"
    )


def gsi(name, attribute):
    return {
        "Create": {
            "IndexName": name,
            "KeySchema": [{"AttributeName": attribute, "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }
    }


def test_one_online_index_change_at_a_time(ddb, make_table, error_of, server):
    name = make_table()
    definitions = [{"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}]
    error = error_of(
        ddb.update_table,
        TableName=name,
        AttributeDefinitions=definitions,
        GlobalSecondaryIndexUpdates=[gsi("by_a", "a"), gsi("by_b", "b")],
    )
    assert error["Code"] == "LimitExceededException"
    assert error["Message"] == (
        "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"
    )
    ddb.update_table(
        TableName=name, AttributeDefinitions=definitions[:1], GlobalSecondaryIndexUpdates=[gsi("by_a", "a")]
    )
    error = error_of(
        ddb.update_table,
        TableName=name,
        AttributeDefinitions=definitions[1:],
        GlobalSecondaryIndexUpdates=[gsi("by_b", "b")],
    )
    assert error["Code"] == "LimitExceededException"
    # Writes made while the index builds are indexed too.
    ddb.put_item(TableName=name, Item={"pk": {"S": "during"}, "a": {"S": "x"}})
    server.advance_clock(3)
    ddb.update_table(
        TableName=name, AttributeDefinitions=definitions[1:], GlobalSecondaryIndexUpdates=[gsi("by_b", "b")]
    )
    server.advance_clock(3)
    found = ddb.query(
        TableName=name,
        IndexName="by_a",
        KeyConditionExpression="a = :x",
        ExpressionAttributeValues={":x": {"S": "x"}},
    )
    assert [item["pk"]["S"] for item in found["Items"]] == ["during"]
    table = ddb.describe_table(TableName=name)["Table"]
    assert sorted((i["IndexName"], i["IndexStatus"]) for i in table["GlobalSecondaryIndexes"]) == [
        ("by_a", "ACTIVE"),
        ("by_b", "ACTIVE"),
    ]


def test_switching_to_on_demand_zeroes_index_throughput(ddb, make_table):
    name = make_table(
        definitions=[("a", "S")],
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_a",
                "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2},
            }
        ],
    )
    ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"] == 0


def test_item_count_and_size_follow_every_write(ddb, make_table):
    name = make_table(
        definitions=[("g", "S")],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )

    def usage():
        table = ddb.describe_table(TableName=name)["Table"]
        index = table["GlobalSecondaryIndexes"][0]
        return table["ItemCount"], table["TableSizeBytes"], index["ItemCount"], index["IndexSizeBytes"]

    # Sizes by AWS's rule: attribute name bytes plus value bytes ("pk"+"a" = 3, "g"+"x" = 2).
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "g": {"S": "x"}, "v": {"S": "1234"}})
    assert usage() == (1, 10, 1, 5)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "g": {"S": "x"}, "v": {"S": "12"}})
    assert usage() == (1, 8, 1, 5)
    ddb.update_item(TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="REMOVE g")
    assert usage() == (1, 6, 0, 0)
    ddb.batch_write_item(
        RequestItems={
            name: [
                {"PutRequest": {"Item": {"pk": {"S": "b"}, "g": {"S": "yy"}}}},
                {"PutRequest": {"Item": {"pk": {"S": "c"}}}},
            ]
        }
    )
    assert usage() == (3, 6 + 6 + 3, 1, 6)
    ddb.transact_write_items(
        TransactItems=[
            {"Delete": {"TableName": name, "Key": {"pk": {"S": "b"}}}},
            {
                "Update": {
                    "TableName": name,
                    "Key": {"pk": {"S": "c"}},
                    "UpdateExpression": "SET g = :g",
                    "ExpressionAttributeValues": {":g": {"S": "z"}},
                }
            },
        ]
    )
    assert usage() == (2, 6 + 5, 1, 5)
    ddb.delete_item(TableName=name, Key={"pk": {"S": "missing"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "a"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "c"}})
    assert usage() == (0, 0, 0, 0)


def test_ttl_keeps_its_attribute_until_disabled_with_it(ddb, make_table, error_of):
    name = make_table()
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    for enabled in (True, False):
        error = error_of(
            ddb.update_time_to_live, TableName=name, TimeToLiveSpecification={"Enabled": enabled, "AttributeName": "other"}
        )
        assert error["Message"] == "TimeToLive is active on a different AttributeName: current AttributeName is exp"
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": False, "AttributeName": "exp"})
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}


def test_ttl_ignores_expiry_times_more_than_five_years_old(ddb, make_table, server):
    name = make_table()
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    now = int(server.advance_clock(0))
    ddb.put_item(TableName=name, Item={"pk": {"S": "ancient"}, "exp": {"N": str(now - 6 * 365 * 86400)}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "recent"}, "exp": {"N": str(now - 100)}})
    server.advance_clock(10)
    deadline = time.monotonic() + 5
    while "Item" in ddb.get_item(TableName=name, Key={"pk": {"S": "recent"}}):
        assert time.monotonic() < deadline, "the expired item was never deleted"
        time.sleep(0.05)
    assert "Item" in ddb.get_item(TableName=name, Key={"pk": {"S": "ancient"}})
