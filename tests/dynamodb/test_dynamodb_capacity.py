"""ReturnConsumedCapacity=INDEXES: the table's and each index's units, per the 1 KB write and 4 KB
read unit rules, for single writes, batches, transactions and index reads."""

from __future__ import annotations

import pytest


@pytest.fixture
def table(make_table):
    return make_table(
        definitions=[("g", "S")],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )


def units(table, total, table_units, index_units=None, kind="WriteCapacityUnits"):
    expected = {
        "TableName": table,
        "CapacityUnits": total,
        kind: total,
        "Table": {"CapacityUnits": table_units, kind: table_units},
    }
    if index_units is not None:
        expected["GlobalSecondaryIndexes"] = {"by_g": {"CapacityUnits": index_units, kind: index_units}}
    return expected


def test_single_item_writes(ddb, table):
    item = {"pk": {"S": "a"}, "g": {"S": "x"}, "body": {"S": "b" * 1500}}
    reply = ddb.put_item(TableName=table, Item=item, ReturnConsumedCapacity="INDEXES")
    # 2 KB in the table; the index holds only the keys (one unit).
    assert reply["ConsumedCapacity"] == units(table, 3.0, 2.0, 1.0)
    reply = ddb.update_item(
        TableName=table,
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET body = :b",
        ExpressionAttributeValues={":b": {"S": "c"}},
        ReturnConsumedCapacity="INDEXES",
    )
    # The index's entry did not change: nothing written there.
    assert reply["ConsumedCapacity"] == units(table, 2.0, 2.0)
    reply = ddb.update_item(
        TableName=table,
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET g = :g",
        ExpressionAttributeValues={":g": {"S": "y"}},
        ReturnConsumedCapacity="INDEXES",
    )
    # A new index key: the old entry is deleted and the new one put.
    assert reply["ConsumedCapacity"] == units(table, 3.0, 1.0, 2.0)
    reply = ddb.put_item(TableName=table, Item={"pk": {"S": "sparse"}}, ReturnConsumedCapacity="INDEXES")
    assert reply["ConsumedCapacity"] == units(table, 1.0, 1.0)
    reply = ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}}, ReturnConsumedCapacity="TOTAL")
    assert reply["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}


def test_batches_and_transactions(ddb, table):
    puts = [{"PutRequest": {"Item": {"pk": {"S": f"b{i}"}, "g": {"S": "x"}}}} for i in range(3)]
    reply = ddb.batch_write_item(RequestItems={table: puts}, ReturnConsumedCapacity="INDEXES")
    assert reply["ConsumedCapacity"] == [units(table, 6.0, 3.0, 3.0)]
    reply = ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "t"}, "g": {"S": "x"}}}},
            {
                "ConditionCheck": {
                    "TableName": table,
                    "Key": {"pk": {"S": "b0"}},
                    "ConditionExpression": "attribute_exists(g)",
                }
            },
        ],
        ReturnConsumedCapacity="INDEXES",
    )
    # Transactional writes cost twice; a condition check is a write of the table only.
    assert reply["ConsumedCapacity"] == [units(table, 6.0, 4.0, 2.0)]


def test_index_reads(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "r"}, "g": {"S": "z"}, "body": {"S": "b" * 9000}})
    reply = ddb.query(
        TableName=table,
        IndexName="by_g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "z"}},
        ReturnConsumedCapacity="INDEXES",
    )
    spent = reply["ConsumedCapacity"]
    # The KEYS_ONLY entry is small: one 4 KB unit, halved for an eventually consistent read.
    assert spent["CapacityUnits"] == 0.5
    assert spent["GlobalSecondaryIndexes"] == {"by_g": {"CapacityUnits": 0.5, "ReadCapacityUnits": 0.5}}
    reply = ddb.get_item(
        TableName=table, Key={"pk": {"S": "r"}}, ConsistentRead=True, ReturnConsumedCapacity="INDEXES"
    )
    assert reply["ConsumedCapacity"] == units(table, 3.0, 3.0, kind="ReadCapacityUnits")
