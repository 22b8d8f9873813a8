"""Local secondary indexes: item collection metrics and reads of attributes an LSI does not
project; and BatchGetItem's 16 MB response limit."""

from __future__ import annotations

import pytest


@pytest.fixture
def lsi_table(make_table):
    return make_table(
        range=("sk", "S"),
        definitions=[("rank", "N")],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_rank",
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["label"]},
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "rank", "KeyType": "RANGE"},
                ],
            }
        ],
    )


def item(sk, rank, **extra):
    return {
        "pk": {"S": "p"},
        "sk": {"S": sk},
        "rank": {"N": str(rank)},
        "label": {"S": f"l{sk}"},
        "body": {"S": "x" * 5000},
        **extra,
    }


def test_item_collection_metrics(ddb, lsi_table, make_table):
    expected = {"ItemCollectionKey": {"pk": {"S": "p"}}, "SizeEstimateRangeGB": [0.0, 1.0]}
    reply = ddb.put_item(TableName=lsi_table, Item=item("a", 1), ReturnItemCollectionMetrics="SIZE")
    assert reply["ItemCollectionMetrics"] == expected
    reply = ddb.update_item(
        TableName=lsi_table,
        Key={"pk": {"S": "p"}, "sk": {"S": "a"}},
        UpdateExpression="SET label = :l",
        ExpressionAttributeValues={":l": {"S": "new"}},
        ReturnItemCollectionMetrics="SIZE",
    )
    assert reply["ItemCollectionMetrics"] == expected
    assert "ItemCollectionMetrics" not in ddb.put_item(TableName=lsi_table, Item=item("b", 2))
    reply = ddb.batch_write_item(
        RequestItems={
            lsi_table: [
                {"PutRequest": {"Item": item("c", 3)}},
                {"DeleteRequest": {"Key": {"pk": {"S": "p"}, "sk": {"S": "b"}}}},
            ]
        },
        ReturnItemCollectionMetrics="SIZE",
    )
    assert reply["ItemCollectionMetrics"] == {lsi_table: [expected, expected]}
    reply = ddb.transact_write_items(
        TransactItems=[{"Put": {"TableName": lsi_table, "Item": item("d", 4)}}],
        ReturnItemCollectionMetrics="SIZE",
    )
    assert reply["ItemCollectionMetrics"] == {lsi_table: [expected]}
    reply = ddb.delete_item(
        TableName=lsi_table, Key={"pk": {"S": "p"}, "sk": {"S": "d"}}, ReturnItemCollectionMetrics="SIZE"
    )
    assert reply["ItemCollectionMetrics"] == expected
    # Only tables with a local index have item collections.
    plain = make_table()
    reply = ddb.put_item(TableName=plain, Item={"pk": {"S": "p"}}, ReturnItemCollectionMetrics="SIZE")
    assert "ItemCollectionMetrics" not in reply


def test_lsi_query_fetches_unprojected_attributes_from_the_table(ddb, lsi_table):
    for sk, rank in (("a", 3), ("b", 1), ("c", 2)):
        ddb.put_item(TableName=lsi_table, Item=item(sk, rank))
    query = {
        "TableName": lsi_table,
        "IndexName": "by_rank",
        "KeyConditionExpression": "pk = :p AND #r >= :r",
        "ExpressionAttributeNames": {"#r": "rank"},
        "ExpressionAttributeValues": {":p": {"S": "p"}, ":r": {"N": "2"}},
        "ReturnConsumedCapacity": "INDEXES",
    }
    projected = ddb.query(**query)
    assert [set(i) for i in projected["Items"]] == [{"pk", "sk", "rank", "label"}] * 2
    assert (
        "Table" not in projected["ConsumedCapacity"]
        or projected["ConsumedCapacity"]["Table"]["CapacityUnits"] == 0
    )
    everything = ddb.query(**query, Select="ALL_ATTRIBUTES")
    assert [i["sk"]["S"] for i in everything["Items"]] == ["c", "a"]
    assert everything["Items"][0]["body"] == {"S": "x" * 5000}
    spent = everything["ConsumedCapacity"]
    # Each fetched item (about 5 KB) is its own read of the table: 2 x 4 KB units, halved.
    assert spent["Table"]["ReadCapacityUnits"] == 2.0
    assert spent["LocalSecondaryIndexes"]["by_rank"]["ReadCapacityUnits"] == 0.5
    filtered = ddb.query(
        **{**query, "ExpressionAttributeValues": {**query["ExpressionAttributeValues"], ":n": {"N": "5000"}}},
        ProjectionExpression="sk, body",
        FilterExpression="size(body) = :n",
    )
    assert [set(i) for i in filtered["Items"]] == [{"sk", "body"}] * 2


def test_batch_get_stops_at_sixteen_megabytes(ddb, make_table):
    name = make_table()
    body = "y" * (390 * 1024)
    keys = [{"pk": {"S": f"k{i:02}"}} for i in range(45)]
    for start in (0, 23):
        ddb.batch_write_item(
            RequestItems={
                name: [
                    {"PutRequest": {"Item": {**key, "body": {"S": body}}}} for key in keys[start : start + 23]
                ]
            }
        )
    reply = ddb.batch_get_item(
        RequestItems={name: {"Keys": keys, "ProjectionExpression": "pk", "ConsistentRead": True}}
    )
    returned = reply["Responses"][name]
    left = reply["UnprocessedKeys"][name]
    assert 40 <= len(returned) < 45 and len(returned) + len(left["Keys"]) == 45
    assert left["ProjectionExpression"] == "pk" and left["ConsistentRead"] is True
    rest = ddb.batch_get_item(RequestItems=reply["UnprocessedKeys"])
    assert rest["UnprocessedKeys"] == {}
    assert sorted(i["pk"]["S"] for i in returned + rest["Responses"][name]) == [k["pk"]["S"] for k in keys]
