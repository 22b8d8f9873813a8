"""Event buses, rules, targets and tags: create, describe, list (prefixes, paging), delete, and
AWS's errors for each, through boto3 against a real server."""

from __future__ import annotations

import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"
PATTERN = json.dumps({"source": ["shop"]})


def error_of(call, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


# -- buses ---------------------------------------------------------------------------------------


def test_the_default_bus_exists_without_being_created(events):
    bus = events.describe_event_bus()
    assert bus["Name"] == "default"
    assert bus["Arn"] == f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"
    assert events.describe_event_bus(Name=bus["Arn"])["Name"] == "default"
    assert "default" in [b["Name"] for b in events.list_event_buses()["EventBuses"]]
    assert error_of(events.create_event_bus, Name="default") == (
        "ResourceAlreadyExistsException", "Event bus default already exists.")
    assert error_of(events.delete_event_bus, Name="default") == (
        "ValidationException", "Cannot delete event bus default.")


def test_custom_bus_lifecycle(events, unique):
    name = unique("bus")
    created = events.create_event_bus(Name=name, Description="orders", Tags=[{"Key": "team", "Value": "a"}])
    arn = created["EventBusArn"]
    assert arn == f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/{name}"
    described = events.describe_event_bus(Name=arn)
    assert (described["Name"], described["Description"]) == (name, "orders")
    assert described["CreationTime"].year >= 2024
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "a"}]
    assert error_of(events.create_event_bus, Name=name) == (
        "ResourceAlreadyExistsException", f"Event bus {name} already exists.")

    events.delete_event_bus(Name=name)
    assert error_of(events.describe_event_bus, Name=name) == (
        "ResourceNotFoundException", f"Event bus {name} does not exist.")
    events.delete_event_bus(Name=name)  # deleting again is not an error, as on AWS


def test_list_event_buses_by_prefix_and_page(events, unique):
    prefix = unique("paged")
    names = [f"{prefix}-{n}" for n in range(5)]
    for name in names:
        events.create_event_bus(Name=name)
    first = events.list_event_buses(NamePrefix=prefix, Limit=2)
    assert [b["Name"] for b in first["EventBuses"]] == names[:2]
    second = events.list_event_buses(NamePrefix=prefix, Limit=2, NextToken=first["NextToken"])
    third = events.list_event_buses(NamePrefix=prefix, Limit=2, NextToken=second["NextToken"])
    assert [b["Name"] for b in second["EventBuses"] + third["EventBuses"]] == names[2:]
    assert "NextToken" not in third


