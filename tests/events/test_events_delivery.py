"""PutEvents -> rule -> target: the event envelope in SQS, through SNS, to a Lambda function,
across buses; Input, InputPath and InputTransformer; disabled rules; bad entries."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError
from conftest import unique

from cloudlet.testing.sink import SINK_RECORD

ACCOUNT = "000000000000"
ENVELOPE_KEYS = ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]


def entry(source: str = "shop", detail: dict | None = None, **more) -> dict:
    return {"Source": source, "DetailType": "Order Placed", "Detail": json.dumps(detail or {"n": 1}), **more}


def test_a_matching_event_arrives_in_the_queue_as_the_aws_envelope(events, routed, receive):
    url, _ = routed({"source": ["shop"], "detail": {"n": [{"numeric": [">", 0]}]}})
    answer = events.put_events(Entries=[entry(detail={"n": 5, "who": "ann"}, Resources=["arn:aws:x:::thing"])])
    assert answer["FailedEntryCount"] == 0
    event_id = answer["Entries"][0]["EventId"]
    body = json.loads(receive(url)[0]["Body"])
    assert list(body) == ENVELOPE_KEYS
    assert body["version"] == "0" and body["id"] == event_id
    assert (body["detail-type"], body["source"], body["account"], body["region"]) == (
        "Order Placed", "shop", ACCOUNT, "us-east-1")
    assert body["resources"] == ["arn:aws:x:::thing"] and body["detail"] == {"n": 5, "who": "ann"}
    assert body["time"].endswith("Z") and len(body["time"]) == 20


def test_events_that_do_not_match_are_not_delivered(events, routed, receive, nothing_on):
    url, _ = routed({"source": ["shop"], "detail": {"kind": [{"anything-but": "test"}]}})
    events.put_events(Entries=[entry("other"), entry(detail={"kind": "test"}), entry(detail={"kind": "real"})])
    assert json.loads(receive(url)[0]["Body"])["detail"] == {"kind": "real"}
    nothing_on(url)


def test_the_event_time_given_is_kept(events, routed, receive):
    url, _ = routed({"source": ["clock-shop"]})
    events.put_events(Entries=[entry("clock-shop", Time=1_700_000_000)])
    assert json.loads(receive(url)[0]["Body"])["time"] == "2023-11-14T22:13:20Z"


def test_a_disabled_rule_delivers_nothing_until_enabled(events, routed, receive, nothing_on):
    url, rule = routed({"source": ["switch"]})
    events.disable_rule(Name=rule)
    events.put_events(Entries=[entry("switch", {"n": "while disabled"})])
    nothing_on(url)
    events.enable_rule(Name=rule)
    events.put_events(Entries=[entry("switch", {"n": "enabled"})])
    assert json.loads(receive(url)[0]["Body"])["detail"] == {"n": "enabled"}


def test_every_matching_rule_gets_the_event(events, routed, receive):
    first, _ = routed({"source": ["fan"]})
    second, _ = routed({"detail-type": [{"prefix": "Order"}]})
    event_id = events.put_events(Entries=[entry("fan")])["Entries"][0]["EventId"]
    assert json.loads(receive(first)[0]["Body"])["id"] == event_id
    assert json.loads(receive(second)[0]["Body"])["id"] == event_id


def test_input_replaces_the_event(events, routed, receive):
    url, _ = routed({"source": ["constant"]}, Input='{"fixed": [1, 2]}')
    events.put_events(Entries=[entry("constant")])
    assert receive(url)[0]["Body"] == '{"fixed": [1, 2]}'


def test_input_path_sends_part_of_the_event(events, routed, receive):
    url, _ = routed({"source": ["pathy"]}, InputPath="$.detail.order")
    events.put_events(Entries=[entry("pathy", {"order": {"id": "o-1", "lines": [1, 2]}})])
    assert json.loads(receive(url)[0]["Body"]) == {"id": "o-1", "lines": [1, 2]}


def test_input_transformer_fills_a_json_template(events, routed, receive):
    url, rule = routed({"source": ["transform"]}, InputTransformer={
        "InputPathsMap": {"order": "$.detail.order", "count": "$.detail.count", "missing": "$.detail.nope",
                          "first": "$.detail.items[0]"},
        "InputTemplate": ('{"order": <order>, "text": "order <order> has <count> items", "count": <count>,'
                          ' "missing": <missing>, "first": <first>, "rule": "<aws.events.rule-name>",'
                          ' "arn": "<aws.events.rule-arn>", "at": "<aws.events.event.ingestion-time>",'
                          ' "whole": <aws.events.event.json>, "envelope": <aws.events.event>}')})
    event_id = events.put_events(Entries=[entry("transform", {"order": "o-7", "count": 3, "items": ["x", "y"]})])[
        "Entries"][0]["EventId"]
    body = json.loads(receive(url)[0]["Body"])
    assert body["order"] == "o-7" and body["text"] == "order o-7 has 3 items" and body["count"] == 3
    assert body["missing"] is None and body["first"] == "x"
    assert body["rule"] == rule and body["arn"] == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{rule}"
    assert body["at"].endswith("Z")
    assert body["whole"]["id"] == event_id and body["whole"]["detail"]["count"] == 3
    assert body["envelope"]["id"] == event_id and "detail" not in body["envelope"]


def test_input_transformer_fills_a_text_template(events, routed, receive):
    url, _ = routed({"source": ["texty"]}, InputTransformer={
        "InputPathsMap": {"instance": "$.detail.instance", "status": "$.detail.status"},
        "InputTemplate": '<instance> is in state "<status>"'})
    events.put_events(Entries=[entry("texty", {"instance": "i-1", "status": "RUNNING"})])
    assert receive(url)[0]["Body"] == 'i-1 is in state "RUNNING"'


def test_custom_bus_and_cross_bus_target(events, routed, receive, nothing_on):
    sender = events.create_event_bus(Name=unique("sender"))["EventBusArn"]
    receiver = events.create_event_bus(Name=unique("receiver"))["EventBusArn"]
    final, _ = routed({"source": ["relay"]}, bus=receiver)
    on_default, _ = routed({"source": ["relay"]})
    forward = unique("forward")
    events.put_rule(Name=forward, EventBusName=sender, EventPattern=json.dumps({"source": ["relay"]}))
    events.put_targets(Rule=forward, EventBusName=sender, Targets=[{"Id": "bus", "Arn": receiver}])
    event_id = events.put_events(Entries=[entry("relay", EventBusName=sender)])["Entries"][0]["EventId"]
    body = json.loads(receive(final)[0]["Body"])
    assert body["id"] == event_id and body["source"] == "relay"
    nothing_on(on_default)  # the default bus's rule never saw an event sent to another bus


def test_fifo_queue_target_uses_the_message_group(events, queue, receive):
    url, arn = queue(fifo=True)
    rule = unique("fifo")
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["fifo-shop"]}))
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": arn, "SqsParameters": {"MessageGroupId": "orders"}}])
    ids = [events.put_events(Entries=[entry("fifo-shop", {"n": n})])["Entries"][0]["EventId"] for n in range(3)]
    messages = receive(url, 3)
    assert [json.loads(m["Body"])["id"] for m in messages] == ids
    assert {m["Attributes"]["MessageGroupId"] for m in messages} == {"orders"}
    assert [m["Attributes"]["MessageDeduplicationId"] for m in messages] == ids


def test_sns_topic_target_reaches_its_queue_subscriber(events, sns, sqs, queue, receive):
    url, queue_arn = queue()
    topic = sns.create_topic(Name=unique("topic"))["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    rule = unique("to-topic")
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["notify"]}))
    events.put_targets(Rule=rule, Targets=[{"Id": "topic", "Arn": topic}])
    event_id = events.put_events(Entries=[entry("notify")])["Entries"][0]["EventId"]
    body = json.loads(receive(url)[0]["Body"])
    assert body["id"] == event_id and body["detail"] == {"n": 1}


HANDLER = SINK_RECORD + """
import json

