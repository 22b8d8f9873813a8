"""Subscriptions: protocols and endpoints, attributes, confirmation state, listing."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError


def error_of(exc: pytest.ExceptionInfo) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def test_sqs_subscription_is_confirmed_at_once(sns, topic, queue):
    arn, (_, queue_arn) = topic(), queue()
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"]
    assert sub.startswith(arn + ":")
    assert sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"] == sub
    attributes = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attributes["PendingConfirmation"] == "false"
    assert attributes["Protocol"] == "sqs" and attributes["Endpoint"] == queue_arn
    assert attributes["TopicArn"] == arn and attributes["RawMessageDelivery"] == "false"
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SubscriptionsConfirmed"] == "1"
    listed = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert listed == [{"SubscriptionArn": sub, "Owner": "000000000000", "Protocol": "sqs", "Endpoint": queue_arn,
                       "TopicArn": arn}]
    assert sub in [s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]]


def test_http_subscription_waits_for_confirmation(sns, topic):
    arn = topic()
    reply = sns.subscribe(TopicArn=arn, Protocol="http", Endpoint="http://127.0.0.1:9/hook")
    assert reply["SubscriptionArn"] == "pending confirmation"
    listed = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert listed[0]["SubscriptionArn"] == "PendingConfirmation"
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SubscriptionsPending"] == "1"
    full = sns.subscribe(TopicArn=arn, Protocol="http", Endpoint="http://127.0.0.1:9/other",
                         ReturnSubscriptionArn=True)["SubscriptionArn"]
    assert sns.get_subscription_attributes(SubscriptionArn=full)["Attributes"]["PendingConfirmation"] == "true"
    with pytest.raises(ClientError) as exc:
        sns.confirm_subscription(TopicArn=arn, Token="not-a-token")
    assert error_of(exc) == ("InvalidParameter", "Invalid parameter: Token")


@pytest.mark.parametrize(("protocol", "address", "message"), [
    ("carrier-pigeon", "x", "Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon"),
    ("sqs", "https://sqs.us-east-1.amazonaws.com/1/q", "Invalid parameter: SQS endpoint ARN"),
    ("http", "https://example.com", "Invalid parameter: Endpoint must match the specified protocol"),
    ("email", "not-an-address", "Invalid parameter: Email address"),
    ("lambda", "arn:aws:sqs:us-east-1:000000000000:q", "Invalid parameter: Lambda endpoint ARN"),
])
def test_invalid_endpoints(sns, topic, protocol, address, message):
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=topic(), Protocol=protocol, Endpoint=address)
    assert error_of(exc) == ("InvalidParameter", message)


def test_fifo_queue_needs_fifo_topic(sns, topic, queue):
    _, fifo_queue = queue(fifo=True)
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=topic(), Protocol="sqs", Endpoint=fifo_queue)
    assert exc.value.response["Error"]["Code"] == "InvalidParameter"
    assert sns.subscribe(TopicArn=topic(fifo=True), Protocol="sqs", Endpoint=fifo_queue)["SubscriptionArn"]


def test_subscription_attributes(sns, topic, queue):
    arn, (_, queue_arn) = topic(), queue()
    policy = json.dumps({"color": ["red"]})
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn,
                        Attributes={"RawMessageDelivery": "true", "FilterPolicy": policy})["SubscriptionArn"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attributes["RawMessageDelivery"] == "true"
    assert attributes["FilterPolicy"] == policy and attributes["FilterPolicyScope"] == "MessageAttributes"
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope",
                                    AttributeValue="MessageBody")
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="false")
    attributes = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attributes["FilterPolicyScope"] == "MessageBody" and attributes["RawMessageDelivery"] == "false"
    with pytest.raises(ClientError) as exc:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="Protocol", AttributeValue="http")
    assert error_of(exc) == ("InvalidParameter", "Invalid parameter: AttributeName")
    with pytest.raises(ClientError) as exc:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                        AttributeValue='{"a": []}')
    assert error_of(exc) == ("InvalidParameter", "Invalid parameter: FilterPolicy: Empty arrays are not allowed")
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    assert error_of(exc) == ("InvalidParameter", "Invalid parameter: Attributes Reason: Subscription already exists"
                                                 " with different attributes")


def test_unsubscribe(sns, topic, queue):
    arn, (_, queue_arn) = topic(), queue()
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"]
    sns.unsubscribe(SubscriptionArn=sub)
    assert sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"] == []
    with pytest.raises(ClientError) as exc:
        sns.get_subscription_attributes(SubscriptionArn=sub)
    assert error_of(exc) == ("NotFound", "Subscription does not exist")


def test_deleting_a_topic_deletes_its_subscriptions(sns, topic, queue):
    arn, (_, queue_arn) = topic(), queue()
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"]
    sns.delete_topic(TopicArn=arn)
    assert sub not in [s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]]
    with pytest.raises(ClientError) as exc:
        sns.list_subscriptions_by_topic(TopicArn=arn)
    assert error_of(exc) == ("NotFound", "Topic does not exist")