def test_bad_bus_input_answers_validation_errors(events, client):
    unchecked = client("events", config=Config(parameter_validation=False, retries={"max_attempts": 1}))
    code, message = error_of(unchecked.create_event_bus, Name="has space")
    assert code == "ValidationException" and "at 'name' failed to satisfy constraint" in message
    assert error_of(unchecked.list_event_buses, Limit=0) == ("ValidationException", (
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"))
    assert error_of(events.list_event_buses, NextToken="not base64!")[0] == "ValidationException"


# -- rules ---------------------------------------------------------------------------------------


def test_rule_put_describe_update_delete(events, unique):
    name = unique("rule")
    arn = events.put_rule(Name=name, EventPattern=PATTERN, Description="first", State="DISABLED")["RuleArn"]
    assert arn == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{name}"
    rule = events.describe_rule(Name=name)
    assert rule["State"] == "DISABLED" and rule["EventPattern"] == PATTERN
    assert (rule["Description"], rule["EventBusName"], rule["CreatedBy"]) == ("first", "default", ACCOUNT)

    events.put_rule(Name=name, ScheduleExpression="rate(5 minutes)")  # PutRule replaces the rule
    rule = events.describe_rule(Name=name)
    assert rule["State"] == "ENABLED" and rule["ScheduleExpression"] == "rate(5 minutes)"
    assert "EventPattern" not in rule and "Description" not in rule

    events.disable_rule(Name=name)
    assert events.describe_rule(Name=name)["State"] == "DISABLED"
    events.enable_rule(Name=name)
    assert events.describe_rule(Name=name)["State"] == "ENABLED"
    events.delete_rule(Name=name)
    assert error_of(events.describe_rule, Name=name) == (
        "ResourceNotFoundException", f"Rule {name} does not exist on EventBus default.")
    events.delete_rule(Name=name)  # already gone: not an error


def test_rules_on_a_custom_bus_by_name_or_arn(events, unique):
    bus_arn = events.create_event_bus(Name=unique("bus"))["EventBusArn"]
    bus = bus_arn.rsplit("/", 1)[1]
    name = unique("rule")
    arn = events.put_rule(Name=name, EventPattern=PATTERN, EventBusName=bus_arn)["RuleArn"]
    assert arn == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{bus}/{name}"
    assert events.describe_rule(Name=name, EventBusName=bus)["Arn"] == arn
    assert [r["Name"] for r in events.list_rules(EventBusName=bus)["Rules"]] == [name]
    assert error_of(events.describe_rule, Name=name) == (
        "ResourceNotFoundException", f"Rule {name} does not exist on EventBus default.")


def test_rule_errors(events, unique):
    assert error_of(events.put_rule, Name=unique("r"), EventBusName="no-such-bus", EventPattern=PATTERN) == (
        "ResourceNotFoundException", "Event bus no-such-bus does not exist.")
    assert error_of(events.put_rule, Name=unique("r")) == (
        "ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified.")
    assert error_of(events.put_rule, Name=unique("r"), ScheduleExpression="rate(1 minutes)") == (
        "ValidationException", "Parameter ScheduleExpression is not valid.")
    assert error_of(events.put_rule, Name=unique("r"), ScheduleExpression="cron(0 10 * * * *)") == (
        "ValidationException", "Parameter ScheduleExpression is not valid.")
    bus = events.create_event_bus(Name=unique("bus"))["EventBusArn"]
    assert error_of(events.put_rule, Name=unique("r"), EventBusName=bus, ScheduleExpression="rate(1 day)") == (
        "ValidationException", "ScheduleExpression is supported only on the default event bus.")
    assert error_of(events.enable_rule, Name="missing-rule")[0] == "ResourceNotFoundException"
    assert error_of(events.put_rule, Name="bad name", EventPattern=PATTERN)[0] == "ValidationException"


@pytest.mark.parametrize("pattern, reason", [
    ("not json", "Unrecognized JSON"),
    ('["source"]', "Filter is not an object"),
    ('{"source": "shop"}', '"source" must be an object or an array'),
    ('{"source": []}', "Empty arrays are not allowed"),
    ('{"source": [{"bogus": 1}]}', "Unrecognized match type bogus"),
    ('{"n": [{"numeric": [">", "x"]}]}', "Value of > must be numeric"),
    ('{"s": [{"prefix": 1}]}', "prefix match pattern must be a string"),
    ('{"s": [{"exists": "yes"}]}', "exists match pattern must be either true or false."),
    ('{"s": [{"wildcard": "a**b"}]}', "Consecutive wildcard characters"),
])
def test_invalid_patterns_answer_invalid_event_pattern(events, unique, pattern, reason):
    name = unique("r")
    code, message = error_of(events.put_rule, Name=name, EventPattern=pattern)
    assert code == "InvalidEventPatternException"
    assert message.startswith("Event pattern is not valid. Reason: ") and reason in message
    assert error_of(events.describe_rule, Name=name)[0] == "ResourceNotFoundException"  # nothing was made


def test_list_rules_by_prefix_and_page(events, unique):
    prefix = unique("listed")
    names = [f"{prefix}-{n}" for n in range(3)]
    for name in names:
        events.put_rule(Name=name, EventPattern=PATTERN)
    page = events.list_rules(NamePrefix=prefix, Limit=2)
    assert [r["Name"] for r in page["Rules"]] == names[:2]
    assert page["Rules"][0]["Arn"].endswith(f":rule/{names[0]}") and page["Rules"][0]["State"] == "ENABLED"
    rest = events.list_rules(NamePrefix=prefix, Limit=2, NextToken=page["NextToken"])
    assert [r["Name"] for r in rest["Rules"]] == names[2:] and "NextToken" not in rest


# -- targets -------------------------------------------------------------------------------------


def test_targets_put_list_remove(events, queue, unique):
    name = unique("rule")
    events.put_rule(Name=name, EventPattern=PATTERN)
    (_, first), (_, second) = queue(), queue()
    answer = events.put_targets(Rule=name, Targets=[
        {"Id": "a", "Arn": first, "Input": '{"fixed": true}'},
        {"Id": "b", "Arn": second, "InputPath": "$.detail"}])
    assert (answer["FailedEntryCount"], answer["FailedEntries"]) == (0, [])
    listed = events.list_targets_by_rule(Rule=name)["Targets"]
    assert listed == [{"Id": "a", "Arn": first, "Input": '{"fixed": true}'},
                      {"Id": "b", "Arn": second, "InputPath": "$.detail"}]
    assert events.list_rule_names_by_target(TargetArn=first)["RuleNames"] == [name]

    assert error_of(events.delete_rule, Name=name) == ("ValidationException", "Rule can't be deleted since it has targets.")
    removed = events.remove_targets(Rule=name, Ids=["a", "b"])
    assert removed["FailedEntryCount"] == 0
    assert events.list_targets_by_rule(Rule=name)["Targets"] == []
    events.delete_rule(Name=name)
    assert events.list_rule_names_by_target(TargetArn=first)["RuleNames"] == []


def test_at_most_five_targets_per_rule(events, queue, unique):
    name = unique("rule")
    events.put_rule(Name=name, EventPattern=PATTERN)
    _, arn = queue()
    events.put_targets(Rule=name, Targets=[{"Id": f"t{n}", "Arn": arn} for n in range(5)])
    assert error_of(events.put_targets, Rule=name, Targets=[{"Id": "t5", "Arn": arn}]) == (
        "LimitExceededException", "The requested resource exceeds the maximum number allowed.")
    events.put_targets(Rule=name, Targets=[{"Id": "t0", "Arn": arn, "Input": "{}"}])  # replacing is fine
    assert len(events.list_targets_by_rule(Rule=name)["Targets"]) == 5


def test_target_errors(events, queue, unique):
    name = unique("rule")
    events.put_rule(Name=name, EventPattern=PATTERN)
    _, arn = queue()
    assert error_of(events.put_targets, Rule="no-such-rule", Targets=[{"Id": "a", "Arn": arn}]) == (
        "ResourceNotFoundException", "Rule no-such-rule does not exist on EventBus default.")
    assert error_of(events.put_targets, Rule=name, Targets=[{"Id": "a", "Arn": "not-an-arn"}]) == (
        "ValidationException", "Parameter not-an-arn is not valid. Reason: Provided Arn is not in correct format.")
    code, message = error_of(events.put_targets, Rule=name, Targets=[
        {"Id": "a", "Arn": arn, "Input": "{}", "InputPath": "$.detail"}])
    assert code == "ValidationException" and "Only one of Input, InputPath, or InputTransformer" in message
    assert error_of(events.put_targets, Rule=name, Targets=[{"Id": "a", "Arn": arn, "Input": "{nope"}])[0] == (
        "ValidationException")
    assert error_of(events.put_targets, Rule=name, Targets=[{"Id": "a", "Arn": arn, "InputPath": "detail"}])[0] == (
        "ValidationException")
    _, fifo = queue(fifo=True)
    assert error_of(events.put_targets, Rule=name, Targets=[{"Id": "f", "Arn": fifo}]) == (
        "ValidationException", "Parameter(s) SqsParameters must be specified for target: f.")
    assert error_of(events.put_targets, Rule=name, Targets=[
        {"Id": "d", "Arn": arn, "DeadLetterConfig": {"Arn": fifo}}]) == (
        "ValidationException",
        "Parameter DeadLetterConfig.Arn is not valid. Reason: Only a standard SQS queue can be a dead-letter queue.")
    assert events.list_targets_by_rule(Rule=name)["Targets"] == []  # none of it was kept


def test_a_target_cloudlet_cannot_deliver_to_is_a_failed_entry(events, queue, unique):
    name = unique("rule")
    events.put_rule(Name=name, EventPattern=PATTERN)
    _, arn = queue()
    answer = events.put_targets(Rule=name, Targets=[
        {"Id": "stream", "Arn": f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/s"}, {"Id": "q", "Arn": arn}])
    assert answer["FailedEntryCount"] == 1
    assert answer["FailedEntries"][0]["TargetId"] == "stream"
    assert answer["FailedEntries"][0]["ErrorCode"] == "NotImplemented"
    assert [t["Id"] for t in events.list_targets_by_rule(Rule=name)["Targets"]] == ["q"]


# -- tags ----------------------------------------------------------------------------------------


def test_rule_tags(events, unique):
    name = unique("rule")
    arn = events.put_rule(Name=name, EventPattern=PATTERN, Tags=[{"Key": "a", "Value": "1"}])["RuleArn"]
    events.tag_resource(ResourceARN=arn, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}])
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}]
    events.untag_resource(ResourceARN=arn, TagKeys=["a"])
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    missing = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/nope"
    assert error_of(events.tag_resource, ResourceARN=missing, Tags=[{"Key": "a", "Value": "1"}]) == (
        "ResourceNotFoundException", "Rule nope does not exist on EventBus default.")
