"""API keys and usage plans: documents of the account (not of one API), and their operations."""

from __future__ import annotations

import csv
import io
import json
import secrets
import sqlite3
import string
from datetime import UTC, datetime, timedelta
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.apigateway import patches
from cloudlet.services.apigateway.errors import BadRequestException, ConflictException, NotFoundException
from cloudlet.services.apigateway.resources import public
from cloudlet.services.apigateway.store import DOCS
from cloudlet.services.gateway.ids import new_id

_KEY_CHARS = string.ascii_letters + string.digits
_PERIODS = ("DAY", "WEEK", "MONTH")


class AccountItems:
    """SQL of apigw_account_items: kind is "apikey", "usageplan" or "plankey"."""

    @staticmethod
    def put(
        conn: sqlite3.Connection,
        ctx: RequestContext,
        kind: str,
        item_id: str,
        doc: dict[str, Any],
        now: float,
    ) -> None:
        conn.execute(
            "INSERT INTO apigw_account_items VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT"
            " (account, region, kind, item_id) DO UPDATE SET doc = excluded.doc",
            (ctx.account_id, ctx.region, kind, item_id, now, json.dumps(doc)),
        )

    @staticmethod
    def get(
        conn: sqlite3.Connection, account: str, region: str, kind: str, item_id: str
    ) -> dict[str, Any] | None:
        row = conn.execute(
            "SELECT doc FROM apigw_account_items WHERE account = ? AND region = ? AND kind = ?"
            " AND item_id = ?",
            (account, region, kind, item_id),
        ).fetchone()
        return json.loads(row[0]) if row else None

    @staticmethod
    def list(conn: sqlite3.Connection, account: str, region: str, kind: str) -> list[dict[str, Any]]:
        rows = conn.execute(
            "SELECT doc FROM apigw_account_items WHERE account = ? AND region = ? AND kind = ?"
            " ORDER BY created, item_id",
            (account, region, kind),
        )
        return [json.loads(row[0]) for row in rows]

    @staticmethod
    def delete(conn: sqlite3.Connection, account: str, region: str, kind: str, item_id: str) -> bool:
        return (
            conn.execute(
                "DELETE FROM apigw_account_items WHERE account = ? AND region = ? AND kind = ?"
                " AND item_id = ?",
                (account, region, kind, item_id),
            ).rowcount
            > 0
        )


ITEMS = AccountItems()


def key_by_value(conn: sqlite3.Connection, account: str, region: str, value: str) -> dict[str, Any] | None:
    return next((k for k in ITEMS.list(conn, account, region, "apikey") if k["value"] == value), None)


def plans_of_key(
    conn: sqlite3.Connection, account: str, region: str, key_id: str, api_id: str, stage: str
) -> list[dict[str, Any]]:
    """The usage plans that let this key call this API stage."""
    plan_ids = {pk["planId"] for pk in ITEMS.list(conn, account, region, "plankey") if pk["keyId"] == key_id}
    plans = []
    for plan_id in sorted(plan_ids):
        plan = ITEMS.get(conn, account, region, "usageplan", plan_id)
        if plan and any(s["apiId"] == api_id and s["stage"] == stage for s in plan.get("apiStages", [])):
            plans.append(plan)
    return plans


def quota_period(quota: dict[str, Any], now: float) -> str:
    """The start of the quota period `now` falls in (UTC days, ISO weeks, calendar months)."""
    day = datetime.fromtimestamp(now, UTC).date()
    offset = int(quota.get("offset") or 0)
    if quota.get("period") == "WEEK":
        start = day - timedelta(days=(day.weekday() - offset) % 7)
    elif quota.get("period") == "MONTH":
        start = day.replace(day=1) + timedelta(days=offset)
        if start > day:
            start = (day.replace(day=1) - timedelta(days=1)).replace(day=1) + timedelta(days=offset)
    else:
        start = day
    return start.isoformat()


