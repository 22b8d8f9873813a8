"""Clients a user would reach for, unmodified: the AWS CLI and PynamoDB models."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactGet, TransactWrite

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def aws(endpoint: str, *args: str) -> subprocess.Popen:
    """Starts `aws dynamodb <args>`; each CLI start costs over a second, so tests overlap them."""
    env = {
        **os.environ,
        **CREDENTIALS,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    command = [os.path.join(os.path.dirname(sys.executable), "aws"), "dynamodb", *args, "--output", "json"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finished(process: subprocess.Popen) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=60)
    return process.returncode, stdout, stderr


def test_aws_cli(endpoint):
    code, stdout, stderr = finished(
        aws(
            endpoint,
            "create-table",
            "--table-name",
            "cli",
            "--billing-mode",
            "PAY_PER_REQUEST",
            "--attribute-definitions",
            "AttributeName=pk,AttributeType=S",
            "AttributeName=sk,AttributeType=N",
            "--key-schema",
            "AttributeName=pk,KeyType=HASH",
            "AttributeName=sk,KeyType=RANGE",
        )
    )
    assert code == 0, stderr
    assert json.loads(stdout)["TableDescription"]["TableName"] == "cli"
    code, stdout, stderr = finished(
        aws(
            endpoint,
            "put-item",
            "--table-name",
            "cli",
            "--return-consumed-capacity",
            "TOTAL",
            "--item",
            json.dumps({"pk": {"S": "p"}, "sk": {"N": "1.50"}, "v": {"SS": ["a", "b"]}}),
        )
    )
    assert code == 0, stderr
    assert json.loads(stdout)["ConsumedCapacity"]["CapacityUnits"] == 1.0
    query = aws(
        endpoint,
        "query",
        "--table-name",
        "cli",
        "--key-condition-expression",
        "pk = :p AND sk > :s",
        "--expression-attribute-values",
        '{":p": {"S": "p"}, ":s": {"N": "1"}}',
    )
    conditional = aws(
        endpoint,
        "put-item",
        "--table-name",
        "cli",
        "--item",
        '{"pk": {"S": "p"}, "sk": {"N": "1.5"}}',
        "--condition-expression",
        "attribute_not_exists(pk)",
    )
    code, stdout, stderr = finished(query)
    assert code == 0, stderr
    assert json.loads(stdout)["Items"] == [{"pk": {"S": "p"}, "sk": {"N": "1.5"}, "v": {"SS": ["a", "b"]}}]
    code, _, stderr = finished(conditional)
    assert code != 0
    assert "ConditionalCheckFailedException" in stderr and "The conditional request failed" in stderr


def test_aws_cli_updates_transactions_and_waiters(endpoint, ddb):
    ddb.create_table(
        TableName="cli-more",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    )
    ddb.put_item(TableName="cli-more", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    waiter = aws(endpoint, "wait", "table-exists", "--table-name", "cli-more")
    update = aws(
        endpoint,
        "update-item",
        "--table-name",
        "cli-more",
        "--key",
        '{"pk": {"S": "a"}}',
        "--update-expression",
        "SET n = n + :one",
        "--expression-attribute-values",
        '{":one": {"N": "1"}}',
        "--return-values",
        "UPDATED_NEW",
    )
    cancelled = aws(
        endpoint,
        "transact-write-items",
        "--transact-items",
        json.dumps(
            [
                {"Put": {"TableName": "cli-more", "Item": {"pk": {"S": "b"}}}},
                {
                    "ConditionCheck": {
                        "TableName": "cli-more",
                        "Key": {"pk": {"S": "a"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        ),
    )
    described = aws(endpoint, "describe-table", "--table-name", "cli-more")
    code, _, stderr = finished(waiter)
    assert code == 0, stderr
    code, stdout, stderr = finished(update)
    assert code == 0, stderr
    assert json.loads(stdout) == {"Attributes": {"n": {"N": "2"}}}
    code, _, stderr = finished(cancelled)
    assert code != 0
    assert "TransactionCanceledException" in stderr and "[None, ConditionalCheckFailed]" in stderr
    code, stdout, stderr = finished(described)
    assert code == 0, stderr
    assert json.loads(stdout)["Table"]["ItemCount"] == 1


# -- PynamoDB ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def models(endpoint):
    with pytest.MonkeyPatch.context() as patch:
        for name, value in CREDENTIALS.items():
            patch.setenv(name, value)

        class ByEmail(GlobalSecondaryIndex):
            class Meta:
                index_name = "by_email"
                projection = AllProjection()

            email = UnicodeAttribute(hash_key=True)

        class User(Model):
            class Meta:
                table_name = "pynamodb-users"
                host = endpoint
                region = "us-east-1"
                billing_mode = "PAY_PER_REQUEST"

            org = UnicodeAttribute(hash_key=True)
            name = UnicodeAttribute(range_key=True)
            email = UnicodeAttribute()
            visits = NumberAttribute(default=0)
            tags = UnicodeSetAttribute(null=True)
            by_email = ByEmail()

        User.create_table(wait=True)
        yield User, Connection(host=endpoint, region="us-east-1")


def test_pynamodb_model_crud_query_and_index(models):
    user_model, _ = models
    for name in ("ada", "alan", "grace"):
        user_model("acme", name, email=f"{name}@acme.test").save()
    user = user_model.get("acme", "ada")
    assert user.email == "ada@acme.test" and user.visits == 0
    assert [u.name for u in user_model.query("acme", user_model.name.startswith("a"))] == ["ada", "alan"]
    assert [u.name for u in user_model.query("acme", scan_index_forward=False, limit=1)] == ["grace"]
    assert [u.name for u in user_model.by_email.query("grace@acme.test")] == ["grace"]
    assert sorted(u.name for u in user_model.scan(user_model.email.contains("al"))) == ["alan"]
    user.update(actions=[user_model.visits.add(2), user_model.tags.add({"admin", "dev"})])
    assert user.visits == 2 and user.tags == {"admin", "dev"}
    user.update(actions=[user_model.tags.delete({"dev"}), user_model.email.set("ada@new.test")])
    fresh = user_model.get("acme", "ada", consistent_read=True)
    assert (fresh.tags, fresh.email, fresh.visits) == ({"admin"}, "ada@new.test", 2)
    with pytest.raises(PutError) as failure:
        user_model("acme", "ada", email="dup@acme.test").save(condition=user_model.org.does_not_exist())
    assert failure.value.cause_response_code == "ConditionalCheckFailedException"
    assert user_model.count("acme") == 3
    user_model.get("acme", "alan").delete()
    assert user_model.count("acme") == 2


def test_pynamodb_batch_and_transactions(models):
    user_model, connection = models
    with user_model.batch_write() as batch:
        for i in range(30):  # more than one BatchWriteItem call
            batch.save(user_model("bulk", f"u{i:02}", email=f"u{i}@bulk.test"))
    assert user_model.count("bulk") == 30
    found = list(user_model.batch_get([("bulk", "u00"), ("bulk", "u29"), ("bulk", "missing")]))
    assert sorted(u.name for u in found) == ["u00", "u29"]
    first, second = user_model.get("bulk", "u00"), user_model.get("bulk", "u01")
    with TransactWrite(connection=connection) as transaction:
        transaction.update(first, actions=[user_model.visits.add(10)])
        transaction.delete(second)
        transaction.save(user_model("bulk", "new", email="new@bulk.test"))
    with TransactGet(connection=connection) as reads:
        got = reads.get(user_model, "bulk", "u00")
        new = reads.get(user_model, "bulk", "new")
    assert got.get().visits == 10 and new.get().email == "new@bulk.test"
    with pytest.raises(TransactWriteError) as failure, TransactWrite(connection=connection) as transaction:
        transaction.save(user_model("bulk", "other", email="x@bulk.test"))
        transaction.condition_check(user_model, "bulk", "u00", condition=user_model.visits == 0)
    assert failure.value.cause_response_code == "TransactionCanceledException"
    # PynamoDB sends condition checks ahead of puts; reasons follow the request's order.
    assert [reason and reason.code for reason in failure.value.cancellation_reasons] == [
        "ConditionalCheckFailed",
        None,
    ]
    assert user_model.count("bulk", user_model.name == "other") == 0
