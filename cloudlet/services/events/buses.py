"""Event buses: the default one every account and region has, and the custom ones created."""

from __future__ import annotations

import sqlite3
from typing import Any

from cloudlet.services.events import paging, store
from cloudlet.services.events.errors import (
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    ValidationException,
    bus_not_found,
)
from cloudlet.services.events.names import DEFAULT_BUS, BusRef, bus_arn


def find(conn: sqlite3.Connection, ref: BusRef) -> store.Bus | None:
    if ref.name == DEFAULT_BUS:
        return store.find_bus(conn, ref.account, ref.region, DEFAULT_BUS) or store.Bus(
            ref.arn, ref.account, ref.region, DEFAULT_BUS)
    return store.find_bus(conn, ref.account, ref.region, ref.name)


def get(conn: sqlite3.Connection, ref: BusRef) -> store.Bus:
    bus = find(conn, ref)
    if bus is None:
        raise bus_not_found(ref.name)
    return bus


def create(conn: sqlite3.Connection, ref: BusRef, params: dict[str, Any], now: float) -> store.Bus:
    if params.get("EventSourceName"):
        raise ResourceNotFoundException(f"Event source {params['EventSourceName']} does not exist.")
    if find(conn, ref) is not None:
        raise ResourceAlreadyExistsException(f"Event bus {ref.name} already exists.")
    if "/" in ref.name:
        raise ValidationException("Event bus name must not contain '/'.")
    bus = store.Bus(bus_arn(ref.account, ref.region, ref.name), ref.account, ref.region, ref.name,
                    params.get("Description"), now, now)
    store.insert_bus(conn, bus)
    tags = {tag["Key"]: tag["Value"] for tag in params.get("Tags") or []}
    if tags:
        store.set_tags(conn, bus.arn, tags)
    return bus


def delete(conn: sqlite3.Connection, ref: BusRef) -> None:
    """Deleting a bus that does not exist succeeds, as AWS's does; its rules go with it."""
    if ref.name == DEFAULT_BUS:
        raise ValidationException("Cannot delete event bus default.")
    bus = store.find_bus(conn, ref.account, ref.region, ref.name)
    if bus is None:
        return
    for rule in store.list_rules(conn, ref.account, ref.region, ref.name, ""):
        store.delete_rule(conn, rule.arn)
    store.delete_bus(conn, bus.arn)


def describe(bus: store.Bus) -> dict[str, Any]:
    view: dict[str, Any] = {"Name": bus.name, "Arn": bus.arn}
    if bus.description:
        view["Description"] = bus.description
    if bus.created_at is not None:
        view["CreationTime"] = bus.created_at
        view["LastModifiedTime"] = bus.modified_at
    return view


def listing(conn: sqlite3.Connection, account: str, region: str, params: dict[str, Any]) -> dict[str, Any]:
    prefix = params.get("NamePrefix") or ""
    found = store.list_buses(conn, account, region, prefix)
    if DEFAULT_BUS.startswith(prefix) and not any(bus.name == DEFAULT_BUS for bus in found):
        found.append(store.Bus(bus_arn(account, region, DEFAULT_BUS), account, region, DEFAULT_BUS))
        found.sort(key=lambda bus: bus.name)
    chosen, token = paging.page(found, lambda bus: bus.name, params)
    result: dict[str, Any] = {"EventBuses": [describe(bus) for bus in chosen]}
    if token:
        result["NextToken"] = token
    return result
