"""DynamoDB fixtures: a client, and tables named per test so tests share one server."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

_names = itertools.count()


@pytest.fixture(scope="module")
def ddb(client):
    return client("dynamodb")


@pytest.fixture
def make_table(ddb) -> Callable[..., str]:
    """make_table(hash=("pk", "S"), range=("sk", "N"), **create_table_kwargs) -> table name."""

    def create(hash=("pk", "S"), range=None, definitions=(), **kwargs) -> str:
        name = f"table-{next(_names)}"
        schema = [{"AttributeName": hash[0], "KeyType": "HASH"}]
        attributes = {hash[0]: hash[1]}
        if range:
            schema.append({"AttributeName": range[0], "KeyType": "RANGE"})
            attributes[range[0]] = range[1]
        attributes.update(dict(definitions))
        kwargs.setdefault("BillingMode", "PAY_PER_REQUEST")
        ddb.create_table(
            TableName=name,
            KeySchema=schema,
            AttributeDefinitions=[
                {"AttributeName": key, "AttributeType": kind} for key, kind in attributes.items()
            ],
            **kwargs,
        )
        return name

    return create


def _error_of(call, *args, **kwargs) -> dict:
    with pytest.raises(ClientError) as exc:
        call(*args, **kwargs)
    return {
        **exc.value.response["Error"],
        **{k: v for k, v in exc.value.response.items() if k not in ("Error", "ResponseMetadata")},
    }


@pytest.fixture(scope="session")
def error_of() -> Callable[..., dict]:
    """error_of(call, **kwargs): the Error of the ClientError the call raises, plus extra members."""
    return _error_of