class AccountOperations:
    env: Any

    # -- API keys --------------------------------------------------------------------------------

    def _require_key(self, conn: sqlite3.Connection, ctx: RequestContext, key_id: str) -> dict[str, Any]:
        key = ITEMS.get(conn, ctx.account_id, ctx.region, "apikey", key_id)
        if key is None:
            raise NotFoundException("Invalid API Key identifier specified")
        return key

    def create_api_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        now = self.env.clock.now()
        value = params.get("value") or "".join(secrets.choice(_KEY_CHARS) for _ in range(40))
        if len(value) < 20:
            raise BadRequestException("API Key value should be at least 20 characters")
        key: dict[str, Any] = {
            "id": new_id(),
            "value": value,
            "enabled": bool(params.get("enabled", False)),
            "createdDate": now,
            "lastUpdatedDate": now,
            "stageKeys": [],
            "tags": params.get("tags") or {},
        }
        for field in ("name", "description", "customerId"):
            if params.get(field) is not None:
                key[field] = params[field]
        with self.env.store.db() as conn:
            if key_by_value(conn, ctx.account_id, ctx.region, value) is not None:
                raise ConflictException("API Key already exists")
            for stage_key in params.get("stageKeys") or []:
                key["stageKeys"].append(f"{stage_key['restApiId']}/{stage_key['stageName']}")
            ITEMS.put(conn, ctx, "apikey", key["id"], key, now)
        return public(key)

    def get_api_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            key = public(self._require_key(conn, ctx, params["apiKey"]))
        if not params.get("includeValue"):
            key.pop("value")
        return key

    def get_api_keys(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            keys = [public(k) for k in ITEMS.list(conn, ctx.account_id, ctx.region, "apikey")]
        if params.get("nameQuery"):
            keys = [k for k in keys if k.get("name", "").startswith(params["nameQuery"])]
        if params.get("customerId"):
            keys = [k for k in keys if k.get("customerId") == params["customerId"]]
        if not params.get("includeValues"):
            for key in keys:
                key.pop("value")
        return {"items": keys[: params.get("limit") or 500]}

    def update_api_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            key = self._require_key(conn, ctx, params["apiKey"])
            patches.apply(
                key,
                params.get("patchOperations") or [],
                allowed=frozenset({"name", "description", "enabled", "customerId", "stages"}),
            )
            key["lastUpdatedDate"] = self.env.clock.now()
            ITEMS.put(conn, ctx, "apikey", key["id"], key, key["createdDate"])
        return public(key)

    def delete_api_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            self._require_key(conn, ctx, params["apiKey"])
            ITEMS.delete(conn, ctx.account_id, ctx.region, "apikey", params["apiKey"])
            for plan_key in ITEMS.list(conn, ctx.account_id, ctx.region, "plankey"):
                if plan_key["keyId"] == params["apiKey"]:
                    ITEMS.delete(
                        conn,
                        ctx.account_id,
                        ctx.region,
                        "plankey",
                        f"{plan_key['planId']}:{params['apiKey']}",
                    )
        return {}

    # -- usage plans -----------------------------------------------------------------------------

    def _require_plan(self, conn: sqlite3.Connection, ctx: RequestContext, plan_id: str) -> dict[str, Any]:
        plan = ITEMS.get(conn, ctx.account_id, ctx.region, "usageplan", plan_id)
        if plan is None:
            raise NotFoundException(f"Invalid Usage Plan ID specified: {plan_id}")
        return plan

    def _check_plan(self, conn: sqlite3.Connection, ctx: RequestContext, plan: dict[str, Any]) -> None:
        for api_stage in plan.get("apiStages") or []:
            api_id, stage = api_stage.get("apiId", ""), api_stage.get("stage", "")
            if (
                DOCS.api(conn, api_id, ctx.account_id, ctx.region) is None
                or DOCS.get(conn, api_id, "stage", stage) is None
            ):
                raise BadRequestException(f"API Stage not found: {api_id}:{stage}")
        quota = plan.get("quota")
        if quota is not None and (quota.get("period") not in _PERIODS or int(quota.get("limit", 0)) < 0):
            raise BadRequestException(
                "Invalid quota: the period must be DAY, WEEK or MONTH and the limit positive"
            )

    def create_usage_plan(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        now = self.env.clock.now()
        plan: dict[str, Any] = {
            "id": new_id(6),
            "name": params["name"],
            "apiStages": params.get("apiStages") or [],
            "tags": params.get("tags") or {},
        }
        for field in ("description", "throttle", "quota"):
            if params.get(field) is not None:
                plan[field] = params[field]
        with self.env.store.db() as conn:
            self._check_plan(conn, ctx, plan)
            ITEMS.put(conn, ctx, "usageplan", plan["id"], plan, now)
        return plan

    def get_usage_plan(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            return self._require_plan(conn, ctx, params["usagePlanId"])

    def get_usage_plans(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            plans = ITEMS.list(conn, ctx.account_id, ctx.region, "usageplan")
            if params.get("keyId"):
                ids = {
                    pk["planId"]
                    for pk in ITEMS.list(conn, ctx.account_id, ctx.region, "plankey")
                    if pk["keyId"] == params["keyId"]
                }
                plans = [p for p in plans if p["id"] in ids]
        return {"items": plans}

    def update_usage_plan(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            plan = self._require_plan(conn, ctx, params["usagePlanId"])
            for operation in params.get("patchOperations") or []:
                if operation.get("path") == "/apiStages":
                    api_id, _, stage = (operation.get("value") or "").partition(":")
                    stages = [s for s in plan["apiStages"] if (s["apiId"], s["stage"]) != (api_id, stage)]
                    if operation.get("op") == "add":
                        stages.append({"apiId": api_id, "stage": stage})
                    plan["apiStages"] = stages
                else:
                    patches.apply(
                        plan,
                        [operation],
                        allowed=frozenset({"name", "description", "throttle", "quota", "productCode"}),
                    )
            self._check_plan(conn, ctx, plan)
            ITEMS.put(conn, ctx, "usageplan", plan["id"], plan, 0)
        return plan

    def delete_usage_plan(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            self._require_plan(conn, ctx, params["usagePlanId"])
            ITEMS.delete(conn, ctx.account_id, ctx.region, "usageplan", params["usagePlanId"])
            for plan_key in ITEMS.list(conn, ctx.account_id, ctx.region, "plankey"):
                if plan_key["planId"] == params["usagePlanId"]:
                    ITEMS.delete(
                        conn,
                        ctx.account_id,
                        ctx.region,
                        "plankey",
                        f"{params['usagePlanId']}:{plan_key['keyId']}",
                    )
        return {}

    def create_usage_plan_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("keyType") != "API_KEY":
            raise BadRequestException("Invalid key type specified: only API_KEY is supported")
        with self.env.store.db() as conn:
            self._require_plan(conn, ctx, params["usagePlanId"])
            key = self._require_key(conn, ctx, params["keyId"])
            item_id = f"{params['usagePlanId']}:{key['id']}"
            if ITEMS.get(conn, ctx.account_id, ctx.region, "plankey", item_id) is not None:
                raise ConflictException(
                    f"Usage Plan {params['usagePlanId']} already contains API Key {key['id']}"
                )
            ITEMS.put(
                conn,
                ctx,
                "plankey",
                item_id,
                {"planId": params["usagePlanId"], "keyId": key["id"]},
                self.env.clock.now(),
            )
        return self._plan_key(key)

    @staticmethod
    def _plan_key(key: dict[str, Any]) -> dict[str, Any]:
        return {"id": key["id"], "type": "API_KEY", "value": key["value"], "name": key.get("name", "")}

    def get_usage_plan_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            self._require_plan(conn, ctx, params["usagePlanId"])
            if (
                ITEMS.get(
                    conn, ctx.account_id, ctx.region, "plankey", f"{params['usagePlanId']}:{params['keyId']}"
                )
                is None
            ):
                raise NotFoundException("Invalid Usage Plan Key identifier specified")
            return self._plan_key(self._require_key(conn, ctx, params["keyId"]))

    def get_usage_plan_keys(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            self._require_plan(conn, ctx, params["usagePlanId"])
            items = []
            for plan_key in ITEMS.list(conn, ctx.account_id, ctx.region, "plankey"):
                if plan_key["planId"] == params["usagePlanId"]:
                    key = ITEMS.get(conn, ctx.account_id, ctx.region, "apikey", plan_key["keyId"])
                    if key is not None:
                        items.append(self._plan_key(key))
        return {"items": items}

    def delete_usage_plan_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            self._require_plan(conn, ctx, params["usagePlanId"])
            if not ITEMS.delete(
                conn, ctx.account_id, ctx.region, "plankey", f"{params['usagePlanId']}:{params['keyId']}"
            ):
                raise NotFoundException("Invalid Usage Plan Key identifier specified")
        return {}

    def get_usage(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """Per key and day in [startDate, endDate]: [requests used, requests left in the quota]."""
        try:
            start = datetime.fromisoformat(params["startDate"]).date()
            end = datetime.fromisoformat(params["endDate"]).date()
        except ValueError as exc:
            raise BadRequestException("Invalid date format: use YYYY-MM-DD") from exc
        with self.env.store.read() as conn:
            plan = self._require_plan(conn, ctx, params["usagePlanId"])
            rows = conn.execute(
                "SELECT key_id, period, used FROM apigw_usage WHERE plan_id = ? AND period LIKE 'day:%'",
                (plan["id"],),
            ).fetchall()
        limit = (plan.get("quota") or {}).get("limit")
        days = [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
        used: dict[str, dict[str, int]] = {}
        for key_id, period, count in rows:
            if not params.get("keyId") or params["keyId"] == key_id:
                used.setdefault(key_id, {})[period[4:]] = count
        items = {
            key_id: [
                [per_day.get(d, 0), (limit - per_day.get(d, 0)) if limit is not None else 0] for d in days
            ]
            for key_id, per_day in used.items()
        }
        return {
            "usagePlanId": plan["id"],
            "startDate": params["startDate"],
            "endDate": params["endDate"],
            "items": items,
        }

    def import_api_keys(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CSV with a header row: name, key, description, enabled, usageplanIds (any order and case)."""
        if params.get("format") != "csv":
            raise BadRequestException("Invalid format: only csv is supported")
        body = params.get("body") or b""
        try:
            text = body.decode("utf-8-sig") if isinstance(body, bytes) else str(body)
            rows = list(csv.DictReader(io.StringIO(text)))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise BadRequestException("Invalid API key file: not UTF-8 CSV") from exc
        ids, warnings = [], []
        for number, row in enumerate(rows, start=2):
            fields = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            if not fields.get("key"):
                warnings.append(f"Line {number}: no key value")
                continue
            key = self.create_api_key(
                ctx,
                {
                    "name": fields.get("name") or None,
                    "value": fields["key"],
                    "description": fields.get("description") or None,
                    "enabled": fields.get("enabled", "false").lower() == "true",
                },
            )
            for plan_id in filter(None, (p.strip() for p in fields.get("usageplanids", "").split(","))):
                self.create_usage_plan_key(
                    ctx, {"usagePlanId": plan_id, "keyId": key["id"], "keyType": "API_KEY"}
                )
            ids.append(key["id"])
        if warnings and params.get("failOnWarnings"):
            raise BadRequestException("Warnings found during import: " + "; ".join(warnings))
        return {"ids": ids, "warnings": warnings}

    def update_usage(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """`replace /remaining`: grants the key that many requests left in its current quota period."""
        now = self.env.clock.now()
        with self.env.store.db() as conn:
            plan = self._require_plan(conn, ctx, params["usagePlanId"])
            self._require_key(conn, ctx, params["keyId"])
            quota = plan.get("quota")
            for operation in params.get("patchOperations") or []:
                if operation.get("op") != "replace" or operation.get("path") != "/remaining" or not quota:
                    raise BadRequestException("Invalid patch: only replace /remaining on a plan with a quota")
                try:
                    remaining = int(operation.get("value"))
                except (TypeError, ValueError) as exc:
                    raise BadRequestException("Invalid value for /remaining") from exc
                used = max(0, int(quota["limit"]) - remaining)
                conn.execute(
                    "INSERT INTO apigw_usage VALUES (?, ?, ?, ?) ON CONFLICT (plan_id, key_id, period)"
                    " DO UPDATE SET used = excluded.used",
                    (plan["id"], params["keyId"], "quota:" + quota_period(quota, now), used),
                )
        today = datetime.fromtimestamp(now, UTC).date().isoformat()
        return self.get_usage(
            ctx, {"usagePlanId": plan["id"], "keyId": params["keyId"], "startDate": today, "endDate": today}
        )
