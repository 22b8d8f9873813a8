"""BatchGetItem/BatchWriteItem and TransactWriteItems/TransactGetItems through boto3."""

from __future__ import annotations

import pytest


@pytest.fixture
def table(make_table):
    return make_table()


def k(value):
    return {"pk": {"S": value}}


def test_batch_write_and_get(ddb, table):
    ddb.batch_write_item(
        RequestItems={table: [{"PutRequest": {"Item": {**k(str(i)), "v": {"N": str(i)}}}} for i in range(25)]}
    )
    ddb.batch_write_item(RequestItems={table: [{"DeleteRequest": {"Key": k("0")}}]})
    reply = ddb.batch_get_item(
        RequestItems={table: {"Keys": [k("0"), k("1"), k("24")], "ProjectionExpression": "v"}}
    )
    assert sorted(item["v"]["N"] for item in reply["Responses"][table]) == ["1", "24"]
    assert reply["UnprocessedKeys"] == {}


def test_batch_limits_and_duplicates(ddb, table, error_of):
    error = error_of(
        ddb.batch_write_item, RequestItems={table: [{"PutRequest": {"Item": k(str(i))}} for i in range(26)]}
    )
    assert error["Code"] == "ValidationException"
    error = error_of(
        ddb.batch_write_item,
        RequestItems={table: [{"PutRequest": {"Item": k("a")}}, {"DeleteRequest": {"Key": k("a")}}]},
    )
    assert error["Message"] == "Provided list of item keys contains duplicates"
    error = error_of(ddb.batch_get_item, RequestItems={table: {"Keys": [k("a"), k("a")]}})
    assert error["Message"] == "Provided list of item keys contains duplicates"


def test_transact_write_all_or_nothing(ddb, table, error_of):
    ddb.put_item(TableName=table, Item={**k("existing"), "v": {"N": "1"}})
    error = error_of(
        ddb.transact_write_items,
        TransactItems=[
            {"Put": {"TableName": table, "Item": k("new")}},
            {
                "ConditionCheck": {
                    "TableName": table,
                    "Key": k("existing"),
                    "ConditionExpression": "v = :two",
                    "ExpressionAttributeValues": {":two": {"N": "2"}},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
        ],
    )
    assert error["Code"] == "TransactionCanceledException"
    assert error["Message"] == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons"
        " [None, ConditionalCheckFailed]"
    )
    reasons = error["CancellationReasons"]
    assert reasons[0] == {"Code": "None"}
    assert reasons[1]["Code"] == "ConditionalCheckFailed" and reasons[1]["Item"]["v"] == {"N": "1"}
    assert "Item" not in ddb.get_item(TableName=table, Key=k("new"))

    ddb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": k("new")}},
            {
                "Update": {
                    "TableName": table,
                    "Key": k("existing"),
                    "UpdateExpression": "SET v = v + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
            {"Delete": {"TableName": table, "Key": k("gone")}},
        ]
    )
    reply = ddb.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": table, "Key": k("existing")}},
            {"Get": {"TableName": table, "Key": k("new")}},
            {"Get": {"TableName": table, "Key": k("gone")}},
        ]
    )
    assert [r.get("Item") for r in reply["Responses"]] == [{**k("existing"), "v": {"N": "2"}}, k("new"), None]


def test_transaction_rejects_two_actions_on_one_item(ddb, table, error_of):
    error = error_of(
        ddb.transact_write_items,
        TransactItems=[
            {"Put": {"TableName": table, "Item": k("x")}},
            {"Delete": {"TableName": table, "Key": k("x")}},
        ],
    )
    assert error["Code"] == "ValidationException"
    assert error["Message"] == "Transaction request cannot include multiple operations on one item"


def test_client_request_token_is_idempotent(ddb, table, error_of):
    update = {
        "Update": {
            "TableName": table,
            "Key": k("counter"),
            "UpdateExpression": "ADD n :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }
    for _ in range(2):
        ddb.transact_write_items(TransactItems=[update], ClientRequestToken="token-1")
    assert ddb.get_item(TableName=table, Key=k("counter"))["Item"]["n"] == {"N": "1"}
    error = error_of(
        ddb.transact_write_items,
        TransactItems=[{"Put": {"TableName": table, "Item": k("y")}}],
        ClientRequestToken="token-1",
    )
    assert error["Code"] == "IdempotentParameterMismatchException"


def test_token_expires_after_ten_minutes(ddb, table, server):
    update = {
        "Update": {
            "TableName": table,
            "Key": k("later"),
            "UpdateExpression": "ADD n :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }
    ddb.transact_write_items(TransactItems=[update], ClientRequestToken="token-2")
    server.advance_clock(601)
    ddb.transact_write_items(TransactItems=[update], ClientRequestToken="token-2")
    assert ddb.get_item(TableName=table, Key=k("later"))["Item"]["n"] == {"N": "2"}


def test_item_dependent_validation_cancels_the_transaction(ddb, table, error_of):
    ddb.put_item(TableName=table, Item={**k("text"), "v": {"S": "not a number"}})
    error = error_of(
        ddb.transact_write_items,
        TransactItems=[
            {"Put": {"TableName": table, "Item": k("written-only-if-all-succeed")}},
            {
                "Update": {
                    "TableName": table,
                    "Key": k("text"),
                    "UpdateExpression": "SET v = v + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
        ],
    )
    assert error["Code"] == "TransactionCanceledException"
    assert error["Message"] == (
        "Transaction cancelled, please refer cancellation reasons for specific reasons"
        " [None, ValidationError]"
    )
    assert error["CancellationReasons"] == [
        {"Code": "None"},
        {
            "Code": "ValidationError",
            "Message": "An operand in the update expression has an incorrect data type",
        },
    ]
    assert "Item" not in ddb.get_item(TableName=table, Key=k("written-only-if-all-succeed"))
    # A request that is wrong whatever the items hold is refused before the transaction starts.
    error = error_of(
        ddb.transact_write_items,
        TransactItems=[{"Update": {"TableName": table, "Key": k("text"), "UpdateExpression": "SET v = :v"}}],
    )
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith(
        "Invalid UpdateExpression: An expression attribute value used in expression is not defined"
    )


def test_a_key_that_does_not_fit_cancels_before_any_condition(ddb, table, error_of):
    error = error_of(
        ddb.transact_write_items,
        TransactItems=[
            {"ConditionCheck": {"TableName": table, "Key": k("absent"), "ConditionExpression": "attribute_exists(pk)"}},
            {"Put": {"TableName": table, "Item": {"pk": {"N": "7"}}}},
            {"Put": {"TableName": table, "Item": {"pk": {"N": "8"}}}},
            {"Put": {"TableName": table, "Item": k("fine")}},
        ],
    )
    assert error["Code"] == "TransactionCanceledException"
    # Only the first misfit is reported; the false condition before it is not even evaluated.
    assert error["CancellationReasons"] == [
        {"Code": "None"},
        {
            "Code": "ValidationError",
            "Message": "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N",
        },
        {"Code": "None"},
        {"Code": "None"},
    ]
    assert "Item" not in ddb.get_item(TableName=table, Key=k("fine"))


def test_a_transaction_payload_is_limited_to_4_mb(ddb, table, error_of):
    big = {"S": "x" * 100_000}
    actions = [{"Put": {"TableName": table, "Item": {**k(f"big-{i}"), "v": big}}} for i in range(45)]
    error = error_of(ddb.transact_write_items, TransactItems=actions)
    assert error["Code"] == "ValidationException"
    assert "size cannot exceed 4 MB" in error["Message"]
    ddb.transact_write_items(TransactItems=actions[:35])
