"""UpdateExpression document paths: names, conflicts, list positions and REMOVE's checks."""

from __future__ import annotations

import pytest


@pytest.fixture
def table(make_table):
    return make_table()


def _update(ddb, table, expression, values=None, names=None, pk="k"):
    kwargs = {}
    if values:
        kwargs["ExpressionAttributeValues"] = values
    if names:
        kwargs["ExpressionAttributeNames"] = names
    ddb.update_item(TableName=table, Key={"pk": {"S": pk}}, UpdateExpression=expression, **kwargs)
    return ddb.get_item(TableName=table, Key={"pk": {"S": pk}}).get("Item")


@pytest.mark.parametrize(
    ("expression", "token", "near"),
    [("SET _a = :v", "_", "SET _a"), ("SET a = _f(:v)", "_", "= _f")],
)
def test_a_name_starts_with_a_letter(ddb, table, error_of, expression, token, near):
    error = error_of(_update, ddb, table, expression, {":v": {"N": "1"}})
    assert error["Message"] == f'Invalid UpdateExpression: Syntax error; token: "{token}", near: "{near}"'
    # A placeholder may start with anything a name may contain.
    assert _update(ddb, table, "SET #_1 = :_2", {":_2": {"N": "1"}}, {"#_1": "x"})["x"] == {"N": "1"}


def test_a_map_step_and_a_list_step_on_one_attribute_conflict(ddb, table, error_of):
    error = error_of(_update, ddb, table, "SET a.b = :v, a[1] = :w", {":v": {"N": "1"}, ":w": {"N": "2"}})
    assert error["Message"] == (
        "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one"
        " of these paths; path one: [a, b], path two: [a, [1]]"
    )


def test_entries_past_the_end_of_a_list_append_in_index_order(ddb, table):
    ddb.put_item(TableName=table, Item={"pk": {"S": "k"}, "l": {"L": [{"S": "x"}]}})
    values = {f":v{i}": {"S": f"v{i}"} for i in (1, 2, 3)}
    item = _update(ddb, table, "SET l[90] = :v1, l[20] = :v2, l[50] = :v3", values)
    assert item["l"] == {"L": [{"S": "x"}, {"S": "v2"}, {"S": "v3"}, {"S": "v1"}]}


def test_remove_through_a_missing_or_scalar_step_of_a_stored_item_is_refused(ddb, table, error_of):
    stored = {"pk": {"S": "k"}, "s": {"S": "x"}, "m": {"M": {"a": {"N": "1"}}}, "l": {"L": [{"N": "1"}]}}
    ddb.put_item(TableName=table, Item=stored)
    for expression in ("REMOVE s.a", "REMOVE s[0]", "REMOVE nope.a", "REMOVE nope[0]"):
        error = error_of(_update, ddb, table, expression)
        assert error["Message"] == "The document path provided in the update expression is invalid for update"
    # A missing last step is fine, and changes nothing.
    assert _update(ddb, table, "REMOVE m.b, l[7], nope") == stored
    # On a missing item, any path may be removed (and nothing is created).
    assert _update(ddb, table, "REMOVE nope.a, zz[3]", pk="absent") is None
