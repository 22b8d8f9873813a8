"""Resource policies: does a policy document let this principal do this action on this resource?

IAM's evaluation logic, resource side, shared by every service with resource policies (SQS
queue policies, S3 bucket policies): a statement applies when its principal, action, resource and every
condition match; an applying Deny beats any Allow; with neither, the request is implicitly
denied. Conditions follow the IAM reference: operators AND together, keys of one operator AND
together, values of one key OR together (NOR for a negated operator); a key missing from the
request fails a positive operator and passes a negated one, `...IfExists` passes when the key
is missing, `Null` tests presence, `ForAnyValue:`/`ForAllValues:` quantify over multi-valued
keys. Condition key names are case-insensitive; ARNs and string values are not.

Not evaluated: policy variables (`${aws:username}`), identity-based policies, permission
boundaries and SCPs: a resource policy is all a queue or bucket has.
"""

from __future__ import annotations

import enum
import ipaddress
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any


class Decision(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"  # an explicit Deny statement applied
    NOT_ALLOWED = "not-allowed"  # nothing applied: implicitly denied


class PolicyError(ValueError):
    """A policy document that cannot be evaluated (bad JSON, unknown operator, no Effect)."""


@dataclass(frozen=True)
class PolicyPrincipal:
    """Who asks: kind "Service" with a service principal name, "AWS" with an ARN and account,
    "CanonicalUser" with a canonical id, or "Anonymous" (only a "*" principal names it).
    `aliases` are further (kind, value) pairs naming the same caller, e.g. a CloudFront origin
    access identity is both a CanonicalUser and an AWS ARN."""

    kind: str
    identifier: str
    account_id: str | None = None
    aliases: tuple[tuple[str, str], ...] = ()

    @classmethod
    def service(cls, name: str) -> PolicyPrincipal:
        return cls("Service", name)

    @classmethod
    def aws(cls, arn: str, account_id: str) -> PolicyPrincipal:
        return cls("AWS", arn, account_id)

    @classmethod
    def anonymous(cls) -> PolicyPrincipal:
        return cls("Anonymous", "")

    @classmethod
    def canonical_user(cls, canonical_id: str, *aliases: tuple[str, str]) -> PolicyPrincipal:
        return cls("CanonicalUser", canonical_id, None, tuple(aliases))


@dataclass(frozen=True)
class PolicyRequest:
    principal: PolicyPrincipal
    action: str  # "sqs:SendMessage"
    resource: str  # an ARN
    context: Mapping[str, Any] = field(default_factory=dict)  # condition keys -> str | list[str]


def evaluate(document: str | Mapping[str, Any] | None, request: PolicyRequest) -> Decision:
    if not document:
        return Decision.NOT_ALLOWED
    context = {key.lower(): _strings(value) for key, value in request.context.items() if value is not None}
    allowed = False
    for statement in statements(document):
        if not _applies(statement, request, context):
            continue
        if statement["Effect"] == "Deny":
            return Decision.DENY
        allowed = True
    return Decision.ALLOW if allowed else Decision.NOT_ALLOWED


def allows(document: str | Mapping[str, Any] | None, request: PolicyRequest) -> bool:
    return evaluate(document, request) is Decision.ALLOW


def statements(document: str | Mapping[str, Any]) -> list[dict[str, Any]]:
    """The statements of a policy, checked enough to evaluate; PolicyError when they are not."""
    if isinstance(document, str):
        return list(_parsed(document))
    return list(_checked(document))


@lru_cache(maxsize=256)
def _parsed(text: str) -> tuple[dict[str, Any], ...]:
    # Policies are read far more often than written: each delivery evaluates its queue's.
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise PolicyError(f"the policy is not JSON: {exc}") from None
    return _checked(document)


def _checked(document: Any) -> tuple[dict[str, Any], ...]:
    if not isinstance(document, Mapping):
        raise PolicyError("a policy is a JSON object")
    found = document.get("Statement", [])
    found = [found] if isinstance(found, Mapping) else found
    if not isinstance(found, list) or not all(isinstance(s, Mapping) for s in found):
        raise PolicyError("Statement must be an object or a list of objects")
    for statement in found:
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise PolicyError("every statement needs an Effect of Allow or Deny")
        if ("Action" in statement) == ("NotAction" in statement):
            raise PolicyError("every statement needs exactly one of Action and NotAction")
        condition = statement.get("Condition") or {}
        if not isinstance(condition, Mapping):
            raise PolicyError("Condition must be an object")
        for operator in condition:
            _operator(operator)
    return tuple(dict(s) for s in found)


# -- one statement -----------------------------------------------------------------------------


def _applies(statement: Mapping[str, Any], request: PolicyRequest, context: dict[str, list[str]]) -> bool:
    return (
        _principal_matches(statement, request.principal)
        and _element_matches(statement, "Action", request.action, ignore_case=True)
        and _element_matches(statement, "Resource", request.resource, ignore_case=False)
        and conditions_hold(statement.get("Condition") or {}, context)
    )


def _element_matches(statement: Mapping[str, Any], name: str, value: str, *, ignore_case: bool) -> bool:
    if name in statement:
        return any(_wildcard(p, ignore_case).fullmatch(value) for p in _strings(statement[name]))
    if f"Not{name}" in statement:
        return not any(_wildcard(p, ignore_case).fullmatch(value) for p in _strings(statement[f"Not{name}"]))
    return name == "Resource"  # a resource policy may leave its own resource implied


def _principal_matches(statement: Mapping[str, Any], principal: PolicyPrincipal) -> bool:
    if "Principal" in statement:
        return _names_principal(statement["Principal"], principal)
    if "NotPrincipal" in statement:
        return not _names_principal(statement["NotPrincipal"], principal)
    return False


def _names_principal(element: Any, principal: PolicyPrincipal) -> bool:
    if element == "*":
        return True
    if not isinstance(element, Mapping):
        return False
    if "*" in _strings(element.get("AWS", [])):  # {"AWS": "*"} is everyone, as "*" is
        return True
    if any(_principal_value_matches(principal, value) for value in _strings(element.get(principal.kind, []))):
        return True
    return any(value in _strings(element.get(kind, [])) for kind, value in principal.aliases)


def _principal_value_matches(principal: PolicyPrincipal, value: str) -> bool:
    if principal.kind == "Service":
        return value.lower() == principal.identifier.lower()
    if principal.kind != "AWS":
        return value == principal.identifier
    account = value if value.isdigit() else _root_account(value)
    if account is not None:
        return account == principal.account_id  # an account names every principal in it
    return value == principal.identifier


def _root_account(arn: str) -> str | None:
    match = re.fullmatch(r"arn:aws[a-z-]*:iam::(\d{12}):root", arn)
    return match.group(1) if match else None


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's `*` / `?` globbing, as in Action, Resource and StringLike."""
    return _wildcard(pattern, ignore_case).fullmatch(value) is not None


@lru_cache(maxsize=1024)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    text = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(text, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _strings(value: Any) -> list[str]:
    items = value if isinstance(value, (list, tuple)) else [value]
    return [("true" if item else "false") if isinstance(item, bool) else str(item) for item in items]


def time_keys(now: float) -> dict[str, str]:
    """aws:CurrentTime and aws:EpochTime for a request made at `now` (epoch seconds)."""
    moment = datetime.fromtimestamp(now, UTC)
    return {"aws:CurrentTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "aws:EpochTime": str(int(now))}


def operator_name_known(name: str) -> bool:
    try:
        _operator(name)
    except PolicyError:
        return False
    return True


# -- conditions --------------------------------------------------------------------------------


def conditions_hold(condition: Mapping[str, Any], context: Mapping[str, Sequence[str]]) -> bool:
    """A statement's Condition block against the request's keys (lower-cased names)."""
    for operator_name, keys in condition.items():
        operator = _operator(operator_name)
        if not isinstance(keys, Mapping):
            raise PolicyError(f"{operator_name} must map condition keys to values")
        for key, wanted in keys.items():
            if not operator.holds(context.get(key.lower()), _strings(wanted)):
                return False
    return True


Match = Callable[[str, str], bool]


@dataclass(frozen=True)
class _Operator:
    match: Match | None  # None for Null
    negated: bool = False
    if_exists: bool = False
    quantifier: str = ""  # "", "ForAnyValue", "ForAllValues"

    def holds(self, present: Sequence[str] | None, wanted: list[str]) -> bool:
        if self.match is None:  # Null: "true" asks for the key to be absent
            return (not present) == (wanted[0].lower() == "true")
        if not present:
            if self.quantifier == "ForAllValues":
                return True
            if self.quantifier == "ForAnyValue":
                return False
            return self.if_exists or self.negated
        outcomes = (self._one(value, wanted) for value in present)
        return all(outcomes) if self.quantifier == "ForAllValues" else any(outcomes)

    def _one(self, value: str, wanted: list[str]) -> bool:
        assert self.match is not None
        matched = any(self.match(value, candidate) for candidate in wanted)
        return not matched if self.negated else matched


def _string_like(value: str, pattern: str) -> bool:
    return _wildcard(pattern, False).fullmatch(value) is not None


def _arn_like(value: str, pattern: str) -> bool:
    # Each of the six colon-separated parts matches on its own; the last keeps its colons.
    have, want = value.split(":", 5), pattern.split(":", 5)
    return len(have) == len(want) == 6 and all(_string_like(h, w) for h, w in zip(have, want, strict=True))


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _compare_numbers(test: Callable[[Decimal, Decimal], bool]) -> Match:
    def match(value: str, wanted: str) -> bool:
        a, b = _number(value), _number(wanted)
        return a is not None and b is not None and test(a, b)

    return match


def _moment(text: str) -> float | None:
    try:
        return float(text)  # epoch seconds, as aws:EpochTime carries
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _compare_dates(test: Callable[[float, float], bool]) -> Match:
    def match(value: str, wanted: str) -> bool:
        a, b = _moment(value), _moment(wanted)
        return a is not None and b is not None and test(a, b)

    return match


def _in_network(value: str, network: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


# Base name -> (match, negated). "Not" forms share their positive form's match.
_OPERATORS: dict[str, tuple[Match | None, bool]] = {
    "StringEquals": (str.__eq__, False),
    "StringNotEquals": (str.__eq__, True),
    "StringEqualsIgnoreCase": (lambda a, b: a.lower() == b.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda a, b: a.lower() == b.lower(), True),
    "StringLike": (_string_like, False),
    "StringNotLike": (_string_like, True),
    "ArnEquals": (_arn_like, False),  # ArnEquals takes wildcards too, as AWS documents
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
    "NumericEquals": (_compare_numbers(lambda a, b: a == b), False),
    "NumericNotEquals": (_compare_numbers(lambda a, b: a == b), True),
    "NumericLessThan": (_compare_numbers(lambda a, b: a < b), False),
    "NumericLessThanEquals": (_compare_numbers(lambda a, b: a <= b), False),
    "NumericGreaterThan": (_compare_numbers(lambda a, b: a > b), False),
    "NumericGreaterThanEquals": (_compare_numbers(lambda a, b: a >= b), False),
    "DateEquals": (_compare_dates(lambda a, b: a == b), False),
    "DateNotEquals": (_compare_dates(lambda a, b: a == b), True),
    "DateLessThan": (_compare_dates(lambda a, b: a < b), False),
    "DateLessThanEquals": (_compare_dates(lambda a, b: a <= b), False),
    "DateGreaterThan": (_compare_dates(lambda a, b: a > b), False),
    "DateGreaterThanEquals": (_compare_dates(lambda a, b: a >= b), False),
    "Bool": (lambda a, b: a.lower() == b.lower(), False),
    "BinaryEquals": (str.__eq__, False),
    "IpAddress": (_in_network, False),
    "NotIpAddress": (_in_network, True),
    "Null": (None, False),
}


@lru_cache(maxsize=256)
def _operator(name: str) -> _Operator:
    quantifier, _, base = name.rpartition(":")
    if quantifier not in ("", "ForAnyValue", "ForAllValues"):
        raise PolicyError(f"unknown condition set operator {quantifier!r}")
    if_exists = base.endswith("IfExists") and base != "Null"
    base = base.removesuffix("IfExists") if if_exists else base
    if base not in _OPERATORS:
        raise PolicyError(f"unknown condition operator {name!r}")
    match, negated = _OPERATORS[base]
    return _Operator(match, negated, if_exists, quantifier)
