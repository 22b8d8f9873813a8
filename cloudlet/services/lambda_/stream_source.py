"""DynamoDB stream event sources: read the shard in order, invoke with batches, retry in place.

The poller is woken by DynamoDB's `dynamodb.stream-record` outbox events (through the
runner), so a write reaches the function within milliseconds. A failing batch blocks the
shard: it is retried (bisected first when BisectBatchOnFunctionError is on, which costs no
retry) until it succeeds, MaximumRetryAttempts is spent or its records are older than
MaximumRecordAgeInSeconds (24 hours, the stream's retention, when infinite); records given up
on are described to the OnFailure destination. The last sequence number handled is the
mapping's checkpoint, so a restart resumes after it.

With a ParallelizationFactor above 1, each batch read is split into that many lanes by the hash
of the records' partition key: a key's records stay in one lane, in order, and the lanes are
invoked side by side. The checkpoint then moves once every lane of the batch is done.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import math
import zlib
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.services.lambda_.destinations import now_iso, send_quietly, to_json
from cloudlet.services.lambda_.pollers import OK, PROBLEM, Outcome, Poller

log = logging.getLogger("cloudlet.lambda.mappings")

RETENTION = 24 * 3600
READ_LIMIT = 1000
RETRY_SOURCE = 5.0
RETRY_BASE, RETRY_CAP = 0.1, 30.0  # clock seconds between retries of a failing batch


class StreamPoller(Poller):
    def start(self) -> None:
        self.batch_size = self.config["BatchSize"]
        self.window = self.config["MaximumBatchingWindowInSeconds"]
        self.checkpoint = self.mapping.checkpoint
        self.skip_before = 0.0  # see _iterator
        self.lanes = int(self.config.get("ParallelizationFactor") or 1)
        self.partition_key: str | None = None  # the table's hash key, from the stream's key schema
        self.spawn(self._run())

    async def _run(self) -> None:
        streams = await self.env.registry.provider("dynamodbstreams")
        iterator = None
        while True:
            try:
                if iterator is None:
                    self.shard, iterator = self._iterator(streams)
                records, iterator = self._read(streams, iterator)
            except ServiceError as exc:
                iterator = None
                if exc.code != "ExpiredIteratorException":
                    log.info("mapping %s cannot read %s: %s", self.mapping.uuid, self.source_arn, exc)
                    await self.env.clock.sleep(RETRY_SOURCE)
                continue
            if not records:
                if iterator is None:  # the stream was disabled and is read to its end
                    return
                await self.idle()
                continue
            try:
                records, iterator = await self._fill(streams, records, iterator)
                await self._handle(records)
            except Exception:  # start again from the checkpoint rather than stop for good
                log.exception("mapping %s failed handling a batch", self.mapping.uuid)
                iterator = None
                await self.env.clock.sleep(RETRY_SOURCE)

    def _iterator(self, streams: Any) -> tuple[str, str]:
        description = streams.describe_stream(self.ctx, {"StreamArn": self.source_arn})["StreamDescription"]
        shard = description["Shards"][0]["ShardId"]
        self.partition_key = next(
            (k["AttributeName"] for k in description.get("KeySchema") or [] if k["KeyType"] == "HASH"), None
        )
        params = {"StreamArn": self.source_arn, "ShardId": shard}
        if self.checkpoint:
            try:
                return shard, streams.get_shard_iterator(self.ctx, {
                    **params, "ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self.checkpoint,
                })["ShardIterator"]
            except ServiceError as exc:
                if exc.code != "TrimmedDataAccessException":
                    raise
                kind = "TRIM_HORIZON"
        elif self.skip_before:
            # A LATEST position whose iterator expired before any record came: read from the
            # start, leaving out what was written before the mapping first looked.
            kind = "TRIM_HORIZON"
        else:
            kind = self.config["StartingPosition"]
            if kind == "LATEST":
                self.skip_before = math.floor(self.env.clock.now())
        return shard, streams.get_shard_iterator(self.ctx, {**params, "ShardIteratorType": kind})["ShardIterator"]

    def _read(self, streams: Any, iterator: str, limit: int | None = None) -> tuple[list[dict], str | None]:
        self._wakeup.clear()  # records committed from now on wake the next idle()
        reply = streams.get_records(self.ctx, {"ShardIterator": iterator,
                                               "Limit": min(limit or self.batch_size, READ_LIMIT)})
        records = [self._record(r) for r in reply.get("Records") or []]
        if self.skip_before and not self.checkpoint:
            records = [r for r in records if r["dynamodb"]["ApproximateCreationDateTime"] >= self.skip_before]
        return records, reply.get("NextShardIterator")

    async def _fill(self, streams: Any, records: list[dict], iterator: str | None) -> tuple[list[dict], str | None]:
        """Reads on until the batch is full or the batching window ends."""
        deadline = self.env.clock.now() + self.window
        while iterator is not None and len(records) < self.batch_size:
            more, iterator = self._read(streams, iterator, self.batch_size - len(records))
            records += more
            if more:
                continue
            if self.env.clock.now() >= deadline:
                break
            await self.idle(deadline)
        return records, iterator

    def _record(self, record: dict[str, Any]) -> dict[str, Any]:
        """A stream record as Lambda events show it: epoch times, lower-case identity, the stream ARN."""
        shown = copy.copy(record)
        body = shown["dynamodb"] = dict(record["dynamodb"])
        created = body.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            body["ApproximateCreationDateTime"] = created.timestamp()
        identity = record.get("userIdentity")
        if identity:
            shown["userIdentity"] = {key[:1].lower() + key[1:]: value for key, value in identity.items()}
        shown["eventSourceARN"] = self.source_arn
        return shown

    # -- one batch, retried until done ----------------------------------------------------------

    async def _handle(self, records: list[dict[str, Any]]) -> None:
        chosen = [r for r in records if self.matches(r)]
        last = records[-1]["dynamodb"]["SequenceNumber"]
        lanes = self._split(chosen)
        if len(lanes) > 1:
            await asyncio.gather(*(self._run_lane(lane, checkpoints=False) for lane in lanes))
        elif chosen:
            await self._run_lane(chosen, checkpoints=True)
        if self.checkpoint != last:
            self._advance(records[-1], self._last_result or OK)

    def _split(self, records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """The batch's non-empty lanes, by the hash of each record's partition key."""
        if self.lanes <= 1 or len(records) <= 1:
            return [records] if records else []
        lanes: list[list[dict[str, Any]]] = [[] for _ in range(self.lanes)]
        for record in records:
            keys = record["dynamodb"].get("Keys") or {}
            value = keys.get(self.partition_key) if self.partition_key else keys
            lanes[zlib.crc32(json.dumps(value, sort_keys=True).encode()) % self.lanes].append(record)
        return [lane for lane in lanes if lane]

    async def _run_lane(self, records: list[dict[str, Any]], *, checkpoints: bool) -> None:
        """Invokes with `records` until all are handled or given up on. With `checkpoints`, the
        checkpoint follows each step; a lane running beside others only reports its results."""

        def progress(record: dict[str, Any], result: str) -> None:
            if checkpoints:
                self._advance(record, result)
            else:
                self.record(result)

        pending: deque[tuple[list[dict[str, Any]], int]] = deque([(records, 0)])
        while pending:
            batch, retries = pending.popleft()
            batch = await self._drop_expired(batch, retries, progress)
            if not batch:
                continue
            outcome = await self.invoke({"Records": batch})
            failed = self.failed_ids(outcome, [r["dynamodb"]["SequenceNumber"] for r in batch])
            if not failed:
                progress(batch[-1], OK)
                continue
            first = min(i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed)
            if first:
                progress(batch[first - 1], PROBLEM)
            rest = batch[first:]
            if self.config["BisectBatchOnFunctionError"] and len(rest) > 1:
                half = len(rest) // 2
                pending.extendleft([(rest[half:], retries), (rest[:half], retries)])
                continue
            retries += 1
            limit = self.config["MaximumRetryAttempts"]
            if 0 <= limit < retries:
                await self._give_up(rest, "RetryAttemptsExhausted", retries, outcome)
                progress(rest[-1], PROBLEM)
                continue
            self.record(PROBLEM)
            await self.env.clock.sleep(min(RETRY_CAP, RETRY_BASE * 2 ** (retries - 1)))
            pending.appendleft((rest, retries))

    async def _drop_expired(
        self, batch: list[dict[str, Any]], retries: int, progress: Callable[[dict[str, Any], str], None]
    ) -> list[dict[str, Any]]:
        age = self.config["MaximumRecordAgeInSeconds"]
        oldest = self.env.clock.now() - (RETENTION if age == -1 else age)
        expired = [r for r in batch if r["dynamodb"]["ApproximateCreationDateTime"] < oldest]
        if expired:
            await self._give_up(expired, "RecordAgeExceeded", retries, None)
            progress(expired[-1], PROBLEM)
        return [r for r in batch if r["dynamodb"]["ApproximateCreationDateTime"] >= oldest]

    def _advance(self, record: dict[str, Any], result: str) -> None:
        self.checkpoint = record["dynamodb"]["SequenceNumber"]
        self.record(result, self.checkpoint)

    async def _give_up(self, batch: list[dict[str, Any]], condition: str, invokes: int,
                       outcome: Outcome | None) -> None:
        target = ((self.config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        log.info("mapping %s gives up on %d records (%s)", self.mapping.uuid, len(batch), condition)
        if target:
            await send_quietly(self.env, target, to_json(self._failure_record(batch, condition, invokes, outcome)))

    def _failure_record(self, batch: list[dict[str, Any]], condition: str, invokes: int,
                        outcome: Outcome | None) -> dict[str, Any]:
        first, last = batch[0]["dynamodb"], batch[-1]["dynamodb"]
        record: dict[str, Any] = {
            "requestContext": {"requestId": outcome.request_id if outcome else None,
                               "functionArn": self.mapping.function_arn, "condition": condition,
                               "approximateInvokeCount": invokes},
            "version": "1.0",
            "timestamp": now_iso(),
            "DDBStreamBatchInfo": {
                "shardId": self.shard, "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _iso(first["ApproximateCreationDateTime"]),
                "approximateArrivalOfLastRecord": _iso(last["ApproximateCreationDateTime"]),
                "batchSize": len(batch), "streamArn": self.source_arn,
            },
        }
        if outcome is not None:
            context: dict[str, Any] = {"statusCode": outcome.status, "executedVersion": outcome.executed_version}
            if outcome.function_error:
                context["functionError"] = outcome.function_error
            record["responseContext"] = context
        return record


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
