"""Keys and accounts from a credentials file: each key signs as its own account."""

from __future__ import annotations

import json
import os
import shutil
import tempfile

import pytest
from botocore.exceptions import ClientError

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server

KEYS = [
    {"access_key": "AKIAALICE0000000000A", "secret_key": "alice-secret", "account_id": "111111111111",
     "arn": "arn:aws:iam::111111111111:user/alice"},
    {"access_key": "AKIABOB00000000000B0", "secret_key": "bob-secret", "account_id": "222222222222"},
]


@pytest.fixture(scope="module")
def accounts_server():
    data_dir = tempfile.mkdtemp(prefix="cloudlet-accounts-")
    path = os.path.join(data_dir, "credentials.json")
    with open(path, "w") as fh:
        json.dump(KEYS, fh)
    server = start_server(os.path.join(data_dir, "data"), "--credentials", path)
    yield server
    server.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.parametrize("key", KEYS, ids=["alice", "bob"])
def test_each_key_is_its_account(accounts_server, key):
    sts = make_client(accounts_server.endpoint, "sts", aws_access_key_id=key["access_key"],
                      aws_secret_access_key=key["secret_key"])
    identity = sts.get_caller_identity()
    assert identity["Account"] == key["account_id"]
    assert identity["Arn"] == key.get("arn", f"arn:aws:iam::{key['account_id']}:root")


def test_configured_keys_replace_the_default_pair(accounts_server):
    with pytest.raises(ClientError) as exc:
        make_client(accounts_server.endpoint, "sts").get_caller_identity()
    assert exc.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_auth_off_accepts_any_signature():
    data_dir = tempfile.mkdtemp(prefix="cloudlet-noauth-")
    server = start_server(data_dir, "--auth", "off")
    try:
        sts = make_client(server.endpoint, "sts", aws_access_key_id="anything", aws_secret_access_key="wrong")
        assert sts.get_caller_identity()["Account"] == "000000000000"
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
