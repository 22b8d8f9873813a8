"""Applies an UpdateExpression to an item: every operand reads the item as it was before."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from cloudlet.services.dynamodb.attributes import AttributeValue, Item, number_arithmetic
from cloudlet.services.dynamodb.errors import ItemValidationException
from cloudlet.services.dynamodb.expressions import ast
from cloudlet.services.dynamodb.expressions.evaluator import resolve

_INVALID_PATH = "The document path provided in the update expression is invalid for update"
_WRONG_TYPE = "An operand in the update expression has an incorrect data type"
_MISSING = "The provided expression refers to an attribute that does not exist in the item"
_LEGACY_MISMATCH = "Type mismatch for attribute to update"


def apply(update: ast.Update, item: Item, exists: bool = True) -> Item:
    """The updated copy of `item` (the original is untouched).

    `exists` is False when `item` is only the key of a missing item: AWS then lets REMOVE take a
    path through attributes that are not there, which it refuses on a stored item."""
    values = [(path, _value(term, item)) for path, term in update.sets]
    result = copy.deepcopy(item)
    # Entries past a list's end are appended in index order, whatever the expression's order.
    for path, value in sorted(values, key=lambda entry: _index_order(entry[0])):
        _set(result, path, value)
    # List entries go last to first, so each index still means what the expression meant.
    for path in sorted(update.removes, key=_removal_order, reverse=True):
        _remove(result, path, strict=exists)
    mismatch = _LEGACY_MISMATCH if update.legacy else _WRONG_TYPE
    for path, value in update.adds:
        _add(result, path, value.value, resolve(path, item), mismatch)
    for path, value in update.deletes:
        _delete(result, path, value.value, resolve(path, item), mismatch)
    return result


def _index_order(path: ast.Path) -> tuple[Any, ...]:
    return tuple((1, e) if isinstance(e, int) else (0, "") for e in path.elements)


def _removal_order(path: ast.Path) -> tuple[Any, ...]:
    return tuple((1, e) if isinstance(e, int) else (0, 0) for e in path.elements)


def _value(term: Any, item: Item) -> AttributeValue:
    kind = type(term)
    if kind is ast.Value:
        return term.value
    if kind is ast.Path:
        value = resolve(term, item)
        if value is None:
            raise ItemValidationException(_MISSING)
        return value
    if kind is ast.Arithmetic:
        left, right = _value(term.left, item), _value(term.right, item)
        if "N" not in left or "N" not in right:
            raise ItemValidationException(_WRONG_TYPE)
        return {"N": number_arithmetic(Decimal(left["N"]), Decimal(right["N"]), term.op)}
    if term.name == "if_not_exists":
        existing = resolve(term.args[0], item)
        return existing if existing is not None else _value(term.args[1], item)
    first, second = _value(term.args[0], item), _value(term.args[1], item)
    if "L" not in first or "L" not in second:
        raise ItemValidationException(_WRONG_TYPE)
    return {"L": first["L"] + second["L"]}


def _parent(item: Item, path: ast.Path, create: bool) -> Any:
    """The container holding the path's last element: an attribute dict (maps) or a list.

    None (or, when writing, the invalid-path error) if a step is missing or of the wrong type.
    """
    container: Any = item
    elements = path.elements
    for position, element in enumerate(elements):
        if isinstance(element, int) != isinstance(container, list):
            if create:
                raise ItemValidationException(_INVALID_PATH)
            return None
        if position == len(elements) - 1:
            return container
        if isinstance(container, list):
            value = container[element] if element < len(container) else None
        else:
            value = container.get(element)
        following = elements[position + 1]
        container = None if value is None else value.get("L" if isinstance(following, int) else "M")
        if container is None:
            if create:
                raise ItemValidationException(_INVALID_PATH)
            return None
    return container


def _set(item: Item, path: ast.Path, value: AttributeValue) -> None:
    container = _parent(item, path, create=True)
    last = path.elements[-1]
    if isinstance(container, list):
        if last < len(container):
            container[last] = value
        else:
            container.append(value)
    else:
        container[last] = value


def _remove(item: Item, path: ast.Path, strict: bool = False) -> None:
    container = _parent(item, path, create=False)
    if container is None and strict:
        raise ItemValidationException(_INVALID_PATH)
    last = path.elements[-1]
    if isinstance(container, list):
        if last < len(container):
            del container[last]
    elif container is not None:
        container.pop(last, None)


def _add(
    item: Item, path: ast.Path, value: AttributeValue, existing: AttributeValue | None, mismatch: str
) -> None:
    if existing is None:
        _set(item, path, value)
        return
    kind = next(iter(value))
    if kind not in existing:
        raise ItemValidationException(mismatch)
    if kind == "N":
        _set(item, path, {"N": number_arithmetic(Decimal(existing["N"]), Decimal(value["N"]), "+")})
        return
    if kind == "L":  # only AttributeUpdates' ADD takes a list: it appends, duplicates and all
        _set(item, path, {"L": existing["L"] + value["L"]})
        return
    merged = list(existing[kind]) + [member for member in value[kind] if member not in existing[kind]]
    _set(item, path, {kind: merged})


def _delete(
    item: Item, path: ast.Path, value: AttributeValue, existing: AttributeValue | None, mismatch: str
) -> None:
    if existing is None:
        return
    kind = next(iter(value))
    if kind not in existing:
        raise ItemValidationException(mismatch)
    remaining = [member for member in existing[kind] if member not in value[kind]]
    if remaining:
        _set(item, path, {kind: remaining})
    else:
        _remove(item, path)
