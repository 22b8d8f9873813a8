"""A template made ready to deploy: parsed, transformed, validated, parameters and conditions
resolved, and the dependency graph of the resources its conditions keep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudlet.services.cloudformation import graph, intrinsics, parameters, resources, rules, transform
from cloudlet.services.cloudformation.errors import (
    InsufficientCapabilitiesException,
    ValidationError,
    template_error,
)
from cloudlet.services.cloudformation.template import parse

SECTIONS = (
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
    "Hooks",
)
_RESOURCE_KEYS = (
    "Type",
    "Properties",
    "DependsOn",
    "Condition",
    "Metadata",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "UpdatePolicy",
    "CreationPolicy",
    "Version",
)
_POLICIES = ("Delete", "Retain", "RetainExceptOnCreate", "Snapshot")
_NAMED_IAM = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
}


@dataclass
class Plan:
    template: dict[str, Any]  # after transforms
    parameters: dict[str, Any]  # resolved values
    scope: intrinsics.Scope
    resources: dict[str, dict[str, Any]]  # the ones whose Condition holds
    graph: dict[str, set[str]]

    def policy(self, logical_id: str) -> dict[str, str]:
        definition = self.resources[logical_id]
        return {
            key: definition[key] for key in ("DeletionPolicy", "UpdateReplacePolicy") if key in definition
        }


def load(body: str) -> dict[str, Any]:
    template = parse(body)
    allowed = (*SECTIONS, "Globals") if transform.SERVERLESS in transform.names(template) else SECTIONS
    unknown = [key for key in template if key not in allowed]
    if unknown:
        raise template_error(f"Invalid template property or properties [{', '.join(unknown)}]")
    return template


def prepare(
    body: str, given: list[dict[str, Any]], pseudo: dict[str, Any], previous: dict[str, Any] | None = None
) -> Plan:
    """ValidationError for anything CloudFormation refuses before touching a resource."""
    template = load(body)
    declared = template.get("Parameters") or {}
    if not isinstance(declared, dict):
        raise template_error("Parameters must be an object")
    values = parameters.resolve(declared, given, previous)
    if transform.names(template):
        sam_values = {**{k: v for k, v in pseudo.items() if k != "AWS::NoValue"}, **values}
        template = transform.expand(template, sam_values)
        declared = template.get("Parameters") or {}
        values = parameters.resolve(declared, given, previous)
    check(template)
    prepared = build(template, values, pseudo)
    rules.check(template, prepared.scope)
    return prepared


def build(template: dict[str, Any], values: dict[str, Any], pseudo: dict[str, Any]) -> Plan:
    """The plan of a template already checked (a stack's stored, transformed template)."""
    scope = intrinsics.Scope(values, pseudo, template.get("Mappings") or {}, template.get("Conditions") or {})
    kept = {}
    for name, definition in template["Resources"].items():
        condition = definition.get("Condition")
        if condition is None or scope.condition(condition):
            kept[name] = definition
    return Plan(template, values, scope, kept, graph.dependencies(kept))


def check(template: dict[str, Any]) -> None:
    found = template.get("Resources")
    if not isinstance(found, dict) or not found:
        raise template_error("At least one Resources member must be defined.")
    unknown_types = []
    for name, definition in found.items():
        if not isinstance(definition, dict) or not isinstance(definition.get("Type"), str):
            raise template_error(f"[/Resources/{name}] Every Resources object must contain a Type member.")
        extra = [key for key in definition if key not in _RESOURCE_KEYS]
        if extra:
            raise template_error(f"Invalid template resource property '{extra[0]}'")
        for key in ("DeletionPolicy", "UpdateReplacePolicy"):
            if key in definition and definition[key] not in _POLICIES:
                raise template_error(f"Unrecognized {key} {definition[key]} for resource {name}")
        if not resources.known(definition["Type"]):
            unknown_types.append(definition["Type"])
    if unknown_types:
        raise template_error(f"Unrecognized resource types: [{', '.join(sorted(set(unknown_types)))}]")
    bad = intrinsics.unsupported_functions(
        {k: v for k, v in template.items() if k not in ("Transform", "Rules")}
    )
    if bad:
        raise ValidationError(intrinsics.supported_functions_message(bad[0]))
    known = set(found) | set(template.get("Parameters") or {}) | set(intrinsics.PSEUDO)
    for section in ("Resources", "Outputs", "Conditions"):
        for body in (template.get(section) or {}).values():
            _check_get_att(body, found)
            missing = sorted(ref for ref in intrinsics.references(body) if ref not in known)
            if missing:
                where = "Resources block" if section == "Resources" else f"{section} block"
                raise template_error(
                    f"Unresolved resource dependencies [{', '.join(missing)}] in the {where} of the template"
                )
    for name, output in (template.get("Outputs") or {}).items():
        if not isinstance(output, dict) or "Value" not in output:
            raise template_error(
                f"Every Outputs member must contain a Value object, the Outputs member {name} has no Value"
            )


def _check_get_att(value: Any, found: dict[str, Any]) -> None:
    if isinstance(value, dict):
        if list(value) == ["Fn::GetAtt"]:
            argument = value["Fn::GetAtt"]
            if isinstance(argument, str):
                argument = argument.split(".", 1)
            if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], str):
                target = found.get(argument[0])
                if target is None:
                    raise ValidationError(
                        f"Template error: instance of Fn::GetAtt references undefined resource {argument[0]}"
                    )
                attributes = resources.handler(target["Type"]).attributes
                if argument[1] not in attributes and not _nested_attribute(argument[1], attributes):
                    raise ValidationError(
                        f"Template error: resource {argument[0]} does not support attribute type"
                        f" {argument[1]} in Fn::GetAtt"
                    )
        for item in value.values():
            _check_get_att(item, found)
    elif isinstance(value, list):
        for item in value:
            _check_get_att(item, found)


def _nested_attribute(name: str, attributes: tuple[str, ...]) -> bool:
    return any(name.startswith(f"{attribute}.") for attribute in attributes)


def required_capabilities(template: dict[str, Any], *, macros: bool) -> list[str]:
    needed: list[str] = []
    for definition in (template.get("Resources") or {}).values():
        type_name = definition.get("Type", "")
        if type_name.startswith("AWS::IAM::"):
            named = _NAMED_IAM.get(type_name)
            if named and named in (definition.get("Properties") or {}):
                return ["CAPABILITY_NAMED_IAM"]
            if "CAPABILITY_IAM" not in needed:
                needed.append("CAPABILITY_IAM")
    if macros:
        needed.append("CAPABILITY_AUTO_EXPAND")
    return needed


def check_capabilities(template: dict[str, Any], given: list[str], *, macros: bool) -> None:
    needed = required_capabilities(template, macros=macros)
    missing = [
        cap
        for cap in needed
        if cap not in given and not (cap == "CAPABILITY_IAM" and "CAPABILITY_NAMED_IAM" in given)
    ]
    if missing:
        raise InsufficientCapabilitiesException(missing)
