"""A request's expressions, parsed once with AWS's checks on placeholders and legacy mixing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cloudlet.services.dynamodb import legacy
from cloudlet.services.dynamodb.attributes import MAX_NAME_BYTES, NAME_TOO_LONG, check_value
from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.expressions import ast
from cloudlet.services.dynamodb.expressions.evaluator import projection_tree
from cloudlet.services.dynamodb.expressions.keycondition import KeyCondition, parse_key_condition
from cloudlet.services.dynamodb.expressions.parser import (
    Placeholders,
    parse_condition,
    parse_projection,
    parse_update,
)

_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")
# In the order AWS lists them when a request mixes the two kinds.
_EXPRESSIONS = (
    "UpdateExpression",
    "ProjectionExpression",
    "FilterExpression",
    "ConditionExpression",
    "KeyConditionExpression",
)
_LEGACY = (
    "AttributesToGet",
    "AttributeUpdates",
    "Expected",
    "QueryFilter",
    "ScanFilter",
    "ConditionalOperator",
    "KeyConditions",
)
_CONDITIONS = ("Expected", "QueryFilter", "ScanFilter")


@dataclass
class Expressions:
    condition: Any = None
    filter: Any = None
    update: ast.Update | None = None
    projection: dict[Any, Any] | None = None
    projection_paths: list[ast.Path] | None = None
    key: KeyCondition | None = None


def parse(params: dict[str, Any]) -> Expressions:
    used = [name for name in _EXPRESSIONS if params.get(name) is not None]
    old = [name for name in _LEGACY if params.get(name) is not None]
    # KeyConditions mixes only with KeyConditionExpression: with a FilterExpression or a
    # ProjectionExpression AWS accepts it.
    if old == ["KeyConditions"] and "KeyConditionExpression" not in used:
        old = []
    if used and old:
        raise ValidationException(
            "Can not use both expression and non-expression parameters in the same request:"
            f" Non-expression parameters: {{{', '.join(old)}}} Expression parameters:"
            f" {{{', '.join(used)}}}"
        )
    placeholders = _placeholders(params, bool(used))
    if params.get("ConditionalOperator") is not None:
        _check_conditional_operator(params)
    if old:
        return legacy.parse(params)
    result = Expressions()
    if params.get("KeyConditionExpression") is not None:
        result.key = parse_key_condition(params["KeyConditionExpression"], placeholders)
    elif params.get("KeyConditions"):
        result.key = legacy.key_conditions(params["KeyConditions"])
    if params.get("UpdateExpression") is not None:
        result.update = parse_update(params["UpdateExpression"], placeholders)
    if params.get("ConditionExpression") is not None:
        result.condition = parse_condition(params["ConditionExpression"], placeholders)
    if params.get("FilterExpression") is not None:
        result.filter = parse_condition(params["FilterExpression"], placeholders, "FilterExpression")
    if params.get("ProjectionExpression") is not None:
        result.projection_paths = parse_projection(params["ProjectionExpression"], placeholders)
        result.projection = projection_tree(result.projection_paths)
    placeholders.check_unused()
    return result


def _check_conditional_operator(params: dict[str, Any]) -> None:
    conditions = [params.get(name) for name in _CONDITIONS if params.get(name)]
    if not conditions:
        raise ValidationException("ConditionalOperator cannot be used without Filter or Expected")
    if len(conditions[0]) < 2:
        raise ValidationException(
            "ConditionalOperator can only be used when Filter or Expected has two or more elements"
        )


def _placeholders(params: dict[str, Any], expressions: bool) -> Placeholders:
    names = params.get("ExpressionAttributeNames")
    values = params.get("ExpressionAttributeValues")
    for label, given in (("ExpressionAttributeNames", names), ("ExpressionAttributeValues", values)):
        if given is None:
            continue
        if not expressions:
            raise ValidationException(f"{label} can only be specified when using expressions")
        if not given:
            raise ValidationException(f"{label} must not be empty")
        prefix = "#" if label == "ExpressionAttributeNames" else ":"
        for ref in given:
            if not _PLACEHOLDER.fullmatch(ref) or not ref.startswith(prefix):
                raise ValidationException(f'{label} contains invalid key: Syntax error; key: "{ref}"')
    for ref, name in (names or {}).items():
        if isinstance(name, str) and len(name) > MAX_NAME_BYTES // 4 and len(name.encode()) > MAX_NAME_BYTES:
            raise ValidationException(f"ExpressionAttributeNames contains invalid value: {NAME_TOO_LONG} for key {ref}")
    if values:
        checked = {}
        for ref, value in values.items():
            try:
                checked[ref] = check_value(value)
            except ValidationException as exc:
                raise ValidationException(
                    f"ExpressionAttributeValues contains invalid value: {exc.message} for key {ref}"
                ) from None
        values = checked
    return Placeholders(names, values)
