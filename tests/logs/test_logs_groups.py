"""Log groups and streams: create, describe (prefixes, patterns, ordering, paging), delete, tags."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError


def now_ms() -> int:
    return int(time.time() * 1000)


def error(exc: pytest.ExceptionInfo) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def test_create_describe_delete_group(logs):
    logs.create_log_group(logGroupName="/app/one", tags={"team": "a"})
    found = logs.describe_log_groups(logGroupNamePrefix="/app/one")["logGroups"]
    assert [g["logGroupName"] for g in found] == ["/app/one"]
    group = found[0]
    assert group["arn"] == "arn:aws:logs:us-east-1:000000000000:log-group:/app/one:*"
    assert group["logGroupArn"] == "arn:aws:logs:us-east-1:000000000000:log-group:/app/one"
    assert group["storedBytes"] == 0 and "retentionInDays" not in group
    with pytest.raises(ClientError) as exc:
        logs.create_log_group(logGroupName="/app/one")
    assert error(exc) == ("ResourceAlreadyExistsException", "The specified log group already exists")
    logs.delete_log_group(logGroupName="/app/one")
    assert logs.describe_log_groups(logGroupNamePrefix="/app/one")["logGroups"] == []
    with pytest.raises(ClientError) as exc:
        logs.delete_log_group(logGroupName="/app/one")
    assert error(exc) == ("ResourceNotFoundException", "The specified log group does not exist.")


def test_group_name_is_validated(logs):
    with pytest.raises(ClientError) as exc:
        logs.create_log_group(logGroupName="bad:name")
    assert exc.value.response["Error"]["Code"] == "InvalidParameterException"


def test_describe_groups_pattern_and_paging(logs):
    for name in ("pg-a", "pg-b", "pg-c", "other-PG-d"):
        logs.create_log_group(logGroupName=name)
    first = logs.describe_log_groups(logGroupNamePrefix="pg-", limit=2)
    assert [g["logGroupName"] for g in first["logGroups"]] == ["pg-a", "pg-b"]
    rest = logs.describe_log_groups(logGroupNamePrefix="pg-", limit=2, nextToken=first["nextToken"])
    assert [g["logGroupName"] for g in rest["logGroups"]] == ["pg-c"] and "nextToken" not in rest
    matched = logs.describe_log_groups(logGroupNamePattern="pg-d")["logGroups"]
    assert [g["logGroupName"] for g in matched] == ["other-PG-d"]
    with pytest.raises(ClientError) as exc:
        logs.describe_log_groups(logGroupNamePrefix="pg", logGroupNamePattern="pg")
    assert exc.value.response["Error"]["Code"] == "InvalidParameterException"
    names = [
        g["logGroupName"]
        for g in logs.get_paginator("describe_log_groups")
        .paginate(logGroupNamePrefix="pg-", PaginationConfig={"PageSize": 1})
        .build_full_result()["logGroups"]
    ]
    assert names == ["pg-a", "pg-b", "pg-c"]


def test_streams_create_describe_order_delete(logs, stream):
    stream("streams", "b-stream")
    stream("streams", "a-stream")
    logs.put_log_events(
        logGroupName="streams", logStreamName="b-stream", logEvents=[{"timestamp": now_ms(), "message": "x"}]
    )
    with pytest.raises(ClientError) as exc:
        logs.create_log_stream(logGroupName="streams", logStreamName="a-stream")
    assert error(exc) == ("ResourceAlreadyExistsException", "The specified log stream already exists")
    with pytest.raises(ClientError) as exc:
        logs.create_log_stream(logGroupName="no-such-group", logStreamName="s")
    assert error(exc) == ("ResourceNotFoundException", "The specified log group does not exist.")
    by_name = logs.describe_log_streams(logGroupName="streams")["logStreams"]
    assert [s["logStreamName"] for s in by_name] == ["a-stream", "b-stream"]
    assert "lastEventTimestamp" not in by_name[0] and by_name[1]["lastEventTimestamp"] > 0
    assert by_name[1]["arn"].endswith(":log-group:streams:log-stream:b-stream")
    by_time = logs.describe_log_streams(logGroupName="streams", orderBy="LastEventTime", descending=True)
    assert [s["logStreamName"] for s in by_time["logStreams"]] == ["b-stream", "a-stream"]
    prefixed = logs.describe_log_streams(logGroupName="streams", logStreamNamePrefix="a")["logStreams"]
    assert [s["logStreamName"] for s in prefixed] == ["a-stream"]
    with pytest.raises(ClientError) as exc:
        logs.describe_log_streams(logGroupName="streams", logStreamNamePrefix="a", orderBy="LastEventTime")
    assert exc.value.response["Error"]["Code"] == "InvalidParameterException"
    paged = logs.describe_log_streams(logGroupName="streams", limit=1)
    assert len(paged["logStreams"]) == 1
    assert (
        logs.describe_log_streams(logGroupName="streams", nextToken=paged["nextToken"])["logStreams"][0][
            "logStreamName"
        ]
        == "b-stream"
    )
    logs.delete_log_stream(logGroupName="streams", logStreamName="b-stream")
    with pytest.raises(ClientError) as exc:
        logs.delete_log_stream(logGroupName="streams", logStreamName="b-stream")
    assert error(exc) == ("ResourceNotFoundException", "The specified log stream does not exist.")
    assert [s["logStreamName"] for s in logs.describe_log_streams(logGroupName="streams")["logStreams"]] == [
        "a-stream"
    ]


def test_describe_streams_of_missing_group(logs):
    with pytest.raises(ClientError) as exc:
        logs.describe_log_streams(logGroupName="missing")
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_deleting_group_removes_its_streams_and_events(logs, stream):
    stream("doomed", "s")
    logs.put_log_events(
        logGroupName="doomed", logStreamName="s", logEvents=[{"timestamp": now_ms(), "message": "m"}]
    )
    logs.delete_log_group(logGroupName="doomed")
    logs.create_log_group(logGroupName="doomed")
    assert logs.describe_log_streams(logGroupName="doomed")["logStreams"] == []
    assert logs.filter_log_events(logGroupName="doomed")["events"] == []


def test_retention_policy_set_and_deleted(logs):
    logs.create_log_group(logGroupName="kept")
    logs.put_retention_policy(logGroupName="kept", retentionInDays=7)
    assert logs.describe_log_groups(logGroupNamePrefix="kept")["logGroups"][0]["retentionInDays"] == 7
    with pytest.raises(ClientError) as exc:
        logs.put_retention_policy(logGroupName="kept", retentionInDays=4)
    code, message = error(exc)
    assert code == "InvalidParameterException" and "enum value set: [1, 3, 5, 7, 14" in message
    logs.delete_retention_policy(logGroupName="kept")
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix="kept")["logGroups"][0]
    with pytest.raises(ClientError) as exc:
        logs.put_retention_policy(logGroupName="not-there", retentionInDays=1)
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_tags_by_arn_and_by_group_name(logs):
    logs.create_log_group(logGroupName="tagged", tags={"a": "1"})
    arn = logs.describe_log_groups(logGroupNamePrefix="tagged")["logGroups"][0]["logGroupArn"]
    logs.tag_resource(resourceArn=arn, tags={"b": "2"})
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"a": "1", "b": "2"}
    logs.untag_resource(resourceArn=arn, tagKeys=["a"])
    logs.tag_log_group(logGroupName="tagged", tags={"c": "3"})
    assert logs.list_tags_log_group(logGroupName="tagged")["tags"] == {"b": "2", "c": "3"}
    logs.untag_log_group(logGroupName="tagged", tags=["b"])
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"c": "3"}
    with pytest.raises(ClientError) as exc:
        logs.tag_resource(resourceArn=arn, tags={f"k{i}": "v" for i in range(50)})
    assert exc.value.response["Error"]["Code"] == "TooManyTagsException"
    with pytest.raises(ClientError) as exc:
        logs.list_tags_for_resource(resourceArn=arn.replace("tagged", "untagged"))
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        logs.tag_log_group(logGroupName="untagged", tags={"a": "b"})
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
