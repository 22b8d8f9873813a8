"""Template parameters: given values, defaults and UsePreviousValue checked against the
declaration (Type, AllowedValues, AllowedPattern, lengths, ranges) as CloudFormation does."""

from __future__ import annotations

import re
from typing import Any

from cloudlet.services.cloudformation.errors import ValidationError, template_error

_SIMPLE = ("String", "Number", "List<Number>", "CommaDelimitedList")
_AWS_SPECIFIC = re.compile(r"^(List<)?AWS::[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+>?$")


def resolve(
    declared: dict[str, Any], given: list[dict[str, Any]], previous: dict[str, Any] | None = None
) -> dict[str, Any]:
    """name -> value (lists for list types); ValidationError for what CloudFormation refuses."""
    values: dict[str, str] = {}
    for item in given:
        key = item.get("ParameterKey")
        if key not in declared:
            raise ValidationError(f"Parameters: [{key}] do not exist in the template")
        if item.get("UsePreviousValue"):
            if previous is None or key not in previous:
                raise ValidationError(
                    f"Invalid input for parameter key {key}. Cannot specify usePreviousValue as"
                    " true for a parameter key not in the previous template"
                )
            values[key] = text(previous[key])
        elif "ParameterValue" in item:
            values[key] = item["ParameterValue"]
    missing = []
    resolved: dict[str, Any] = {}
    for name, declaration in declared.items():
        if not isinstance(declaration, dict) or "Type" not in declaration:
            raise template_error(f"[/Parameters/{name}] Every Parameters object must contain a Type member.")
        if name in values:
            value = values[name]
        elif "Default" in declaration:
            value = text(declaration["Default"])
        else:
            missing.append(name)
            continue
        resolved[name] = _check(name, declaration, value)
    if missing:
        raise ValidationError(f"Parameters: [{', '.join(missing)}] must have values")
    return resolved


def text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check(name: str, declaration: dict[str, Any], value: str) -> Any:
    kind = declaration["Type"]
    if kind.startswith("AWS::SSM::Parameter::"):
        raise ValidationError(
            f"Parameter '{name}' has type {kind}: SSM parameter types need Systems Manager,"
            " which cloudlet does not serve yet"
        )
    if kind not in _SIMPLE and not _AWS_SPECIFIC.match(kind):
        raise template_error(f"Unrecognized parameter type: {kind}")
    is_list = kind.startswith("List<") or kind == "CommaDelimitedList"
    items = (
        [part.strip() if kind != "CommaDelimitedList" else part for part in value.split(",")]
        if is_list
        else [value]
    )
    if is_list and value == "":
        items = []
    allowed = declaration.get("AllowedValues")
    if allowed is not None and any(item not in [text(a) for a in allowed] for item in items):
        raise ValidationError(f"Parameter '{name}' must be one of AllowedValues")
    for item in items:
        if kind in ("Number", "List<Number>"):
            try:
                number = float(item)
            except ValueError:
                raise ValidationError(f"Parameter '{name}' must be a number.") from None
            if "MinValue" in declaration and number < float(declaration["MinValue"]):
                raise ValidationError(
                    f"Parameter '{name}' must be a number not less than {declaration['MinValue']}"
                )
            if "MaxValue" in declaration and number > float(declaration["MaxValue"]):
                raise ValidationError(
                    f"Parameter '{name}' must be a number not greater than {declaration['MaxValue']}"
                )
    if (
        "AllowedPattern" in declaration
        and not is_list
        and not re.fullmatch(declaration["AllowedPattern"], value)
    ):
        raise ValidationError(f"Parameter '{name}' must match pattern {declaration['AllowedPattern']}")
    if "MinLength" in declaration and len(value) < int(declaration["MinLength"]):
        raise ValidationError(
            f"Parameter '{name}' must contain at least {declaration['MinLength']} characters"
        )
    if "MaxLength" in declaration and len(value) > int(declaration["MaxLength"]):
        raise ValidationError(
            f"Parameter '{name}' must contain at most {declaration['MaxLength']} characters"
        )
    return items if is_list else value


def described(declared: dict[str, Any], resolved: dict[str, Any]) -> list[dict[str, Any]]:
    """DescribeStacks' Parameters: NoEcho values masked."""
    result = []
    for name in declared:
        if name in resolved:
            value = (
                "****" if str(declared[name].get("NoEcho", "")).lower() == "true" else text(resolved[name])
            )
            result.append({"ParameterKey": name, "ParameterValue": value})
    return result
