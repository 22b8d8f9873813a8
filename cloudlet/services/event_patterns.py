"""Event patterns, as EventBridge rules and Lambda event source mapping FilterCriteria write them.

A pattern is a JSON object mirroring the event: a nested object narrows to a nested field, a
list at a leaf holds the accepted values (any one may match). A leaf value is a literal
(string, number, boolean, null) or a matcher object: prefix, suffix (both also with
equals-ignore-case), equals-ignore-case, wildcard, anything-but (a literal, a list of literals,
or a prefix / suffix / equals-ignore-case / wildcard matcher of one string or a list), numeric,
cidr, exists. "$or" takes a list of patterns. When the event's field is a list, the field
matches if any of its elements does.

`exists` looks at leaves only, as AWS documents: a field holding an object (or an empty list)
has no leaf there, so `{"exists": false}` matches it and `{"exists": true}` does not.
"""

from __future__ import annotations

import ipaddress
import json
import re
from functools import lru_cache
from typing import Any

Pattern = dict[str, Any]
_MISSING = object()
_OPERATORS = {"=": float.__eq__, "<": float.__lt__, "<=": float.__le__, ">": float.__gt__, ">=": float.__ge__}
_STRING_MATCHERS = ("prefix", "suffix", "equals-ignore-case", "wildcard")
_NUMERIC_LIMIT = 5.0e9  # EventBridge's numeric matching range, both signs


class PatternError(ValueError):
    """The pattern is not a valid event pattern; the message is the reason, as AWS words it."""


def parse(text: str) -> Pattern:
    """Parses and checks a pattern's JSON text; raises PatternError."""
    try:
        pattern = json.loads(text)
        check(pattern)
    except PatternError:
        raise
    except ValueError as exc:
        raise PatternError(f"Unrecognized JSON: {exc}") from None
    except RecursionError:
        raise PatternError("Pattern is nested too deeply") from None
    return pattern


def check(pattern: Any) -> None:
    if not isinstance(pattern, dict):
        raise PatternError("Filter is not an object")
    for key, value in pattern.items():
        if key == "$or":
            _check_or(value)
        elif isinstance(value, dict):
            check(value)
        elif isinstance(value, list):
            if not value:
                raise PatternError("Empty arrays are not allowed")
            for rule in value:
                _check_rule(rule)
        else:
            raise PatternError(f'"{key}" must be an object or an array')


def _check_or(value: Any) -> None:
    if not isinstance(value, list) or len(value) < 2:
        raise PatternError('"$or" must be an array of at least two objects')
    for branch in value:
        check(branch)


def _check_rule(rule: Any) -> None:
    if isinstance(rule, list):
        raise PatternError("Match value must be String, number, true, false, or null")
    if not isinstance(rule, dict):
        return
    if len(rule) != 1:
        raise PatternError("Only one key allowed in match expression")
    (kind, value), = rule.items()
    if kind in ("prefix", "suffix"):
        _string_argument(kind, _ignoring_case(value))
    elif kind in ("equals-ignore-case", "wildcard"):
        _string_argument(kind, value)
        if kind == "wildcard":
            _check_wildcard(value)
    elif kind == "exists":
        if not isinstance(value, bool):
            raise PatternError("exists match pattern must be either true or false.")
    elif kind == "numeric":
        _numeric_pairs(value)
    elif kind == "cidr":
        _network(value)
    elif kind == "anything-but":
        _check_anything_but(value)
    else:
        raise PatternError(f"Unrecognized match type {kind}")


def _ignoring_case(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"equals-ignore-case"}:
        return value["equals-ignore-case"]
    return value


def _string_argument(kind: str, value: Any) -> None:
    if not isinstance(value, str):
        raise PatternError(f"{kind} match pattern must be a string")


def _check_wildcard(text: str) -> None:
    if "**" in text:
        raise PatternError("Consecutive wildcard characters at pos " + str(text.index("**") + 1))


