"""Access logs: one line per request, in the stage's AccessLogSettings.Format with its
$context variables filled in, delivered to the CloudWatch Logs group the settings name.

A line is an outbox event written when the request ends, so delivery (through the Logs
service's own operations) never slows the answer and survives a restart. As on AWS, nothing
is written unless the log group exists; a missing group fails the delivery.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from cloudlet.aws.errors import ServiceError
from cloudlet.core import outbox
from cloudlet.edge.types import Headers, Principal, Request, RequestContext, new_request_id

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

TOPIC = "apigatewayv2.access-log"
CONSUMER = "apigatewayv2-access-logs"
_VARIABLE = re.compile(r"\$(?:context\.([A-Za-z0-9_.]*[A-Za-z0-9_])|\{context\.([A-Za-z0-9_.]+)\})")
_GROUP_ARN = re.compile(r"^arn:aws[a-z-]*:logs:([a-z0-9-]+):(\d{12}):log-group:([^:]+)(:\*)?$")


def format_line(template: str, values: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(1) or match.group(2))
        return "-" if found is None or found == "" else str(found)

    return _VARIABLE.sub(value, template)


def record(env: Environment, settings: dict[str, Any] | None, values: dict[str, Any]) -> None:
    """Queues the request's line when the stage logs access; a bad destination logs nothing."""
    if not settings or not settings.get("Format"):
        return
    match = _GROUP_ARN.match(settings.get("DestinationArn") or "")
    if match is None:
        return
    region, account, group = match.groups()[:3]
    day = time.strftime("%Y/%m/%d", time.gmtime(values["requestTimeEpoch"] / 1000))
    with env.store.db() as conn:
        outbox.emit(
            conn,
            TOPIC,
            {
                "region": region,
                "account": account,
                "group": group,
                "stream": f"{values['apiId']}_{values['stage']}_{day}".replace("$", ""),
                "timestamp": values["requestTimeEpoch"],
                "message": format_line(settings["Format"], values),
            },
        )


async def deliver(env: Environment, event: outbox.Event) -> None:
    if not env.registry.implements("logs"):
        return  # no CloudWatch Logs in this cloudlet: nowhere to write
    payload = event.payload
    account, region = payload["account"], payload["region"]
    ctx = RequestContext(
        Request("POST", "/", "", Headers()),
        new_request_id(),
        "logs",
        "PutLogEvents",
        "json",
        region,
        Principal("", account, f"arn:aws:iam::{account}:root", account),
    )
    logs = await env.registry.provider("logs")
    try:
        logs.create_log_stream(
            ctx,
            {
                "logGroupName": payload["group"],  # type: ignore[attr-defined]
                "logStreamName": payload["stream"],
            },
        )
    except ServiceError as exc:
        if exc.code != "ResourceAlreadyExistsException":
            raise
    logs.put_log_events(
        ctx,
        {
            "logGroupName": payload["group"],
            "logStreamName": payload["stream"],  # type: ignore[attr-defined]
            "logEvents": [{"timestamp": payload["timestamp"], "message": payload["message"]}],
        },
    )
