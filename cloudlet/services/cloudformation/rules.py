"""The Rules section: assertions about parameter values, checked before any resource is made.
A failed assertion refuses the operation with the rule's AssertDescription."""

from __future__ import annotations

from typing import Any

from cloudlet.services.cloudformation import intrinsics
from cloudlet.services.cloudformation.errors import ValidationError, template_error

RULE_FUNCTIONS = (
    "Fn::Contains",
    "Fn::EachMemberEquals",
    "Fn::EachMemberIn",
    "Fn::RefAll",
    "Fn::ValueOf",
    "Fn::ValueOfAll",
)


def _pair(name: str, argument: Any) -> tuple[Any, Any]:
    if not isinstance(argument, list) or len(argument) != 2:
        raise template_error(f"{name} requires a list argument with two elements")
    return argument[0], argument[1]


def _members(value: Any) -> list[str]:
    return (
        [intrinsics.text(v) for v in value] if isinstance(value, list) else intrinsics.text(value).split(",")
    )


def evaluate(value: Any, scope: intrinsics.Scope, declared: dict[str, Any]) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Fn::Contains":
            members, item = _pair(key, argument)
            return intrinsics.text(evaluate(item, scope, declared)) in _members(
                evaluate(members, scope, declared)
            )
        if key == "Fn::EachMemberEquals":
            members, item = _pair(key, argument)
            wanted = intrinsics.text(evaluate(item, scope, declared))
            return all(m == wanted for m in _members(evaluate(members, scope, declared)))
        if key == "Fn::EachMemberIn":
            members, allowed = _pair(key, argument)
            pool = _members(evaluate(allowed, scope, declared))
            return all(m in pool for m in _members(evaluate(members, scope, declared)))
        if key == "Fn::RefAll":
            return [
                intrinsics.text(scope.parameters[name])
                for name, d in declared.items()
                if d.get("Type") == argument and name in scope.parameters
            ]
        if key in ("Fn::ValueOf", "Fn::ValueOfAll"):
            raise ValidationError(
                f"Template error: {key} needs resource attributes cloudlet does not look up"
            )
        if key in ("Fn::And", "Fn::Or"):
            results = [bool(evaluate(item, scope, declared)) for item in argument]
            return all(results) if key == "Fn::And" else any(results)
        if key == "Fn::Not":
            return not evaluate(argument[0], scope, declared)
        if key == "Fn::Equals":
            left, right = _pair(key, argument)
            return intrinsics.text(evaluate(left, scope, declared)) == intrinsics.text(
                evaluate(right, scope, declared)
            )
    return intrinsics.resolve(value, scope)


def check(template: dict[str, Any], scope: intrinsics.Scope) -> None:
    declared = template.get("Parameters") or {}
    for name, rule in (template.get("Rules") or {}).items():
        if not isinstance(rule, dict) or not isinstance(rule.get("Assertions"), list):
            raise template_error(f"Every Rules member must contain an Assertions list; {name} has none")
        if "RuleCondition" in rule and not evaluate(rule["RuleCondition"], scope, declared):
            continue
        for assertion in rule["Assertions"]:
            if not evaluate(assertion.get("Assert"), scope, declared):
                raise ValidationError(
                    assertion.get("AssertDescription") or f"Assertion failed for rule {name}"
                )
