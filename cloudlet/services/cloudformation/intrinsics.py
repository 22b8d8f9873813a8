"""Intrinsic functions and pseudo parameters: a template value -> its plain value.

Values that only exist once resources do (Ref of a resource, Fn::GetAtt, Fn::ImportValue)
come from the callbacks of `Scope`; everything else from the template and its parameters.
`Fn::If` choosing `AWS::NoValue` removes the property, as in CloudFormation.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cloudlet.services.cloudformation.errors import ValidationError

FUNCTIONS = (
    "Fn::And",
    "Fn::Base64",
    "Fn::Cidr",
    "Fn::Equals",
    "Fn::FindInMap",
    "Fn::GetAZs",
    "Fn::GetAtt",
    "Fn::If",
    "Fn::ImportValue",
    "Fn::Join",
    "Fn::Length",
    "Fn::Not",
    "Fn::Or",
    "Fn::Select",
    "Fn::Split",
    "Fn::Sub",
    "Fn::ToJsonString",
    "Fn::Transform",
)
PSEUDO = (
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
)
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


class ResolveError(Exception):
    """A value that cannot be computed at deploy time (the resource using it fails)."""


def pseudo_parameters(
    account: str, region: str, stack_name: str, stack_id: str, notification_arns: list[str] | None = None
) -> dict[str, Any]:
    return {
        "AWS::AccountId": account,
        "AWS::Region": region,
        "AWS::StackName": stack_name,
        "AWS::StackId": stack_id,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::NotificationARNs": notification_arns or [],
        "AWS::NoValue": NO_VALUE,
    }


def _unknown(kind: str) -> Callable[..., Any]:
    def fail(*args: Any) -> Any:
        raise ResolveError(f"{kind} {'.'.join(map(str, args))} is not available")

    return fail


@dataclass
class Scope:
    parameters: dict[str, Any]
    pseudo: dict[str, Any]
    mappings: dict[str, Any] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)  # name -> definition
    ref: Callable[[str], Any] = field(default_factory=lambda: _unknown("Ref"))
    get_att: Callable[[str, str], Any] = field(default_factory=lambda: _unknown("Fn::GetAtt"))
    import_value: Callable[[str], Any] = field(default_factory=lambda: _unknown("Fn::ImportValue"))
    _evaluated: dict[str, bool] = field(default_factory=dict)

    def condition(self, name: str) -> bool:
        if name not in self._evaluated:
            if name not in self.conditions:
                raise ValidationError(
                    f"Template format error: Unresolved condition dependency {name} in Fn::If"
                )
            self._evaluated[name] = bool(resolve(self.conditions[name], self))
        return self._evaluated[name]

    def lookup(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        if name in self.pseudo:
            return self.pseudo[name]
        return self.ref(name)


def resolve(value: Any, scope: Scope) -> Any:
    """The plain value of `value`; NO_VALUE members are dropped from dicts and lists."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref" or key.startswith("Fn::") or (key == "Condition" and isinstance(argument, str)):
                handler = _HANDLERS.get(key)
                if handler is not None:
                    return handler(argument, scope)
        result = {}
        for key, item in value.items():
            resolved = resolve(item, scope)
            if resolved is not NO_VALUE:
                result[key] = resolved
        return result
    if isinstance(value, list):
        return [item for item in (resolve(item, scope) for item in value) if item is not NO_VALUE]
    return value


def _ref(argument: Any, scope: Scope) -> Any:
    if not isinstance(argument, str):
        raise ValidationError("Template format error: Every Ref object must have a single String value.")
    return scope.lookup(argument)


def _get_att(argument: Any, scope: Scope) -> Any:
    if isinstance(argument, str):
        argument = argument.split(".", 1)
    if not isinstance(argument, list) or len(argument) != 2:
        raise ValidationError("Template error: every Fn::GetAtt object requires two non-empty parameters")
    name, attribute = argument[0], resolve(argument[1], scope)
    return scope.get_att(name, attribute)


