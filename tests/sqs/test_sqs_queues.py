"""Queues: create (idempotent, validated), URLs, listing, attributes, purge, delete, tags."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError


def _error(exc_info) -> tuple[str, str]:
    error = exc_info.value.response["Error"]
    return error.get("QueryErrorCode") or error["Code"], error["Message"]


def test_queue_url_uses_the_callers_host(sqs, endpoint, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    assert url == f"{endpoint}/000000000000/{name}"
    assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    assert sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId="000000000000")["QueueUrl"] == url


def test_create_queue_defaults(sqs, queue, name):
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attributes["QueueArn"] == f"arn:aws:sqs:us-east-1:000000000000:{name}"
    assert attributes["VisibilityTimeout"] == "30"
    assert attributes["MaximumMessageSize"] == "262144"
    assert attributes["MessageRetentionPeriod"] == "345600"
    assert attributes["DelaySeconds"] == "0"
    assert attributes["ReceiveMessageWaitTimeSeconds"] == "0"
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert int(attributes["CreatedTimestamp"]) == int(attributes["LastModifiedTimestamp"])
    assert "FifoQueue" not in attributes and "RedrivePolicy" not in attributes


def test_create_is_idempotent_with_equal_attributes(sqs, name):
    first = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    assert sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "60"})["QueueUrl"] == first
    assert sqs.create_queue(QueueName=name)["QueueUrl"] == first  # no attributes asked: no conflict


def test_create_with_a_different_attribute_is_queue_already_exists(sqs, name):
    sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "60"})
    with pytest.raises(sqs.exceptions.QueueNameExists) as exc:
        sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "61"})
    assert exc.value.response["Error"]["Code"] == "QueueAlreadyExists"
    assert exc.value.response["Error"]["Message"] == (
        "A queue already exists with the same name and a different value for attribute VisibilityTimeout")


@pytest.mark.parametrize(("attribute", "value"), [
    ("VisibilityTimeout", "43201"), ("DelaySeconds", "901"), ("MessageRetentionPeriod", "59"),
    ("MaximumMessageSize", "1023"), ("ReceiveMessageWaitTimeSeconds", "21"), ("VisibilityTimeout", "abc"),
])
def test_attribute_values_are_validated(sqs, name, attribute, value):
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=name, Attributes={attribute: value})
    assert _error(exc) == ("InvalidAttributeValue", f"Invalid value for the parameter {attribute}.")


def test_unknown_and_fifo_only_attributes_are_refused(sqs, name, queue):
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={"ContentBasedDeduplication": "true"})
    assert _error(exc) == ("InvalidAttributeName", "Unknown Attribute ContentBasedDeduplication.")
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={"QueueArn": "x"})
    assert _error(exc)[0] == "InvalidAttributeName"
    with pytest.raises(ClientError) as exc:
        sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["Nonsense"])
    assert _error(exc)[0] == "InvalidAttributeName"


@pytest.mark.parametrize(("queue_name", "attributes"), [
    ("has space", {}), ("x" * 81, {}), ("dotted.name", {}), ("no-suffix", {"FifoQueue": "true"}),
    ("x" * 76 + ".fifo", {"FifoQueue": "true"}), ("plain.fifo", {}),
])
def test_queue_names_follow_aws_rules(sqs, queue_name, attributes):
    with pytest.raises(ClientError) as exc:
        sqs.create_queue(QueueName=queue_name, Attributes=attributes)
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_fifo_queue_attributes(sqs):
    name = f"f-{uuid.uuid4().hex[:8]}.fifo"
    url = sqs.create_queue(QueueName=name, Attributes={
        "FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"})["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["FifoQueue"] == "true"
    assert attributes["ContentBasedDeduplication"] == "false"
    assert attributes["DeduplicationScope"] == "messageGroup"
    assert attributes["FifoThroughputLimit"] == "perMessageGroupId"
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"DeduplicationScope": "queue"})
    assert _error(exc)[0] == "InvalidAttributeValue"
    with pytest.raises(ClientError) as exc:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "false"})
    assert _error(exc)[0] == "InvalidAttributeName"


def test_set_and_get_selected_attributes(sqs, queue, server):
    before = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["LastModifiedTimestamp"])["Attributes"]
    server.advance_clock(5)
    policy = json.dumps({"Version": "2012-10-17", "Statement": []})
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "120", "Policy": policy,
                                                          "MaximumMessageSize": "1024"})
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue, AttributeNames=["VisibilityTimeout", "Policy", "MaximumMessageSize", "LastModifiedTimestamp"],
    )["Attributes"]
    assert attributes["VisibilityTimeout"] == "120"
    assert json.loads(attributes["Policy"]) == json.loads(policy)
    assert attributes["MaximumMessageSize"] == "1024"
    assert int(attributes["LastModifiedTimestamp"]) >= int(before["LastModifiedTimestamp"]) + 5


def test_approximate_counts_follow_messages(sqs, queue, server):
    sqs.send_message(QueueUrl=queue, MessageBody="a")
    sqs.send_message(QueueUrl=queue, MessageBody="b")
    sqs.send_message(QueueUrl=queue, MessageBody="later", DelaySeconds=60)
    sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1, VisibilityTimeout=30)

    def counts():
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                 "ApproximateNumberOfMessagesDelayed"]
        attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=names)["Attributes"]
        return tuple(int(attributes[n]) for n in names)

    assert counts() == (1, 1, 1)
    server.advance_clock(31)
    assert counts() == (2, 0, 1)
    server.advance_clock(30)
    assert counts() == (3, 0, 0)


def test_list_queues_with_prefix_and_pages(sqs):
    prefix = "list-" + uuid.uuid4().hex[:6]
    urls = sorted(sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(5))
    assert sorted(sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"]) == urls
    assert "NextToken" not in sqs.list_queues(QueueNamePrefix=prefix)
    first = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2)
    assert len(first["QueueUrls"]) == 2 and first["NextToken"]
    seen = list(first["QueueUrls"])
    token = first["NextToken"]
    while token:
        page = sqs.list_queues(QueueNamePrefix=prefix, MaxResults=2, NextToken=token)
        seen += page["QueueUrls"]
        token = page.get("NextToken")
    assert seen == urls
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix="nothing-starts-like-this")
    paginated = [u for p in sqs.get_paginator("list_queues").paginate(QueueNamePrefix=prefix,
                                                                      PaginationConfig={"PageSize": 3})
                 for u in p["QueueUrls"]]
    assert paginated == urls


def test_delete_queue(sqs, queue, name):
    sqs.delete_queue(QueueUrl=queue)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as exc:
        sqs.get_queue_url(QueueName=name)
    # Current boto3 reads the query-era code from x-amzn-query-error and keeps the shape's name.
    assert exc.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert exc.value.response["Error"]["QueryErrorCode"] == "QueueDoesNotExist"
    assert exc.value.response["Error"]["Message"] == "The specified queue does not exist."
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=queue, MessageBody="x")


def test_purge_queue_and_its_rate_limit(sqs, queue, server):
    for i in range(3):
        sqs.send_message(QueueUrl=queue, MessageBody=str(i))
    sqs.purge_queue(QueueUrl=queue)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress) as exc:
        sqs.purge_queue(QueueUrl=queue)
    assert "Only one PurgeQueue operation on" in exc.value.response["Error"]["Message"]
    server.advance_clock(61)
    sqs.purge_queue(QueueUrl=queue)


def test_tags(sqs, name):
    url = sqs.create_queue(QueueName=name, tags={"team": "a", "env": "dev"})["QueueUrl"]
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a", "env": "dev"}
    sqs.tag_queue(QueueUrl=url, Tags={"env": "prod", "cost": "1"})
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "prod", "cost": "1"}


def test_permissions_edit_the_policy(sqs, queue):
    sqs.add_permission(QueueUrl=queue, Label="send", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy["Statement"][0]["Sid"] == "send"
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    with pytest.raises(ClientError):
        sqs.add_permission(QueueUrl=queue, Label="send", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    sqs.remove_permission(QueueUrl=queue, Label="send")
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["Policy"]).get("Attributes", {})


def test_boto3_resource(client, name):
    resource_sqs = __import__("boto3").session.Session().resource(
        "sqs", endpoint_url=client("sqs").meta.endpoint_url, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test")
    queue = resource_sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "0"})
    assert queue.attributes["QueueArn"].endswith(f":{name}")
    queue.send_message(MessageBody="through the resource")
    messages = queue.receive_messages(WaitTimeSeconds=1)
    assert [m.body for m in messages] == ["through the resource"]
    messages[0].delete()
    assert resource_sqs.get_queue_by_name(QueueName=name).url == queue.url
    assert any(q.url == queue.url for q in resource_sqs.queues.filter(QueueNamePrefix=name))
