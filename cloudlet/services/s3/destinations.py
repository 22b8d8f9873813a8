"""Checking notification destinations when a configuration is put, as S3 does: each queue,
topic and function must exist and its resource policy must let s3.amazonaws.com deliver from
this bucket; otherwise the whole configuration is refused with one InvalidArgument."""

from __future__ import annotations

import inspect
import json
from typing import Any

from cloudlet.aws.errors import ServiceError
from cloudlet.core import policy
from cloudlet.edge.types import Headers, Principal, Request, RequestContext
from cloudlet.services.s3 import store
from cloudlet.services.s3.errors import InvalidArgument

SERVICE_PRINCIPAL = "s3.amazonaws.com"
_UNABLE = "Unable to validate the following destination configurations"
# Configuration list -> (service, IAM action, the member naming the destination)
_KINDS = {
    "QueueConfigurations": ("sqs", "sqs:SendMessage", "QueueArn"),
    "TopicConfigurations": ("sns", "sns:Publish", "TopicArn"),
    "LambdaFunctionConfigurations": ("lambda", "lambda:InvokeFunction", "LambdaFunctionArn"),
}
_NOUNS = {"sqs": "queue", "sns": "topic", "lambda": "function"}


async def validate(env: Any, bucket: store.Bucket, configuration: dict[str, Any]) -> None:
    failures: dict[str, str] = {}
    for list_name, (service, action, member) in _KINDS.items():
        for entry in configuration.get(list_name) or []:
            arn = entry[member]
            problem = await _problem(env, bucket, service, action, arn)
            if problem:
                failures[arn] = problem
    if failures:
        arn, problem = next(iter(failures.items()))
        raise InvalidArgument(_UNABLE, arn, problem)


async def _problem(env: Any, bucket: store.Bucket, service: str, action: str, arn: str) -> str | None:
    parts = arn.split(":")
    noun = _NOUNS[service]
    if len(parts) < 6 or parts[2] != service:
        return f"The destination {noun} ARN is not valid"
    if not env.registry.implements(service):
        return None  # nothing to check against: deliveries will be dropped with a warning
    try:
        document = await _policy_of(env, service, parts)
    except ServiceError:
        return f"The destination {noun} does not exist"
    request = policy.PolicyRequest(
        policy.PolicyPrincipal.service(SERVICE_PRINCIPAL),
        action,
        arn,
        {
            "aws:SourceArn": f"arn:aws:s3:::{bucket.name}",
            "aws:SourceAccount": bucket.account_id,
            "aws:PrincipalServiceName": SERVICE_PRINCIPAL,
            "aws:PrincipalIsAWSService": "true",
        },
    )
    try:
        allowed = policy.allows(document, request)
    except policy.PolicyError:
        allowed = False
    if not allowed:
        return (
            f"Permissions on the destination {noun} do not allow S3 to publish notifications from this bucket"
        )
    return None


async def _policy_of(env: Any, service: str, parts: list[str]) -> str | None:
    region, account, name = parts[3], parts[4], parts[5] if service != "lambda" else parts[6]
    provider = await env.registry.provider(service)
    ctx = RequestContext(
        Request("POST", "/", "", Headers()),
        service=service,
        region=region,
        principal=Principal("s3", account, f"arn:aws:iam::{account}:root", account),
    )
    if service == "sqs":
        url = await _call(provider.get_queue_url(ctx, {"QueueName": name, "QueueOwnerAWSAccountId": account}))
        answer = await _call(
            provider.get_queue_attributes(ctx, {"QueueUrl": url["QueueUrl"], "AttributeNames": ["Policy"]})
        )
        return (answer.get("Attributes") or {}).get("Policy")
    if service == "sns":
        answer = await _call(provider.get_topic_attributes(ctx, {"TopicArn": ":".join(parts)}))
        return (answer.get("Attributes") or {}).get("Policy")
    provider.get_function(ctx, {"FunctionName": ":".join(parts)})  # raises when there is none
    try:
        return json.dumps(json.loads(provider.get_policy(ctx, {"FunctionName": ":".join(parts)})["Policy"]))
    except ServiceError:
        return None


async def _call(result: Any) -> Any:
    return (await result) if inspect.isawaitable(result) else result
