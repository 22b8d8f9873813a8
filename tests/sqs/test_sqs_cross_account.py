"""Callers from another account need the queue policy; the owner is stopped only by a Deny."""

from __future__ import annotations

import json
import shutil

import pytest
from botocore.exceptions import ClientError

from cloudlet.testing.clients import make_client
from cloudlet.testing.server import start_server

OWNER, OTHER = "000000000000", "111122223333"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("cloudlet")
    keys = data_dir / "keys.json"
    keys.write_text(json.dumps([
        {"access_key": "test", "secret_key": "test", "account_id": OWNER},
        {"access_key": "other", "secret_key": "other", "account_id": OTHER,
         "arn": f"arn:aws:iam::{OTHER}:user/bob", "user_id": "AIDABOB"},
    ]))
    running = start_server(str(data_dir / "data"), "--credentials", str(keys))
    yield running
    running.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def other(endpoint):
    return make_client(endpoint, "sqs", aws_access_key_id="other", aws_secret_access_key="other")


def _code(exc_info) -> str:
    error = exc_info.value.response["Error"]
    return error.get("QueryErrorCode") or error["Code"]


def test_another_account_needs_a_grant(sqs, other, queue, name):
    queue_arn = f"arn:aws:sqs:us-east-1:{OWNER}:{name}"
    with pytest.raises(ClientError) as exc:
        other.send_message(QueueUrl=queue, MessageBody="hi")
    assert _code(exc) == "AccessDenied"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert exc.value.response["Error"]["Message"] == (
        f"User: arn:aws:iam::{OTHER}:user/bob is not authorized to perform: sqs:sendmessage on resource:"
        f" {queue_arn} because no resource-based policy allows the sqs:sendmessage action")
    with pytest.raises(ClientError):
        other.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=OWNER)

    sqs.add_permission(QueueUrl=queue, Label="bob", AWSAccountIds=[OTHER], Actions=["SendMessage", "GetQueueUrl"])
    assert other.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=OWNER)["QueueUrl"] == queue
    other.send_message(QueueUrl=queue, MessageBody="hi")
    other.send_message_batch(QueueUrl=queue, Entries=[{"Id": "1", "MessageBody": "batched"}])
    with pytest.raises(ClientError) as exc:
        other.receive_message(QueueUrl=queue)
    assert _code(exc) == "AccessDenied"
    with pytest.raises(ClientError) as exc:  # never grantable to another account
        other.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "1"})
    assert _code(exc) == "AccessDenied"
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["SenderId"])["Messages"]
    assert sorted(m["Body"] for m in messages) == ["batched", "hi"]
    assert {m["Attributes"]["SenderId"] for m in messages} == {"AIDABOB"}


def test_a_deny_stops_the_owner_but_never_locks_the_policy(sqs, queue, name):
    deny = {"Effect": "Deny", "Principal": "*", "Action": "sqs:ReceiveMessage",
            "Resource": f"arn:aws:sqs:us-east-1:{OWNER}:{name}"}
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": json.dumps({"Statement": [deny]})})
    sqs.send_message(QueueUrl=queue, MessageBody="kept")
    with pytest.raises(ClientError) as exc:
        sqs.receive_message(QueueUrl=queue)
    assert _code(exc) == "AccessDenied"
    assert "with an explicit deny in a resource-based policy" in exc.value.response["Error"]["Message"]
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": ""})
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=queue)["Messages"]] == ["kept"]
