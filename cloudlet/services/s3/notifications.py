"""Bucket event notifications: matched and written to the outbox in the transaction of the
change (so an event exists exactly when its write committed), then delivered at least once
to SQS, SNS, Lambda or EventBridge through their providers.
"""

from __future__ import annotations

import inspect
import json
import logging
import sqlite3
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from cloudlet.aws.errors import ServiceError
from cloudlet.aws.serializing.s3 import host_id
from cloudlet.core import outbox
from cloudlet.edge.types import Headers, Principal, Request, RequestContext
from cloudlet.services.s3 import store
from cloudlet.services.s3.errors import InvalidArgument

log = logging.getLogger("cloudlet.s3.notifications")

TOPIC = "s3.notifications"
# Configuration list -> destination kind and the member naming its ARN.
DESTINATIONS = {
    "QueueConfigurations": ("queue", "QueueArn"),
    "TopicConfigurations": ("topic", "TopicArn"),
    "LambdaFunctionConfigurations": ("lambda", "LambdaFunctionArn"),
}
EVENT_TYPES = frozenset(
    {
        "s3:ObjectCreated:*",
        "s3:ObjectCreated:Put",
        "s3:ObjectCreated:Post",
        "s3:ObjectCreated:Copy",
        "s3:ObjectCreated:CompleteMultipartUpload",
        "s3:ObjectRemoved:*",
        "s3:ObjectRemoved:Delete",
        "s3:ObjectRemoved:DeleteMarkerCreated",
        "s3:ObjectTagging:*",
        "s3:ObjectTagging:Put",
        "s3:ObjectTagging:Delete",
        "s3:LifecycleExpiration:*",
        "s3:LifecycleExpiration:Delete",
        "s3:LifecycleExpiration:DeleteMarkerCreated",
        "s3:ObjectAcl:Put",
        "s3:ObjectRestore:*",
        "s3:ObjectRestore:Post",
        "s3:ObjectRestore:Completed",
        "s3:ObjectRestore:Delete",
        "s3:ReducedRedundancyLostObject",
        "s3:Replication:*",
        "s3:IntelligentTiering",
        "s3:LifecycleTransition",
    }
)
_DETAIL_TYPES = {
    "ObjectCreated": "Object Created",
    "ObjectRemoved": "Object Deleted",
    "ObjectTagging": "Object Tags Added",
    "LifecycleExpiration": "Object Deleted",
}