def handler(event, context):
    record(event["detail"]["sink"], json.dumps(event))
"""


def test_lambda_target_is_invoked_asynchronously_with_the_event(events, function, reports):
    arn = function(HANDLER)
    rule = unique("to-lambda")
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["invoke-me"]}))
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": arn}])
    sink = reports.url_for("invoked")
    event_id = events.put_events(Entries=[entry("invoke-me", {"sink": sink})])["Entries"][0]["EventId"]
    [got] = map(json.loads, reports.wait("invoked", 1, timeout=30))
    assert got["id"] == event_id and got["detail-type"] == "Order Placed" and got["detail"]["sink"] == sink


def test_a_queue_whose_policy_refuses_events_sends_to_the_dead_letter_queue(events, queue, sqs, receive, nothing_on):
    refusing_url, refusing = queue(allow=False)
    dlq_url, dlq = queue()
    rule = unique("refused")
    rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["refused"]}))["RuleArn"]
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": refusing, "DeadLetterConfig": {"Arn": dlq}}])
    event_id = events.put_events(Entries=[entry("refused")])["Entries"][0]["EventId"]
    [dead] = receive(dlq_url)
    assert json.loads(dead["Body"])["id"] == event_id
    attributes = {name: value["StringValue"] for name, value in dead["MessageAttributes"].items()}
    assert attributes["RULE_ARN"] == rule_arn and attributes["TARGET_ARN"] == refusing
    assert attributes["ERROR_CODE"] == "AccessDenied"
    nothing_on(refusing_url)


# -- bad input ---------------------------------------------------------------------------------------


def test_bad_entries_fail_alone(events, routed, receive, nothing_on):
    url, _ = routed({"source": ["mixed"]})
    answer = events.put_events(Entries=[
        {"DetailType": "x", "Detail": "{}"},
        {"Source": "mixed", "Detail": "{}"},
        {"Source": "mixed", "DetailType": "x"},
        {"Source": "mixed", "DetailType": "x", "Detail": "not json"},
        {"Source": "mixed", "DetailType": "x", "Detail": "[1, 2]"},
        {"Source": "aws.s3", "DetailType": "x", "Detail": "{}"},
        entry("mixed", {"good": True}),
    ])
    assert answer["FailedEntryCount"] == 6
    results = answer["Entries"]
    assert results[0] == {"ErrorCode": "InvalidArgument",
                          "ErrorMessage": "Parameter Source is not valid. Reason: Source is a required argument."}
    assert results[1]["ErrorMessage"] == "Parameter DetailType is not valid. Reason: DetailType is a required argument."
    assert results[2]["ErrorMessage"] == "Parameter Detail is not valid. Reason: Detail is a required argument."
    assert results[3] == results[4] == {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    assert results[5]["ErrorCode"] == "NotAuthorizedForSourceException"
    assert "EventId" in results[6] and "ErrorCode" not in results[6]
    assert json.loads(receive(url)[0]["Body"])["detail"] == {"good": True}
    nothing_on(url)


def test_requests_aws_refuses_whole_change_nothing(events, routed, nothing_on, client):
    url, _ = routed({"source": ["refused-whole"]})
    with pytest.raises(ClientError) as caught:
        events.put_events(Entries=[entry("refused-whole")] * 11)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "Member must have length less than or equal to 10" in caught.value.response["Error"]["Message"]
    big = "x" * (256 * 1024)
    with pytest.raises(ClientError) as caught:
        events.put_events(Entries=[entry("refused-whole", {"big": big})])
    assert caught.value.response["Error"] == {
        "Code": "ValidationException", "Message": "Total size of the entries in the request is over the limit."}
    nothing_on(url)


def test_an_entry_at_the_size_limit_is_accepted(events, routed, receive):
    url, _ = routed({"source": ["sized"]}, InputPath="$.detail")  # the whole envelope would pass SQS's limit
    padding = 256 * 1024 - len("sized") - len("Order Placed") - len(json.dumps({"p": ""}))
    answer = events.put_events(Entries=[entry("sized", {"p": "y" * padding})])
    assert answer["FailedEntryCount"] == 0
    assert len(json.loads(receive(url)[0]["Body"])["p"]) == padding


def test_an_event_for_a_bus_that_does_not_exist_is_accepted_and_lost_as_on_aws(events, routed, nothing_on):
    url, _ = routed({"source": ["lost"]})
    answer = events.put_events(Entries=[entry("lost", EventBusName="no-such-bus")])
    assert answer["FailedEntryCount"] == 0 and answer["Entries"][0]["EventId"]
    nothing_on(url)


def test_test_event_pattern(events):
    event = {"id": "1", "account": ACCOUNT, "source": "shop", "time": "2024-01-01T00:00:00Z",
             "region": "us-east-1", "detail-type": "x", "resources": [], "detail": {"n": 3}}
    assert events.test_event_pattern(EventPattern=json.dumps({"detail": {"n": [{"numeric": ["<", 5]}]}}),
                                     Event=json.dumps(event))["Result"] is True
    assert events.test_event_pattern(EventPattern=json.dumps({"source": ["other"]}),
                                     Event=json.dumps(event))["Result"] is False
    with pytest.raises(ClientError) as caught:
        events.test_event_pattern(EventPattern='{"source": "x"}', Event=json.dumps(event))
    assert caught.value.response["Error"]["Code"] == "InvalidEventPatternException"
    with pytest.raises(ClientError) as caught:
        events.test_event_pattern(EventPattern='{"source": ["x"]}', Event='{"source": "x"}')
    assert caught.value.response["Error"] == {"Code": "ValidationException", "Message": "Parameter Event is not valid."}


def test_targets_added_after_an_event_do_not_receive_it(events, queue, nothing_on):
    url, arn = queue()
    rule = unique("late")
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["late"]}))
    events.put_events(Entries=[entry("late")])
    time.sleep(0.2)  # the event was routed when it was put: give a wrong implementation time to show
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": arn}])
    nothing_on(url)


def test_deeply_nested_input_is_refused_not_crashed(events):
    deep = "[" * 5000 + "]" * 5000
    answer = events.put_events(Entries=[{"Source": "deep", "DetailType": "x", "Detail": deep}])
    assert answer["Entries"][0]["ErrorCode"] == "MalformedDetail"
    nested = '{"a":' * 1500 + '["x"]' + "}" * 1500
    with pytest.raises(ClientError) as caught:
        events.put_rule(Name=unique("deep"), EventPattern=nested)
    assert caught.value.response["Error"]["Code"] in ("InvalidEventPatternException", "ValidationException")
