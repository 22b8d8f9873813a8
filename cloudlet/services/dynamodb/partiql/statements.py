"""Parsed PartiQL statements. Conditions, paths and values are the expression language's AST
(placeholders and `?` parameters already bound), so the same evaluator runs them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudlet.services.dynamodb.attributes import Item
from cloudlet.services.dynamodb.expressions import ast


@dataclass(frozen=True)
class Select:
    table: str
    index: str | None
    projection: tuple[ast.Path, ...] | None  # None: `*`
    where: Any
    order: tuple[tuple[str, bool], ...] = ()  # (key attribute, descending)

    is_read = True
    returning = None


@dataclass(frozen=True)
class Insert:
    table: str
    item: Item

    is_read = False
    returning = None


@dataclass(frozen=True)
class Update:
    table: str
    update: ast.Update
    where: Any
    returning: str | None  # ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW

    is_read = False


@dataclass(frozen=True)
class Delete:
    table: str
    where: Any
    returning: str | None  # ALL_OLD

    is_read = False


Statement = Select | Insert | Update | Delete
