"""KeyConditionExpression: a partition key equality, and at most one sort key condition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudlet.services.dynamodb.attributes import AttributeValue, sort_value
from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.expressions import ast
from cloudlet.services.dynamodb.expressions.parser import Placeholders, parse_condition

LABEL = "KeyConditionExpression"


@dataclass(frozen=True)
class KeyCondition:
    partition: tuple[str, AttributeValue]  # (attribute name, value)
    sort: tuple[str, str, tuple[AttributeValue, ...]] | None  # (attribute name, operator, values)


def parse_key_condition(source: str, placeholders: Placeholders) -> KeyCondition:
    node = parse_condition(source, placeholders, LABEL)
    parts = _conjuncts(node)
    if len(parts) > 2:
        raise ValidationException("Conditions can be of length 1 or 2 only")
    conditions = [_condition(part) for part in parts]
    partition = [c for c in conditions if c[1] == "="]
    if not partition:
        raise ValidationException("Query key condition not supported")
    if len(conditions) == 2 and conditions[0][0] == conditions[1][0]:
        raise ValidationException("KeyConditionExpressions must only contain one condition per key")
    # With two equalities either may be the partition key; the caller checks which is.
    return (
        KeyCondition((partition[0][0], partition[0][2][0]), None)
        if len(conditions) == 1
        else _pair(conditions)
    )


def _pair(conditions: list[tuple[str, str, tuple[AttributeValue, ...]]]) -> KeyCondition:
    first, second = conditions
    if first[1] != "=":
        first, second = second, first
    return KeyCondition((first[0], first[2][0]), second)


def with_partition(condition: KeyCondition, hash_name: str) -> KeyCondition:
    """Swaps the two conditions when the sort key's equality was read as the partition's."""
    if condition.partition[0] == hash_name or condition.sort is None or condition.sort[0] != hash_name:
        return condition
    if condition.sort[1] != "=":
        raise ValidationException("Query key condition not supported")
    name, _op, values = condition.sort
    return KeyCondition((name, values[0]), (condition.partition[0], "=", (condition.partition[1],)))


def _conjuncts(node: Any) -> list[Any]:
    if isinstance(node, ast.And):
        return _conjuncts(node.left) + _conjuncts(node.right)
    if isinstance(node, (ast.Or, ast.Not)):
        operator = "OR" if isinstance(node, ast.Or) else "NOT"
        raise ValidationException(
            f"Invalid {LABEL}: Invalid operator used in KeyConditionExpression: {operator}"
        )
    return [node]


def _condition(node: Any) -> tuple[str, str, tuple[AttributeValue, ...]]:
    if isinstance(node, ast.Compare):
        if node.op == "<>":
            raise ValidationException(f"Invalid {LABEL}: Invalid operator used in KeyConditionExpression: <>")
        path, value, op = node.left, node.right, node.op
        if isinstance(path, ast.Value) and isinstance(value, ast.Path):
            path, value, op = value, path, _FLIPPED[op]
        return _name(path), op, (_value(value),)
    if isinstance(node, ast.Between):
        low, high = _value(node.low), _value(node.high)
        low_key, high_key = sort_value(low), sort_value(high)
        if low_key and high_key and low_key[0] == high_key[0] and low_key[1] > high_key[1]:
            raise ValidationException(
                f"Invalid {LABEL}: The BETWEEN operator requires upper bound to be greater than or equal to lower"
                f" bound; lower operand: AttributeValue: {_show(low)}, upper operand: AttributeValue: {_show(high)}"
            )
        return _name(node.operand), "BETWEEN", (low, high)
    if isinstance(node, ast.Call) and node.name == "begins_with":
        return _name(node.args[0]), "begins_with", (_value(node.args[1]),)
    if isinstance(node, ast.Call):
        raise ValidationException(
            f"Invalid {LABEL}: Invalid operator used in KeyConditionExpression: {node.name}"
        )
    if isinstance(node, ast.In):
        raise ValidationException(f"Invalid {LABEL}: Invalid operator used in KeyConditionExpression: IN")
    raise ValidationException("Query key condition not supported")


_FLIPPED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _name(node: Any) -> str:
    if isinstance(node, ast.Path) and len(node.elements) > 1:
        raise ValidationException(
            "Invalid KeyConditionExpression: KeyConditionExpressions cannot have conditions on nested attributes"
        )
    if not isinstance(node, ast.Path):
        raise ValidationException("Query key condition not supported")
    return str(node.elements[0])


def _value(node: Any) -> AttributeValue:
    if not isinstance(node, ast.Value):
        raise ValidationException("Query key condition not supported")
    return node.value


def _show(value: AttributeValue) -> str:
    ((kind, data),) = value.items()
    return f"{{{kind}:{data}}}"
