"""Stack events sent to the SNS topics of a stack's NotificationARNs, in CloudFormation's
message format (one `Key='value'` line per field)."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cloudlet.edge.types import Headers, Principal, Request, RequestContext

if TYPE_CHECKING:
    from cloudlet.services.cloudformation.store import Stack
    from cloudlet.services.environment import Environment

log = logging.getLogger("cloudlet.cloudformation")

SUBJECT = "AWS CloudFormation Notification"
_pending: set[asyncio.Task] = set()


def message(
    stack: Stack,
    event_id: str,
    logical_id: str,
    physical_id: str | None,
    type_name: str,
    status: str,
    reason: str | None,
    properties: Any,
    at: float,
) -> str:
    when = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    fields = {
        "StackId": stack.stack_id,
        "Timestamp": when,
        "EventId": event_id,
        "LogicalResourceId": logical_id,
        "Namespace": stack.account_id,
        "PhysicalResourceId": physical_id or "",
        "PrincipalId": stack.account_id,
        "ResourceProperties": json.dumps(properties) if properties else "null",
        "ResourceStatus": status,
        "ResourceStatusReason": reason or "",
        "ResourceType": type_name,
        "StackName": stack.name,
        "ClientRequestToken": "null",
    }
    return "".join(f"{key}='{value}'\n" for key, value in fields.items())


def send(env: Environment, stack: Stack, text: str) -> None:
    """Publishes in the background, in order; a failed delivery is logged, never fails the stack."""
    if not stack.notification_arns:
        return
    task = asyncio.get_running_loop().create_task(_publish(env, stack, text))
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def _publish(env: Environment, stack: Stack, text: str) -> None:
    principal = Principal("", stack.account_id, f"arn:aws:iam::{stack.account_id}:root", stack.account_id)
    ctx = RequestContext(Request("POST", "/", "", Headers()), region=stack.region, principal=principal)
    ctx.service, ctx.operation = "sns", "Publish"
    try:
        sns = await env.registry.provider("sns")
        for arn in stack.notification_arns:
            sns.publish(ctx, {"TopicArn": arn, "Subject": SUBJECT, "Message": text})
    except Exception as exc:
        log.warning("stack %s: could not notify %s: %r", stack.name, stack.notification_arns, exc)
