"""Evaluates condition trees against an item, and projects items onto document paths."""

from __future__ import annotations

from typing import Any

from cloudlet.services.dynamodb.attributes import AttributeValue, Item, equal, sort_value
from cloudlet.services.dynamodb.expressions import ast


def resolve(path: ast.Path, item: Item) -> AttributeValue | None:
    """The value at a document path, or None when any step is missing or of the wrong type."""
    elements = path.elements
    value: Any = item.get(elements[0]) if isinstance(elements[0], str) else None
    for element in elements[1:]:
        if value is None:
            return None
        if isinstance(element, str):
            container = value.get("M")
            value = container.get(element) if container is not None else None
        else:
            container = value.get("L")
            value = container[element] if container is not None and element < len(container) else None
    return value


def operand(node: Any, item: Item) -> AttributeValue | None:
    if type(node) is ast.Value:
        return node.value
    if type(node) is ast.Path:
        return resolve(node, item)
    if type(node) is ast.Call and node.name == "size":
        return _size(resolve(node.args[0], item))
    raise TypeError(f"not an operand: {node!r}")


def _size(value: AttributeValue | None) -> AttributeValue | None:
    if value is None:
        return None
    ((kind, data),) = value.items()
    if kind == "S":
        return {"N": str(len(data))}
    if kind in ("B", "SS", "NS", "BS", "L", "M"):
        return {"N": str(len(data))}
    return None


def matches(node: Any, item: Item) -> bool:
    kind = type(node)
    if kind is ast.And:
        return matches(node.left, item) and matches(node.right, item)
    if kind is ast.Or:
        return matches(node.left, item) or matches(node.right, item)
    if kind is ast.Not:
        return not matches(node.operand, item)
    if kind is ast.Compare:
        return compare(node.op, operand(node.left, item), operand(node.right, item))
    if kind is ast.Between:
        value = operand(node.operand, item)
        return compare(">=", value, operand(node.low, item)) and compare(
            "<=", value, operand(node.high, item)
        )
    if kind is ast.In:
        value = operand(node.operand, item)
        return any(equal(value, operand(choice, item)) for choice in node.choices)
    return _function(node, item)


def compare(op: str, left: AttributeValue | None, right: AttributeValue | None) -> bool:
    if op == "=":
        return equal(left, right)
    if op == "<>":
        return not equal(left, right)
    if left is None or right is None:
        return False
    left_key, right_key = sort_value(left), sort_value(right)
    if left_key is None or right_key is None or left_key[0] != right_key[0]:
        return False
    a, b = left_key[1], right_key[1]
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _function(node: ast.Call, item: Item) -> bool:
    name = node.name
    if name == "attribute_exists":
        return resolve(node.args[0], item) is not None
    if name == "attribute_not_exists":
        return resolve(node.args[0], item) is None
    value = operand(node.args[0], item)
    argument = operand(node.args[1], item)
    if value is None or argument is None:
        return False
    if name == "attribute_type":
        return "S" in argument and argument["S"] in value
    if name == "begins_with":
        for kind in ("S", "B"):
            if kind in value and kind in argument:
                return value[kind].startswith(argument[kind])
        return False
    if name == "contains":
        return _contains(value, argument)
    raise TypeError(f"not a condition function: {name}")


def _contains(value: AttributeValue, argument: AttributeValue) -> bool:
    ((kind, data),) = value.items()
    ((argument_kind, argument_data),) = argument.items()
    if kind == "S":
        return argument_kind == "S" and argument_data in data
    if kind == "B":
        return argument_kind == "B" and bytes(argument_data) in bytes(data)
    if kind in ("SS", "NS", "BS"):
        return argument_kind == kind[0] and any(equal({argument_kind: member}, argument) for member in data)
    if kind == "L":
        return any(equal(entry, argument) for entry in data)
    return False


def top_names(node: Any) -> set[str]:
    """The attribute names a condition tree reads (the first element of each path)."""
    if type(node) is ast.Path:
        return {node.elements[0]} if isinstance(node.elements[0], str) else set()
    if type(node) is ast.Value:
        return set()
    children = [
        getattr(node, name) for name in ("left", "right", "operand", "low", "high") if hasattr(node, name)
    ]
    children += list(getattr(node, "args", ())) + list(getattr(node, "choices", ()))
    return set().union(*(top_names(child) for child in children))


# -- projection --------------------------------------------------------------------------------------

_LEAF: dict[Any, Any] = {}


def projection_tree(paths: list[ast.Path]) -> dict[Any, Any]:
    tree: dict[Any, Any] = {}
    for path in paths:
        node = tree
        for element in path.elements[:-1]:
            node = node.setdefault(element, {})
        node[path.elements[-1]] = _LEAF
    return tree


def project(item: Item, tree: dict[Any, Any]) -> Item:
    """The parts of `item` that the paths of `tree` select; list entries keep their order."""
    result = {}
    for name, subtree in tree.items():
        if isinstance(name, str) and name in item:
            value = _extract(item[name], subtree)
            if value is not None:
                result[name] = value
    return result


def _extract(value: AttributeValue, tree: dict[Any, Any]) -> AttributeValue | None:
    if tree is _LEAF:
        return value
    if "M" in value:
        inner = project(value["M"], tree)
        return {"M": inner} if inner else None
    if "L" in value:
        entries = value["L"]
        picked = [
            _extract(entries[index], tree[index])
            for index in sorted(k for k in tree if isinstance(k, int))
            if index < len(entries)
        ]
        picked = [entry for entry in picked if entry is not None]
        return {"L": picked} if picked else None
    return None
