"""SQS: queues, messages with visibility and delays, long polling, FIFO, dead-letter queues.

Besides the AWS operations, other services deliver into queues through one public method,
`deliver_from_service` (see its docstring): SNS subscriptions, S3 event notifications and any
later service principal. It applies the queue policy exactly as SQS does for such deliveries.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
import time
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.base import Provider
from cloudlet.services.environment import Environment
from cloudlet.services.sqs import (
    access,
    addressing,
    attributes,
    batches,
    moves,
    queues,
    receiving,
    sending,
    store,
)
from cloudlet.services.sqs.errors import (
    BatchRequestTooLong,
    InvalidParameterValue,
    MessageNotInflight,
    PurgeQueueInProgress,
    QueueDoesNotExist,
    ReceiptHandleIsInvalid,
    ResourceNotFoundException,
    UnsupportedOperation,
)
from cloudlet.services.sqs.waiting import Waiters

PURGE_INTERVAL = 60.0
# SQS takes up to 60 s to apply new attributes, or a deletion, everywhere; a process keeps a
# queue's row this long (wall seconds) for sends, and drops it at once when it changes a queue.
SEND_CACHE_SECONDS = 1.0
SEND_CACHE_LIMIT = 1024
MAX_VISIBILITY = 43_200
MAX_BATCH_SIZE = 262_144


class SqsProvider(Provider):
    service = "sqs"
    migrations = store.MIGRATIONS

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        # Without nudges, a send in another worker process cannot wake our waiters: they look often.
        fallback = 0.05 if env.config.workers > 1 and not env.nudges.available else 0.5
        self.waiters = Waiters(env.clock, fallback=fallback, nudges=env.nudges)
        self.mover = moves.MoveRunner(env, self.waiters.notify)
        self._send_cache: dict[tuple[str, str, str], tuple[store.Queue, float]] = {}
        env.store.on_reset(self._send_cache.clear)

    async def start(self) -> None:
        with self.env.store.read() as conn:
            running = store.running_move_tasks(conn)
        for task in running:  # left running by a process that stopped
            self.mover.run(task.handle)

    async def stop(self) -> None:
        await self.mover.stop()

    # -- helpers -----------------------------------------------------------------------------

    def _queue(self, conn: sqlite3.Connection, ctx: RequestContext, url: str) -> store.Queue:
        account_id, name = addressing.parse_queue_url(ctx, url)
        queue = store.find_queue(conn, account_id, ctx.region, name)
        if queue is None:
            raise QueueDoesNotExist()
        access.check_caller(queue, ctx, ctx.operation or "", self.env.clock.now())
        return queue

    def _queue_to_send(self, ctx: RequestContext, url: str) -> store.Queue:
        """The queue a send names, looked up at most once a second (SEND_CACHE_SECONDS)."""
        account_id, name = addressing.parse_queue_url(ctx, url)
        key = (account_id, ctx.region, name)
        entry = self._send_cache.get(key)
        now = time.monotonic()
        if entry is None or entry[1] < now:
            queue = store.find_queue(self.env.store.query(), *key)
            if queue is None:
                raise QueueDoesNotExist()
            if len(self._send_cache) >= SEND_CACHE_LIMIT:
                self._send_cache.clear()
            self._send_cache[key] = entry = (queue, now + SEND_CACHE_SECONDS)
        access.check_caller(entry[0], ctx, ctx.operation or "", self.env.clock.now())
        return entry[0]

    def _queue_by_arn(self, conn: sqlite3.Connection, arn: str) -> store.Queue:
        queue = store.find_queue_by_arn(conn, arn)
        if queue is None:
            raise ResourceNotFoundException("The resource that you specified for the SourceArn parameter doesn't"
                                            " exist.")
        return queue

    @staticmethod
    def _sender(ctx: RequestContext) -> str:
        return ctx.principal.user_id if ctx.principal else ctx.account_id

    # -- queues ------------------------------------------------------------------------------

    def create_queue(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._send_cache.clear()
        name = params["QueueName"]
        arn = addressing.queue_arn(ctx.region, ctx.account_id, name)
        with self.env.store.db() as conn:
            queue = queues.create(conn, ctx.account_id, ctx.region, name, arn, params.get("Attributes") or {},
                                  params.get("tags") or {}, self.env.clock.now())
        return {"QueueUrl": addressing.queue_url(ctx, queue.account_id, queue.name)}

    def get_queue_url(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        account_id = params.get("QueueOwnerAWSAccountId") or ctx.account_id
        with self.env.store.read() as conn:
            queue = store.find_queue(conn, account_id, ctx.region, params["QueueName"])
        if queue is None:
            raise QueueDoesNotExist()
        access.check_caller(queue, ctx, "GetQueueUrl", self.env.clock.now())
        return {"QueueUrl": addressing.queue_url(ctx, queue.account_id, queue.name)}

    def list_queues(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        limit = params.get("MaxResults")
        if limit is not None and not 1 <= limit <= 1000:
            raise InvalidParameterValue(f"Value {limit} for parameter MaxResults is invalid. Reason: MaxResults must"
                                        " be an integer between 1 and 1000.")
        after = _decode_token(params.get("NextToken"))
        with self.env.store.read() as conn:
            names = store.list_queue_names(conn, ctx.account_id, ctx.region, params.get("QueueNamePrefix") or "",
                                           after, (limit or 1000) + 1)
        result: dict[str, Any] = {}
        page = names[:limit or 1000]
        if page:
            result["QueueUrls"] = [addressing.queue_url(ctx, ctx.account_id, name) for name in page]
        if limit is not None and len(names) > limit:
            result["NextToken"] = _encode_token(page[-1])
        return result

    def get_queue_attributes(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        names = attributes.requested_names(params.get("AttributeNames") or [])
        with self.env.store.read() as conn:
            queue = self._queue(conn, ctx, params["QueueUrl"])
            values = queues.values(conn, queue, names, self.env.clock.now())
        return {"Attributes": values} if values else {}

    def set_queue_attributes(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._send_cache.clear()
        with self.env.store.db() as conn:
            queue = self._queue(conn, ctx, params["QueueUrl"])
            queues.change(conn, queue, params.get("Attributes") or {}, self.env.clock.now())
        return {}

    def delete_queue(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._send_cache.clear()
        with self.env.store.db() as conn:
            store.delete_queue(conn, self._queue(conn, ctx, params["QueueUrl"]), self.env.clock.now())
        return {}

    def purge_queue(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._send_cache.clear()
        now = self.env.clock.now()
        with self.env.store.db() as conn:
            queue = self._queue(conn, ctx, params["QueueUrl"])
            if queue.purged_at is not None and now - queue.purged_at < PURGE_INTERVAL:
                raise PurgeQueueInProgress(queue.arn)
            store.purge_queue(conn, queue, now)
        return {}

    def tag_queue(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._send_cache.clear()
        with self.env.store.db() as conn:
            queue = self._queue(conn, ctx, params["QueueUrl"])
            tags = {**queue.tags, **(params.get("Tags") or {})}
            queues.check_tags(tags)
            store.update_tags(conn, queue, tags)
        return {}

    def untag_queue(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._send_cache.clear()
        with self.env.store.db() as conn:
            queue = self._queue(conn, ctx, params["QueueUrl"])
            removed = set(params.get("TagKeys") or ())
            store.update_tags(conn, queue, {k: v for k, v in queue.tags.items() if k not in removed})
        return {}

    def list_queue_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.read() as conn:
            queue = self._queue(conn, ctx, params["QueueUrl"])
        return {"Tags": queue.tags} if queue.tags else {}

    def add_permission(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._send_cache.clear()
        with self.env.store.db() as conn:
            queue = self._queue(conn, ctx, params["QueueUrl"])
            updated = queues.add_permission(queue, params["Label"], params["AWSAccountIds"], params["Actions"])
            store.update_attributes(conn, queue, updated, self.env.clock.now())
        return {}

    def remove_permission(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self._send_cache.clear()
        with self.env.store.db() as conn:
            queue = self._queue(conn, ctx, params["QueueUrl"])
            updated = queues.remove_permission(queue, params["Label"])
            store.update_attributes(conn, queue, updated, self.env.clock.now())
        return {}

    # -- sending -----------------------------------------------------------------------------

    def send_message(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        # Only the insert holds the write lock, which processes sharing the data directory take
        # in turn; a queue deleted meanwhile fails the insert's foreign key.
        queue = self._queue_to_send(ctx, params["QueueUrl"])
        now = self.env.clock.now()
        message = sending.prepare(queue, params, self._sender(ctx), now)
        try:
            with self.env.store.db() as conn:
                answer = sending.commit(conn, queue, params, message, now)
        except sqlite3.IntegrityError as exc:
            if "FOREIGN KEY" not in str(exc):
                raise
            raise QueueDoesNotExist() from None
        self.waiters.notify(queue.id)
        return answer

    def send_message_batch(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        entries = batches.check_entries(params.get("Entries"), "SendMessageBatchRequestEntry")
        size = sum(len((entry.get("MessageBody") or "").encode()) for entry in entries)
        now, sender = self.env.clock.now(), self._sender(ctx)
        with self.env.store.db() as conn:
            queue = self._queue(conn, ctx, params["QueueUrl"])
            limit = max(MAX_BATCH_SIZE, queue.int_attribute("MaximumMessageSize"))
            if size > limit:
                raise BatchRequestTooLong(size, limit)
            result = batches.run_entries(entries, lambda entry: sending.send(conn, queue, entry, sender, now),
                                         self.env.store.db)
        self.waiters.notify(queue.id)
        return result

    def deliver_from_service(self, queue_arn: str, body: str, attributes: dict[str, dict[str, Any]] | None = None,
                             *, source_arn: str, service_principal: str, source_account: str | None = None,
                             group_id: str | None = None, deduplication_id: str | None = None,
                             sender_id: str | None = None) -> dict[str, Any]:
        """Sends a message into a queue on behalf of another service: SNS, S3 notifications...

        - `queue_arn`: the destination queue (its region and account come from the ARN).
        - `body`, `attributes`: as SendMessage's MessageBody and MessageAttributes (values
          {"DataType", "StringValue" | "BinaryValue" (bytes)}), checked the same way.
        - `source_arn`: the topic, bucket or rule the message comes from (`aws:SourceArn`).
        - `service_principal`: who delivers, e.g. "sns.amazonaws.com", "s3.amazonaws.com".
        - `source_account`: the source's owner (`aws:SourceAccount`); taken from `source_arn`
          when omitted, which S3 must not do: a bucket ARN names no account.
        - `group_id`, `deduplication_id`: for FIFO queues (SNS FIFO topics).
        - `sender_id`: the SenderId receivers see (defaults to the service principal).

        The queue's Policy must Allow `sqs:SendMessage` to the service principal (conditions on
        aws:SourceArn / aws:SourceAccount are evaluated) and no statement may Deny it, even when
        source and queue share an account: a service principal belongs to no account. Returns
        SendMessage's answer. Raises QueueDoesNotExist (the queue is gone), AccessDenied (403, the
        policy does not allow it: AWS does not retry this) or SendMessage's validation errors;
        all are ServiceErrors. Sync and quick: call it from a coroutine directly.
        """
        now = self.env.clock.now()
        if source_account is None:
            parts = source_arn.split(":")
            source_account = parts[4] if len(parts) > 4 and parts[4] else None
        params: dict[str, Any] = {"MessageBody": body, "MessageAttributes": attributes or None,
                                  "MessageGroupId": group_id, "MessageDeduplicationId": deduplication_id}
        with self.env.store.db() as conn:
            queue = store.find_queue_by_arn(conn, queue_arn)
            if queue is None:
                raise QueueDoesNotExist()
            access.check_service_delivery(queue, service_principal, source_arn, source_account, now)
            answer = sending.send(conn, queue, {k: v for k, v in params.items() if v is not None},
                                  sender_id or service_principal, now)
        self.waiters.notify(queue.id)
        return answer

    # -- receiving ---------------------------------------------------------------------------

    async def receive_message(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        request = receiving.ReceiveRequest.from_params(params)
        clock = self.env.clock
        deadline: float | None = None
        while True:
            now = clock.now()
            with self.env.store.db() as conn:
                queue = self._queue(conn, ctx, params["QueueUrl"])
                received = receiving.receive(conn, queue, request, now)
                wake = None if received else store.next_visible_at(conn, queue.id, now)
            if deadline is None:
                wait = queue.int_attribute("ReceiveMessageWaitTimeSeconds") if request.wait is None else request.wait
                deadline = now + wait
            if received or now >= deadline:
                return {"Messages": received} if received else {}
            await self._wait(queue.id, min(deadline, wake or deadline))

    async def _wait(self, queue_id: int, until: float) -> bool:
        """Waits for a send, the clock, or (cross-process fallback) a visible message."""
        while True:
            if await self.waiters.wait(queue_id, until):
                return True
            with self.env.store.read() as conn:
                if store.has_visible(conn, queue_id, self.env.clock.now()):
                    return True

    def delete_message(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            queue = self._queue(conn, ctx, params["QueueUrl"])
            self._delete(conn, queue, params["ReceiptHandle"], self.env.clock.now())
        return {}

    def delete_message_batch(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        entries = batches.check_entries(params.get("Entries"), "DeleteMessageBatchRequestEntry")
        now = self.env.clock.now()
        with self.env.store.db() as conn:
            queue = self._queue(conn, ctx, params["QueueUrl"])
            return batches.run_entries(entries, lambda e: self._delete(conn, queue, e["ReceiptHandle"], now),
                                       self.env.store.db)

    def change_message_visibility(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            queue = self._queue(conn, ctx, params["QueueUrl"])
            self._change_visibility(conn, queue, params, self.env.clock.now())
        self.waiters.notify(queue.id)
        return {}

    def change_message_visibility_batch(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        entries = batches.check_entries(params.get("Entries"), "ChangeMessageVisibilityBatchRequestEntry")
        now = self.env.clock.now()
        with self.env.store.db() as conn:
            queue = self._queue(conn, ctx, params["QueueUrl"])
            result = batches.run_entries(entries, lambda e: self._change_visibility(conn, queue, e, now),
                                         self.env.store.db)
        self.waiters.notify(queue.id)
        return result

    @staticmethod
    def _delete(conn: sqlite3.Connection, queue: store.Queue, handle: str, now: float) -> dict[str, Any]:
        queue_id, row_id, token = addressing.parse_receipt_handle(handle)
        if queue_id != queue.id:
            raise ReceiptHandleIsInvalid(f'The input receipt handle "{handle}" is not a valid receipt handle.')
        message = store.find_message(conn, queue.id, row_id)
        if message is None:
            return {}  # deleted already: deleting again succeeds
        current = message.receipt == token
        if queue.fifo and (not current or message.visible_at <= now):
            raise ReceiptHandleIsInvalid("The receipt handle has expired.")
        # A standard queue honours an older receipt unless another receive holds the message.
        if current or message.visible_at <= now:
            store.delete_message(conn, row_id)
        return {}

    @staticmethod
    def _change_visibility(conn: sqlite3.Connection, queue: store.Queue, params: dict[str, Any],
                           now: float) -> dict[str, Any]:
        handle, timeout = params["ReceiptHandle"], params["VisibilityTimeout"]
        queue_id, row_id, token = addressing.parse_receipt_handle(handle)
        if not 0 <= timeout <= MAX_VISIBILITY:
            raise InvalidParameterValue(f"Value {timeout} for parameter VisibilityTimeout is invalid. Reason: Must be"
                                        f" between 0 and {MAX_VISIBILITY}, if provided.")
        message = store.find_message(conn, queue.id, row_id) if queue_id == queue.id else None
        if message is None or message.receipt != token:
            raise InvalidParameterValue(f"Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does"
                                        " not exist or is not available for visibility timeout change.")
        if message.visible_at <= now:
            raise MessageNotInflight()
        store.set_visible_at(conn, row_id, now + timeout)
        return {}

    # -- dead-letter queues ------------------------------------------------------------------

    def list_dead_letter_source_queues(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        limit = params.get("MaxResults")
        after = _decode_token(params.get("NextToken"))
        with self.env.store.read() as conn:
            queue = self._queue(conn, ctx, params["QueueUrl"])
            sources = store.queues_with_dead_letter_target(conn, queue.account_id, queue.region, queue.arn)
        names = [source.name for source in sources if source.name > after]
        page = names[:limit] if limit else names
        result: dict[str, Any] = {"queueUrls": [addressing.queue_url(ctx, queue.account_id, n) for n in page]}
        if limit and len(names) > limit:
            result["NextToken"] = _encode_token(page[-1])
        return result

    def start_message_move_task(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        source_arn, destination_arn = params["SourceArn"], params.get("DestinationArn")
        rate = params.get("MaxNumberOfMessagesPerSecond")
        if rate is not None and not 1 <= rate <= 500:
            raise InvalidParameterValue("Value for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be"
                                        " between 1 and 500.")
        now = self.env.clock.now()
        with self.env.store.db() as conn:
            source = self._queue_by_arn(conn, source_arn)
            if not store.queues_with_dead_letter_target(conn, source.account_id, source.region, source.arn):
                raise InvalidParameterValue("Source queue must be configured as a Dead Letter Queue.")
            if destination_arn and store.find_queue_by_arn(conn, destination_arn) is None:
                raise ResourceNotFoundException("The resource that you specified for the DestinationArn parameter"
                                                " doesn't exist.")
            if any(task.status == "RUNNING" for task in store.move_tasks(conn, source_arn, 10)):
                raise UnsupportedOperation("There is already a task running. Only one active task is allowed for a"
                                           " source queue arn at a given time.")
            visible, _, _ = store.message_counts(conn, source.id, now, float("-inf"))
            task = store.MoveTask(moves.new_handle(source_arn), source_arn, destination_arn, rate, "RUNNING", 0,
                                  visible, None, now)
            store.insert_move_task(conn, task)
        self.mover.run(task.handle)
        return {"TaskHandle": task.handle}

    def cancel_message_move_task(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        with self.env.store.db() as conn:
            task = store.find_move_task(conn, params["TaskHandle"])
            if task is None:
                raise ResourceNotFoundException("Task does not exist.")
            if task.status != "RUNNING":
                raise UnsupportedOperation(f"Only a RUNNING task can be cancelled; this one is {task.status}.")
            store.update_move_task(conn, task.handle, status="CANCELLED")
        return {"ApproximateNumberOfMessagesMoved": task.moved}

    def list_message_move_tasks(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        limit = params.get("MaxResults") or 1
        if not 1 <= limit <= 10:
            raise InvalidParameterValue(f"Value {limit} for parameter MaxResults is invalid. Reason: Must be between"
                                        " 1 and 10.")
        with self.env.store.read() as conn:
            self._queue_by_arn(conn, params["SourceArn"])
            tasks = store.move_tasks(conn, params["SourceArn"], limit)
        return {"Results": [moves.describe(task) for task in tasks]}


def _encode_token(name: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": name}).encode()).decode()


def _decode_token(token: str | None) -> str:
    if not token:
        return ""
    try:
        return str(json.loads(base64.urlsafe_b64decode(token.encode()))["after"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise InvalidParameterValue("Invalid NextToken value.") from None
