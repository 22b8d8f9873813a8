"""PutEvents: entries checked as AWS checks them, wrapped in the event envelope, matched against
the bus's enabled rules, and one outbox event written per (event, rule, target) in the caller's
transaction, so a delivery exists exactly when the PutEvents that caused it committed."""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from cloudlet.core import outbox
from cloudlet.services import event_patterns
from cloudlet.services.events import store
from cloudlet.services.events.errors import ValidationException
from cloudlet.services.events.names import DEFAULT_BUS, BusRef, bus_ref

log = logging.getLogger("cloudlet.events")

TOPIC = "events.targets"
MAX_REQUEST_BYTES = 256 * 1024
_TIME_BYTES = 14  # AWS counts a given Time as 14 bytes


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_size(entries: list[dict[str, Any]]) -> None:
    """AWS's entry size (Time, Source, DetailType, Detail, Resources), summed over the request."""
    total = 0
    for entry in entries:
        total += _TIME_BYTES if entry.get("Time") is not None else 0
        for member in ("Source", "DetailType", "Detail"):
            total += len((entry.get(member) or "").encode())
        total += sum(len(resource.encode()) for resource in entry.get("Resources") or [] if resource)
    if total > MAX_REQUEST_BYTES:
        raise ValidationException("Total size of the entries in the request is over the limit.")


def entry_error(entry: dict[str, Any], from_service: bool) -> tuple[str, str] | None:
    """(ErrorCode, ErrorMessage) for an entry AWS refuses, None for a good one."""
    for member in ("Source", "DetailType", "Detail"):
        if not entry.get(member):
            return "InvalidArgument", f"Parameter {member} is not valid. Reason: {member} is a required argument."
    try:
        detail = json.loads(entry["Detail"])
    except (ValueError, RecursionError):
        detail = None
    if not isinstance(detail, dict):
        return "MalformedDetail", "Detail is malformed."
    if entry["Source"].startswith("aws.") and not from_service:
        return "NotAuthorizedForSourceException", "Not authorized for the source."
    return None


def envelope(entry: dict[str, Any], account: str, region: str, now: float) -> dict[str, Any]:
    moment = entry.get("Time")
    if isinstance(moment, datetime):
        moment = moment.timestamp()
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": account,
        "time": iso(moment if moment is not None else now),
        "region": region,
        "resources": list(entry.get("Resources") or []),
        "detail": json.loads(entry["Detail"]),
    }


def put(conn: sqlite3.Connection, entries: list[dict[str, Any]], account: str, region: str, now: float,
        *, from_service: bool = False) -> dict[str, Any]:
    """PutEvents' answer; every accepted event is routed in this transaction."""
    results: list[dict[str, Any]] = []
    for entry in entries:
        error = entry_error(entry, from_service)
        if error:
            results.append({"ErrorCode": error[0], "ErrorMessage": error[1]})
            continue
        event = envelope(entry, account, region, now)
        route(conn, bus_ref(entry.get("EventBusName"), account, region), event, now)
        results.append({"EventId": event["id"]})
    return {"FailedEntryCount": sum(1 for result in results if "ErrorCode" in result), "Entries": results}


def route(conn: sqlite3.Connection, bus: BusRef, event: dict[str, Any], now: float, *, forwarded: bool = False) -> int:
    """Delivers `event` to the targets of every enabled rule of `bus` whose pattern it matches.

    An event sent to a bus that does not exist is accepted and lost, as AWS does. One that came
    from another bus is not sent on to a third (`forwarded`), as AWS documents."""
    if bus.name != DEFAULT_BUS and store.find_bus(conn, bus.account, bus.region, bus.name) is None:
        log.warning("event %s sent to event bus %s, which does not exist: dropped", event["id"], bus.arn)
        return 0
    routed = 0
    for rule in store.enabled_pattern_rules(conn, bus.account, bus.region, bus.name):
        if rule.event_pattern and event_patterns.matches(_pattern(rule.event_pattern), event):
            routed += emit_for_rule(conn, rule, event, now, forwarded=forwarded)
    return routed


def emit_for_rule(conn: sqlite3.Connection, rule: store.Rule, event: dict[str, Any], now: float,
                  *, forwarded: bool = False) -> int:
    count = 0
    for target in store.targets(conn, rule.arn):
        if forwarded and target["Arn"].split(":")[2:3] == ["events"]:
            continue
        outbox.emit(conn, TOPIC, {"event": event, "rule": rule.arn, "rule_name": rule.name,
                                  "account": rule.account_id, "region": rule.region, "target": target,
                                  "ingested": iso(now)})
        count += 1
    return count


@lru_cache(maxsize=1024)
def _pattern(text: str) -> dict[str, Any]:
    return event_patterns.parse(text)