def _sub(argument: Any, scope: Scope) -> str:
    if isinstance(argument, str):
        template, variables = argument, {}
    elif isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], dict):
        template, variables = argument[0], {k: resolve(v, scope) for k, v in argument[1].items()}
    else:
        raise ValidationError(
            "Template error: One or more Fn::Sub intrinsic functions don't specify expected"
            " arguments. Specify a string as first argument, and an optional second argument to"
            " specify a mapping of values to replace in the string"
        )
    if not isinstance(template, str):
        raise ValidationError("Template error: Fn::Sub's first argument must be a string")

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        name = name.strip()
        if name in variables:
            return text(variables[name])
        if "." in name and name.split(".", 1)[0] not in scope.parameters and name not in scope.pseudo:
            resource, attribute = name.split(".", 1)
            return text(scope.get_att(resource, attribute))
        return text(scope.lookup(name))

    return _SUB_VARIABLE.sub(replace, template)


def text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(text, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _join(argument: Any, scope: Scope) -> str:
    if not isinstance(argument, list) or len(argument) != 2:
        raise ValidationError(
            "Template error: every Fn::Join object requires two parameters, (1) a string"
            " delimiter and (2) a list of strings to be joined or a function that returns a list"
            " of strings (such as Fn::GetAZs) to be joined."
        )
    delimiter, items = argument[0], resolve(argument[1], scope)
    if not isinstance(items, list):
        raise ValidationError("Template error: Fn::Join's second argument must be a list of strings")
    return str(delimiter).join(text(item) for item in items)


def _select(argument: Any, scope: Scope) -> Any:
    if not isinstance(argument, list) or len(argument) != 2:
        raise ValidationError(
            "Template error: Fn::Select requires a list argument with two elements: an integer"
            " index and a list"
        )
    index, items = resolve(argument[0], scope), resolve(argument[1], scope)
    if isinstance(items, str):
        items = items.split(",")
    try:
        position = int(index)
    except (TypeError, ValueError):
        raise ValidationError(
            "Template error: Fn::Select requires a list argument with two elements: an integer"
            " index and a list"
        ) from None
    if not isinstance(items, list) or not 0 <= position < len(items):
        raise ValidationError(
            f"Template error: Fn::Select cannot select nonexistent value at index {position}"
        )
    return items[position]


def _split(argument: Any, scope: Scope) -> list[str]:
    if not isinstance(argument, list) or len(argument) != 2:
        raise ValidationError(
            "Template error: every Fn::Split object requires two parameters, (1) a string"
            " delimiter and (2) a string to be split or a function that returns a string to be"
            " split."
        )
    return text(resolve(argument[1], scope)).split(str(argument[0]))


def _if(argument: Any, scope: Scope) -> Any:
    if not isinstance(argument, list) or len(argument) != 3 or not isinstance(argument[0], str):
        raise ValidationError("Template error: Fn::If requires a list argument with three elements")
    return resolve(argument[1] if scope.condition(argument[0]) else argument[2], scope)


def _equals(argument: Any, scope: Scope) -> bool:
    if not isinstance(argument, list) or len(argument) != 2:
        raise ValidationError("Template error: Fn::Equals requires a list argument with two elements")
    left, right = (resolve(item, scope) for item in argument)
    return text(left) == text(right)


def _conditions(name: str, argument: Any, scope: Scope, low: int, high: int) -> list[bool]:
    if not isinstance(argument, list) or not low <= len(argument) <= high:
        raise ValidationError(
            f"Template error: {name} requires a list argument with {low} to {high} elements"
            if low != high
            else f"Template error: {name} requires a list argument with one element"
        )
    return [_truth(item, scope) for item in argument]


def _truth(item: Any, scope: Scope) -> bool:
    if isinstance(item, dict) and list(item) == ["Condition"]:
        return scope.condition(item["Condition"])
    value = resolve(item, scope)
    return value is True or value == "true"


def _find_in_map(argument: Any, scope: Scope) -> Any:
    if not isinstance(argument, list) or len(argument) not in (3, 4):
        raise ValidationError(
            "Template error: every Fn::FindInMap object requires three parameters, the map name,"
            " map key and the attribute for return value"
        )
    name, key, attribute = (resolve(item, scope) for item in argument[:3])
    try:
        return scope.mappings[name][text(key)][attribute]
    except (KeyError, TypeError):
        if len(argument) == 4 and isinstance(argument[3], dict) and "DefaultValue" in argument[3]:
            return resolve(argument[3]["DefaultValue"], scope)
        if name not in scope.mappings:
            raise ValidationError(
                f"Template error: Unable to get mapping for {name}::{key}::{attribute}"
            ) from None
        raise ValidationError(
            f"Template error: Unable to get mapping for {name}::{key}::{attribute}"
        ) from None


def _base64(argument: Any, scope: Scope) -> str:
    return base64.b64encode(text(resolve(argument, scope)).encode()).decode()


def _get_azs(argument: Any, scope: Scope) -> list[str]:
    region = resolve(argument, scope) or scope.pseudo["AWS::Region"]
    return [f"{region}{zone}" for zone in "abc"]


def _cidr(argument: Any, scope: Scope) -> list[str]:
    if not isinstance(argument, list) or len(argument) != 3:
        raise ValidationError("Template error: Fn::Cidr requires a list argument with three elements")
    block, count, bits = (resolve(item, scope) for item in argument)
    try:
        network = ipaddress.ip_network(block, strict=False)
        prefix = network.max_prefixlen - int(bits)
        subnets = list(network.subnets(new_prefix=prefix)) if prefix >= network.prefixlen else []
        count = int(count)
    except ValueError as exc:
        raise ValidationError(f"Template error: Fn::Cidr has an invalid argument: {exc}") from None
    if not 1 <= count <= len(subnets):
        raise ValidationError("Template error: Fn::Cidr cannot make that many subnets of that size")
    return [str(subnet) for subnet in subnets[:count]]


def _length(argument: Any, scope: Scope) -> int:
    value = resolve(argument, scope)
    if not isinstance(value, list):
        raise ValidationError("Template error: Fn::Length requires a list argument")
    return len(value)


def _to_json_string(argument: Any, scope: Scope) -> str:
    return json.dumps(resolve(argument, scope), separators=(",", ":"))


def _import_value(argument: Any, scope: Scope) -> Any:
    return scope.import_value(text(resolve(argument, scope)))


def _condition(argument: Any, scope: Scope) -> bool:
    return scope.condition(argument)


def _transform(argument: Any, scope: Scope) -> Any:
    raise ValidationError(
        "Template format error: Fn::Transform macros other than AWS::Include are not supported"
    )


_HANDLERS: dict[str, Callable[[Any, Scope], Any]] = {
    "Ref": _ref,
    "Condition": _condition,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::And": lambda a, s: all(_conditions("Fn::And", a, s, 2, 10)),
    "Fn::Or": lambda a, s: any(_conditions("Fn::Or", a, s, 2, 10)),
    "Fn::Not": lambda a, s: not _conditions("Fn::Not", a, s, 1, 1)[0],
    "Fn::FindInMap": _find_in_map,
    "Fn::Base64": _base64,
    "Fn::GetAZs": _get_azs,
    "Fn::Cidr": _cidr,
    "Fn::Length": _length,
    "Fn::ToJsonString": _to_json_string,
    "Fn::ImportValue": _import_value,
    "Fn::Transform": _transform,
}


def unsupported_functions(value: Any) -> list[str]:
    """Every `Fn::X` key in `value` that is not an intrinsic function."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key.startswith("Fn::") and key not in _HANDLERS and len(value) == 1:
                found.append(key)
            found.extend(unsupported_functions(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(unsupported_functions(item))
    return found


def references(value: Any) -> set[str]:
    """Names `value` refers to through Ref, Fn::GetAtt and Fn::Sub (resources, parameters, pseudo)."""
    found: set[str] = set()
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref" and isinstance(argument, str):
                return {argument}
            if key == "Fn::GetAtt":
                if isinstance(argument, str):
                    argument = argument.split(".", 1)
                if isinstance(argument, list) and argument and isinstance(argument[0], str):
                    return {argument[0]} | references(argument[1:])
            if key == "Fn::Sub":
                return _sub_references(argument)
        for item in value.values():
            found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


def _sub_references(argument: Any) -> set[str]:
    if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], dict):
        text, variables = argument[0], argument[1]
        found = references(variables)
    else:
        text, variables, found = argument, {}, set()
    if isinstance(text, str):
        for match in _SUB_VARIABLE.finditer(text):
            name = match.group(1).strip()
            if not name.startswith("!") and name not in variables:
                found.add(name.split(".", 1)[0] if not name.startswith("AWS::") else name)
    return found


def supported_functions_message(name: str) -> str:
    names = ", ".join(sorted({*FUNCTIONS, "Ref"} - {"Fn::Transform"}))
    return (
        f"Template format error: Encountered unsupported function: {name} Supported functions are: [{names}]"
    )
