"""Event patterns, as event source mapping FilterCriteria (and EventBridge rules) write them.

A pattern is a JSON object mirroring the event: a nested object narrows to a nested field, a
list at a leaf holds the accepted values (any one may match). A leaf value is a literal
(string, number, boolean, null) or a matcher object: prefix, suffix, equals-ignore-case,
wildcard, anything-but, numeric, exists. "$or" takes a list of patterns. When the event's
field is a list, the field matches if any of its elements does.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

Pattern = dict[str, Any]
_MISSING = object()
_OPERATORS = {"=": float.__eq__, "<": float.__lt__, "<=": float.__le__, ">": float.__gt__, ">=": float.__ge__}


class PatternError(ValueError):
    """The pattern is not a valid event pattern."""


def parse(text: str) -> Pattern:
    """Parses and checks a pattern's JSON text; raises PatternError."""
    try:
        pattern = json.loads(text)
    except ValueError:
        raise PatternError("pattern is not valid JSON") from None
    check(pattern)
    return pattern


def check(pattern: Any) -> None:
    if not isinstance(pattern, dict):
        raise PatternError("a pattern must be a JSON object")
    for key, value in pattern.items():
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2:
                raise PatternError("$or takes a list of at least two patterns")
            for branch in value:
                check(branch)
        elif isinstance(value, dict):
            check(value)
        elif isinstance(value, list):
            if not value:
                raise PatternError(f"the list for {key!r} is empty")
            for rule in value:
                _check_rule(rule)
        else:
            raise PatternError(f"the value of {key!r} must be an object or a list")


def _check_rule(rule: Any) -> None:
    if not isinstance(rule, dict):
        if isinstance(rule, list):
            raise PatternError("a list may not hold a list")
        return
    if len(rule) != 1:
        raise PatternError("a matcher object has exactly one key")
    (kind, value), = rule.items()
    if kind in ("prefix", "suffix"):
        if isinstance(value, dict) and set(value) == {"equals-ignore-case"}:
            value = value["equals-ignore-case"]
        if not isinstance(value, str):
            raise PatternError(f"{kind} takes a string")
    elif kind in ("equals-ignore-case", "wildcard"):
        if not isinstance(value, str):
            raise PatternError(f"{kind} takes a string")
    elif kind == "exists":
        if not isinstance(value, bool):
            raise PatternError("exists takes true or false")
    elif kind == "numeric":
        _numeric_pairs(value)
    elif kind == "anything-but":
        if isinstance(value, dict):
            for inner in value.values():
                if not isinstance(inner, (str, list)):
                    raise PatternError("anything-but takes a value, a list or a prefix/suffix matcher")
        elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
            raise PatternError("anything-but lists hold literals")
    elif kind != "cidr":
        raise PatternError(f"unknown matcher {kind!r}")


def _numeric_pairs(value: Any) -> list[tuple[str, float]]:
    if not isinstance(value, list) or not value or len(value) % 2 or len(value) > 4:
        raise PatternError("numeric takes one or two (operator, number) pairs")
    pairs = []
    for op, number in zip(value[::2], value[1::2], strict=True):
        if op not in _OPERATORS or isinstance(number, bool) or not isinstance(number, (int, float)):
            raise PatternError("numeric takes one or two (operator, number) pairs")
        pairs.append((op, float(number)))
    return pairs


# -- matching -------------------------------------------------------------------------------------


def matches(pattern: Pattern, event: Any) -> bool:
    if not isinstance(event, dict):
        return False
    for key, expected in pattern.items():
        if key == "$or":
            if not any(matches(branch, event) for branch in expected):
                return False
            continue
        value = event.get(key, _MISSING)
        if isinstance(expected, dict):
            if value is _MISSING or not _any_nested(expected, value):
                return False
        elif not _leaf_matches(expected, value):
            return False
    return True


def _any_nested(pattern: Pattern, value: Any) -> bool:
    if isinstance(value, list):
        return any(matches(pattern, element) for element in value)
    return matches(pattern, value)


def _leaf_matches(rules: list[Any], value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    if value is _MISSING:
        return any(isinstance(rule, dict) and rule.get("exists") is False for rule in rules)
    if isinstance(value, list) and not value:
        return False
    return any(_rule_matches(rule, v) for rule in rules for v in values)


def _rule_matches(rule: Any, value: Any) -> bool:
    if not isinstance(rule, dict):
        return _same(rule, value)
    (kind, arg), = rule.items()
    if kind == "exists":
        return arg is True
    if kind == "numeric":
        return _is_number(value) and all(_OPERATORS[op](float(value), n) for op, n in _numeric_pairs(arg))
    if kind == "anything-but":
        return _anything_but(arg, value)
    if not isinstance(value, str):
        return False
    if kind == "prefix" or kind == "suffix":
        if isinstance(arg, dict):
            arg, value = arg["equals-ignore-case"].lower(), value.lower()
        return value.startswith(arg) if kind == "prefix" else value.endswith(arg)
    if kind == "equals-ignore-case":
        return value.lower() == arg.lower()
    if kind == "wildcard":
        return _wildcard(arg).fullmatch(value) is not None
    return False  # cidr: IP addresses do not occur in the events cloudlet filters


def _anything_but(arg: Any, value: Any) -> bool:
    if isinstance(arg, dict):
        (kind, inner), = arg.items()
        return not _rule_matches({kind: inner}, value) if isinstance(value, str) else False
    excluded = arg if isinstance(arg, list) else [arg]
    return not any(_same(literal, value) for literal in excluded)


def _same(literal: Any, value: Any) -> bool:
    if _is_number(literal) and _is_number(value):
        return float(literal) == float(value)
    return type(literal) is type(value) and literal == value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@lru_cache(maxsize=256)
def _wildcard(text: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in text.split("*")), re.DOTALL)
