"""Which items a WHERE clause can only mean: the key equalities in its top-level conjuncts.

A SELECT becomes a Query when its WHERE pins the partition key (`=`, `IN`, or an OR of `=`)
and narrows the sort key where a conjunct allows; the whole WHERE is still applied as the
filter, so narrowing never changes the answer. A write needs an equality on every key
attribute; what else its WHERE says becomes the write's condition.
"""

from __future__ import annotations

from typing import Any

from cloudlet.services.dynamodb.attributes import AttributeValue, Item, equal
from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.expressions import ast
from cloudlet.services.dynamodb.schema import KeyAttribute, Table

FULL_KEY = "Where clause does not contain a mandatory equality on all key attributes"
KEY_TYPE = "Key attribute's data type should match its data type in table's schema"
_FLIPPED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def conjuncts(node: Any) -> list[Any]:
    if node is None:
        return []
    if type(node) is ast.And:
        return conjuncts(node.left) + conjuncts(node.right)
    return [node]


def combine(nodes: list[Any]) -> Any:
    node = None
    for other in nodes:
        node = other if node is None else ast.And(node, other)
    return node


def comparison(node: Any) -> tuple[str, str, AttributeValue] | None:
    """(attribute, operator, value) of `name <op> value` or `value <op> name`; None otherwise."""
    if type(node) is not ast.Compare or node.op == "<>":
        return None
    left, right, op = node.left, node.right, node.op
    if type(left) is ast.Value and type(right) is ast.Path:
        left, right, op = right, left, _FLIPPED[op]
    if type(left) is ast.Path and type(right) is ast.Value and len(left.elements) == 1:
        return str(left.elements[0]), op, right.value
    return None


def partition_values(where: Any, name: str) -> list[AttributeValue] | None:
    """The partition key values a WHERE pins (deduplicated, in order); None when it pins none."""
    for node in conjuncts(where):
        values = _equalities(node, name)
        if values is not None:
            unique: list[AttributeValue] = []
            for value in values:
                if not any(equal(value, seen) for seen in unique):
                    unique.append(value)
            return unique
    return None


def _equalities(node: Any, name: str) -> list[AttributeValue] | None:
    found = comparison(node)
    if found is not None:
        return [found[2]] if found[0] == name and found[1] == "=" else None
    if (
        type(node) is ast.In
        and node.operand == ast.Path((name,))
        and all(type(c) is ast.Value for c in node.choices)
    ):
        return [choice.value for choice in node.choices]
    if type(node) is ast.Or:
        left, right = _equalities(node.left, name), _equalities(node.right, name)
        return left + right if left is not None and right is not None else None
    return None


def sort_condition(
    where: Any, range_key: KeyAttribute | None
) -> tuple[str, str, tuple[AttributeValue, ...]] | None:
    """The first conjunct that bounds the sort key, as a key condition's (name, op, values)."""
    if range_key is None:
        return None
    name, kind = range_key.name, range_key.kind
    for node in conjuncts(where):
        found = comparison(node)
        if found is not None and found[0] == name and kind in found[2]:
            return name, found[1], (found[2],)
        if (
            type(node) is ast.Between
            and node.operand == ast.Path((name,))
            and type(node.low) is ast.Value
            and type(node.high) is ast.Value
            and kind in node.low.value
            and kind in node.high.value
        ):
            return name, "BETWEEN", (node.low.value, node.high.value)
        if (
            type(node) is ast.Call
            and node.name == "begins_with"
            and node.args[0] == ast.Path((name,))
            and type(node.args[1]) is ast.Value
            and kind in node.args[1].value
            and kind != "N"
        ):
            return name, "begins_with", (node.args[1].value,)
    return None


def full_key(table: Table, where: Any) -> tuple[Item, Any]:
    """(the key item, the rest of the WHERE as a condition) of a single-item statement."""
    key: Item = {}
    rest = []
    names = table.key_names()
    for node in conjuncts(where):
        found = comparison(node)
        if found is not None and found[1] == "=" and found[0] in names and found[0] not in key:
            key[found[0]] = found[2]
        else:
            rest.append(node)
    if len(key) != len(names):
        raise ValidationException(FULL_KEY)
    for attribute in (table.hash_key, table.range_key):
        if attribute is not None and set(key[attribute.name]) != {attribute.kind}:
            raise ValidationException(KEY_TYPE)
    return key, combine(rest)
