"""The control plane through boto3: tables, indexes, TTL, tags, limits, and AWS's errors."""

from __future__ import annotations

import pytest

KEYS = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEFS = [{"AttributeName": "pk", "AttributeType": "S"}]


def test_create_describe_delete(ddb, error_of):
    created = ddb.create_table(TableName="lifecycle", KeySchema=KEYS, AttributeDefinitions=DEFS,
                               ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 3})
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
    assert ddb.delete_table(TableName="lifecycle")["TableDescription"]["TableStatus"] == "DELETING"
    error = error_of(ddb.describe_table, TableName="lifecycle")
    assert error["Code"] == "ResourceNotFoundException"
    assert error["Message"] == "Requested resource not found: Table: lifecycle not found"


def test_create_existing_table_is_in_use(ddb, make_table, error_of):
    name = make_table()
    error = error_of(ddb.create_table, TableName=name, KeySchema=KEYS, AttributeDefinitions=DEFS,
                     BillingMode="PAY_PER_REQUEST")
    assert error["Code"] == "ResourceInUseException"
    assert error["Message"] == f"Table already exists: {name}"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"AttributeDefinitions": [{"AttributeName": "other", "AttributeType": "S"}]},
     "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions."),
    ({"AttributeDefinitions": [*DEFS, {"AttributeName": "x", "AttributeType": "S"}]},
     "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match"),
    ({"KeySchema": [{"AttributeName": "pk", "KeyType": "RANGE"}]},
     "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
    ({"BillingMode": "PROVISIONED"},
     "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified"),
])
def test_create_validation(ddb, kwargs, message, error_of):
    params = {"TableName": "invalid", "KeySchema": KEYS, "AttributeDefinitions": DEFS,
              "BillingMode": "PAY_PER_REQUEST", **kwargs}
    error = error_of(ddb.create_table, **params)
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith(message)


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
        TableName=name, AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"},
                                              {"AttributeName": "n", "AttributeType": "N"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                               {"AttributeName": "n", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}}}])
    assert reply["TableDescription"]["TableStatus"] == "UPDATING"
    assert reply["TableDescription"]["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["TableStatus"] == "UPDATING" and table["GlobalSecondaryIndexes"][0]["Backfilling"] is True
    error = error_of(ddb.query, TableName=name, IndexName="by_g", KeyConditionExpression="g = :g",
                     ExpressionAttributeValues={":g": {"S": "same"}})
    assert error["Message"] == "Cannot read from backfilling global secondary index: by_g"
    server.advance_clock(3)
    table = ddb.describe_table(TableName=name)["Table"]
    index = table["GlobalSecondaryIndexes"][0]
    assert table["TableStatus"] == "ACTIVE" and index["IndexStatus"] == "ACTIVE" and "Backfilling" not in index
    assert index["ItemCount"] == 3
    found = ddb.query(TableName=name, IndexName="by_g", KeyConditionExpression="g = :g",
                      ExpressionAttributeValues={":g": {"S": "same"}}, ScanIndexForward=False)
    assert [item["pk"]["S"] for item in found["Items"]] == ["p2", "p1", "p0"]
    assert set(found["Items"][0]) == {"pk", "g", "n"}
    ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by_g"}}])
    assert "GlobalSecondaryIndexes" not in ddb.describe_table(TableName=name)["Table"]
    error = error_of(ddb.query, TableName=name, IndexName="by_g", KeyConditionExpression="g = :g",
                     ExpressionAttributeValues={":g": {"S": "same"}})
    assert error["Message"] == "The table does not have the specified index: by_g"


def test_update_table_billing_mode(ddb, make_table, error_of):
    name = make_table()
    ddb.update_table(TableName=name, BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 7, "WriteCapacityUnits": 8})
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 8
    assert "BillingModeSummary" not in table or table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    error = error_of(ddb.update_table, TableName=name)
    assert error["Code"] == "ValidationException"


def test_ttl_and_tags(ddb, make_table, error_of):
    name = make_table()
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    error = error_of(ddb.update_time_to_live, TableName=name,
                     TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert error["Message"] == "TimeToLive is already enabled"
    arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    ddb.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    error = error_of(ddb.list_tags_of_resource, ResourceArn=arn + "nope")
    assert error["Code"] == "ResourceNotFoundException"


def test_limits_and_endpoints(ddb, error_of):
    assert ddb.describe_limits()["TableMaxReadCapacityUnits"] == 40000
    assert ddb.describe_endpoints()["Endpoints"][0]["CachePeriodInMinutes"] == 1440


def test_local_secondary_index(ddb, make_table, error_of):
    name = make_table(range=("sk", "S"), definitions=[("rank", "N")], LocalSecondaryIndexes=[{
        "IndexName": "by_rank", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "rank", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["extra"]}}])
    for sk, rank in (("a", 3), ("b", 1), ("c", 2)):
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"S": sk}, "rank": {"N": str(rank)},
                                           "extra": {"S": sk}, "hidden": {"S": "h"}})
    found = ddb.query(TableName=name, IndexName="by_rank", KeyConditionExpression="pk = :p AND #r >= :r",
                      ExpressionAttributeNames={"#r": "rank"},
                      ExpressionAttributeValues={":p": {"S": "p"}, ":r": {"N": "2"}})
    assert [item["sk"]["S"] for item in found["Items"]] == ["c", "a"]
    assert all("hidden" not in item and "extra" in item for item in found["Items"])
    error = error_of(ddb.put_item, TableName=name, Item={"pk": {"S": "p"}, "sk": {"S": "d"}, "rank": {"S": "x"}})
    assert error["Message"].startswith("One or more parameter values were invalid: Type mismatch for Index Key rank")
