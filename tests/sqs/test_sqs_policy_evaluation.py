"""The policy evaluator on its own: statements, principals, actions, resources, conditions."""

from __future__ import annotations

import json

import pytest

from cloudlet.core.policy import (
    Decision,
    PolicyError,
    PolicyPrincipal,
    PolicyRequest,
    evaluate,
)

QUEUE = "arn:aws:sqs:us-east-1:000000000000:orders"
TOPIC = "arn:aws:sns:us-east-1:000000000000:orders-created"
SNS = PolicyPrincipal.service("sns.amazonaws.com")


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(**extra) -> dict:
    return {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": QUEUE, **extra}


def _request(principal=SNS, action="sqs:SendMessage", resource=QUEUE, **context) -> PolicyRequest:
    return PolicyRequest(principal, action, resource, {k.replace("_", ":", 1): v for k, v in context.items()})


def test_no_policy_and_no_matching_statement_are_not_allowed():
    assert evaluate(None, _request()) is Decision.NOT_ALLOWED
    assert evaluate(_policy(), _request()) is Decision.NOT_ALLOWED
    assert evaluate(_policy(_allow(Action="sqs:ReceiveMessage")), _request()) is Decision.NOT_ALLOWED


@pytest.mark.parametrize("principal", [
    "*", {"AWS": "*"}, {"Service": "sns.amazonaws.com"}, {"Service": ["s3.amazonaws.com", "SNS.amazonaws.com"]},
])
def test_principals_that_name_the_service(principal):
    assert evaluate(_policy(_allow(Principal=principal)), _request()) is Decision.ALLOW


@pytest.mark.parametrize("principal", [{"Service": "s3.amazonaws.com"}, {"AWS": "arn:aws:iam::000000000000:root"}])
def test_principals_that_do_not(principal):
    assert evaluate(_policy(_allow(Principal=principal)), _request()) is Decision.NOT_ALLOWED


def test_an_account_names_every_principal_in_it():
    user = PolicyPrincipal.aws("arn:aws:iam::111122223333:user/alice", "111122223333")
    for named in ("111122223333", "arn:aws:iam::111122223333:root"):
        assert evaluate(_policy(_allow(Principal={"AWS": named})), _request(user)) is Decision.ALLOW
    exact = _policy(_allow(Principal={"AWS": "arn:aws:iam::111122223333:user/bob"}))
    assert evaluate(exact, _request(user)) is Decision.NOT_ALLOWED


@pytest.mark.parametrize(("action", "expected"), [
    ("sqs:SendMessage", Decision.ALLOW), ("SQS:*", Decision.ALLOW), ("*", Decision.ALLOW),
    ("sqs:Send*", Decision.ALLOW), (["sqs:ReceiveMessage", "sqs:sendmessage"], Decision.ALLOW),
    ("sqs:Receive*", Decision.NOT_ALLOWED),
])
def test_actions_match_case_insensitively_with_wildcards(action, expected):
    assert evaluate(_policy(_allow(Action=action)), _request()) is expected


def test_not_action_and_resources():
    not_action = {key: value for key, value in _allow(NotAction="sqs:DeleteQueue").items() if key != "Action"}
    assert evaluate(_policy(not_action), _request()) is Decision.ALLOW
    assert evaluate(_policy(not_action), _request(action="sqs:DeleteQueue")) is Decision.NOT_ALLOWED
    assert evaluate(_policy(_allow(Resource="arn:aws:sqs:*:000000000000:ord?rs")), _request()) is Decision.ALLOW
    assert evaluate(_policy(_allow(Resource="arn:aws:sqs:*:000000000000:Orders")), _request()) is Decision.NOT_ALLOWED


def test_deny_wins_over_allow():
    deny = {"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": QUEUE,
            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:orders-*"}}}
    document = _policy(_allow(Principal="*"), deny)
    assert evaluate(document, _request(aws_SourceArn=TOPIC)) is Decision.DENY
    assert evaluate(document, _request(aws_SourceArn="arn:aws:sns:us-east-1:000000000000:billing")) is Decision.ALLOW


@pytest.mark.parametrize(("condition", "context", "holds"), [
    ({"ArnEquals": {"aws:SourceArn": TOPIC}}, {"aws_SourceArn": TOPIC}, True),
    ({"ArnEquals": {"aws:SourceArn": TOPIC}}, {"aws_SourceArn": TOPIC + "-2"}, False),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:000000000000:orders-*"}}, {"aws_SourceArn": TOPIC}, True),
    # ARN parts match one by one: a wildcard does not reach across a colon.
    ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:orders-created"}}, {"aws_SourceArn": TOPIC}, False),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::photos-*"}}, {"aws_SourceArn": "arn:aws:s3:::photos-raw"}, True),
    ({"StringEquals": {"aws:SourceAccount": "000000000000"}}, {"aws_SourceAccount": "000000000000"}, True),
    ({"StringEquals": {"AWS:SOURCEACCOUNT": ["1", "000000000000"]}}, {"aws_SourceAccount": "000000000000"}, True),
    ({"StringEquals": {"aws:SourceAccount": "000000000000"}}, {}, False),  # missing key: positive fails
    ({"StringNotEquals": {"aws:SourceAccount": "111122223333"}}, {}, True),  # ... negated passes
    ({"StringNotEquals": {"aws:SourceAccount": ["1", "2"]}}, {"aws_SourceAccount": "2"}, False),  # NOR
    ({"StringEqualsIfExists": {"aws:SourceAccount": "1"}}, {}, True),
    ({"StringLike": {"aws:SourceArn": "*orders*"}}, {"aws_SourceArn": TOPIC}, True),
    ({"Null": {"aws:SourceArn": "true"}}, {}, True),
    ({"Null": {"aws:SourceArn": "false"}}, {}, False),
    ({"Bool": {"aws:SecureTransport": False}}, {"aws_SecureTransport": "true"}, False),
    ({"NumericLessThan": {"aws:EpochTime": 2000000000}}, {"aws_EpochTime": "1700000000"}, True),
    ({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, {"aws_CurrentTime": "2024-05-01T00:00:00Z"},
     True),
    ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws_SourceIp": "10.1.2.3"}, True),
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws_TagKeys": ["c", "b"]}, True),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws_TagKeys": ["c", "b"]}, False),
    ({"ArnEquals": {"aws:SourceArn": TOPIC}, "StringEquals": {"aws:SourceAccount": "9"}},
     {"aws_SourceArn": TOPIC, "aws_SourceAccount": "0"}, False),  # operators AND together
])
def test_conditions(condition, context, holds):
    decision = evaluate(_policy(_allow(Condition=condition)), _request(**context))
    assert decision is (Decision.ALLOW if holds else Decision.NOT_ALLOWED)


@pytest.mark.parametrize("document", [
    "not json", "[]", _policy({"Effect": "Maybe", "Principal": "*", "Action": "*"}),
    _policy(_allow(Condition={"StringSortOf": {"aws:SourceArn": "x"}})),
    _policy({"Effect": "Allow", "Principal": "*"}),
])
def test_unreadable_policies_raise(document):
    with pytest.raises(PolicyError):
        evaluate(document, _request())