def validate(configuration: dict[str, Any]) -> None:
    for list_name in DESTINATIONS:
        for entry in configuration.get(list_name) or []:
            for event in entry.get("Events") or []:
                if event not in EVENT_TYPES:
                    raise InvalidArgument("The event is not supported for notifications", event, event)
            for rule in ((entry.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []:
                if (rule.get("Name") or "").lower() not in ("prefix", "suffix"):
                    raise InvalidArgument(
                        "filter rule name must be either prefix or suffix",
                        "FilterRule.Name",
                        rule.get("Name"),
                    )


def _matches(entry: dict[str, Any], event: str, key: str) -> bool:
    family = event.split(":")[0]
    if not any(e in (f"s3:{event}", f"s3:{family}:*") for e in entry.get("Events") or []):
        return False
    for rule in ((entry.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []:
        name, value = (rule.get("Name") or "").lower(), rule.get("Value") or ""
        if (name == "prefix" and not key.startswith(value)) or (name == "suffix" and not key.endswith(value)):
            return False
    return True


def record_event(
    conn: sqlite3.Connection,
    ctx: RequestContext | None,
    bucket: store.Bucket,
    event: str,
    obj: store.ObjectVersion,
) -> None:
    """Writes one outbox event per configuration the change matches (nothing if none does)."""
    configuration = store.get_config(conn, bucket.name, "notification")
    if not configuration:
        return
    targets = [
        (kind, entry[arn_member], entry.get("Id") or "")
        for list_name, (kind, arn_member) in DESTINATIONS.items()
        for entry in configuration.get(list_name) or []
        if _matches(entry, event, obj.key)
    ]
    eventbridge = "EventBridgeConfiguration" in configuration
    if not targets and not eventbridge:
        return
    record = _record(ctx, bucket, event, obj)
    record["s3"]["object"]["sequencer"] = _sequencer(conn, event, obj)
    for kind, arn, config_id in targets:
        record["s3"]["configurationId"] = config_id
        outbox.emit(
            conn,
            TOPIC,
            {
                "kind": kind,
                "arn": arn,
                "region": bucket.region,
                "account": bucket.account_id,
                "bucket": bucket.name,
                "message": json.dumps({"Records": [record]}),
            },
            key=f"{bucket.name}/{obj.key}",
        )
    if eventbridge:
        outbox.emit(
            conn,
            TOPIC,
            {
                "kind": "eventbridge",
                "region": bucket.region,
                "account": bucket.account_id,
                "detail_type": _DETAIL_TYPES.get(event.split(":")[0], "Object Created"),
                "bucket": bucket.name,
                "requester": _requester(ctx, event, bucket),
                "record": record,
            },
            key=f"{bucket.name}/{obj.key}",
        )


def _requester(ctx: RequestContext | None, event: str, bucket: store.Bucket) -> str:
    """The requester's account, or the service principal when S3 itself made the change."""
    if event.startswith("LifecycleExpiration"):
        return "s3.amazonaws.com"
    return ctx.principal.account_id if ctx and ctx.principal else bucket.account_id


def _sequencer(conn: sqlite3.Connection, event: str, obj: store.ObjectVersion) -> str:
    """Grows with every change to a key, as S3's does: a write's comes from its row, a removal's
    from the newest row of all (the removed row may be old)."""
    if event.startswith("ObjectCreated") or obj.delete_marker:
        return f"{2 * (obj.id or 0):016X}"
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 's3_objects'").fetchone()
    return f"{2 * (row[0] if row else 0) + 1:016X}"


def _record(
    ctx: RequestContext | None, bucket: store.Bucket, event: str, obj: store.ObjectVersion
) -> dict[str, Any]:
    request_id = ctx.request_id if ctx else "0000000000000000"
    principal = ctx.principal.user_id if ctx and ctx.principal else "AWS:anonymous"
    if event.startswith("LifecycleExpiration"):
        principal = "s3.amazonaws.com"
    s3_object: dict[str, Any] = {"key": quote_plus(obj.key, safe="/")}
    if event.startswith("ObjectCreated"):
        s3_object["size"] = obj.size
        s3_object["eTag"] = obj.etag.strip('"')
    if bucket.versioning is not None:
        s3_object["versionId"] = obj.version_id
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": bucket.region,
        "eventTime": datetime.fromtimestamp(obj.modified or 0, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        + "Z",
        "eventName": event,
        "userIdentity": {"principalId": principal},
        "requestParameters": {"sourceIPAddress": (ctx.request.client if ctx else "") or "127.0.0.1"},
        "responseElements": {"x-amz-request-id": request_id, "x-amz-id-2": host_id(request_id)},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "",
            "bucket": {
                "name": bucket.name,
                "ownerIdentity": {"principalId": bucket.account_id},
                "arn": f"arn:aws:s3:::{bucket.name}",
            },
            "object": s3_object,
        },
    }


def test_event(
    conn: sqlite3.Connection, bucket: store.Bucket, configuration: dict[str, Any], request_id: str, now: float
) -> None:
    """The s3:TestEvent S3 sends to queues and topics when a configuration is set."""
    message = json.dumps(
        {
            "Service": "Amazon S3",
            "Event": "s3:TestEvent",
            "Time": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "Bucket": bucket.name,
            "RequestId": request_id,
            "HostId": host_id(request_id),
        }
    )
    for list_name in ("QueueConfigurations", "TopicConfigurations"):
        kind, arn_member = DESTINATIONS[list_name]
        for entry in configuration.get(list_name) or []:
            outbox.emit(
                conn,
                TOPIC,
                {
                    "kind": kind,
                    "arn": entry[arn_member],
                    "region": bucket.region,
                    "account": bucket.account_id,
                    "bucket": bucket.name,
                    "message": message,
                },
            )


def _call(payload: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """The provider calls that deliver one event: (service, operation, params), in order."""
    kind = payload["kind"]
    if kind == "queue":
        name = payload["arn"].rsplit(":", 1)[-1]
        account = payload["arn"].split(":")[4]
        return [
            ("sqs", "GetQueueUrl", {"QueueName": name, "QueueOwnerAWSAccountId": account}),
            ("sqs", "SendMessage", {"MessageBody": payload["message"]}),
        ]
    if kind == "topic":
        return [
            (
                "sns",
                "Publish",
                {
                    "TopicArn": payload["arn"],
                    "Message": payload["message"],
                    "Subject": "Amazon S3 Notification",
                },
            )
        ]
    if kind == "lambda":
        return [
            (
                "lambda",
                "Invoke",
                {
                    "FunctionName": payload["arn"],
                    "InvocationType": "Event",
                    "Payload": payload["message"].encode(),
                },
            )
        ]
    return [("events", "PutEvents", {"Entries": [_eventbridge_entry(payload)]})]


# S3's EventBridge events: detail-type and reason per event name, as the S3 user guide lists them.
_EVENTBRIDGE = {
    "ObjectCreated:Put": ("Object Created", "PutObject"),
    "ObjectCreated:Post": ("Object Created", "POST Object"),
    "ObjectCreated:Copy": ("Object Created", "CopyObject"),
    "ObjectCreated:CompleteMultipartUpload": ("Object Created", "CompleteMultipartUpload"),
    "ObjectRemoved:Delete": ("Object Deleted", "DeleteObject"),
    "ObjectRemoved:DeleteMarkerCreated": ("Object Deleted", "DeleteObject"),
    "LifecycleExpiration:Delete": ("Object Deleted", "Lifecycle Expiration"),
    "LifecycleExpiration:DeleteMarkerCreated": ("Object Deleted", "Lifecycle Expiration"),
    "ObjectTagging:Put": ("Object Tags Added", None),
    "ObjectTagging:Delete": ("Object Tags Deleted", None),
}


def _eventbridge_entry(payload: dict[str, Any]) -> dict[str, Any]:
    """The PutEvents entry of an S3 event on the default bus: its detail as AWS documents it (the
    key not URL-encoded, unlike a notification record's; version-id only in versioned buckets)."""
    record = payload["record"]
    event = record["eventName"]
    detail_type, reason = _EVENTBRIDGE.get(event, (payload["detail_type"], None))
    source = record["s3"]["object"]
    s3_object: dict[str, Any] = {"key": unquote_plus(source["key"])}
    if "size" in source:
        s3_object["size"] = source["size"]
    if "eTag" in source:
        s3_object["etag"] = source["eTag"]
    if "versionId" in source:
        s3_object["version-id"] = source["versionId"]
    s3_object["sequencer"] = source["sequencer"]
    detail: dict[str, Any] = {
        "version": "0",
        "bucket": {"name": payload["bucket"]},
        "object": s3_object,
        "request-id": record["responseElements"]["x-amz-request-id"],
        "requester": payload.get("requester") or payload["account"],
        "source-ip-address": record["requestParameters"]["sourceIPAddress"],
    }
    if reason:
        detail["reason"] = reason
    if detail_type == "Object Deleted":
        detail["deletion-type"] = "Delete Marker Created" if event.endswith("DeleteMarkerCreated") else "Permanently Deleted"
    return {
        "Time": datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC),
        "Source": "aws.s3",
        "DetailType": detail_type,
        "Detail": json.dumps(detail),
        "Resources": [f"arn:aws:s3:::{payload['bucket']}"],
        "EventBusName": "default",
    }


async def deliver(env: Any, event: outbox.Event) -> None:
    """Hands one event to its destination's provider; a destination cloudlet lacks drops it."""
    payload = event.payload
    if payload["kind"] == "queue" and env.registry.implements("sqs"):
        await _deliver_to_queue(env, payload)
        return
    calls = _call(payload)
    service = calls[0][0]
    if not env.registry.implements(service):
        log.warning(
            "S3 notification to %s dropped: cloudlet does not implement %s", payload.get("arn"), service
        )
        return
    provider = await env.registry.provider(service)
    account = payload["account"]
    principal = Principal("s3.amazonaws.com", account, f"arn:aws:iam::{account}:root", account)
    previous: dict[str, Any] = {}
    for service, operation, params in calls:
        handler = provider.handler(operation)
        if handler is None:
            log.warning("S3 notification dropped: %s.%s is not implemented", service, operation)
            return
        if "QueueUrl" in previous:
            params = {**params, "QueueUrl": previous["QueueUrl"]}
        ctx = RequestContext(
            Request("POST", "/", "", Headers()),
            service=service,
            operation=operation,
            region=payload["region"],
            principal=principal,
            params=params,
        )
        result = handler(ctx, params)
        previous = (await result) if inspect.isawaitable(result) else result


async def _deliver_to_queue(env: Any, payload: dict[str, Any]) -> None:
    """As S3 delivers: the service principal s3.amazonaws.com, which the queue policy must allow
    for this bucket (aws:SourceArn) and its owner (aws:SourceAccount). A refusal is final."""
    sqs = await env.registry.provider("sqs")
    bucket = payload.get("bucket") or json.loads(payload["message"]).get("Bucket") or ""
    try:
        sqs.deliver_from_service(
            payload["arn"],
            payload["message"],
            source_arn=f"arn:aws:s3:::{bucket}",
            service_principal="s3.amazonaws.com",
            source_account=payload["account"],
        )
    except ServiceError as exc:
        log.warning("S3 notification to %s dropped: %s %s", payload["arn"], exc.code, exc)
