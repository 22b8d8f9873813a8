"""CloudWatch Logs: log groups and streams, PutLogEvents, reading and filtering, retention, tags.

Other services write logs through the same public operations a client calls (Lambda puts its
functions' output with create_log_group / create_log_stream / put_log_events).
"""

from __future__ import annotations

import base64
import binascii
import sqlite3
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.base import Provider
from cloudlet.services.environment import Environment
from cloudlet.services.logs import ingest, names, reads, retention, store
from cloudlet.services.logs.errors import (
    InvalidParameterException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    TooManyTagsException,
    bad_token,
    group_not_found,
    stream_not_found,
)
from cloudlet.services.logs.patterns import compile_pattern

MAX_TAGS = 50
PAGE_SIZE = 50


class LogsProvider(Provider):
    service = "logs"
    migrations = store.MIGRATIONS

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.sweeper = retention.Sweeper(env)

    async def start(self) -> None:
        self.sweeper.start()

    async def stop(self) -> None:
        await self.sweeper.stop()

    def _now_ms(self) -> int:
        return int(self.env.clock.now() * 1000)

    # -- log groups ------------------------------------------------------------------------------

    def create_log_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        tags = params.get("tags") or {}
        _check_tag_count(tags)
        group = store.Group(
            ctx.account_id,
            ctx.region,
            params["logGroupName"],
            self._now_ms(),
            kms_key_id=params.get("kmsKeyId"),
            group_class=params.get("logGroupClass") or "STANDARD",
            deletion_protection=bool(params.get("deletionProtectionEnabled")),
            tags=tags,
        )
        with self.env.store.db() as conn:
            if store.find_group(conn, ctx.account_id, ctx.region, group.name):
                raise ResourceAlreadyExistsException("The specified log group already exists")
            store.insert_group(conn, group)
        return {}

    def delete_log_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            self._group(conn, ctx, params["logGroupName"])
            store.delete_group(conn, ctx.account_id, ctx.region, params["logGroupName"])
        return {}

    def describe_log_groups(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        prefix, pattern = params.get("logGroupNamePrefix"), params.get("logGroupNamePattern")
        if prefix and pattern:
            raise InvalidParameterException(
                "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."
            )
        identifiers = {
            names.parse_group_arn(i)[2] if names.parse_group_arn(i) else i  # type: ignore[index]
            for i in params.get("logGroupIdentifiers") or []
        }
        limit = params.get("limit") or PAGE_SIZE
        after = _unpage(params.get("nextToken"))
        with self.env.store.read() as conn:
            groups = [
                g
                for g in store.list_groups(conn, ctx.account_id, ctx.region, after)
                if (not prefix or g.name.startswith(prefix))
                and (not pattern or pattern.lower() in g.name.lower())
                and (not identifiers or g.name in identifiers)
                and (not params.get("logGroupClass") or g.group_class == params["logGroupClass"])
            ]
            page = [self._group_view(conn, g) for g in groups[:limit]]
        result: dict[str, Any] = {"logGroups": page}
        if len(groups) > limit:
            result["nextToken"] = _page(groups[limit - 1].name)
        return result

    def _group_view(self, conn: sqlite3.Connection, group: store.Group) -> dict[str, Any]:
        arn = names.group_arn(group.region, group.account, group.name)
        view: dict[str, Any] = {
            "logGroupName": group.name,
            "creationTime": group.created,
            "metricFilterCount": 0,
            "arn": f"{arn}:*",
            "logGroupArn": arn,
            "logGroupClass": group.group_class,
            "storedBytes": store.stored_bytes(conn, group.account, group.region, group.name),
            "deletionProtectionEnabled": group.deletion_protection,
        }
        if group.retention_days:
            view["retentionInDays"] = group.retention_days
        if group.kms_key_id:
            view["kmsKeyId"] = group.kms_key_id
        return view

    def put_retention_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        retention.check_days(params["retentionInDays"])
        return self._set_retention(ctx, params["logGroupName"], params["retentionInDays"])

    def delete_retention_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._set_retention(ctx, params["logGroupName"], None)

    def _set_retention(self, ctx: RequestContext, name: str, days: int | None) -> dict[str, Any]:
        with self.env.store.db() as conn:
            group = self._group(conn, ctx, name)
            group.retention_days = days
            store.update_group(conn, group)
        return {}

    # -- log streams -----------------------------------------------------------------------------

    def create_log_stream(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        group, name = params["logGroupName"], params["logStreamName"]
        with self.env.store.db() as conn:
            self._group(conn, ctx, group)
            if store.find_stream(conn, ctx.account_id, ctx.region, group, name):
                raise ResourceAlreadyExistsException("The specified log stream already exists")
            store.insert_stream(conn, ctx.account_id, ctx.region, group, name, self._now_ms())
        return {}

    def delete_log_stream(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        group, name = params["logGroupName"], params["logStreamName"]
        with self.env.store.db() as conn:
            self._stream(conn, ctx, group, name)
            store.delete_stream(conn, ctx.account_id, ctx.region, group, name)
        return {}

    def describe_log_streams(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        group = names.requested_group(params)
        prefix = params.get("logStreamNamePrefix")
        by_time = params.get("orderBy") == "LastEventTime"
        if prefix and by_time:
            raise InvalidParameterException("Cannot order by LastEventTime with a logStreamNamePrefix.")
        limit = params.get("limit") or PAGE_SIZE
        start = _offset(params.get("nextToken"))
        with self.env.store.read() as conn:
            self._group(conn, ctx, group)
            streams = [
                s
                for s in store.list_streams(conn, ctx.account_id, ctx.region, group)
                if not prefix or s.name.startswith(prefix)
            ]
        if by_time:
            streams.sort(key=lambda s: (s.last_event or 0, s.name))
        if params.get("descending"):
            streams.reverse()
        page = streams[start : start + limit]
        result: dict[str, Any] = {"logStreams": [self._stream_view(ctx, group, s) for s in page]}
        if len(streams) > start + limit:
            result["nextToken"] = base64.urlsafe_b64encode(f"offset:{start + limit}".encode()).decode()
        return result

    @staticmethod
    def _stream_view(ctx: RequestContext, group: str, stream: store.Stream) -> dict[str, Any]:
        view: dict[str, Any] = {
            "logStreamName": stream.name,
            "creationTime": stream.created,
            "arn": names.stream_arn(ctx.region, ctx.account_id, group, stream.name),
            "storedBytes": 0,  # deprecated for streams in 2019: AWS always reports zero
        }
        if stream.first_event is not None:
            view.update(
                firstEventTimestamp=stream.first_event,
                lastEventTimestamp=stream.last_event,
                lastIngestionTime=stream.last_ingestion,
                uploadSequenceToken=_sequence(stream.sequence),
            )
        return view

    # -- events ----------------------------------------------------------------------------------

    def put_log_events(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        group_name, name = params["logGroupName"], params["logStreamName"]
        now = self._now_ms()
        with self.env.store.db() as conn:
            group = self._group(conn, ctx, group_name)
            stream = self._stream(conn, ctx, group_name, name)
            accepted = ingest.check_batch(params["logEvents"], now, group.retention_days)
            if accepted.events:
                store.insert_events(conn, ctx.account_id, ctx.region, group_name, name, accepted.events, now)
                stamps = [stamp for stamp, _ in accepted.events]
                stream.first_event = min(
                    stamps + ([stream.first_event] if stream.first_event is not None else [])
                )
                stream.last_event = max(
                    stamps + ([stream.last_event] if stream.last_event is not None else [])
                )
                stream.last_ingestion = now
            stream.sequence += 1
            store.record_put(conn, ctx.account_id, ctx.region, group_name, stream)
        result: dict[str, Any] = {"nextSequenceToken": _sequence(stream.sequence)}
        if accepted.rejected:
            result["rejectedLogEventsInfo"] = accepted.rejected
        return result

    def get_log_events(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        group = names.requested_group(params)
        with self.env.store.read() as conn:
            scope = self._scope(conn, ctx, group)
            self._stream(conn, ctx, group, params["logStreamName"])
            return reads.stream_page(conn, scope, params["logStreamName"], params)

    def filter_log_events(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        group = names.requested_group(params)
        if params.get("logStreamNames") and params.get("logStreamNamePrefix"):
            raise InvalidParameterException(
                "logStreamNames and logStreamNamePrefix are mutually exclusive parameters."
            )
        matches = compile_pattern(params.get("filterPattern"))
        with self.env.store.read() as conn:
            scope = self._scope(conn, ctx, group)
            return reads.filter_page(conn, scope, params, matches)

    def _scope(self, conn: sqlite3.Connection, ctx: RequestContext, name: str) -> reads.Scope:
        group = self._group(conn, ctx, name)
        return reads.Scope(
            ctx.account_id, ctx.region, name, retention.cutoff(self._now_ms(), group.retention_days)
        )

    # -- tags ------------------------------------------------------------------------------------

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._tag(ctx, self._arn_group(ctx, params["resourceArn"]), params["tags"])

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._untag(ctx, self._arn_group(ctx, params["resourceArn"]), params["tagKeys"])

    def list_tags_for_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = self._arn_group(ctx, params["resourceArn"])
        with self.env.store.read() as conn:
            return {"tags": self._group(conn, ctx, name).tags}

    def tag_log_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._tag(ctx, params["logGroupName"], params["tags"])

    def untag_log_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return self._untag(ctx, params["logGroupName"], params["tags"])

    def list_tags_log_group(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            return {"tags": self._group(conn, ctx, params["logGroupName"]).tags}

    def _tag(self, ctx: RequestContext, name: str, tags: dict[str, str]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            group = self._group(conn, ctx, name)
            group.tags.update(tags)
            _check_tag_count(group.tags)
            store.update_group(conn, group)
        return {}

    def _untag(self, ctx: RequestContext, name: str, keys: list[str]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            group = self._group(conn, ctx, name)
            for key in keys:
                group.tags.pop(key, None)
            store.update_group(conn, group)
        return {}

    @staticmethod
    def _arn_group(ctx: RequestContext, arn: str) -> str:
        parsed = names.parse_group_arn(arn)
        if parsed is None or parsed[:2] != (ctx.region, ctx.account_id):
            raise ResourceNotFoundException(f"The specified resource does not exist: {arn}")
        return parsed[2]

    # -- lookups ---------------------------------------------------------------------------------

    @staticmethod
    def _group(conn: sqlite3.Connection, ctx: RequestContext, name: str) -> store.Group:
        group = store.find_group(conn, ctx.account_id, ctx.region, name)
        if group is None:
            raise group_not_found()
        return group

    @staticmethod
    def _stream(conn: sqlite3.Connection, ctx: RequestContext, group: str, name: str) -> store.Stream:
        stream = store.find_stream(conn, ctx.account_id, ctx.region, group, name)
        if stream is None:
            raise stream_not_found()
        return stream


def _check_tag_count(tags: dict[str, str]) -> None:
    if len(tags) > MAX_TAGS:
        raise TooManyTagsException(f"A resource can have no more than {MAX_TAGS} tags.")


def _sequence(number: int) -> str:
    return f"{number:056d}"


def _page(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode()


def _unpage(token: str | None) -> str:
    if not token:
        return ""
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad_token() from None


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        kind, _, number = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind == "offset" and number.isdigit():
            return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise bad_token()
