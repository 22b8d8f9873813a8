"""Scheduled rules fire AWS's "Scheduled Event" when the clock passes their time (moved through
/_cloudlet/clock, no sleeping); rate and cron expressions computed as AWS documents them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from conftest import unique

from cloudlet.services.events import schedules


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("expression, after, expected", [
    ("rate(5 minutes)", "2026-01-01 00:00:30", "2026-01-01 00:05"),
    ("cron(0 10 * * ? *)", "2026-01-01 10:00:00", "2026-01-02 10:00"),
    ("cron(15 12 ? * MON-FRI *)", "2026-01-02 13:00:00", "2026-01-05 12:15"),  # Friday afternoon -> Monday
    ("cron(0/15 * * * ? *)", "2026-01-01 00:00:30", "2026-01-01 00:15"),
    ("cron(0 8 L * ? *)", "2026-02-01 00:00:00", "2026-02-28 08:00"),
    ("cron(0 8 ? * 6L *)", "2026-01-01 00:00:00", "2026-01-30 08:00"),  # last Friday of January
    ("cron(0 8 ? * 2#1 *)", "2026-01-01 00:00:00", "2026-01-05 08:00"),  # first Monday
    ("cron(0 8 15W * ? *)", "2026-02-01 00:00:00", "2026-02-16 08:00"),  # the 15th is a Sunday
    ("cron(0 0 1 JAN ? 2027)", "2026-03-01 00:00:00", "2027-01-01 00:00"),
    ("cron(30 9 ? * SAT,SUN *)", "2026-01-01 00:00:00", "2026-01-03 09:30"),
])
def test_next_firing(expression, after, expected):
    assert iso(schedules.parse(expression, at(after)).next_after(at(after))) == expected


def test_a_cron_in_the_past_never_fires_again():
    assert schedules.parse("cron(0 0 1 1 ? 2020)", at("2026-01-01 00:00:00")).next_after(at("2026-01-01 00:00:00")) is None


@pytest.mark.parametrize("expression", [
    "rate(1 minutes)", "rate(2 minute)", "rate(0 minutes)", "rate(5 weeks)", "rate(x minutes)",
    "cron(0 10 * * * *)", "cron(0 10 ? * ? *)", "cron(0 10 * *)", "cron(60 10 * * ? *)", "cron(0 24 * * ? *)",
    "cron(0 10 ? * 8 *)", "cron(0 10 32 * ? *)", "cron(0 10 * FOO ? *)", "every day",
])
def test_invalid_expressions_are_refused(expression):
    with pytest.raises(schedules.ScheduleError):
        schedules.parse(expression, 0)


def test_a_rate_rule_fires_scheduled_events_as_the_clock_moves(events, server, queue, receive, nothing_on):
    url, arn = queue()
    rule = unique("tick")
    rule_arn = events.put_rule(Name=rule, ScheduleExpression="rate(1 minute)")["RuleArn"]
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": arn}])
    nothing_on(url)

    now = server.advance_clock(61)
    event = json.loads(receive(url)[0]["Body"])
    assert (event["source"], event["detail-type"], event["detail"]) == ("aws.events", "Scheduled Event", {})
    assert event["resources"] == [rule_arn] and event["account"] == "000000000000"
    fired = datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    assert now - 61 < fired <= now

    server.advance_clock(60)
    second = json.loads(receive(url)[0]["Body"])
    assert second["id"] != event["id"] and second["time"] > event["time"]

    events.disable_rule(Name=rule)
    server.advance_clock(120)
    nothing_on(url)


def test_a_cron_rule_with_an_input_transformer(events, server, queue, receive):
    url, arn = queue()
    rule = unique("cron")
    events.put_rule(Name=rule, ScheduleExpression="cron(* * * * ? *)")
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": arn, "InputTransformer": {
        "InputPathsMap": {"when": "$.time"}, "InputTemplate": '{"job": "cleanup", "at": <when>}'}}])
    server.advance_clock(60)
    body = json.loads(receive(url)[0]["Body"])
    assert body["job"] == "cleanup" and body["at"].endswith(":00Z")
