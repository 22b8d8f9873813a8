"""Rules: an event pattern and/or a schedule on a bus, enabled or disabled, with their tags."""

from __future__ import annotations

import sqlite3
from typing import Any

from cloudlet.services import event_patterns
from cloudlet.services.events import buses, paging, schedules, store
from cloudlet.services.events.errors import (
    InvalidEventPatternException,
    LimitExceededException,
    ValidationException,
    not_valid,
    rule_not_found,
)
from cloudlet.services.events.names import DEFAULT_BUS, BusRef, parse_bus_arn, parse_rule_arn

MAX_RULES_PER_BUS = 300


def get(conn: sqlite3.Connection, ref: BusRef, name: str) -> store.Rule:
    rule = store.find_rule(conn, ref.account, ref.region, ref.name, name)
    if rule is None:
        raise rule_not_found(name, ref.name)
    return rule


def put(conn: sqlite3.Connection, ref: BusRef, params: dict[str, Any], now: float) -> store.Rule:
    """PutRule: creates the rule, or replaces every setting of an existing one (tags stay)."""
    buses.get(conn, ref)
    pattern, schedule = params.get("EventPattern"), params.get("ScheduleExpression")
    if not pattern and not schedule:
        raise ValidationException("Parameter(s) EventPattern or ScheduleExpression must be specified.")
    if pattern:
        check_pattern(pattern)
    if schedule:
        if ref.name != DEFAULT_BUS:
            raise ValidationException("ScheduleExpression is supported only on the default event bus.")
        check_schedule(schedule, now)
    existing = store.find_rule(conn, ref.account, ref.region, ref.name, params["Name"])
    if existing is None and store.rule_count(conn, ref.account, ref.region, ref.name) >= MAX_RULES_PER_BUS:
        raise LimitExceededException("The requested resource exceeds the maximum number allowed.")
    rule = store.Rule(
        ref.rule_arn(params["Name"]), ref.account, ref.region, ref.name, params["Name"], pattern or None,
        schedule or None, params.get("State") or "ENABLED", params.get("Description"), params.get("RoleArn"),
        None, existing.created_at if existing else now)
    rule.next_fire_at = next_firing(rule, now)
    store.save_rule(conn, rule)
    tags = {tag["Key"]: tag["Value"] for tag in params.get("Tags") or []}
    if existing is None and tags:
        store.set_tags(conn, rule.arn, tags)
    return rule


def check_pattern(text: str) -> None:
    try:
        event_patterns.parse(text)
    except event_patterns.PatternError as exc:
        raise InvalidEventPatternException(str(exc)) from None


def check_schedule(expression: str, now: float) -> None:
    try:
        schedules.parse(expression, now)
    except schedules.ScheduleError:
        raise not_valid("ScheduleExpression") from None


def next_firing(rule: store.Rule, now: float) -> float | None:
    """When an enabled scheduled rule fires next (a rate counts from `now`)."""
    if not rule.schedule or not rule.enabled:
        return None
    return schedules.parse(rule.schedule, now).next_after(now)


def set_state(conn: sqlite3.Connection, ref: BusRef, name: str, state: str, now: float) -> store.Rule:
    rule = get(conn, ref, name)
    if rule.state != state:
        rule.state = state
        rule.next_fire_at = next_firing(rule, now)
        store.save_rule(conn, rule)
    return rule


def delete(conn: sqlite3.Connection, ref: BusRef, name: str) -> None:
    """Deleting a rule that does not exist succeeds; one that still has targets is refused."""
    rule = store.find_rule(conn, ref.account, ref.region, ref.name, name)
    if rule is None:
        return
    if store.target_ids(conn, rule.arn):
        raise ValidationException("Rule can't be deleted since it has targets.")
    store.delete_rule(conn, rule.arn)


def describe(rule: store.Rule, *, created_by: bool = True) -> dict[str, Any]:
    view: dict[str, Any] = {"Name": rule.name, "Arn": rule.arn, "State": rule.state, "EventBusName": rule.bus}
    optional = {"EventPattern": rule.event_pattern, "ScheduleExpression": rule.schedule,
                "Description": rule.description, "RoleArn": rule.role_arn, "ManagedBy": rule.managed_by}
    view.update({key: value for key, value in optional.items() if value})
    if created_by:
        view["CreatedBy"] = rule.account_id
    return view


def listing(conn: sqlite3.Connection, ref: BusRef, params: dict[str, Any]) -> dict[str, Any]:
    buses.get(conn, ref)
    found = store.list_rules(conn, ref.account, ref.region, ref.name, params.get("NamePrefix") or "")
    chosen, token = paging.page(found, lambda rule: rule.name, params)
    result: dict[str, Any] = {"Rules": [describe(rule, created_by=False) for rule in chosen]}
    if token:
        result["NextToken"] = token
    return result


def names_by_target(conn: sqlite3.Connection, ref: BusRef, params: dict[str, Any]) -> dict[str, Any]:
    buses.get(conn, ref)
    found = store.rules_targeting(conn, ref.account, ref.region, ref.name, params["TargetArn"])
    chosen, token = paging.page(found, lambda name: name, params)
    result: dict[str, Any] = {"RuleNames": chosen}
    if token:
        result["NextToken"] = token
    return result


# -- tags of rules and buses -----------------------------------------------------------------------


def tagged_arn(conn: sqlite3.Connection, arn: str) -> str:
    """The ARN of the rule or bus named, which must exist."""
    rule = parse_rule_arn(arn)
    if rule is not None:
        return get(conn, rule[0], rule[1]).arn
    bus = parse_bus_arn(arn)
    if bus is not None:
        return buses.get(conn, bus).arn
    raise not_valid("ResourceARN", "Provided Arn is not in correct format.")
