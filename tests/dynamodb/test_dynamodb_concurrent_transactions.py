"""Transactions from many client threads at once on the same items: each is all or nothing and
they serialize, so no increment is lost and two items changed together never drift apart.
(AWS may refuse one of two overlapping transactions with TransactionConflict; cloudlet commits
them one after another, so a client's retry loop is never needed but never wrong.)"""

from __future__ import annotations

import threading

from cloudlet.testing.clients import make_client

THREADS = 6
EACH = 15


def test_concurrent_transactions_lose_nothing(endpoint, ddb, make_table):
    table = make_table()
    for name in ("a", "b"):
        ddb.put_item(TableName=table, Item={"pk": {"S": name}, "n": {"N": "0"}})
    failures: list[BaseException] = []

    def worker() -> None:
        client = make_client(endpoint, "dynamodb")
        try:
            for _ in range(EACH):
                client.transact_write_items(
                    TransactItems=[
                        {
                            "Update": {
                                "TableName": table,
                                "Key": {"pk": {"S": name}},
                                "UpdateExpression": "SET n = n + :one",
                                "ConditionExpression": "attribute_exists(pk)",
                                "ExpressionAttributeValues": {":one": {"N": "1"}},
                            }
                        }
                        for name in ("a", "b")
                    ]
                )
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    counts = [
        ddb.get_item(TableName=table, Key={"pk": {"S": name}}, ConsistentRead=True)["Item"]["n"]["N"]
        for name in ("a", "b")
    ]
    assert counts == [str(THREADS * EACH)] * 2
