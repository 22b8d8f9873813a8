"""FilterLogEvents: across streams, with the CloudWatch filter pattern syntax, paged."""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError


def now_ms() -> int:
    return int(time.time() * 1000)


LINES = [
    ("web", "ERROR disk full on /var"),
    ("web", "WARN slow request took 900 ms"),
    ("api", "INFO request ok"),
    ("api", 'ERROR "bad request" from client'),
    ("api", json.dumps({"level": "error", "latency": 250, "user": {"id": 7}, "tags": ["a", "b"]})),
    ("web", json.dumps({"level": "info", "latency": 20, "user": {"id": 8}, "flag": True, "gone": None})),
    ("api", '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /index.html HTTP/1.0" 404 2326'),
    ("web", '10.0.0.2 - alice [10/Oct/2000:13:56:01 -0700] "POST /login HTTP/1.0" 500 10'),
]


@pytest.fixture(scope="module")
def group(logs):
    logs.create_log_group(logGroupName="filtered")
    for name in ("web", "api"):
        logs.create_log_stream(logGroupName="filtered", logStreamName=name)
    base = now_ms() - 60_000
    for i, (name, message) in enumerate(LINES):
        logs.put_log_events(
            logGroupName="filtered",
            logStreamName=name,
            logEvents=[{"timestamp": base + i, "message": message}],
        )
    return "filtered"


def found(logs, group, pattern, **extra) -> list[str]:
    return [
        e["message"]
        for e in logs.filter_log_events(logGroupName=group, filterPattern=pattern, **extra)["events"]
    ]


def test_no_pattern_returns_everything_interleaved_in_time_order(logs, group):
    reply = logs.filter_log_events(logGroupName=group)
    assert [e["message"] for e in reply["events"]] == [m for _, m in LINES]
    assert {e["logStreamName"] for e in reply["events"]} == {"web", "api"}
    assert len({e["eventId"] for e in reply["events"]}) == len(LINES)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("ERROR", [1, 4]),
        ("ERROR disk", [1]),
        ('"bad request"', [4]),
        ("ERROR -disk", [4]),
        ("?WARN ?INFO", [2, 3]),
        ("%ms$%", [2]),
        ('{ $.level = "error" }', [5]),
        ("{ $.latency > 100 }", [5]),
        ('{ $.latency < 100 && $.level = "info" }', [6]),
        ("{ ($.user.id = 7) || ($.user.id = 8) }", [5, 6]),
        ('{ $.level = "err*" }', [5]),
        ('{ $.level != "error" }', [6]),
        ('{ $.tags[1] = "b" }', [5]),
        ("{ $.flag IS TRUE }", [6]),
        ("{ $.gone IS NULL }", [6]),
        ("{ $.flag NOT EXISTS }", [5]),
        ("[ip, identity, user, timestamp, request, status_code = 404, bytes]", [7]),
        ("[ip, identity, user = alice, ...]", [8]),
        ("[..., status_code = 5*, bytes]", [8]),
        ("[..., status_code >= 400, bytes > 1000]", [7]),
        ("[..., status_code = 404 || status_code = 500, bytes]", [7, 8]),
    ],
)
def test_filter_patterns(logs, group, pattern, expected):
    assert found(logs, group, pattern) == [LINES[i - 1][1] for i in expected]


def test_stream_selection_and_paging(logs, group):
    assert found(logs, group, "ERROR", logStreamNames=["web"]) == [LINES[0][1]]
    assert found(logs, group, "ERROR", logStreamNamePrefix="ap") == [LINES[3][1]]
    first = logs.filter_log_events(logGroupName=group, limit=3)
    assert len(first["events"]) == 3 and first["nextToken"]
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=group, PaginationConfig={"PageSize": 3}
    )
    assert [e["message"] for e in pages.build_full_result()["events"]] == [m for _, m in LINES]
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName=group, logStreamNames=["web"], logStreamNamePrefix="w")
    assert exc.value.response["Error"]["Code"] == "InvalidParameterException"


def test_bad_pattern_and_missing_group(logs, group):
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName=group, filterPattern="{ $.x = ")
    assert exc.value.response["Error"]["Code"] == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName="missing-group")
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"
