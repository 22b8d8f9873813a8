"""PutLogEvents' rules and GetLogEvents' reading order and tokens."""

from __future__ import annotations

import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError


def now_ms() -> int:
    return int(time.time() * 1000)


HOUR = 3600 * 1000
DAY = 24 * HOUR


def put(logs, group, name, *events):
    return logs.put_log_events(
        logGroupName=group,
        logStreamName=name,
        logEvents=[{"timestamp": ts, "message": m} for ts, m in events],
    )


def messages(reply) -> list[str]:
    return [e["message"] for e in reply["events"]]


def test_put_then_get_in_order(logs, stream):
    group, name = stream("events", "basic")
    base = now_ms() - 1000
    reply = put(logs, group, name, (base, "one"), (base + 1, "two"), (base + 1, "three"))
    assert reply["nextSequenceToken"] and "rejectedLogEventsInfo" not in reply
    got = logs.get_log_events(logGroupName=group, logStreamName=name, startFromHead=True)
    assert messages(got) == ["one", "two", "three"]
    assert got["events"][0]["timestamp"] == base and got["events"][0]["ingestionTime"] >= base
    described = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="basic")["logStreams"][0]
    assert described["firstEventTimestamp"] == base and described["lastEventTimestamp"] == base + 1


def test_forward_and_backward_tokens(logs, stream):
    group, name = stream("events", "paged")
    base = now_ms() - 10_000
    put(logs, group, name, *[(base + i, f"m{i}") for i in range(5)])
    head = logs.get_log_events(logGroupName=group, logStreamName=name, startFromHead=True, limit=2)
    assert messages(head) == ["m0", "m1"]
    page = logs.get_log_events(
        logGroupName=group, logStreamName=name, nextToken=head["nextForwardToken"], limit=2
    )
    assert messages(page) == ["m2", "m3"]
    back = logs.get_log_events(
        logGroupName=group, logStreamName=name, nextToken=page["nextBackwardToken"], limit=2
    )
    assert messages(back) == ["m0", "m1"]
    last = logs.get_log_events(logGroupName=group, logStreamName=name, nextToken=page["nextForwardToken"])
    assert messages(last) == ["m4"]
    end = logs.get_log_events(logGroupName=group, logStreamName=name, nextToken=last["nextForwardToken"])
    assert end["events"] == [] and end["nextForwardToken"] == last["nextForwardToken"]  # caught up
    put(logs, group, name, (base + 9, "late"))
    assert messages(
        logs.get_log_events(logGroupName=group, logStreamName=name, nextToken=end["nextForwardToken"])
    ) == ["late"]


def test_default_reads_the_newest_events(logs, stream):
    group, name = stream("events", "tail")
    base = now_ms() - 10_000
    put(logs, group, name, *[(base + i, f"t{i}") for i in range(5)])
    assert messages(logs.get_log_events(logGroupName=group, logStreamName=name, limit=2)) == ["t3", "t4"]
    window = logs.get_log_events(
        logGroupName=group, logStreamName=name, startTime=base + 1, endTime=base + 3, startFromHead=True
    )
    assert messages(window) == ["t1", "t2"]
    by_arn = logs.get_log_events(
        logGroupIdentifier=f"arn:aws:logs:us-east-1:000000000000:log-group:{group}",
        logStreamName=name,
        limit=1,
    )
    assert messages(by_arn) == ["t4"]


def test_bad_token(logs, stream):
    group, name = stream("events", "token")
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName=group, logStreamName=name, nextToken="nonsense")
    assert exc.value.response["Error"]["Code"] == "InvalidParameterException"


def test_out_of_order_batch_fails(logs, stream):
    group, name = stream("events", "order")
    with pytest.raises(ClientError) as exc:
        put(logs, group, name, (now_ms(), "b"), (now_ms() - 5000, "a"))
    assert exc.value.response["Error"] == {
        "Code": "InvalidParameterException",
        "Message": "Log events in a single PutLogEvents request must be in chronological order.",
    }


def test_batch_spanning_more_than_a_day_fails(logs, stream):
    group, name = stream("events", "span")
    with pytest.raises(ClientError) as exc:
        put(logs, group, name, (now_ms() - 2 * DAY, "old"), (now_ms(), "new"))
    assert "cannot span more than 24 hours" in exc.value.response["Error"]["Message"]


def test_too_large_batch_fails(logs, stream):
    group, name = stream("events", "size")
    big = "x" * (300 * 1024)
    with pytest.raises(ClientError) as exc:
        put(logs, group, name, *[(now_ms(), big)] * 4)
    assert exc.value.response["Error"]["Code"] == "InvalidParameterException"
    assert exc.value.response["Error"]["Message"].startswith("Upload too large: 1228904 bytes exceeds limit")


def test_too_old_and_too_new_events_are_rejected_not_failed(logs, stream):
    group, name = stream("events", "ages")
    now = now_ms()
    reply = put(
        logs,
        group,
        name,
        (now - 15 * DAY, "ancient"),
        (now - 15 * DAY + 1, "ancient2"),
        (now, "fine"),
        (now + 3 * HOUR, "future"),
    )
    assert reply["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1, "tooNewLogEventStartIndex": 3}
    assert messages(logs.get_log_events(logGroupName=group, logStreamName=name)) == ["fine"]


def test_events_older_than_retention_are_expired(logs):
    logs.create_log_group(logGroupName="short-lived")
    logs.put_retention_policy(logGroupName="short-lived", retentionInDays=1)
    logs.create_log_stream(logGroupName="short-lived", logStreamName="s")
    now = now_ms()
    reply = put(logs, "short-lived", "s", (now - 2 * DAY, "expired"), (now, "ok"))
    assert reply["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 0}


def test_put_to_missing_stream(logs, stream):
    group, _ = stream("events", "exists")
    with pytest.raises(ClientError) as exc:
        put(logs, group, "nope", (now_ms(), "x"))
    assert exc.value.response["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": "The specified log stream does not exist.",
    }
    with pytest.raises(ClientError) as exc:
        put(logs, "no-group", "nope", (now_ms(), "x"))
    assert exc.value.response["Error"]["Message"] == "The specified log group does not exist."


def test_server_validates_what_clients_skip(client, stream):
    group, name = stream("events", "validated")
    unchecked = client("logs", config=Config(parameter_validation=False, retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as exc:
        unchecked.put_log_events(logGroupName=group, logStreamName=name, logEvents=[])
    assert exc.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "at 'logEvents' failed to satisfy constraint" in exc.value.response["Error"]["Message"]
