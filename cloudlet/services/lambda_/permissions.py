"""The function's resource policy: who may invoke it (S3, SNS, API Gateway, other accounts)."""

from __future__ import annotations

import uuid
from typing import Any

from cloudlet.services.lambda_.errors import (
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from cloudlet.services.lambda_.store import Function


def add(fn: Function, resource: str, params: dict[str, Any]) -> dict[str, Any]:
    policy = fn.policy or {"Version": "2012-10-17", "Id": "default", "Statement": []}
    sid = params["StatementId"]
    if any(statement["Sid"] == sid for statement in policy["Statement"]):
        raise ResourceConflictException(
            "The statement id (sid) provided already exists. Please specify a new statement id, or remove the "
            "existing statement.")
    if params.get("RevisionId") and fn.policy and params["RevisionId"] != fn.policy.get("RevisionId"):
        raise PreconditionFailedException("The Revision Id provided does not match the latest Revision Id.")
    statement = _statement(sid, resource, params)
    policy["Statement"].append(statement)
    policy["RevisionId"] = str(uuid.uuid4())
    fn.policy = policy
    return statement


def remove(fn: Function, sid: str) -> None:
    statements = (fn.policy or {}).get("Statement", [])
    kept = [statement for statement in statements if statement["Sid"] != sid]
    if len(kept) == len(statements):
        raise ResourceNotFoundException("No policy is associated with the given resource." if not statements
                                        else f"Statement {sid} is not found in resource policy.")
    assert fn.policy is not None
    fn.policy["Statement"] = kept
    fn.policy["RevisionId"] = str(uuid.uuid4())


def _statement(sid: str, resource: str, params: dict[str, Any]) -> dict[str, Any]:
    principal = params["Principal"]
    if principal == "*":
        who: Any = "*"
    elif principal.endswith(".amazonaws.com") or principal.endswith(".localhost"):
        who = {"Service": principal}
    elif principal.isdigit():
        who = {"AWS": f"arn:aws:iam::{principal}:root"}
    else:
        who = {"AWS": principal}
    statement: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Principal": who, "Action": params["Action"],
                                 "Resource": resource}
    condition: dict[str, dict[str, str]] = {}
    if params.get("SourceArn"):
        condition["ArnLike"] = {"AWS:SourceArn": params["SourceArn"]}
    if params.get("SourceAccount"):
        condition["StringEquals"] = {"AWS:SourceAccount": params["SourceAccount"]}
    if params.get("PrincipalOrgID"):
        condition.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = params["PrincipalOrgID"]
    if params.get("FunctionUrlAuthType"):
        condition.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = params["FunctionUrlAuthType"]
    if condition:
        statement["Condition"] = condition
    return statement
