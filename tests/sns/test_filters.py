"""Filter policies: the full syntax as pure logic, then end to end for both scopes."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from cloudlet.services.sns import filters
from cloudlet.services.sns.errors import InvalidParameter


def attrs(**values) -> dict:
    result = {}
    for name, value in values.items():
        if isinstance(value, list):
            result[name] = {"DataType": "String.Array", "StringValue": json.dumps(value)}
        elif isinstance(value, (int, float)):
            result[name] = {"DataType": "Number", "StringValue": str(value)}
        else:
            result[name] = {"DataType": "String", "StringValue": value}
    return result


def on_attributes(policy: dict, **values) -> bool:
    return filters.matches(json.dumps(policy), "MessageAttributes", attrs(**values), "")


def on_body(policy: dict, body) -> bool:
    return filters.matches(json.dumps(policy), "MessageBody", {}, json.dumps(body))


@pytest.mark.parametrize(("policy", "values", "expected"), [
    ({"color": ["red", "blue"]}, {"color": "red"}, True),
    ({"color": ["red", "blue"]}, {"color": "green"}, False),
    ({"color": ["red"]}, {}, False),
    ({"color": ["red"], "size": ["L"]}, {"color": "red", "size": "M"}, False),
    ({"color": ["red"], "size": ["L"]}, {"color": "red", "size": "L"}, True),
    ({"color": [{"prefix": "re"}]}, {"color": "red"}, True),
    ({"color": [{"suffix": "ed"}]}, {"color": "red"}, True),
    ({"color": [{"suffix": "ed"}]}, {"color": "blue"}, False),
    ({"color": [{"equals-ignore-case": "RED"}]}, {"color": "Red"}, True),
    ({"color": [{"anything-but": ["red", "blue"]}]}, {"color": "green"}, True),
    ({"color": [{"anything-but": ["red", "blue"]}]}, {"color": "red"}, False),
    ({"color": [{"anything-but": "red"}]}, {}, False),
    ({"color": [{"anything-but": {"prefix": "re"}}]}, {"color": "red"}, False),
    ({"color": [{"anything-but": {"prefix": "re"}}]}, {"color": "blue"}, True),
    ({"color": [{"anything-but": {"suffix": "ue"}}]}, {"color": "blue"}, False),
    ({"color": [{"anything-but": {"equals-ignore-case": ["RED", "BLUE"]}}]}, {"color": "Blue"}, False),
    ({"price": [{"numeric": [">", 10, "<=", 20]}]}, {"price": 20}, True),
    ({"price": [{"numeric": [">", 10, "<=", 20]}]}, {"price": 10}, False),
    ({"price": [{"numeric": ["=", 5.0]}]}, {"price": 5}, True),
    ({"price": [5]}, {"price": 5}, True),
    ({"price": [5]}, {"price": "5"}, False),
    ({"price": [{"anything-but": [100, 200]}]}, {"price": 150}, True),
    ({"price": [{"anything-but": [100, 200]}]}, {"price": 200}, False),
    ({"color": [{"exists": True}]}, {"color": "any"}, True),
    ({"color": [{"exists": True}]}, {}, False),
    ({"color": [{"exists": False}]}, {}, True),
    ({"color": [{"exists": False}]}, {"color": "x"}, False),
    ({"tags": ["urgent"]}, {"tags": ["minor", "urgent"]}, True),
    ({"tags": ["urgent"]}, {"tags": ["minor"]}, False),
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.7"}, True),
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.1.7"}, False),
    ({"color": ["red"], "$or": [{"size": ["L"]}, {"price": [{"numeric": ["<", 5]}]}]},
     {"color": "red", "price": 3}, True),
    ({"color": ["red"], "$or": [{"size": ["L"]}, {"price": [{"numeric": ["<", 5]}]}]},
     {"color": "red", "price": 7, "size": "M"}, False),
])
def test_attribute_scope(policy, values, expected):
    assert on_attributes(policy, **values) is expected


@pytest.mark.parametrize(("policy", "body", "expected"), [
    ({"order": {"status": ["paid"]}}, {"order": {"status": "paid", "id": 1}}, True),
    ({"order": {"status": ["paid"]}}, {"order": {"status": "new"}}, False),
    ({"order": {"status": ["paid"]}}, {"status": "paid"}, False),
    ({"order": {"items": {"sku": [{"prefix": "A-"}]}}}, {"order": {"items": [{"sku": "B-1"}, {"sku": "A-2"}]}}, True),
    ({"flag": [True]}, {"flag": True}, True),
    ({"flag": [True]}, {"flag": "true"}, False),
    ({"missing": [None]}, {"missing": None}, True),
    ({"amount": [{"numeric": [">=", 100]}]}, {"amount": 150.5}, True),
    ({"region": [{"exists": False}]}, {"other": 1}, True),
    ({"$or": [{"a": ["x"]}, {"b": {"c": ["y"]}}]}, {"b": {"c": "y"}}, True),
    ({"a": ["x"]}, "not an object", False),
])
def test_body_scope(policy, body, expected):
    assert on_body(policy, body) is expected


def test_body_scope_needs_json():
    assert not filters.matches('{"a": ["x"]}', "MessageBody", {}, "plain text")


@pytest.mark.parametrize(("policy", "scope", "message"), [
    ("not json", "MessageAttributes", "failed to parse JSON."),
    ('{"a": []}', "MessageAttributes", "Empty arrays are not allowed"),
    ('{"a": [{"regex": "x"}]}', "MessageAttributes", "Unrecognized match type regex"),
    ('{"a": [{"exists": "yes"}]}', "MessageAttributes", "exists match pattern must be either true or false."),
    ('{"a": [{"numeric": [">", "ten"]}]}', "MessageAttributes", "Value of > must be numeric"),
    ('{"a": [{"numeric": ["<", 5, ">", 1]}]}', "MessageAttributes", "Too many elements in numeric expression"),
    ('{"a": [{"numeric": [">", 9, "<", 1]}]}', "MessageAttributes", "Bottom must be less than top"),
    ('{"a": {"b": ["x"]}}', "MessageAttributes",
     "Filter policy scope MessageAttributes does not support nested filter policy"),
    (json.dumps({k: ["x"] for k in "abcdef"}), "MessageAttributes", "Filter policy can not have more than 5 keys"),
    (json.dumps({"a": [str(i) for i in range(151)]}), "MessageBody", "Filter policy is too complex"),
])
def test_invalid_policies(policy, scope, message):
    with pytest.raises(InvalidParameter) as exc:
        filters.check(policy, scope)
    assert exc.value.message == f"Invalid parameter: FilterPolicy: {message}"


def test_filtering_end_to_end(sns, sqs, topic, queue, receive):
    arn = topic()
    (red_url, red_arn), (body_url, body_arn) = queue(), queue()
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=red_arn, Attributes={
        "RawMessageDelivery": "true", "FilterPolicy": json.dumps({"color": ["red"]})})
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=body_arn, Attributes={
        "RawMessageDelivery": "true", "FilterPolicyScope": "MessageBody",
        "FilterPolicy": json.dumps({"order": {"total": [{"numeric": [">", 100]}]}})})
    sns.publish(TopicArn=arn, Message=json.dumps({"order": {"total": 50}}),
                MessageAttributes={"color": {"DataType": "String", "StringValue": "blue"}})
    sns.publish(TopicArn=arn, Message=json.dumps({"order": {"total": 500}}),
                MessageAttributes={"color": {"DataType": "String", "StringValue": "red"}})
    assert json.loads(receive(red_url)[0]["Body"]) == {"order": {"total": 500}}
    assert json.loads(receive(body_url)[0]["Body"]) == {"order": {"total": 500}}
    for url in (red_url, body_url):
        assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)


def test_malformed_policy_on_subscribe(sns, topic, queue):
    with pytest.raises(ClientError) as exc:
        sns.subscribe(TopicArn=topic(), Protocol="sqs", Endpoint=queue()[1],
                      Attributes={"FilterPolicy": '{"a": [{"prefix": 1}]}'})
    assert exc.value.response["Error"] == {"Type": "Sender", "Code": "InvalidParameter",
                                           "Message": "Invalid parameter: FilterPolicy: prefix match pattern must be"
                                                      " a string"}
