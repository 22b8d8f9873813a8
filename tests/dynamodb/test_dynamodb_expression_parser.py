"""Pure logic: the expression parser, evaluator and updater."""

from __future__ import annotations

import pytest

from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.expressions import ast
from cloudlet.services.dynamodb.expressions.evaluator import matches, project, projection_tree
from cloudlet.services.dynamodb.expressions.parser import (
    Placeholders,
    parse_condition,
    parse_projection,
    parse_update,
)
from cloudlet.services.dynamodb.expressions.updates import apply

ITEM = {
    "id": {"S": "x"},
    "n": {"N": "5"},
    "tags": {"SS": ["a", "b"]},
    "doc": {"M": {"entries": {"L": [{"N": "1"}, {"S": "two"}, {"M": {"deep": {"BOOL": True}}}]}}},
}


def condition(text, values=None, names=None):
    return parse_condition(text, Placeholders(names, values))


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("n = :five", {":five": {"N": "5.0"}}, True),
        ("n BETWEEN :a AND :b", {":a": {"N": "1"}, ":b": {"N": "5"}}, True),
        ("n IN (:a, :b)", {":a": {"N": "1"}, ":b": {"N": "5"}}, True),
        ("NOT (n < :a OR n > :b)", {":a": {"N": "1"}, ":b": {"N": "9"}}, True),
        ("contains(tags, :t) AND begins_with(id, :p)", {":t": {"S": "b"}, ":p": {"S": "x"}}, True),
        ("size(doc.entries) = :three", {":three": {"N": "3"}}, True),
        ("doc.entries[2].deep = :t", {":t": {"BOOL": True}}, True),
        ("attribute_type(n, :s)", {":s": {"S": "S"}}, False),
        ("attribute_not_exists(absent) and attribute_exists(doc.entries[1])", None, True),
        ("absent <> :v", {":v": {"S": "x"}}, True),
        ("n > :s", {":s": {"S": "4"}}, False),
    ],
)
def test_conditions(text, values, expected):
    assert matches(condition(text, values), ITEM) is expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("n = ", 'Syntax error; token: "<EOF>", near: "= "'),
        ("n == :v", 'Syntax error; token: "=", near: "== :v"'),
        ("status = :v", "Attribute name is a reserved keyword; reserved keyword: status"),
        (
            "#absent = :v",
            "An expression attribute name used in the document path is not defined; attribute name: #absent",
        ),
        (
            "n = :nope",
            "An expression attribute value used in expression is not defined; attribute value: :nope",
        ),
        ("frobnicate(n)", "Invalid function name; function: frobnicate"),
        (
            "begins_with(n)",
            "Incorrect number of operands for operator or function; operator or function: begins_with",
        ),
        ("n = $", 'Syntax error; token: "$"'),
        ("((n = :v))", "The expression has redundant parentheses;"),
        ("NOT ((n = :v) AND ((n = :v)))", "The expression has redundant parentheses;"),
        ("n < :v" + " OR n < :v" * 150, "The expression contains too many operators; operator count: 301"),
        ("NOT " * 400 + "n = :v", "The expression contains too many operators; operator count: 301"),
        ("(" * 1000 + "n = :v" + ")" * 1000, "The expression is nested too deeply"),
        (".".join(["n"] * 33) + " = :v", "The document path has too many nesting levels; nesting levels: 33"),
        ("n" + "[0]" * 32 + " = :v", "The document path has too many nesting levels; nesting levels: 33"),
        ("n < " + "size(" * 600 + "n" + ")" * 600, "The expression is nested too deeply"),
    ],
)
def test_condition_errors(text, message):
    with pytest.raises(ValidationException) as exc:
        condition(text, {":v": {"S": "v"}})
    assert exc.value.message.startswith("Invalid ConditionExpression: ")
    assert message in exc.value.message


def test_deep_but_plain_conditions_parse():
    # 149 nested groups and 299 operators: within every limit.
    text = "n < :v" + " OR (n < :v" * 149 + ")" * 149
    assert matches(condition(text, {":v": {"N": "9"}}), ITEM)
    assert matches(condition("((n = :v) AND (n = :v))", {":v": {"N": "5"}}), ITEM)
    assert not matches(condition(".".join(["n"] * 32) + " = :v", {":v": {"N": "5"}}), ITEM)


def test_unused_placeholders_are_reported():
    placeholders = Placeholders({"#a": "a", "#b": "b"}, {":v": {"S": "v"}})
    parse_condition("#a = :v", placeholders)
    with pytest.raises(ValidationException) as exc:
        placeholders.check_unused()
    assert exc.value.message == "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"


def update(text, values=None):
    return apply(parse_update(text, Placeholders(None, values)), ITEM)


def test_update_actions():
    result = update(
        "SET n = n + :one, doc.entries[1] = :s, doc.added = :s REMOVE doc.entries[0] ADD tags :more, c :one",
        {":one": {"N": "1"}, ":s": {"S": "new"}, ":more": {"SS": ["c"]}, ":a": {"SS": ["a"]}},
    )
    assert result["n"] == {"N": "6"}
    assert result["doc"]["M"]["entries"]["L"][0] == {"S": "new"}
    assert len(result["doc"]["M"]["entries"]["L"]) == 2
    assert result["doc"]["M"]["added"] == {"S": "new"}
    assert result["tags"] == {"SS": ["a", "b", "c"]}
    assert update("DELETE tags :a", {":a": {"SS": ["a", "zzz"]}})["tags"] == {"SS": ["b"]}
    assert "tags" not in update("DELETE tags :a", {":a": {"SS": ["a", "b"]}})
    assert result["c"] == {"N": "1"}
    assert ITEM["n"] == {"N": "5"}  # the original is untouched


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SET a = :v SET b = :v", 'The "SET" section can only be used once in an update expression;'),
        ("SET a = :v REMOVE a", "Two document paths overlap with each other"),
        ("ADD a :s", "Incorrect operand type for operator or function; operator: ADD, operand type: STRING"),
        (
            "SET a = attribute_exists(b)",
            "The function is not allowed in an update expression; function: attribute_exists",
        ),
        ("REMOVE", 'Syntax error; token: "<EOF>"'),
    ],
)
def test_update_errors(text, message):
    with pytest.raises(ValidationException) as exc:
        parse_update(text, Placeholders(None, {":v": {"N": "1"}, ":s": {"S": "x"}}))
    assert message in exc.value.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "SET absent = absent + :v",
            "The provided expression refers to an attribute that does not exist in the item",
        ),
        ("SET id = id + :v", "An operand in the update expression has an incorrect data type"),
        ("SET nope.deeper = :v", "The document path provided in the update expression is invalid for update"),
    ],
)
def test_update_runtime_errors(text, message):
    with pytest.raises(ValidationException) as exc:
        update(text, {":v": {"N": "1"}})
    assert exc.value.message == message


def test_projection_keeps_list_order_and_nesting():
    paths = parse_projection("doc.entries[2].deep, doc.entries[0], id", Placeholders(None, None))
    assert project(ITEM, projection_tree(paths)) == {
        "id": {"S": "x"},
        "doc": {"M": {"entries": {"L": [{"N": "1"}, {"M": {"deep": {"BOOL": True}}}]}}},
    }


def test_paths_keep_their_structure():
    node = condition("a.b[3].#c = :v", {":v": {"S": "v"}}, {"#c": "c.d"})
    assert node.left == ast.Path(("a", "b", 3, "c.d"))