def _check_anything_but(value: Any) -> None:
    if isinstance(value, dict):
        if len(value) != 1:
            raise PatternError("Only one key allowed in match expression")
        (kind, inner), = value.items()
        if kind not in _STRING_MATCHERS:
            raise PatternError(f"Unsupported anything-but pattern: {kind}")
        values = inner if isinstance(inner, list) else [inner]
        if not values or not all(isinstance(v, str) for v in values):
            raise PatternError(f"Value of anything-but {kind} must be a string or an array of strings")
        if kind == "wildcard":
            for text in values:
                _check_wildcard(text)
    elif isinstance(value, list):
        if not value:
            raise PatternError("Empty arrays are not allowed")
        strings = [isinstance(v, str) for v in value]
        numbers = [_is_number(v) for v in value]
        if not (all(strings) or all(numbers)):
            raise PatternError("Inside anything but list, start|null|boolean is not supported.")
    elif isinstance(value, bool) or value is None:
        raise PatternError("Inside anything but list, start|null|boolean is not supported.")


def _numeric_pairs(value: Any) -> list[tuple[str, float]]:
    if not isinstance(value, list) or not value or len(value) % 2 or len(value) > 4:
        raise PatternError("Value of numeric must be an array.")
    pairs = []
    for op, number in zip(value[::2], value[1::2], strict=True):
        if op not in _OPERATORS:
            raise PatternError(f"Unrecognized numeric range operator: {op}")
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise PatternError(f"Value of {op} must be numeric")
        if abs(number) > _NUMERIC_LIMIT:
            raise PatternError(f"Value of {op} must be between -5.0E9 and 5.0E9 inclusive")
        pairs.append((op, float(number)))
    if len(pairs) == 2 and ("=" in (pairs[0][0], pairs[1][0]) or pairs[0][0][0] == pairs[1][0][0]):
        raise PatternError("Bad numeric range definition")
    return pairs


@lru_cache(maxsize=256)
def _network(value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if not isinstance(value, str):
        raise PatternError("prefix/cidr match pattern must be a string")
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise PatternError(f"Nonstandard IP address: {value}") from None


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
    leaves = _leaves(value)
    if not leaves:
        return any(isinstance(rule, dict) and rule.get("exists") is False for rule in rules)
    return any(_rule_matches(rule, leaf) for rule in rules for leaf in leaves)


def _leaves(value: Any) -> list[Any]:
    """The field's leaf values: none when it is absent, an object, or a list without leaves."""
    if value is _MISSING or isinstance(value, dict):
        return []
    if isinstance(value, list):
        return [element for element in value if not isinstance(element, (dict, list))]
    return [value]


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
    if kind == "cidr":
        return _in_network(arg, value)
    if not isinstance(value, str):
        return False
    return _string_matches(kind, arg, value)


def _string_matches(kind: str, arg: Any, value: str) -> bool:
    if kind in ("prefix", "suffix"):
        if isinstance(arg, dict):
            arg, value = arg["equals-ignore-case"].lower(), value.lower()
        return value.startswith(arg) if kind == "prefix" else value.endswith(arg)
    if kind == "equals-ignore-case":
        return value.lower() == arg.lower()
    if kind == "wildcard":
        return _wildcard(arg).fullmatch(value) is not None
    return False


def _anything_but(arg: Any, value: Any) -> bool:
    if isinstance(arg, dict):
        (kind, inner), = arg.items()
        if not isinstance(value, str):
            return False
        return not any(_string_matches(kind, text, value) for text in (inner if isinstance(inner, list) else [inner]))
    excluded = arg if isinstance(arg, list) else [arg]
    return not any(_same(literal, value) for literal in excluded)


def _in_network(arg: str, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return ipaddress.ip_address(value) in _network(arg)
    except ValueError:
        return False


def _same(literal: Any, value: Any) -> bool:
    if _is_number(literal) and _is_number(value):
        return float(literal) == float(value)
    return type(literal) is type(value) and literal == value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@lru_cache(maxsize=256)
def _wildcard(text: str) -> re.Pattern[str]:
    """`*` is any run of characters; `\\*` a literal star and `\\\\` a literal backslash."""
    parts, literal, index = [], [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in "*\\":
            literal.append(text[index + 1])
            index += 2
            continue
        if char == "*":
            parts.append(re.escape("".join(literal)))
            parts.append(".*")
            literal = []
        else:
            literal.append(char)
        index += 1
    parts.append(re.escape("".join(literal)))
    return re.compile("".join(parts), re.DOTALL)
