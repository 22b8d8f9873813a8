"""Retention deletes events once they are older than the policy, measured on the shared clock."""

from __future__ import annotations

import time


def now_ms() -> int:
    return int(time.time() * 1000)


def stored(logs, group: str) -> int:
    return logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["storedBytes"]


def wait_for_stored(logs, group: str, expected: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while stored(logs, group) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"{group} still stores {stored(logs, group)} bytes")
        time.sleep(0.02)  # the sweep runs in the server once the clock moved: nothing to await


def test_retention_deletes_old_events(logs, stream, server):
    stream("retained", "s")
    stream("forever", "s")
    for group in ("retained", "forever"):
        logs.put_log_events(
            logGroupName=group, logStreamName="s", logEvents=[{"timestamp": now_ms(), "message": "12345"}]
        )
    assert stored(logs, "retained") == 5
    logs.put_retention_policy(logGroupName="retained", retentionInDays=1)
    server.advance_clock(2 * 24 * 3600)
    assert logs.get_log_events(logGroupName="retained", logStreamName="s")["events"] == []
    wait_for_stored(logs, "retained", 0)
    assert stored(logs, "forever") == 5
    assert [
        e["message"] for e in logs.get_log_events(logGroupName="forever", logStreamName="s")["events"]
    ] == ["12345"]
    # New events are judged on the moved clock: "now" is two days on.
    clock_now = now_ms() + 2 * 24 * 3600 * 1000
    reply = logs.put_log_events(
        logGroupName="retained",
        logStreamName="s",
        logEvents=[{"timestamp": now_ms(), "message": "old"}, {"timestamp": clock_now, "message": "new"}],
    )
    assert reply["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 0}
