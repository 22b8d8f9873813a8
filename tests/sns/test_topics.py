"""Topics: create (idempotent), attributes, FIFO names, tags, listing and deletion."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


def error_of(exc: pytest.ExceptionInfo) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def test_create_topic_is_idempotent_and_described(sns, unique):
    name = unique("orders")
    arn = sns.create_topic(Name=name)["TopicArn"]
    assert arn == f"arn:aws:sns:us-east-1:000000000000:{name}"
    assert sns.create_topic(Name=name)["TopicArn"] == arn
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["TopicArn"] == arn
    assert attributes["Owner"] == "000000000000"
    assert attributes["SubscriptionsConfirmed"] == "0"
    assert json.loads(attributes["Policy"])["Statement"][0]["Resource"] == arn
    assert "FifoTopic" not in attributes


def test_create_topic_with_other_attributes_conflicts(sns, unique):
    name = unique("conflict")
    sns.create_topic(Name=name, Attributes={"DisplayName": "one"})
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=name, Attributes={"DisplayName": "two"})
    assert error_of(exc) == ("InvalidParameter",
                             "Invalid parameter: Attributes Reason: Topic already exists with different attributes")


@pytest.mark.parametrize("name", ["has space", "a" * 257, "dots.not.allowed", ""])
def test_invalid_topic_names(sns, name):
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=name)
    assert error_of(exc) == ("InvalidParameter", "Invalid parameter: Topic Name")


def test_fifo_topics(sns, unique):
    name = unique("fifo") + ".fifo"
    arn = sns.create_topic(Name=name, Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"})[
        "TopicArn"]
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["FifoTopic"] == "true"
    assert attributes["ContentBasedDeduplication"] == "true"
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=unique("nofifo"), Attributes={"FifoTopic": "true"})
    code, message = error_of(exc)
    assert code == "InvalidParameter" and message.startswith("Invalid parameter: Fifo Topic names must end with .fifo")


def test_set_topic_attributes(sns, topic):
    arn = topic()
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Orders")
    policy = {"Version": "2012-10-17", "Statement": []}
    sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(policy))
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["DisplayName"] == "Orders"
    assert json.loads(attributes["Policy"]) == policy
    with pytest.raises(ClientError) as exc:
        sns.set_topic_attributes(TopicArn=arn, AttributeName="Bogus", AttributeValue="x")
    assert error_of(exc) == ("InvalidParameter", "Invalid parameter: AttributeName")


def test_missing_topic(sns):
    arn = "arn:aws:sns:us-east-1:000000000000:nothing-here"
    with pytest.raises(ClientError) as exc:
        sns.get_topic_attributes(TopicArn=arn)
    assert error_of(exc) == ("NotFound", "Topic does not exist")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as exc:
        sns.publish(TopicArn=arn, Message="x")
    assert error_of(exc) == ("NotFound", "Topic does not exist")


def test_tags(sns, topic):
    arn = topic()
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "a"}, {"Key": "env", "Value": "dev"}])
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "b"}])
    sns.untag_resource(ResourceArn=arn, TagKeys=["env"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "b"}]
    with pytest.raises(ClientError) as exc:
        sns.list_tags_for_resource(ResourceArn=arn + "-gone")
    assert error_of(exc) == ("ResourceNotFound", "Resource does not exist")


def test_create_topic_with_tags_and_conflicting_tags(sns, unique):
    name = unique("tagged")
    arn = sns.create_topic(Name=name, Tags=[{"Key": "k", "Value": "v"}])["TopicArn"]
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]
    with pytest.raises(ClientError) as exc:
        sns.create_topic(Name=name, Tags=[{"Key": "k", "Value": "other"}])
    assert error_of(exc) == ("InvalidParameter", "Invalid parameter: Tags Reason: Topic already exists with different tags")


def test_list_topics_pages_and_delete(client, sns):
    other_region = client("sns", region_name="eu-west-1")
    arns = {other_region.create_topic(Name=f"page-{i:03d}")["TopicArn"] for i in range(105)}
    listed = []
    for page in other_region.get_paginator("list_topics").paginate():
        assert len(page["Topics"]) <= 100
        listed += [t["TopicArn"] for t in page["Topics"]]
    assert set(listed) == arns and len(listed) == 105
    assert not any(arn.startswith("arn:aws:sns:us-east-1") for arn in listed)
    victim = sorted(arns)[0]
    other_region.delete_topic(TopicArn=victim)
    other_region.delete_topic(TopicArn=victim)  # deleting twice is fine
    with pytest.raises(ClientError):
        other_region.get_topic_attributes(TopicArn=victim)
