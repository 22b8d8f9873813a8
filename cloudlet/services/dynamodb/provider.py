"""DynamoDB: tables, items, queries, batches, transactions, TTL and streams."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.base import Provider
from cloudlet.services.dynamodb import (
    batches,
    capacity,
    item_collections,
    items,
    reads,
    store,
    tables,
    transactions,
    ttl,
)
from cloudlet.services.dynamodb.errors import ResourceNotFoundException, ValidationException
from cloudlet.services.dynamodb.partiql import batches as partiql_batches
from cloudlet.services.dynamodb.partiql import execute as partiql

log = logging.getLogger("cloudlet.dynamodb")
Params = dict[str, Any]


class DynamoDBProvider(Provider):
    service = "dynamodb"
    migrations = store.MIGRATIONS

    _reaper: asyncio.Task | None = None

    async def start(self) -> None:
        self._reaper = asyncio.create_task(
            ttl.reap_forever(self.env.store, self.env.clock), name="dynamodb-ttl"
        )

    async def stop(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper

    def _now(self) -> float:
        return self.env.clock.now()

    # -- control plane -------------------------------------------------------------------------

    def create_table(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            table = tables.create(conn, ctx.account_id, ctx.region, params, self._now())
            return {"TableDescription": tables.describe(conn, table, self._now(), "CREATING")}

    def describe_table(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            table = tables.find(conn, ctx.account_id, ctx.region, params["TableName"])
            return {"Table": tables.describe(conn, table, self._now())}

    def update_table(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            table = tables.find(conn, ctx.account_id, ctx.region, params["TableName"])
            table, deleted = tables.update(conn, table, params, self._now())
            description = tables.describe(conn, table, self._now())
            return {"TableDescription": tables.describe_deleting(table, description, deleted)}

    def delete_table(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            table = tables.find(conn, ctx.account_id, ctx.region, params["TableName"])
            return {"TableDescription": tables.delete(conn, table, self._now())}

    def list_tables(self, ctx: RequestContext, params: Params) -> Params:
        limit = params.get("Limit") or 100
        with self.env.store.read() as conn:
            names = store.table_names(
                conn, ctx.account_id, ctx.region, params.get("ExclusiveStartTableName") or "", limit + 1
            )
        result: Params = {"TableNames": names[:limit]}
        if len(names) > limit:
            result["LastEvaluatedTableName"] = names[limit - 1]
        return result

    def update_time_to_live(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            table = tables.find(conn, ctx.account_id, ctx.region, params["TableName"])
            tables.update_ttl(conn, table, params["TimeToLiveSpecification"])
        return {"TimeToLiveSpecification": params["TimeToLiveSpecification"]}

    def describe_time_to_live(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            table = tables.find(conn, ctx.account_id, ctx.region, params["TableName"])
        return {"TimeToLiveDescription": table.meta.get("TimeToLive") or {"TimeToLiveStatus": "DISABLED"}}

    def describe_limits(self, ctx: RequestContext, params: Params) -> Params:
        return {
            "AccountMaxReadCapacityUnits": 80000,
            "AccountMaxWriteCapacityUnits": 80000,
            "TableMaxReadCapacityUnits": 40000,
            "TableMaxWriteCapacityUnits": 40000,
        }

    def describe_endpoints(self, ctx: RequestContext, params: Params) -> Params:
        host = ctx.request.headers.get("host") or f"dynamodb.{ctx.region}.amazonaws.com"
        return {"Endpoints": [{"Address": host, "CachePeriodInMinutes": 1440}]}

    # -- tags ------------------------------------------------------------------------------------

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            table = self._table_by_arn(conn, ctx, params["ResourceArn"])
            tables.check_tags(params["Tags"])
            added = {tag["Key"]: tag["Value"] for tag in params["Tags"]}
            kept = [tag for tag in table.meta.get("Tags", []) if tag["Key"] not in added]
            if len(kept) + len(added) > tables.MAX_TAGS:
                raise ValidationException("One or more parameter values were invalid: Too many tags")
            tables.save(
                conn, table, {**table.meta, "Tags": kept + [{"Key": k, "Value": v} for k, v in added.items()]}
            )
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            table = self._table_by_arn(conn, ctx, params["ResourceArn"])
            removed = set(params["TagKeys"])
            tags = [tag for tag in table.meta.get("Tags", []) if tag["Key"] not in removed]
            tables.save(conn, table, {**table.meta, "Tags": tags})
        return {}

    def list_tags_of_resource(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            table = self._table_by_arn(conn, ctx, params["ResourceArn"])
        return {"Tags": table.meta.get("Tags", [])}

    @staticmethod
    def _table_by_arn(conn: Any, ctx: RequestContext, arn: str) -> Any:
        if not arn.startswith("arn:"):
            raise ValidationException(f"Invalid TableArn: ARNs must start with 'arn:': {arn}")
        parts = arn.split(":", 5)
        if len(parts) != 6 or not parts[5].startswith("table/"):
            raise ValidationException(f"Invalid TableArn: Invalid ResourceArn provided as input {arn}")
        name = parts[5][len("table/") :].split("/")[0]
        row = store.find_table(conn, parts[4], parts[3], name)
        if row is None:
            raise ResourceNotFoundException(f"Requested resource not found: ResourceArn: {arn} not found")
        return tables.find(conn, parts[4], parts[3], name)

    # -- items -----------------------------------------------------------------------------------

    def put_item(self, ctx: RequestContext, params: Params) -> Params:
        return self._write(ctx, params, "PutItem", items.plan_put)

    def update_item(self, ctx: RequestContext, params: Params) -> Params:
        return self._write(ctx, params, "UpdateItem", items.plan_update)

    def delete_item(self, ctx: RequestContext, params: Params) -> Params:
        return self._write(ctx, params, "DeleteItem", items.plan_delete)

    def _write(self, ctx: RequestContext, params: Params, operation: str, planner: Any) -> Params:
        return_values = items.check_return_values(operation, params)
        with self.env.store.db() as conn:
            table = tables.find_for_data(conn, ctx.account_id, ctx.region, params["TableName"])
            plan = planner(conn, table, params)
            plan.apply(conn, self._now())
            metrics = item_collections.requested(conn, params, table, plan.key, plan.old, plan.new)
        result = self._write_output(plan, params, return_values)
        if metrics is not None:
            result["ItemCollectionMetrics"] = metrics
        return result

    @staticmethod
    def _write_output(plan: items.Plan, params: Params, return_values: str) -> Params:
        result: Params = {}
        attributes = items.returned(plan, return_values)
        if attributes:
            result["Attributes"] = attributes
        spent = capacity.consumed(
            params.get("ReturnConsumedCapacity"), plan.table.name, plan.units(), "write", plan.index_units()
        )
        if spent:
            result["ConsumedCapacity"] = spent
        return result

    def get_item(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            table = tables.find_for_data(conn, ctx.account_id, ctx.region, params["TableName"])
            item, units = items.get(conn, table, params)
        result: Params = {"Item": item} if item is not None else {}
        spent = capacity.consumed(params.get("ReturnConsumedCapacity"), table.name, units, "read")
        if spent:
            result["ConsumedCapacity"] = spent
        return result

    def query(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            table = tables.find_for_data(conn, ctx.account_id, ctx.region, params["TableName"])
            return reads.query(conn, table, params, self._now())

    def scan(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            table = tables.find_for_data(conn, ctx.account_id, ctx.region, params["TableName"])
            return reads.scan(conn, table, params, self._now())

    # -- batches and transactions -----------------------------------------------------------------

    def batch_get_item(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            return batches.get(conn, ctx.account_id, ctx.region, params)

    def batch_write_item(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            return batches.write(conn, ctx.account_id, ctx.region, params, self._now())

    def transact_write_items(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.db() as conn:
            return transactions.write(conn, ctx.account_id, ctx.region, params, self._now())

    def transact_get_items(self, ctx: RequestContext, params: Params) -> Params:
        with self.env.store.read() as conn:
            return transactions.get(conn, ctx.account_id, ctx.region, params)

    # -- PartiQL -----------------------------------------------------------------------------------

    def execute_statement(self, ctx: RequestContext, params: Params) -> Params:
        statement = partiql.parse_request(params)
        if statement.is_read:
            with self.env.store.read() as conn:
                return partiql.select(conn, ctx.account_id, ctx.region, statement, params, self._now())
        with self.env.store.db() as conn:
            return partiql.write(conn, ctx.account_id, ctx.region, statement, params, self._now())

    def batch_execute_statement(self, ctx: RequestContext, params: Params) -> Params:
        slots = partiql_batches.parse_batch(params)
        scope = self.env.store.db if partiql_batches.has_writes(slots) else self.env.store.read
        with scope() as conn:
            return partiql_batches.batch(conn, ctx.account_id, ctx.region, params, slots, self._now())

    def execute_transaction(self, ctx: RequestContext, params: Params) -> Params:
        parsed = partiql_batches.parse_transaction(params)
        if parsed and parsed[0].is_read:
            with self.env.store.read() as conn:
                return partiql_batches.transact_read(conn, ctx.account_id, ctx.region, params, parsed)
        with self.env.store.db() as conn:
            return partiql_batches.transact_write(
                conn, ctx.account_id, ctx.region, params, parsed, self._now()
            )
