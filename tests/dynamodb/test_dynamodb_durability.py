"""Acknowledged writes survive the server being killed (SIGKILL) and started again on its data."""

from __future__ import annotations

import shutil

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server


def test_writes_survive_kill_9(tmp_path):
    data_dir = str(tmp_path / "data")
    server = start_server(data_dir)
    try:
        ddb = make_client(server.endpoint, "dynamodb")
        ddb.create_table(
            TableName="kept",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_g",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
        for i in range(20):
            ddb.put_item(TableName="kept", Item={"pk": {"S": f"k{i}"}, "g": {"S": "all"}})
        ddb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": "kept",
                        "Key": {"pk": {"S": "k0"}},
                        "UpdateExpression": "SET n = :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                }
            ]
        )
        server.stop(kill=True)
        server = start_server(data_dir, port=int(server.endpoint.rsplit(":", 1)[1]))
        ddb = make_client(server.endpoint, "dynamodb")
        assert ddb.describe_table(TableName="kept")["Table"]["ItemCount"] == 20
        assert ddb.get_item(TableName="kept", Key={"pk": {"S": "k0"}})["Item"]["n"] == {"N": "1"}
        found = ddb.query(
            TableName="kept",
            IndexName="by_g",
            KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": "all"}},
            Select="COUNT",
        )
        assert found["Count"] == 20
        streams = make_client(server.endpoint, "dynamodbstreams")
        arn = ddb.describe_table(TableName="kept")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
            "ShardIterator"
        ]
        assert len(streams.get_records(ShardIterator=iterator)["Records"]) == 21
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
