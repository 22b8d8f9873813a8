"""SQS event sources: long-poll the queue, invoke with batches, delete what the function processed.

One worker long-polls at all times, so a send reaches the function within milliseconds. A
worker that receives a full batch starts another (up to ScalingConfig.MaximumConcurrency, or
DEFAULT_CONCURRENCY), and extra workers stop when the queue runs dry: concurrency follows the
queue's depth. Messages are deleted only once processed; failed ones become visible again
when their visibility timeout ends (and reach the queue's dead-letter queue through its own
redrive policy). FIFO queues never hand out a group with a message in flight, and a failed
message keeps every later message of its group, so each group stays in order.
"""

from __future__ import annotations

import base64
import json
import logging
import math
from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.services.lambda_ import mappings
from cloudlet.services.lambda_.pollers import OK, PROBLEM, Poller

log = logging.getLogger("cloudlet.lambda.mappings")

DEFAULT_CONCURRENCY = 5
LONG_POLL = 20
RETRY_SOURCE = 5.0  # clock seconds between attempts to reach a missing queue


class SqsPoller(Poller):
    def start(self) -> None:
        self.fifo = mappings.is_fifo(self.source_arn)
        scaling = self.config.get("ScalingConfig") or {}
        self.max_workers = scaling.get("MaximumConcurrency") or DEFAULT_CONCURRENCY
        self.batch_size = self.config["BatchSize"]
        self.window = self.config["MaximumBatchingWindowInSeconds"]
        self.spawn(self._work(keep=True))

    async def _work(self, keep: bool) -> None:
        sqs = await self.env.registry.provider("sqs")
        url = None
        while True:
            try:
                url = url or self._queue_url(sqs)
                batch = await self._collect(sqs, url)
            except ServiceError as exc:  # the queue is gone (or not there yet)
                log.info("mapping %s cannot read %s: %s", self.mapping.uuid, self.source_arn, exc)
                url = None
                await self.env.clock.sleep(RETRY_SOURCE)
                continue
            if not batch:
                if keep:
                    continue
                return
            if len(batch) >= min(self.batch_size, 10) and len(self._tasks) < self.max_workers:
                self.spawn(self._work(keep=False))
            try:
                await self._process(sqs, url, batch)
            except Exception:  # the messages come back after their visibility timeout
                log.exception("mapping %s failed handling a batch", self.mapping.uuid)

    def _queue_url(self, sqs: Any) -> str:
        parts = self.source_arn.split(":")
        return sqs.get_queue_url(self.ctx, {"QueueName": parts[5], "QueueOwnerAWSAccountId": parts[4]})["QueueUrl"]

    async def _collect(self, sqs: Any, url: str) -> list[dict[str, Any]]:
        """One long poll, then more receives until the batch is full or the batching window ends."""
        batch: list[dict[str, Any]] = []
        deadline = 0.0
        while len(batch) < self.batch_size:
            if batch:
                remaining = deadline - self.env.clock.now()
                if remaining <= 0:
                    break
                wait = min(LONG_POLL, math.ceil(remaining))
            else:
                wait = LONG_POLL
            reply = await sqs.receive_message(self.ctx, {
                "QueueUrl": url, "MaxNumberOfMessages": min(10, self.batch_size - len(batch)),
                "WaitTimeSeconds": wait, "MessageSystemAttributeNames": ["All"], "MessageAttributeNames": ["All"],
            })
            received = reply.get("Messages") or []
            if not batch:
                if not received:
                    return []
                deadline = self.env.clock.now() + self.window
            batch += received
        return batch

    async def _process(self, sqs: Any, url: str, batch: list[dict[str, Any]]) -> None:
        records = [self._record(message) for message in batch]
        chosen = [record for record in records if self.matches(_filter_view(record))]
        keep: set[str] = set()
        if chosen:
            outcome = await self.invoke({"Records": chosen})
            keep = self.failed_ids(outcome, [record["messageId"] for record in chosen])
            if self.fifo and keep:
                keep = _with_later_in_group(chosen, keep)
            self.record(PROBLEM if outcome.failed else OK)
        # Messages the filters leave out are deleted too, as AWS does for SQS sources.
        done = [{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(records)
                if r["messageId"] not in keep]
        for start in range(0, len(done), 10):
            try:
                sqs.delete_message_batch(self.ctx, {"QueueUrl": url, "Entries": done[start:start + 10]})
            except ServiceError as exc:
                log.warning("mapping %s could not delete processed messages: %s", self.mapping.uuid, exc)

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        record: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message.get("Body", ""),
            "attributes": dict(message.get("Attributes") or {}),
            "messageAttributes": {name: _attribute(value)
                                  for name, value in (message.get("MessageAttributes") or {}).items()},
            "md5OfBody": message.get("MD5OfBody"),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.source_arn,
            "awsRegion": self.mapping.region,
        }
        if message.get("MD5OfMessageAttributes"):
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        return record


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value.get("DataType")}
    if "StringValue" in value:
        shown["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        shown["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return shown


def _filter_view(record: dict[str, Any]) -> dict[str, Any]:
    """Filters see a JSON body as its object, any other body as its text."""
    body = record["body"]
    if body[:1] in ("{", "["):
        try:
            return {**record, "body": json.loads(body)}
        except ValueError:
            pass
    return record


def _with_later_in_group(records: list[dict[str, Any]], failed: set[str]) -> set[str]:
    """In a FIFO batch, a failed message holds back every later message of its group."""
    keep, blocked = set(failed), set()
    for record in records:
        group = record["attributes"].get("MessageGroupId")
        if record["messageId"] in failed or group in blocked:
            keep.add(record["messageId"])
            blocked.add(group)
    return keep
