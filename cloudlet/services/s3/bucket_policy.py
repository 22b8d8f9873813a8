"""Bucket policy documents: checked as S3 checks them on PutBucketPolicy (with its
MalformedPolicy messages), and judged public or not as Block Public Access judges them."""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any

from cloudlet.core import policy
from cloudlet.services.s3.errors import MalformedPolicy

MAX_POLICY_BYTES = 20 * 1024
_STATEMENT_FIELDS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
_PRINCIPAL_KINDS = frozenset({"AWS", "Service", "CanonicalUser", "Federated"})
_AWS_PRINCIPAL = re.compile(r"\*|\d{12}|arn:aws[a-z-]*:(iam|sts)::(\d{12}|cloudfront):.+")
_S3_RESOURCE = re.compile(r"arn:aws[a-z-]*:s3:::(?P<bucket>[^/]+)(?P<object>/.*)?")
# Actions that take a bucket ARN (every other s3: action takes an object ARN, or both).
_BUCKET_ACTION = re.compile(
    r"s3:(List.*|.*Bucket.*|.*Configuration|PutAccelerate.*|GetAccelerate.*"
    r"|.*Inventory.*|.*Analytics.*|.*Metrics.*|.*IntelligentTiering.*|.*Replication.*"
    r"|.*Lifecycle.*|.*Encryption.*|.*PublicAccessBlock|.*OwnershipControls|.*CORS.*)",
    re.IGNORECASE,
)
# Condition keys that, fixed to specific values, make an "anyone" statement non-public.
_LIMITING_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalorgid",
        "aws:userid",
        "s3:dataaccesspointarn",
        "s3:dataaccesspointaccount",
    }
)


def parse(text: str, bucket: str) -> dict[str, Any]:
    """The policy as stored, or MalformedPolicy with S3's message for what is wrong with it."""
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise MalformedPolicy("Policies must be less than 20 KB")
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if not isinstance(document, dict) or not text.lstrip().startswith("{"):
        raise MalformedPolicy("Policies must be valid JSON and the first byte must be '{'")
    unknown = set(document) - {"Version", "Id", "Statement"}
    if unknown:
        raise MalformedPolicy(f"Unknown field {sorted(unknown)[0]}")
    if document.get("Version", "2012-10-17") not in ("2012-10-17", "2008-10-17"):
        raise MalformedPolicy("Invalid policy document version")
    if "Statement" not in document:
        raise MalformedPolicy("Missing required field Statement")
    found = document["Statement"]
    found = [found] if isinstance(found, dict) else found
    if not isinstance(found, list) or not found:
        raise MalformedPolicy("Missing required field Statement")
    for statement in found:
        _check_statement(statement, bucket)
    return document


def _check_statement(statement: Any, bucket: str) -> None:
    if not isinstance(statement, dict):
        raise MalformedPolicy("Statement is not well formed")
    unknown = set(statement) - _STATEMENT_FIELDS
    if unknown:
        raise MalformedPolicy(f"Unknown field {sorted(unknown)[0]}")
    if "Effect" not in statement:
        raise MalformedPolicy("Missing required field Effect")
    if statement["Effect"] not in ("Allow", "Deny"):
        raise MalformedPolicy(f"Invalid effect: {statement['Effect']}")
    if "Principal" not in statement and "NotPrincipal" not in statement:
        raise MalformedPolicy("Missing required field Principal")
    _check_principal(statement.get("Principal", statement.get("NotPrincipal")))
    if ("Action" in statement) == ("NotAction" in statement):
        raise MalformedPolicy("Missing required field Action")
    if ("Resource" in statement) == ("NotResource" in statement):
        raise MalformedPolicy("Missing required field Resource")
    actions = _strings(statement.get("Action", statement.get("NotAction")))
    if not actions or not all(a == "*" or re.fullmatch(r"s3:[A-Za-z*?]+", a) for a in actions):
        raise MalformedPolicy("Policy has invalid action")
    resources = _strings(statement.get("Resource", statement.get("NotResource")))
    matches = [_S3_RESOURCE.fullmatch(r) for r in resources]
    if not resources or not all(m and policy.wildcard_match(m["bucket"], bucket) for m in matches):
        raise MalformedPolicy("Policy has invalid resource")
    if "Action" in statement and "Resource" in statement and not _applies(actions, matches):
        raise MalformedPolicy("Action does not apply to any resource(s) in statement")
    condition = statement.get("Condition", {})
    if not isinstance(condition, dict) or not all(isinstance(v, dict) for v in condition.values()):
        raise MalformedPolicy("Invalid Condition block")
    for operator in condition:
        if not policy.operator_name_known(operator):
            raise MalformedPolicy(f"Invalid Condition type : {operator}")


def _check_principal(principal: Any) -> None:
    if principal == "*":
        return
    if not isinstance(principal, dict) or not principal or set(principal) - _PRINCIPAL_KINDS:
        raise MalformedPolicy("Invalid principal in policy")
    for value in _strings(principal.get("AWS")):
        if not _AWS_PRINCIPAL.fullmatch(value):
            raise MalformedPolicy("Invalid principal in policy")
    for value in _strings(principal.get("Service")):
        if not re.fullmatch(r"[a-z0-9.-]+\.amazonaws\.com(\.cn)?", value):
            raise MalformedPolicy("Invalid principal in policy")
    for value in _strings(principal.get("CanonicalUser")):
        if not re.fullmatch(r"[0-9a-f]{64}", value):
            raise MalformedPolicy("Invalid principal in policy")


def _applies(actions: list[str], resources: list[re.Match[str] | None]) -> bool:
    kinds = {"object" if m and m["object"] else "bucket" for m in resources}
    for action in actions:
        if "*" in action or "?" in action:
            return True
        if ("bucket" if _BUCKET_ACTION.fullmatch(action) else "object") in kinds:
            return True
    return False


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def is_public(document: dict[str, Any] | None) -> bool:
    """As Block Public Access judges: some Allow names anyone ("*") and no condition pins it to
    fixed sources (accounts, ARNs, VPCs, or narrow IP ranges)."""
    for statement in (document or {}).get("Statement", []) if document else []:
        if statement.get("Effect") != "Allow" or not _names_anyone(statement):
            continue
        if not _pinned(statement.get("Condition") or {}):
            return True
    return False


def _names_anyone(statement: dict[str, Any]) -> bool:
    if "NotPrincipal" in statement:
        return True
    principal = statement.get("Principal")
    return principal == "*" or (isinstance(principal, dict) and "*" in _strings(principal.get("AWS")))


def _pinned(condition: dict[str, Any]) -> bool:
    for operator, keys in condition.items():
        base = operator.rpartition(":")[2]
        if base.startswith(("StringNot", "ArnNot", "NotIp")) or base.endswith("IfExists"):
            continue
        for key, values in keys.items():
            wanted = _strings(values)
            if key.lower() in _LIMITING_KEYS and not any("*" in v or "?" in v for v in wanted):
                return True
            if key.lower() == "aws:sourceip" and base == "IpAddress" and all(_narrow(v) for v in wanted):
                return True
    return False


def _narrow(network: str) -> bool:
    """AWS treats an IPv4 range of /8 or wider (IPv6 /32 or wider) as public."""
    try:
        net = ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False
    return net.prefixlen > (8 if net.version == 4 else 32)
