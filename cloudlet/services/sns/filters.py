"""Subscription filter policies: checked when set, matched against each published message.

A policy is compiled into alternatives (its `$or` branches multiplied out), each a list of
(key path, conditions). A message is flattened the same way: key path -> the values found there
(arrays contribute each element). It matches when, for some alternative, every key matches:
one of its conditions holds for one of the values at that path (`exists` looks only at whether
the path is there).

Scope MessageAttributes: keys are attribute names (no nesting); String attributes are strings,
Number attributes numbers, String.Array attributes their elements; Binary ones never match.
Scope MessageBody: the message must be a JSON object; nested policy keys follow nested objects.
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from cloudlet.services.sns.errors import InvalidParameter

Path = tuple[str, ...]
Alternative = tuple[tuple[Path, tuple[Any, ...]], ...]

MAX_KEYS = 5
MAX_COMBINATIONS = 150
_OPERATORS = frozenset({"prefix", "suffix", "anything-but", "numeric", "exists", "equals-ignore-case", "cidr"})
_COMPARATORS = frozenset({"<", "<=", "=", ">", ">="})
_MISSING = object()


class PolicyError(InvalidParameter):
    def __init__(self, detail: str) -> None:
        super().__init__(f"FilterPolicy: {detail}")


# -- compiling and checking ------------------------------------------------------------------------

def check(text: str, scope: str) -> None:
    """Raises InvalidParameter (AWS's messages) when `text` is not a valid policy for `scope`."""
    compile_policy(text, scope)


@lru_cache(maxsize=1024)
def compile_policy(text: str, scope: str) -> tuple[Alternative, ...]:
    try:
        policy = json.loads(text)
    except ValueError:
        raise PolicyError("failed to parse JSON.") from None
    if not isinstance(policy, dict):
        raise PolicyError("Filter policy must be a JSON object")
    if not policy:
        return ((),)
    alternatives = list(_alternatives(policy, (), scope))
    keys = {path for alternative in alternatives for path, _ in alternative}
    if scope == "MessageAttributes" and len(keys) > MAX_KEYS:
        raise PolicyError(f"Filter policy can not have more than {MAX_KEYS} keys")
    combinations = sum(math.prod(len(conditions) for _, conditions in alt) for alt in alternatives)
    if combinations > MAX_COMBINATIONS:
        raise PolicyError("Filter policy is too complex")
    return tuple(alternatives)


def _alternatives(policy: dict[str, Any], prefix: Path, scope: str) -> Iterator[Alternative]:
    """The policy's $or branches multiplied out, each a flat list of (path, conditions)."""
    branches: list[list[Alternative]] = []
    for key, value in policy.items():
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2 or not all(isinstance(v, dict) for v in value):
                raise PolicyError('"$or" must be an array of at least two objects')
            branches.append([alt for sub in value for alt in _alternatives(sub, prefix, scope)])
        elif isinstance(value, dict):
            if scope == "MessageAttributes":
                raise PolicyError("Filter policy scope MessageAttributes does not support nested filter policy")
            branches.append(list(_alternatives(value, (*prefix, key), scope)))
        elif isinstance(value, list):
            if not value:
                raise PolicyError("Empty arrays are not allowed")
            branches.append([(((*prefix, key), tuple(_condition(c, scope) for c in value)),)])
        else:
            raise PolicyError(f'"{key}" must be an object or an array')
    combined: list[Alternative] = [()]
    for options in branches:
        combined = [left + right for left in combined for right in options]
        if len(combined) > MAX_COMBINATIONS:
            raise PolicyError("Filter policy is too complex")
    yield from combined


def _condition(condition: Any, scope: str) -> Any:
    if condition is None or isinstance(condition, bool):
        if scope == "MessageAttributes" and condition is not None:
            raise PolicyError("Match value must be String, number, true, false, or null")
        return condition
    if isinstance(condition, (str, int, float)):
        return condition
    if not isinstance(condition, dict):
        raise PolicyError("Match value must be String, number, true, false, or null")
    if len(condition) != 1:
        raise PolicyError("Only one key allowed in match expression")
    (operator, operand), = condition.items()
    if operator not in _OPERATORS:
        raise PolicyError(f"Unrecognized match type {operator}")
    _check_operand(operator, operand)
    return {operator: operand}


def _check_operand(operator: str, operand: Any) -> None:
    if operator in ("prefix", "suffix", "equals-ignore-case"):
        if not isinstance(operand, str):
            raise PolicyError(f"{operator} match pattern must be a string")
    elif operator == "exists":
        if not isinstance(operand, bool):
            raise PolicyError("exists match pattern must be either true or false.")
    elif operator == "numeric":
        _check_numeric(operand)
    elif operator == "cidr":
        try:
            ipaddress.ip_network(operand, strict=False)
        except (TypeError, ValueError):
            raise PolicyError("Malformed CIDR, one '/' required") from None
    elif operator == "anything-but":
        _check_anything_but(operand)


def _check_numeric(operand: Any) -> None:
    if not isinstance(operand, list) or not operand or len(operand) % 2:
        raise PolicyError("Value of numeric must be an array.")
    pairs = list(zip(operand[::2], operand[1::2], strict=True))
    for comparator, number in pairs:
        if comparator not in _COMPARATORS:
            raise PolicyError(f"Unrecognized numeric range operator: {comparator}")
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise PolicyError(f"Value of {comparator} must be numeric")
    if len(pairs) > 2 or (len(pairs) == 2 and not (pairs[0][0] in (">", ">=") and pairs[1][0] in ("<", "<="))):
        raise PolicyError("Too many elements in numeric expression")
    if len(pairs) == 2 and pairs[0][1] >= pairs[1][1]:
        raise PolicyError("Bottom must be less than top")


def _check_anything_but(operand: Any) -> None:
    if isinstance(operand, dict):
        if len(operand) != 1 or next(iter(operand)) not in ("prefix", "suffix", "equals-ignore-case"):
            raise PolicyError("Unsupported anything-but pattern: " + ",".join(operand))
        inner = next(iter(operand.values()))
        if not isinstance(inner, (str, list)):
            raise PolicyError("Value of anything-but must be a string")
        return
    values = operand if isinstance(operand, list) else [operand]
    if not values:
        raise PolicyError("Empty arrays are not allowed")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise PolicyError("Arrays for anything-but must contain only strings or only numbers")


# -- matching ------------------------------------------------------------------------------------

def matches(text: str, scope: str, attributes: dict[str, dict[str, Any]], message: str) -> bool:
    alternatives = compile_policy(text, scope)
    if scope == "MessageBody":
        try:
            body = json.loads(message)
        except ValueError:
            return False
        if not isinstance(body, dict):
            return False
        values = _flatten(body)
    else:
        values = _attribute_values(attributes)
    return any(all(_key_matches(conditions, values.get(path, _MISSING)) for path, conditions in alternative)
               for alternative in alternatives)


def _attribute_values(attributes: dict[str, dict[str, Any]]) -> dict[Path, list[Any]]:
    values: dict[Path, list[Any]] = {}
    for name, attribute in attributes.items():
        data_type = attribute.get("DataType", "")
        if data_type.startswith("Number"):
            values[(name,)] = [_number(attribute.get("StringValue"))]
        elif data_type.startswith("String.Array"):
            try:
                parsed = json.loads(attribute.get("StringValue", ""))
            except ValueError:
                parsed = None
            values[(name,)] = parsed if isinstance(parsed, list) else []
        elif data_type.startswith("String"):
            values[(name,)] = [attribute.get("StringValue", "")]
        else:
            values[(name,)] = []  # present (for exists), but matches no value condition
    return values


def _number(text: Any) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _flatten(body: Any, prefix: Path = (), into: dict[Path, list[Any]] | None = None) -> dict[Path, list[Any]]:
    into = {} if into is None else into
    if isinstance(body, dict):
        for key, value in body.items():
            _flatten(value, (*prefix, key), into)
    elif isinstance(body, list):
        into.setdefault(prefix, [])
        for value in body:
            _flatten(value, prefix, into)
    else:
        into.setdefault(prefix, []).append(body)
    return into


def _key_matches(conditions: tuple[Any, ...], values: Any) -> bool:
    for condition in conditions:
        if isinstance(condition, dict) and "exists" in condition:
            if condition["exists"] == (values is not _MISSING):
                return True
        elif values is not _MISSING and any(_value_matches(condition, value) for value in values):
            return True
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _value_matches(condition: Any, value: Any) -> bool:
    if not isinstance(condition, dict):
        if _is_number(condition):
            return _is_number(value) and float(value) == float(condition)
        return type(value) is type(condition) and value == condition
    (operator, operand), = condition.items()
    if operator == "numeric":
        return _is_number(value) and _in_range(float(value), operand)
    if operator == "anything-but":
        return _anything_but(operand, value)
    if not isinstance(value, str):
        return False
    if operator == "prefix":
        return value.startswith(operand)
    if operator == "suffix":
        return value.endswith(operand)
    if operator == "equals-ignore-case":
        return value.casefold() == operand.casefold()
    if operator == "cidr":
        return _in_network(value, operand)
    return False


def _in_range(value: float, operand: list[Any]) -> bool:
    for comparator, bound in zip(operand[::2], operand[1::2], strict=True):
        bound = float(bound)
        if not {"<": value < bound, "<=": value <= bound, "=": value == bound,
                ">": value > bound, ">=": value >= bound}[comparator]:
            return False
    return True


def _anything_but(operand: Any, value: Any) -> bool:
    if isinstance(operand, dict):
        (operator, inner), = operand.items()
        if not isinstance(value, str):
            return False
        inners = inner if isinstance(inner, list) else [inner]
        return not any(_value_matches({operator: item}, value) for item in inners)
    excluded = operand if isinstance(operand, list) else [operand]
    return not any(_value_matches(item, value) for item in excluded)


def _in_network(value: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
