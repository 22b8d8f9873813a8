"""Amazon EventBridge: event buses, rules (patterns and schedules), targets and PutEvents, with
delivery to SQS, SNS, Lambda and other buses through the outbox."""

from __future__ import annotations

import json
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services import event_patterns
from cloudlet.services.base import Provider
from cloudlet.services.environment import Environment
from cloudlet.services.events import buses, delivery, publishing, rules, store, targets
from cloudlet.services.events.errors import InvalidEventPatternException, not_valid
from cloudlet.services.events.names import BusRef, bus_ref
from cloudlet.services.events.scheduler import Scheduler

Params = dict[str, Any]
_TEST_EVENT_FIELDS = ("id", "account", "source", "time", "region", "detail-type")


class EventsProvider(Provider):
    service = "events"
    migrations = store.MIGRATIONS

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.deliveries = delivery.Deliveries(env)
        self.scheduler = Scheduler(env)

    async def start(self) -> None:
        self.env.dispatcher.subscribe(publishing.TOPIC, self.deliveries.handle, name=delivery.CONSUMER,
                                      max_attempts=delivery.MAX_ATTEMPTS, backoff=delivery.BACKOFF, timeout=120.0)
        self.scheduler.start()

    async def stop(self) -> None:
        self.scheduler.stop()

    def _now(self) -> float:
        return self.env.clock.now()

    @staticmethod
    def _bus(ctx: RequestContext, params: Params, member: str = "EventBusName") -> BusRef:
        return bus_ref(params.get(member), ctx.account_id, ctx.region)

    # -- event buses ---------------------------------------------------------------------------

    def create_event_bus(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            bus = buses.create(conn, BusRef(ctx.account_id, ctx.region, params["Name"]), params, self._now())
        result: Params = {"EventBusArn": bus.arn}
        if bus.description:
            result["Description"] = bus.description
        return result

    def describe_event_bus(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            return buses.describe(buses.get(conn, self._bus(ctx, params, "Name")))

    def update_event_bus(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            ref = self._bus(ctx, params, "Name")
            bus = buses.get(conn, ref)
            if "Description" in params:
                bus.description = params["Description"]
                bus.modified_at = self._now()
                if bus.created_at is None:  # the default bus gets a row once it has settings
                    bus.created_at = bus.modified_at
                    store.insert_bus(conn, bus)
                else:
                    store.update_bus(conn, bus)
        return {"Arn": bus.arn, "Name": bus.name, **({"Description": bus.description} if bus.description else {})}

    def list_event_buses(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            return buses.listing(conn, ctx.account_id, ctx.region, params)

    def delete_event_bus(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            buses.delete(conn, self._bus(ctx, params, "Name"))
        return {}

    # -- rules ---------------------------------------------------------------------------------

    def put_rule(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            rule = rules.put(conn, self._bus(ctx, params), params, self._now())
        self.scheduler.arm(rule.arn, rule.next_fire_at)
        return {"RuleArn": rule.arn}

    def describe_rule(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            return rules.describe(rules.get(conn, self._bus(ctx, params), params["Name"]))

    def list_rules(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            return rules.listing(conn, self._bus(ctx, params), params)

    def delete_rule(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            rules.delete(conn, self._bus(ctx, params), params["Name"])
        return {}

    def enable_rule(self, ctx: RequestContext, params: Params) -> Params:
        return self._set_state(ctx, params, "ENABLED")

    def disable_rule(self, ctx: RequestContext, params: Params) -> Params:
        return self._set_state(ctx, params, "DISABLED")

    def _set_state(self, ctx: RequestContext, params: Params, state: str) -> Params:
        with self.env.store.db() as conn:
            rule = rules.set_state(conn, self._bus(ctx, params), params["Name"], state, self._now())
        self.scheduler.arm(rule.arn, rule.next_fire_at)
        return {}

    def list_rule_names_by_target(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            return rules.names_by_target(conn, self._bus(ctx, params), params)

    # -- targets -------------------------------------------------------------------------------

    def put_targets(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            rule = rules.get(conn, self._bus(ctx, params), params["Rule"])
            return targets.put(conn, rule, params["Targets"])

    def remove_targets(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            rule = rules.get(conn, self._bus(ctx, params), params["Rule"])
            return targets.remove(conn, rule, params["Ids"])

    def list_targets_by_rule(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            rule = rules.get(conn, self._bus(ctx, params), params["Rule"])
            return targets.listing(conn, rule, params)

    # -- events --------------------------------------------------------------------------------

    def put_events(self, ctx: RequestContext, params: Params) -> Params:
        entries = params["Entries"]
        publishing.check_size(entries)
        from_service = bool(ctx.principal and ctx.principal.access_key.endswith(".amazonaws.com"))
        with self.env.store.db() as conn:
            return publishing.put(conn, entries, ctx.account_id, ctx.region, self._now(), from_service=from_service)

    def test_event_pattern(self, ctx: RequestContext, params: Params) -> Params:
        try:
            pattern = event_patterns.parse(params["EventPattern"])
        except event_patterns.PatternError as exc:
            raise InvalidEventPatternException(str(exc)) from None
        try:
            event = json.loads(params["Event"])
        except (ValueError, RecursionError):
            event = None
        if not isinstance(event, dict) or any(field not in event for field in _TEST_EVENT_FIELDS):
            raise not_valid("Event")
        return {"Result": event_patterns.matches(pattern, event)}

    # -- tags ----------------------------------------------------------------------------------

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            arn = rules.tagged_arn(conn, params["ResourceARN"])
            store.set_tags(conn, arn, {tag["Key"]: tag["Value"] for tag in params["Tags"]})
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            store.delete_tags(conn, rules.tagged_arn(conn, params["ResourceARN"]), params["TagKeys"])
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            tags = store.tags(conn, rules.tagged_arn(conn, params["ResourceARN"]))
        return {"Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}
