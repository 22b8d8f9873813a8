"""Template text -> dict: JSON, or YAML with CloudFormation's short-form tags (`!Ref x`).

Syntax errors name the line and column, worded as CloudFormation words them. YAML scalars
that YAML 1.1 would turn into dates stay strings (a policy's `Version: 2012-10-17` must
reach IAM as text), as CloudFormation's own YAML reader keeps them.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from cloudlet.services.cloudformation.errors import template_error

# Short form -> the long form's key. `!GetAtt a.b` is also written with a dotted scalar.
_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: f"Fn::{name}"
        for name in (
            "And",
            "Base64",
            "Cidr",
            "Equals",
            "FindInMap",
            "GetAtt",
            "GetAZs",
            "If",
            "ImportValue",
            "Join",
            "Length",
            "Not",
            "Or",
            "Select",
            "Split",
            "Sub",
            "ToJsonString",
            "Transform",
        )
    },
}


class _Loader(yaml.SafeLoader):
    pass


# No implicit timestamps: drop the resolver for them from this loader's copy of the table.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_tag(key: str):
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if key == "Fn::GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {key: value}

    return construct


for _tag, _key in _TAGS.items():
    _Loader.add_constructor(f"!{_tag}", _construct_tag(_key))


def parse(body: str) -> dict[str, Any]:
    """The template as a dict; ValidationError when it is not a well-formed JSON/YAML object."""
    text = body.strip()
    if text.startswith("{"):
        try:
            template = json.loads(text)
        except json.JSONDecodeError as exc:
            raise template_error(f"JSON not well-formed. (line {exc.lineno}, column {exc.colno})") from None
    else:
        try:
            template = yaml.load(body, Loader=_Loader)  # _Loader is a SafeLoader
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise template_error(f"YAML not well-formed.{where}") from None
        except yaml.YAMLError:
            raise template_error("YAML not well-formed.") from None
    if not isinstance(template, dict):
        raise template_error("JSON not well-formed." if text.startswith("{") else "YAML not well-formed.")
    return template
