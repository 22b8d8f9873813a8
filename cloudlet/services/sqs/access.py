"""Who may use a queue beyond its owner: the queue's Policy, as SQS applies it.

- A service delivering into a queue (SNS, S3 event notifications, EventBridge) is a service
  principal, not an identity of any account, so it needs an Allow in the queue policy even when
  the topic or bucket belongs to the queue's own account. Its request carries `aws:SourceArn`
  (the topic or bucket) and `aws:SourceAccount` (its owner), which policies use to say which
  topic or bucket may deliver.
- A caller from another account needs an Allow for the action; a caller of the owning account
  is allowed (its identity policies are not modelled: the default keys are administrators)
  unless a Deny statement applies.
"""

from __future__ import annotations

from cloudlet.core import policy
from cloudlet.edge.types import RequestContext
from cloudlet.services.sqs import store
from cloudlet.services.sqs.errors import AccessDenied

# Operations another account can never be granted: they stay with the queue's owner.
OWNER_ONLY = frozenset({
    "AddPermission", "CancelMessageMoveTask", "CreateQueue", "DeleteQueue", "ListMessageMoveTasks", "ListQueues",
    "ListQueueTags", "RemovePermission", "SetQueueAttributes", "StartMessageMoveTask", "TagQueue", "UntagQueue",
})
# A batch operation is authorized as its single-message action.
_ACTIONS = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
            "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}


def check_service_delivery(queue: store.Queue, service_principal: str, source_arn: str | None,
                           source_account: str | None, now: float) -> None:
    """AccessDenied unless the queue policy lets the service send on behalf of the source."""
    context = {
        "aws:SourceArn": source_arn,
        "aws:SourceAccount": source_account,
        "aws:SourceOwner": source_account,  # the older name SNS and SES examples still use
        "aws:PrincipalServiceName": service_principal,
        "aws:PrincipalIsAWSService": "true",
        "aws:SecureTransport": "true",
        **policy.time_keys(now),
    }
    request = policy.PolicyRequest(policy.PolicyPrincipal.service(service_principal), "sqs:SendMessage",
                                   queue.arn, context)
    if _decide(queue, request) is not policy.Decision.ALLOW:
        raise AccessDenied.for_resource(queue.region, queue.account_id, queue.name)


def check_caller(queue: store.Queue, ctx: RequestContext, operation: str, now: float) -> None:
    """AccessDenied when a caller may not run `operation` on the queue."""
    same_account = ctx.account_id == queue.account_id
    if same_account and (operation in OWNER_ONLY or not queue.attributes.get("Policy")):
        return  # the common case, decided without reading any policy; and the owner can always fix one
    action = f"sqs:{_ACTIONS.get(operation, operation)}"
    principal_arn = ctx.principal.arn if ctx.principal else f"arn:aws:iam::{ctx.account_id}:root"
    if not same_account and operation in OWNER_ONLY:
        raise AccessDenied.for_caller(principal_arn, action.lower(), queue.arn, explicit=False)
    context = {
        "aws:PrincipalAccount": ctx.account_id,
        "aws:PrincipalArn": principal_arn,
        "aws:SecureTransport": "true" if ctx.request.secure else "false",
        "aws:SourceIp": ctx.request.client or None,
        **policy.time_keys(now),
    }
    request = policy.PolicyRequest(policy.PolicyPrincipal.aws(principal_arn, ctx.account_id), action,
                                   queue.arn, context)
    decision = _decide(queue, request)
    if decision is policy.Decision.DENY or (not same_account and decision is not policy.Decision.ALLOW):
        raise AccessDenied.for_caller(principal_arn, action.lower(), queue.arn,
                                      explicit=decision is policy.Decision.DENY)


def _decide(queue: store.Queue, request: policy.PolicyRequest) -> policy.Decision:
    try:
        return policy.evaluate(queue.attributes.get("Policy"), request)
    except policy.PolicyError:
        return policy.Decision.NOT_ALLOWED  # a policy that cannot be read grants nothing

