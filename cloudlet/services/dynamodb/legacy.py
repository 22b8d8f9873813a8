"""The legacy parameters (Expected, AttributeUpdates, KeyConditions, QueryFilter, ScanFilter,
AttributesToGet), translated into the same trees the expression parser builds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudlet.services.dynamodb.attributes import check_attribute_name, check_value, sort_value
from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.expressions import ast
from cloudlet.services.dynamodb.expressions.evaluator import projection_tree
from cloudlet.services.dynamodb.expressions.keycondition import KeyCondition

if TYPE_CHECKING:
    from cloudlet.services.dynamodb.requests import Expressions

_COMPARATORS = {"EQ": "=", "NE": "<>", "LE": "<=", "LT": "<", "GE": ">=", "GT": ">"}
_ARITY = {"NULL": 0, "NOT_NULL": 0, "BETWEEN": 2, "IN": None}
_ORDERED = frozenset({"S", "N", "B"})
_OPERAND_TYPES = {
    **dict.fromkeys(("LE", "LT", "GE", "GT", "CONTAINS", "NOT_CONTAINS", "IN", "BETWEEN"), _ORDERED),
    "BEGINS_WITH": frozenset({"S", "B"}),
}


def parse(params: dict[str, Any]) -> Expressions:
    from cloudlet.services.dynamodb.requests import Expressions

    result = Expressions()
    operator = params.get("ConditionalOperator") or "AND"
    if params.get("Expected"):
        result.condition = _combine(
            [_expected(name, spec) for name, spec in params["Expected"].items()], operator
        )
    for name in ("QueryFilter", "ScanFilter"):
        if params.get(name):
            result.filter = _combine([_compare(attr, spec) for attr, spec in params[name].items()], operator)
    if params.get("AttributesToGet") is not None:
        paths = _attributes_to_get(params["AttributesToGet"])
        result.projection_paths, result.projection = paths, projection_tree(paths)
    if params.get("AttributeUpdates"):
        result.update = _updates(params["AttributeUpdates"])
    if params.get("KeyConditions"):
        result.key = key_conditions(params["KeyConditions"])
    return result


def _attributes_to_get(names: list[str]) -> list[ast.Path]:
    if not names:
        raise ValidationException(
            "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint:"
            " Member must have length greater than or equal to 1"
        )
    seen: set[str] = set()
    for name in names:
        check_attribute_name(name)
        if name in seen:
            raise ValidationException(
                f"One or more parameter values were invalid: Duplicate value in attribute name: {name}"
            )
        seen.add(name)
    return [ast.Path((name,)) for name in names]


def _combine(nodes: list[Any], operator: str) -> Any:
    node = nodes[0]
    for other in nodes[1:]:
        node = ast.And(node, other) if operator == "AND" else ast.Or(node, other)
    return node


def _expected(name: str, spec: dict[str, Any]) -> Any:
    clash = (
        "Value and AttributeValueList cannot be used together"
        if "AttributeValueList" in spec and "Value" in spec
        else "Exists and ComparisonOperator cannot be used together"
        if "ComparisonOperator" in spec and "Exists" in spec
        else "AttributeValueList can only be used with a ComparisonOperator"
        if "AttributeValueList" in spec and "ComparisonOperator" not in spec
        else None
    )
    if clash:
        raise ValidationException(f"One or more parameter values were invalid: {clash} for Attribute: {name}")
    if "ComparisonOperator" in spec:
        return _compare(name, spec)
    path = ast.Path((name,))
    if spec.get("Exists", True) is False:
        if "Value" in spec:
            raise ValidationException(
                "One or more parameter values were invalid: Value cannot be used when Exists is"
                " false for Attribute: " + name
            )
        return ast.Call("attribute_not_exists", (path,))
    if "Value" not in spec:
        exists = "null" if spec.get("Exists") is None else "true"
        raise ValidationException(
            "One or more parameter values were invalid: Value must be provided when Exists is"
            f" {exists} for Attribute: {name}"
        )
    return ast.Compare("=", path, ast.Value(check_value(spec["Value"])))


def _compare(name: str, spec: dict[str, Any]) -> Any:
    operator = spec["ComparisonOperator"]
    values = [ast.Value(check_value(value)) for value in spec.get("AttributeValueList") or []]
    if "Value" in spec and not values:
        values = [ast.Value(check_value(spec["Value"]))]
    expected = _ARITY.get(operator, 1)
    if len(values) != expected if expected is not None else not values:
        raise ValidationException(
            f"One or more parameter values were invalid: Invalid number of argument(s) for the"
            f" {operator} ComparisonOperator"
        )
    _check_operands(operator, [value.value for value in values])
    path = ast.Path((name,))
    if operator in _COMPARATORS:
        return ast.Compare(_COMPARATORS[operator], path, values[0])
    if operator == "NULL":
        return ast.Call("attribute_not_exists", (path,))
    if operator == "NOT_NULL":
        return ast.Call("attribute_exists", (path,))
    if operator == "CONTAINS":
        return ast.Call("contains", (path, values[0]))
    if operator == "NOT_CONTAINS":
        return ast.And(
            ast.Call("attribute_exists", (path,)), ast.Not(ast.Call("contains", (path, values[0])))
        )
    if operator == "BEGINS_WITH":
        return ast.Call("begins_with", (path, values[0]))
    if operator == "BETWEEN":
        return ast.Between(path, values[0], values[1])
    if operator == "IN":
        return ast.In(path, tuple(values))
    raise ValidationException(f"Unsupported operator on ComparisonOperator: {operator}")


_LEGACY_OPERANDS = {"ADD": ("N", "SS", "NS", "BS", "L"), "DELETE": ("SS", "NS", "BS")}


def _check_operands(operator: str, values: list[dict[str, Any]]) -> None:
    """The types each ComparisonOperator takes in AttributeValueList, checked before any item is read."""
    allowed = _OPERAND_TYPES.get(operator)
    if allowed is None:
        return
    kinds = [next(iter(value)) for value in values]
    for kind in kinds:
        if kind not in allowed:
            raise ValidationException(
                f"One or more parameter values were invalid: ComparisonOperator {operator} is not valid for"
                f" {kind} AttributeValue type"
            )
    if operator in ("IN", "BETWEEN") and len(set(kinds)) > 1:
        raise ValidationException(
            "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type"
        )
    if operator == "BETWEEN":
        low, high = sort_value(values[0]), sort_value(values[1])
        if low is not None and high is not None and low[1] > high[1]:
            raise ValidationException(
                "One or more parameter values were invalid: The BETWEEN condition was provided a range where the"
                " lower bound is greater than the upper bound"
            )


def _updates(updates: dict[str, Any]) -> ast.Update:
    sets, removes, adds, deletes = [], [], [], []
    for name, spec in updates.items():
        path = ast.Path((check_attribute_name(name),))
        action = spec.get("Action") or "PUT"
        value = ast.Value(check_value(spec["Value"])) if "Value" in spec else None
        if value is None:
            if action != "DELETE":
                raise ValidationException(
                    "One or more parameter values were invalid: Only DELETE action is allowed"
                    f" when no attribute value is specified for attribute: {name}"
                )
            removes.append(path)
            continue
        kind = next(iter(value.value))
        if action != "PUT" and kind not in _LEGACY_OPERANDS[action]:
            raise ValidationException(
                f"One or more parameter values were invalid: Action {action} is not supported for the type {kind}"
            )
        {"PUT": sets, "ADD": adds, "DELETE": deletes}[action].append((path, value))
    return ast.Update(tuple(sets), tuple(removes), tuple(adds), tuple(deletes), legacy=True)


def key_conditions(conditions: dict[str, Any]) -> KeyCondition:
    if len(conditions) > 2:
        raise ValidationException("Conditions can be of length 1 or 2 only")
    parts = []
    for name, spec in conditions.items():
        operator = spec["ComparisonOperator"]
        values = tuple(check_value(value) for value in spec.get("AttributeValueList") or [])
        op = {
            "EQ": "=",
            "LE": "<=",
            "LT": "<",
            "GE": ">=",
            "GT": ">",
            "BEGINS_WITH": "begins_with",
            "BETWEEN": "BETWEEN",
        }.get(operator)
        if op is None:
            raise ValidationException(f"Unsupported operator on KeyCondition: {operator}")
        parts.append((name, op, values))
    equal = [part for part in parts if part[1] == "="]
    if not equal:
        raise ValidationException("Query key condition not supported")
    first = equal[0]
    rest = [part for part in parts if part is not first]
    return KeyCondition((first[0], first[2][0]), rest[0] if rest else None)
