"""IAM policy documents returned by Lambda authorizers, evaluated against one method or route ARN:
an explicit Deny wins, otherwise some Allow must match, as AWS evaluates them."""

from __future__ import annotations

import fnmatch
from typing import Any

INVOKE = "execute-api:Invoke"


class MalformedPolicy(Exception):
    pass


def allows(policy: Any, resource_arn: str) -> bool:
    if not isinstance(policy, dict) or not isinstance(policy.get("Statement"), list | dict):
        raise MalformedPolicy("policyDocument has no Statement")
    statements = policy["Statement"]
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny"):
            raise MalformedPolicy("a statement without a valid Effect")
        if not _matches(statement, resource_arn):
            continue
        if statement["Effect"] == "Deny":
            return False
        allowed = True
    return allowed


def _matches(statement: dict[str, Any], resource_arn: str) -> bool:
    actions = _listed(statement.get("Action"))
    resources = _listed(statement.get("Resource"))
    return any(fnmatch.fnmatchcase(INVOKE, a) for a in actions) and any(
        fnmatch.fnmatchcase(resource_arn, r) for r in resources
    )


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return []
