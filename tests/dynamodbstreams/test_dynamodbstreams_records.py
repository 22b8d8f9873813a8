"""Streams: records written with each change, read through the DynamoDB Streams API; TTL."""

from __future__ import annotations

import time

import pytest


@pytest.fixture(scope="module")
def ddb(client):
    return client("dynamodb")


@pytest.fixture(scope="module")
def streams(client):
    return client("dynamodbstreams")


def create(ddb, name, view="NEW_AND_OLD_IMAGES"):
    reply = ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
    )
    return reply["TableDescription"]["LatestStreamArn"]


def records(streams, arn, kind="TRIM_HORIZON", **kwargs):
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=kind, **kwargs)[
        "ShardIterator"
    ]
    reply = streams.get_records(ShardIterator=iterator)
    return reply["Records"], reply.get("NextShardIterator")


def test_changes_become_records_in_order(ddb, streams):
    arn = create(ddb, "streamed")
    assert streams.list_streams(TableName="streamed")["Streams"][0]["StreamArn"] == arn
    ddb.put_item(TableName="streamed", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb.put_item(TableName="streamed", Item={"pk": {"S": "a"}, "v": {"N": "1"}})  # no change: no record
    ddb.update_item(
        TableName="streamed",
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET v = :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
    )
    ddb.delete_item(TableName="streamed", Key={"pk": {"S": "a"}})
    ddb.delete_item(TableName="streamed", Key={"pk": {"S": "missing"}})  # nothing deleted: no record
    found, next_iterator = records(streams, arn)
    assert [r["eventName"] for r in found] == ["INSERT", "MODIFY", "REMOVE"]
    modify = found[1]["dynamodb"]
    assert modify["Keys"] == {"pk": {"S": "a"}}
    assert modify["OldImage"]["v"] == {"N": "1"} and modify["NewImage"]["v"] == {"N": "2"}
    assert modify["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in found]
    assert numbers == sorted(numbers)
    assert streams.get_records(ShardIterator=next_iterator)["Records"] == []
    after, _ = records(
        streams, arn, "AFTER_SEQUENCE_NUMBER", SequenceNumber=found[0]["dynamodb"]["SequenceNumber"]
    )
    assert [r["eventName"] for r in after] == ["MODIFY", "REMOVE"]
    at, _ = records(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=found[1]["dynamodb"]["SequenceNumber"])
    assert [r["eventName"] for r in at] == ["MODIFY", "REMOVE"]
    latest, _ = records(streams, arn, "LATEST")
    assert latest == []


def test_old_image_view(ddb, streams):
    arn = create(ddb, "old-images", "OLD_IMAGE")
    ddb.put_item(TableName="old-images", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb.put_item(TableName="old-images", Item={"pk": {"S": "a"}, "v": {"N": "2"}})
    insert, modify = records(streams, arn)[0]
    assert "OldImage" not in insert["dynamodb"] and "NewImage" not in insert["dynamodb"]
    assert modify["dynamodb"]["OldImage"] == {"pk": {"S": "a"}, "v": {"N": "1"}}
    assert "NewImage" not in modify["dynamodb"]


def test_keys_only_view_and_failed_transactions_leave_no_record(ddb, streams):
    arn = create(ddb, "keys-only", "KEYS_ONLY")
    ddb.put_item(TableName="keys-only", Item={"pk": {"S": "a"}, "secret": {"S": "x"}})
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "keys-only", "Item": {"pk": {"S": "b"}}}},
                {
                    "ConditionCheck": {
                        "TableName": "keys-only",
                        "Key": {"pk": {"S": "a"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    found, _ = records(streams, arn)
    assert len(found) == 1 and "NewImage" not in found[0]["dynamodb"]


def test_disabling_the_stream(ddb, streams):
    arn = create(ddb, "disabled", "NEW_IMAGE")
    ddb.update_table(TableName="disabled", StreamSpecification={"StreamEnabled": False})
    assert streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == "DISABLED"
    ddb.put_item(TableName="disabled", Item={"pk": {"S": "a"}})
    assert records(streams, arn)[0] == []


def test_ttl_expiry_deletes_as_the_service(ddb, streams, server):
    arn = create(ddb, "expiring")
    ddb.update_time_to_live(
        TableName="expiring", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}
    )
    now = int(server.advance_clock(0))  # the server's clock: other tests may have moved it
    ddb.put_item(TableName="expiring", Item={"pk": {"S": "soon"}, "exp": {"N": str(now + 100)}})
    ddb.put_item(TableName="expiring", Item={"pk": {"S": "later"}, "exp": {"N": str(now + 10_000)}})
    server.advance_clock(200)
    deadline = time.monotonic() + 5
    while "Item" in ddb.get_item(TableName="expiring", Key={"pk": {"S": "soon"}}):
        assert time.monotonic() < deadline, "the expired item was never deleted"
        time.sleep(0.05)
    assert "Item" in ddb.get_item(TableName="expiring", Key={"pk": {"S": "later"}})
    found, _ = records(streams, arn)
    removal = found[-1]
    assert removal["eventName"] == "REMOVE"
    assert removal["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}


def test_records_are_kept_24_hours(ddb, streams, server):
    arn = create(ddb, "retained", "KEYS_ONLY")
    ddb.put_item(TableName="retained", Item={"pk": {"S": "old"}})
    server.advance_clock(23 * 3600)
    ddb.put_item(TableName="retained", Item={"pk": {"S": "new"}})
    (old, new), _ = records(streams, arn)
    server.advance_clock(2 * 3600)
    found, _ = records(streams, arn)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in found] == ["new"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    assert shard["SequenceNumberRange"]["StartingSequenceNumber"] == new["dynamodb"]["SequenceNumber"]
    with pytest.raises(streams.exceptions.TrimmedDataAccessException):
        streams.get_shard_iterator(
            StreamArn=arn,
            ShardId=shard["ShardId"],
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=old["dynamodb"]["SequenceNumber"],
        )
    # A disabled stream stays readable for 24 hours, then is gone from ListStreams.
    ddb.update_table(TableName="retained", StreamSpecification={"StreamEnabled": False})
    assert [s["StreamArn"] for s in streams.list_streams(TableName="retained")["Streams"]] == [arn]
    server.advance_clock(25 * 3600)
    assert streams.list_streams(TableName="retained")["Streams"] == []


def test_shard_iterators_expire_after_15_minutes(ddb, streams, server):
    arn = create(ddb, "iterated", "KEYS_ONLY")
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")[
        "ShardIterator"
    ]
    server.advance_clock(16 * 60)
    with pytest.raises(streams.exceptions.ExpiredIteratorException):
        streams.get_records(ShardIterator=iterator)
