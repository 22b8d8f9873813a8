"""Who besides the owner may act on a bucket: its policy and public ACLs, less what Block
Public Access switches off."""

from __future__ import annotations

import fnmatch
import json
import sqlite3
from typing import Any

from cloudlet.edge.types import RequestContext
from cloudlet.services.s3 import store
from cloudlet.services.s3.errors import MalformedPolicy

# Operations whose IAM action differs from "s3:" + the operation name.
_ACTIONS = {
    "HeadObject": "s3:GetObject", "HeadBucket": "s3:ListBucket", "ListObjects": "s3:ListBucket",
    "ListObjectsV2": "s3:ListBucket", "ListObjectVersions": "s3:ListBucketVersions",
    "CreateMultipartUpload": "s3:PutObject", "UploadPart": "s3:PutObject", "UploadPartCopy": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject", "AbortMultipartUpload": "s3:AbortMultipartUpload",
    "ListParts": "s3:ListMultipartUploadParts", "ListMultipartUploads": "s3:ListBucketMultipartUploads",
    "DeleteObjects": "s3:DeleteObject", "CopyObject": "s3:PutObject", "GetObjectAttributes": "s3:GetObject",
    "PostObject": "s3:PutObject",
}
_READ_ACTIONS = ("s3:GetObject",)


def action_of(operation: str | None) -> str:
    return _ACTIONS.get(operation or "", f"s3:{operation}")


def resource_of(bucket: str, key: str | None) -> str:
    return f"arn:aws:s3:::{bucket}" if key is None else f"arn:aws:s3:::{bucket}/{key}"


def grants(conn: sqlite3.Connection, ctx: RequestContext, bucket: store.Bucket) -> bool:
    action = action_of(ctx.operation)
    key = ctx.params.get("Key")
    block = store.get_config(conn, bucket.name, "public_access_block") or {}
    policy = store.get_config(conn, bucket.name, "policy")
    if policy is not None and not (block.get("RestrictPublicBuckets") and ctx.principal is None):
        decision = evaluate(policy, ctx, action, resource_of(bucket.name, key))
        if decision is not None:
            return decision
    if block.get("IgnorePublicAcls"):
        return False
    acl = store.get_config(conn, bucket.name, "acl")
    if acl in ("public-read", "public-read-write") and action == "s3:ListBucket":
        return True
    if acl == "public-read-write" and action in ("s3:PutObject", "s3:DeleteObject"):
        return True
    # An object's own ACL decides who reads it.
    return (action in _READ_ACTIONS and key is not None
            and _object_acl(conn, bucket.name, key) in ("public-read", "public-read-write"))


def _object_acl(conn: sqlite3.Connection, bucket: str, key: str) -> str | None:
    row = conn.execute("SELECT acl FROM s3_objects WHERE bucket = ? AND key = ? AND latest = 1",
                       (bucket, key)).fetchone()
    return row[0] if row else None


def evaluate(policy: dict[str, Any], ctx: RequestContext, action: str, resource: str) -> bool | None:
    """True (allowed), False (explicitly denied) or None (the policy does not say)."""
    allowed = None
    for statement in _statements(policy):
        if "Condition" in statement or not _principal_matches(statement.get("Principal"), ctx):
            continue
        if not _any_match(statement.get("Action"), action) or not _any_match(statement.get("Resource"), resource):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = True
    return allowed


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    statements = policy.get("Statement", [])
    return [statements] if isinstance(statements, dict) else statements


def _principal_matches(principal: Any, ctx: RequestContext | None) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        aws = principal.get("AWS", [])
        names = [aws] if isinstance(aws, str) else aws
        if "*" in names:
            return True
        if ctx is None or ctx.principal is None:
            return False
        account = ctx.principal.account_id
        return any(name in (account, ctx.principal.arn, f"arn:aws:iam::{account}:root") for name in names)
    return False


def _any_match(patterns: Any, value: str) -> bool:
    items = [patterns] if isinstance(patterns, str) else (patterns or [])
    return any(fnmatch.fnmatchcase(value, pattern) for pattern in items)


def is_public(policy: dict[str, Any] | None) -> bool:
    """Whether a policy allows anyone at all (a "*" principal without conditions)."""
    return any(statement.get("Effect") == "Allow" and "Condition" not in statement
               and _principal_matches(statement.get("Principal"), None)
               for statement in _statements(policy or {}))


def parse_policy(text: str) -> dict[str, Any]:
    """A bucket policy as stored: JSON with a Statement list of Effect/Principal/Action/Resource."""
    try:
        policy = json.loads(text)
    except ValueError:
        raise MalformedPolicy("Policies must be valid JSON and the first byte must be '{'") from None
    if not isinstance(policy, dict) or "Statement" not in policy:
        raise MalformedPolicy("Missing required field Statement")
    for statement in _statements(policy):
        if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny"):
            raise MalformedPolicy("Invalid effect")
        if "Action" not in statement and "NotAction" not in statement:
            raise MalformedPolicy("Missing required field Action")
        if "Principal" not in statement and "NotPrincipal" not in statement:
            raise MalformedPolicy("Missing required field Principal")
        if "Resource" not in statement and "NotResource" not in statement:
            raise MalformedPolicy("Missing required field Resource")
    return policy
