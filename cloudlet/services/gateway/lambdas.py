"""Calling a Lambda function from an integration or authorizer, through Lambda's own operations.

As on AWS, the gateway may call a function only if the function's resource policy lets
`apigateway.amazonaws.com` invoke it for the calling route (or the integration names a role to
call it with).
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cloudlet.aws.errors import ServiceError
from cloudlet.edge.types import Headers, Principal, Request, RequestContext, new_request_id

if TYPE_CHECKING:
    from cloudlet.services.environment import Environment

# arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations
_INVOCATION_URI = re.compile(
    r"^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path/[^/]+/functions/(.+)/invocations$"
)
_FUNCTION_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:(.+)$")
GATEWAY_PRINCIPAL = "apigateway.amazonaws.com"


def function_arn(uri: str) -> str | None:
    """The function an integration URI names (a Lambda ARN or an API Gateway invocation URI)."""
    match = _INVOCATION_URI.match(uri)
    arn = match.group(1) if match else uri
    return arn if _FUNCTION_ARN.match(arn) else None


def is_lambda_uri(uri: str) -> bool:
    return function_arn(uri) is not None


@dataclass(frozen=True)
class Invocation:
    payload: bytes
    function_error: str | None

    @property
    def failed(self) -> bool:
        return self.function_error is not None

    def json(self) -> Any:
        return json.loads(self.payload or b"null")


class InvokeTimeout(Exception):
    """The function did not answer within the integration's timeout (it may still be running)."""


def _context(request: Request, arn: str, operation: str) -> RequestContext:
    match = _FUNCTION_ARN.match(arn)
    assert match is not None
    region, account, _ = match.groups()
    return RequestContext(
        request,
        new_request_id(),
        "lambda",
        operation,
        "rest-json",
        region,
        Principal("", account, f"arn:aws:iam::{account}:root", account),
    )


def _require_arn(uri: str) -> str:
    arn = function_arn(uri)
    if arn is None:
        raise ServiceError(f"Invalid function ARN or invocation URI: {uri}")
    return arn


async def invoke(
    env: Environment, uri: str, event: dict[str, Any], request: Request, timeout: float | None = None
) -> Invocation:
    """Runs the function synchronously; a missing function raises ServiceError, a function slower
    than `timeout` seconds raises InvokeTimeout and is left to finish on its own, as on AWS."""
    arn = _require_arn(uri)
    lambda_ = await env.registry.provider("lambda")
    call = lambda_.invoke(
        _context(request, arn, "Invoke"),  # type: ignore[attr-defined]
        {"FunctionName": arn, "Payload": json.dumps(event).encode()},
    )
    task = asyncio.ensure_future(call)
    try:
        reply = await asyncio.wait_for(asyncio.shield(task), timeout)
    except TimeoutError as exc:
        # The run goes on without a listener: its outcome, even a failure, is nobody's to report.
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        raise InvokeTimeout(arn) from exc
    return Invocation(reply.get("Payload") or b"", reply.get("FunctionError"))


async def gateway_may_invoke(env: Environment, uri: str, source_arn: str) -> bool:
    """Whether the function's resource policy lets API Gateway invoke it for `source_arn`."""
    arn = _require_arn(uri)
    lambda_ = await env.registry.provider("lambda")
    try:
        ctx = _context(Request("GET", "/", "", Headers()), arn, "GetPolicy")
        reply = lambda_.get_policy(ctx, {"FunctionName": arn})  # type: ignore[attr-defined]
    except ServiceError:
        return False
    statements = json.loads(reply["Policy"]).get("Statement", [])
    account = source_arn.split(":")[4] if source_arn.count(":") >= 5 else ""
    return any(_allows(statement, source_arn, account) for statement in statements)


def _allows(statement: dict[str, Any], source_arn: str, account: str) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    principal = statement.get("Principal")
    if principal != "*" and not (
        isinstance(principal, dict) and _any_equal(principal.get("Service"), GATEWAY_PRINCIPAL)
    ):
        return False
    actions = statement.get("Action")
    if not any(fnmatch.fnmatchcase("lambda:InvokeFunction", a) for a in _listed(actions)):
        return False
    condition = statement.get("Condition") or {}
    for pattern in _listed((condition.get("ArnLike") or {}).get("AWS:SourceArn")):
        if not fnmatch.fnmatchcase(source_arn, pattern):
            return False
    for pattern in _listed((condition.get("ArnEquals") or {}).get("AWS:SourceArn")):
        if source_arn != pattern:
            return False
    owner = (condition.get("StringEquals") or {}).get("AWS:SourceAccount")
    return owner is None or account in _listed(owner)


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _any_equal(value: Any, expected: str) -> bool:
    return expected in _listed(value)
