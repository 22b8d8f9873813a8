"""The template language without a server: parsing, intrinsic functions, the dependency graph."""

from __future__ import annotations

import pytest

from cloudlet.services.cloudformation import intrinsics
from cloudlet.services.cloudformation.errors import ValidationError
from cloudlet.services.cloudformation.graph import dependencies
from cloudlet.services.cloudformation.template import parse


def scope(**parameters) -> intrinsics.Scope:
    pseudo = intrinsics.pseudo_parameters("123456789012", "eu-west-1", "app", "arn:stack/app/1")
    return intrinsics.Scope(
        parameters,
        pseudo,
        {"Sizes": {"dev": {"Mem": 128}}},
        {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
        ref=lambda name: f"phys-{name}",
        get_att=lambda name, att: f"{name}.{att}",
    )


def test_short_form_tags_become_long_form():
    template = parse("""
Resources:
  A:
    Type: AWS::SQS::Queue
    Properties:
      Name: !Sub "${AWS::StackName}-q"
      Arn: !GetAtt B.Arn
      List: !Split [",", "a,b"]
      Pick: !Select [0, !GetAZs ""]
      Policy: {Version: 2012-10-17}
""")
    props = template["Resources"]["A"]["Properties"]
    assert props["Name"] == {"Fn::Sub": "${AWS::StackName}-q"}
    assert props["Arn"] == {"Fn::GetAtt": ["B", "Arn"]}
    assert props["Pick"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    assert props["Policy"]["Version"] == "2012-10-17"  # a string, not a date


@pytest.mark.parametrize(
    "body, where",
    [
        ("Resources:\n  A:\n    Type: [x\n", "(line 4, column 1)"),
        ('{"Resources": {"A": }}', "(line 1, column 21)"),
    ],
)
def test_syntax_errors_name_line_and_column(body, where):
    with pytest.raises(ValidationError) as caught:
        parse(body)
    assert caught.value.message.startswith("Template format error:")
    assert caught.value.message.endswith(where)


def test_intrinsic_functions():
    s = scope(Env="dev", Names=["x", "y"])
    resolve = lambda value: intrinsics.resolve(value, s)  # noqa: E731
    assert (
        resolve({"Fn::Sub": "${AWS::Region}/${Env}/${Res}/${Res.Arn}/${!Literal}"})
        == "eu-west-1/dev/phys-Res/Res.Arn/${Literal}"
    )
    assert resolve({"Fn::Sub": ["${a}-${Env}", {"a": {"Ref": "X"}}]}) == "phys-X-dev"
    assert resolve({"Fn::Join": ["-", [{"Ref": "Env"}, "b"]]}) == "dev-b"
    assert resolve({"Fn::Select": ["1", {"Ref": "Names"}]}) == "y"
    assert resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Mem"]}) == 128
    assert resolve({"Fn::FindInMap": ["Sizes", "prod", "Mem", {"DefaultValue": 256}]}) == 256
    assert resolve({"Fn::If": ["IsProd", "big", "small"]}) == "small"
    assert resolve({"Fn::Base64": "hi"}) == "aGk="
    assert resolve({"Fn::Cidr": ["10.0.0.0/16", 2, 8]}) == ["10.0.0.0/24", "10.0.1.0/24"]
    assert resolve({"Fn::Length": [1, 2, 3]}) == 3
    assert resolve({"Fn::ToJsonString": {"a": [1]}}) == '{"a":[1]}'
    assert resolve({"Fn::GetAZs": ""}) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert resolve({"A": {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]}, "B": 2}) == {"B": 2}
    assert resolve({"Fn::Not": [{"Fn::Equals": ["a", "a"]}]}) is False
    assert resolve({"Fn::Or": [{"Condition": "IsProd"}, {"Fn::Equals": ["a", "a"]}]}) is True


def test_unknown_functions_are_found():
    assert intrinsics.unsupported_functions({"A": {"Fn::Nope": 1}, "B": [{"Fn::Join": ["", []]}]}) == [
        "Fn::Nope"
    ]


def test_dependencies_and_cycles():
    resources = {
        "A": {"Type": "T", "Properties": {"X": {"Ref": "B"}, "Y": {"Fn::Sub": "${C.Arn}"}}},
        "B": {"Type": "T", "DependsOn": "C"},
        "C": {"Type": "T"},
    }
    assert dependencies(resources) == {"A": {"B", "C"}, "B": {"C"}, "C": set()}
    resources["C"]["Properties"] = {"Z": {"Fn::GetAtt": ["A", "Arn"]}}
    with pytest.raises(ValidationError) as caught:
        dependencies(resources)
    assert caught.value.message == "Circular dependency between resources: [A, B, C]"
