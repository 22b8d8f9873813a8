"""Deliveries from other services (SNS, S3) through SqsProvider.deliver_from_service, policy enforced.

The delivering provider runs in this process on the server's data directory, as a second
worker process would: what it sends, the server's queue holds and boto3 receives.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from botocore.exceptions import ClientError

from cloudlet.aws.errors import ServiceError
from cloudlet.config import Config
from cloudlet.edge.app import build_environment
from cloudlet.services.sqs.provider import SqsProvider

ACCOUNT = "000000000000"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:orders-created"
BUCKET = "arn:aws:s3:::photos-raw"


@pytest.fixture(scope="module")
def provider(server):
    env = build_environment(Config(data_dir=server.data_dir))
    yield SqsProvider(env)
    env.store.close()


def _arn(sqs, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _set_policy(sqs, url: str, *statements: dict) -> None:
    policy = {"Version": "2012-10-17", "Statement": list(statements)}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})


def _allow(queue_arn: str, service: str, condition: dict) -> dict:
    return {"Sid": service, "Effect": "Allow", "Principal": {"Service": service}, "Action": "sqs:SendMessage",
            "Resource": queue_arn, "Condition": condition}


def _bodies(sqs, url: str) -> list[str]:
    answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return [m["Body"] for m in answer.get("Messages", [])]


def _denied(exc_info, queue_name: str) -> None:
    error = exc_info.value
    assert (error.code, error.status) == ("AccessDenied", 403)
    assert error.message == f"Access to the resource https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{queue_name} is denied."


def test_without_a_policy_even_a_same_account_delivery_is_refused(sqs, provider, queue, name):
    with pytest.raises(ServiceError) as exc:
        provider.deliver_from_service(_arn(sqs, queue), "hello", source_arn=TOPIC,
                                      service_principal="sns.amazonaws.com")
    _denied(exc, name)
    assert _bodies(sqs, queue) == []


def test_sns_allowed_for_one_topic(sqs, provider, queue, name):
    arn = _arn(sqs, queue)
    _set_policy(sqs, queue, _allow(arn, "sns.amazonaws.com", {"ArnEquals": {"aws:SourceArn": TOPIC}}))
    answer = provider.deliver_from_service(arn, "hello", {"kind": {"DataType": "String", "StringValue": "created"}},
                                           source_arn=TOPIC, service_principal="sns.amazonaws.com",
                                           sender_id="AIDAIT2UOQQY3AUEKVGXU")
    assert answer["MD5OfMessageBody"] == hashlib.md5(b"hello").hexdigest()
    with pytest.raises(ServiceError) as exc:
        provider.deliver_from_service(arn, "other", source_arn=TOPIC + "-v2", service_principal="sns.amazonaws.com")
    _denied(exc, name)
    with pytest.raises(ServiceError):  # the right topic, but S3 is not the allowed principal
        provider.deliver_from_service(arn, "other", source_arn=TOPIC, service_principal="s3.amazonaws.com")
    message = sqs.receive_message(QueueUrl=queue, AttributeNames=["All"], MessageAttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in message] == ["hello"]
    assert message[0]["MessageId"] == answer["MessageId"]
    assert message[0]["Attributes"]["SenderId"] == "AIDAIT2UOQQY3AUEKVGXU"
    assert message[0]["MessageAttributes"]["kind"]["StringValue"] == "created"  # boto3 checked its MD5 too


def test_s3_allowed_by_bucket_pattern_and_source_account(sqs, provider, queue):
    arn = _arn(sqs, queue)
    _set_policy(sqs, queue, _allow(arn, "s3.amazonaws.com", {
        "ArnLike": {"aws:SourceArn": "arn:aws:s3:*:*:photos-*"},
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
    }))
    provider.deliver_from_service(arn, "put", source_arn=BUCKET, source_account=ACCOUNT,
                                  service_principal="s3.amazonaws.com")
    for source, account in ((BUCKET, "111122223333"), (BUCKET, None), ("arn:aws:s3:::videos", ACCOUNT)):
        with pytest.raises(ServiceError) as exc:  # a bucket ARN names no account: S3 must pass it
            provider.deliver_from_service(arn, "no", source_arn=source, source_account=account,
                                          service_principal="s3.amazonaws.com")
        assert exc.value.code == "AccessDenied"
    assert _bodies(sqs, queue) == ["put"]


def test_the_classic_everyone_with_a_source_condition_policy(sqs, provider, queue):
    arn = _arn(sqs, queue)
    _set_policy(sqs, queue, {"Effect": "Allow", "Principal": "*", "Action": "SQS:SendMessage", "Resource": arn,
                             "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC}}})
    provider.deliver_from_service(arn, "hello", source_arn=TOPIC, service_principal="sns.amazonaws.com")
    assert _bodies(sqs, queue) == ["hello"]


def test_deny_wins(sqs, provider, queue):
    arn = _arn(sqs, queue)
    _set_policy(sqs, queue,
                {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:*", "Resource": arn},
                {"Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn,
                 "Condition": {"StringNotEquals": {"aws:SourceAccount": ACCOUNT}}})
    provider.deliver_from_service(arn, "mine", source_arn=TOPIC, service_principal="sns.amazonaws.com")
    foreign = "arn:aws:sns:us-east-1:111122223333:theirs"
    with pytest.raises(ServiceError) as exc:
        provider.deliver_from_service(arn, "theirs", source_arn=foreign, service_principal="sns.amazonaws.com")
    assert exc.value.code == "AccessDenied"
    assert _bodies(sqs, queue) == ["mine"]


def test_fifo_delivery_keeps_group_and_deduplicates(sqs, provider, name):
    url = sqs.create_queue(QueueName=name + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    arn = _arn(sqs, url)
    _set_policy(sqs, url, _allow(arn, "sns.amazonaws.com", {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}))
    for body in ("a", "b"):
        provider.deliver_from_service(arn, body, source_arn=TOPIC, service_principal="sns.amazonaws.com",
                                      group_id="g1", deduplication_id="same")
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert [(m["Body"], m["Attributes"]["MessageGroupId"]) for m in messages] == [("a", "g1")]


def test_missing_queue_and_bad_messages_are_service_errors(sqs, provider, queue):
    with pytest.raises(ServiceError) as exc:
        provider.deliver_from_service(f"arn:aws:sqs:us-east-1:{ACCOUNT}:nope", "x", source_arn=TOPIC,
                                      service_principal="sns.amazonaws.com")
    assert exc.value.code == "QueueDoesNotExist"
    arn = _arn(sqs, queue)
    _set_policy(sqs, queue, _allow(arn, "sns.amazonaws.com", {"ArnEquals": {"aws:SourceArn": TOPIC}}))
    with pytest.raises(ServiceError) as exc:
        provider.deliver_from_service(arn, "x" * 262_145, source_arn=TOPIC, service_principal="sns.amazonaws.com")
    assert exc.value.code == "InvalidParameterValue"


def test_an_unreadable_policy_is_refused_when_set(sqs, queue):
    policy = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*",
                             "Condition": {"ArnAlmost": {"aws:SourceArn": TOPIC}}}]}
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": json.dumps(policy)})
    error = exc.value.response["Error"]
    assert (error.get("QueryErrorCode") or error["Code"], error["Message"]) == (
        "InvalidAttributeValue", "Invalid value for the parameter Policy.")
