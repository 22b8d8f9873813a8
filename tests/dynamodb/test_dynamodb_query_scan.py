"""Query and Scan through boto3: key order, conditions, paging, filters, Select, parallel scan."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def numbers(ddb):
    ddb.create_table(
        TableName="numbers",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "n", "AttributeType": "N"},
        ],
    )
    values = ["-100", "-2.5", "-2", "0", "0.5", "1", "2", "10", "11", "100.25"]
    with_items = {
        "RequestItems": {
            "numbers": [
                {"PutRequest": {"Item": {"pk": {"S": "p"}, "n": {"N": v}, "odd": {"BOOL": i % 2 == 1}}}}
                for i, v in enumerate(values)
            ]
        }
    }
    ddb.batch_write_item(**with_items)
    ddb.put_item(TableName="numbers", Item={"pk": {"S": "other"}, "n": {"N": "1"}})
    return values


def query(ddb, condition, values, **kwargs):
    reply = ddb.query(
        TableName="numbers",
        KeyConditionExpression=condition,
        ExpressionAttributeValues={":p": {"S": "p"}, **values},
        **kwargs,
    )
    return [item["n"]["N"] for item in reply.get("Items", [])], reply


def test_sort_key_orders_numerically(ddb, numbers):
    assert query(ddb, "pk = :p", {})[0] == numbers
    assert query(ddb, "pk = :p", {}, ScanIndexForward=False)[0] == numbers[::-1]


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        ("pk = :p AND n < :v", {":v": {"N": "0"}}, ["-100", "-2.5", "-2"]),
        ("pk = :p AND n <= :v", {":v": {"N": "0"}}, ["-100", "-2.5", "-2", "0"]),
        ("pk = :p AND n > :v", {":v": {"N": "10"}}, ["11", "100.25"]),
        ("n >= :v AND pk = :p", {":v": {"N": "10"}}, ["10", "11", "100.25"]),
        (
            "pk = :p AND n BETWEEN :a AND :b",
            {":a": {"N": "-2.5"}, ":b": {"N": "1"}},
            ["-2.5", "-2", "0", "0.5", "1"],
        ),
        ("pk = :p AND n = :v", {":v": {"N": "2.0"}}, ["2"]),
    ],
)
def test_key_conditions(ddb, numbers, condition, values, expected):
    assert query(ddb, condition, values)[0] == expected


def test_begins_with_on_strings(ddb, make_table):
    name = make_table(range=("sk", "S"))
    for sk in ("a", "ab", "abc", "abd", "b", "a\xff", "ac"):
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"S": sk}})
    reply = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p AND begins_with(sk, :pre)",
        ExpressionAttributeValues={":p": {"S": "p"}, ":pre": {"S": "ab"}},
    )
    assert [item["sk"]["S"] for item in reply["Items"]] == ["ab", "abc", "abd"]


def test_limit_and_paging(ddb, numbers):
    seen, start, pages = [], None, 0
    while True:
        kwargs = {"ExclusiveStartKey": start} if start else {}
        found, reply = query(ddb, "pk = :p", {}, Limit=3, **kwargs)
        seen += found
        pages += 1
        start = reply.get("LastEvaluatedKey")
        if not start:
            break
    assert seen == numbers and pages == 4


def test_filter_counts_scanned_items(ddb, numbers):
    found, reply = query(ddb, "pk = :p", {":t": {"BOOL": True}}, FilterExpression="odd = :t", Limit=4)
    assert found == ["-2.5", "0"]
    assert reply["Count"] == 2 and reply["ScannedCount"] == 4


def test_select_count_and_projection(ddb, numbers):
    _, reply = query(ddb, "pk = :p", {}, Select="COUNT")
    assert reply["Count"] == len(numbers) and "Items" not in reply
    reply = ddb.query(
        TableName="numbers",
        KeyConditionExpression="pk = :p",
        ProjectionExpression="odd",
        ExpressionAttributeValues={":p": {"S": "p"}},
    )
    assert reply["Items"][0] == {"odd": {"BOOL": False}}


@pytest.mark.parametrize(
    ("condition", "values", "message"),
    [
        ("n = :v", {":v": {"N": "1"}}, "Query condition missed key schema element: pk"),
        (
            "pk = :p OR n = :v",
            {":v": {"N": "1"}},
            "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: OR",
        ),
        (
            "pk = :p AND n = :v",
            {":v": {"S": "1"}},
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        ),
        (
            "pk = :p AND n BETWEEN :b AND :a",
            {":a": {"N": "1"}, ":b": {"N": "5"}},
            "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to",
        ),
        (
            "pk = :p AND n.deep = :v",
            {":v": {"N": "1"}},
            "Invalid KeyConditionExpression: KeyConditionExpressions cannot have conditions on nested attributes",
        ),
    ],
)
def test_key_condition_errors(ddb, numbers, error_of, condition, values, message):
    if ":p" in condition:
        values = {":p": {"S": "p"}, **values}
    error = error_of(
        ddb.query, TableName="numbers", KeyConditionExpression=condition, ExpressionAttributeValues=values
    )
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith(message)


def test_scan_pages_and_parallel_segments(ddb, numbers):
    everything = []
    for page in ddb.get_paginator("scan").paginate(TableName="numbers", PaginationConfig={"PageSize": 4}):
        everything += page["Items"]
    assert len(everything) == len(numbers) + 1
    segments = [ddb.scan(TableName="numbers", Segment=s, TotalSegments=3)["Items"] for s in range(3)]
    assert sorted(len(items) for items in segments) != [0, 0, 0]
    assert sum(len(items) for items in segments) == len(numbers) + 1


def test_one_megabyte_pages(ddb, make_table):
    name = make_table(range=("sk", "N"))
    blob = "x" * 300_000
    for i in range(5):
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "v": {"S": blob}})
    first = ddb.query(
        TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}}
    )
    assert first["Count"] == 4 and first["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"N": "3"}}
    rest = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        ExclusiveStartKey=first["LastEvaluatedKey"],
    )
    assert rest["Count"] == 1 and "LastEvaluatedKey" not in rest


def test_sparse_global_index_pages_by_index_and_table_keys(ddb, make_table):
    name = make_table(
        definitions=[("status", "S")],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_status",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    for i in range(5):
        item = {"pk": {"S": f"p{i}"}}
        if i != 2:
            item["status"] = {"S": "open"}
        ddb.put_item(TableName=name, Item=item)
    ddb.update_item(
        TableName=name,
        Key={"pk": {"S": "p0"}},
        UpdateExpression="REMOVE #s",
        ExpressionAttributeNames={"#s": "status"},
    )
    found, start = [], None
    while True:
        kwargs = {"ExclusiveStartKey": start} if start else {}
        reply = ddb.query(
            TableName=name,
            IndexName="by_status",
            KeyConditionExpression="#s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "open"}},
            Limit=2,
            **kwargs,
        )
        found += [item["pk"]["S"] for item in reply["Items"]]
        start = reply.get("LastEvaluatedKey")
        if not start:
            break
        assert set(start) == {"pk", "status"}
    assert sorted(found) == ["p1", "p3", "p4"]
    assert ddb.scan(TableName=name, IndexName="by_status")["Count"] == 3


def test_index_and_filter_rules(ddb, make_table, error_of):
    name = make_table(
        range=("sk", "N"),
        definitions=[("g", "S")],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": "1"}, "g": {"S": "x"}})
    error = error_of(
        ddb.query,
        TableName=name,
        IndexName="by_g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "x"}},
        ConsistentRead=True,
    )
    assert error["Message"] == "Consistent reads are not supported on global secondary indexes"
    error = error_of(
        ddb.query,
        TableName=name,
        KeyConditionExpression="pk = :p",
        FilterExpression="sk > :s",
        ExpressionAttributeValues={":p": {"S": "p"}, ":s": {"N": "0"}},
    )
    assert (
        error["Message"]
        == "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"
    )
    # The table's sort key is an ordinary attribute of the index's items; a Scan may filter on keys.
    reply = ddb.query(
        TableName=name,
        IndexName="by_g",
        KeyConditionExpression="g = :g",
        FilterExpression="sk > :s",
        ExpressionAttributeValues={":g": {"S": "x"}, ":s": {"N": "0"}},
    )
    assert reply["Count"] == 1
    assert (
        ddb.scan(TableName=name, FilterExpression="sk > :s", ExpressionAttributeValues={":s": {"N": "0"}})[
            "Count"
        ]
        == 1
    )


def test_specific_attributes_need_a_projection(ddb, numbers, error_of):
    error = error_of(
        ddb.query,
        TableName="numbers",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        Select="SPECIFIC_ATTRIBUTES",
    )
    assert error["Message"] == (
        "1 validation error detected: Must specify the AttributesToGet or ProjectionExpression"
        " when choosing to get SPECIFIC_ATTRIBUTES"
    )
    error = error_of(ddb.scan, TableName="numbers", Select="SPECIFIC_ATTRIBUTES")
    assert error["Message"] == (
        "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"
    )
    reply = ddb.scan(TableName="numbers", Select="SPECIFIC_ATTRIBUTES", AttributesToGet=["odd"], Limit=1)
    assert set(reply["Items"][0]) <= {"odd"}


def test_a_segment_refuses_a_start_key_outside_it(ddb, numbers, error_of):
    start = {"pk": {"S": "p"}, "n": {"N": "1"}}
    owners = [
        s for s in range(4) if not error_of_or_none(ddb, Segment=s, TotalSegments=4, ExclusiveStartKey=start)
    ]
    assert len(owners) == 1  # the key's partition lies in exactly one of the segments
    error = error_of(
        ddb.scan, TableName="numbers", Segment=(owners[0] + 1) % 4, TotalSegments=4, ExclusiveStartKey=start
    )
    assert error["Message"] == (
        "The provided Exclusive start key does not map to the provided Segment and TotalSegments values."
    )


def error_of_or_none(ddb, **kwargs):
    try:
        ddb.scan(TableName="numbers", **kwargs)
    except ddb.exceptions.ClientError as exc:
        return exc.response["Error"]
    return None


@pytest.mark.parametrize(
    ("select", "given", "message"),
    [
        ("COUNT", {"ProjectionExpression": "n"}, "Cannot specify the ProjectionExpression when choosing to get only the Count"),
        ("COUNT", {"AttributesToGet": ["n"]}, "Cannot specify the AttributesToGet when choosing to get only the Count"),
        (
            "ALL_ATTRIBUTES",
            {"AttributesToGet": ["n"]},
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not compatible with"
            " AttributesToGet",
        ),
    ],
)
def test_select_names_the_projection_it_contradicts(ddb, numbers, error_of, select, given, message):
    assert error_of(ddb.scan, TableName="numbers", Select=select, **given)["Message"] == message
