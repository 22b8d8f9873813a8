"""The expression tree. Placeholders are already resolved: paths hold names, values hold values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PathElement = str | int  # a map key / attribute name, or a list index


@dataclass(frozen=True)
class Path:
    elements: tuple[PathElement, ...]

    def __str__(self) -> str:
        return "[" + ", ".join(f"[{e}]" if isinstance(e, int) else e for e in self.elements) + "]"


@dataclass(frozen=True)
class Value:
    value: dict[str, Any]


@dataclass(frozen=True)
class Call:
    """A function: size, if_not_exists, list_append as operands; the rest as conditions."""

    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class Arithmetic:
    op: str  # + or -
    left: Any
    right: Any


@dataclass(frozen=True)
class Compare:
    op: str  # = <> < <= > >=
    left: Any
    right: Any


@dataclass(frozen=True)
class Between:
    operand: Any
    low: Any
    high: Any


@dataclass(frozen=True)
class In:
    operand: Any
    choices: tuple[Any, ...]


@dataclass(frozen=True)
class And:
    left: Any
    right: Any


@dataclass(frozen=True)
class Or:
    left: Any
    right: Any


@dataclass(frozen=True)
class Not:
    operand: Any


@dataclass(frozen=True)
class Update:
    sets: tuple[tuple[Path, Any], ...] = ()
    removes: tuple[Path, ...] = ()
    adds: tuple[tuple[Path, Value], ...] = ()
    deletes: tuple[tuple[Path, Value], ...] = ()
    # From AttributeUpdates: ADD also appends lists, and AWS words type errors differently.
    legacy: bool = False

    def paths(self) -> list[Path]:
        return (
            [path for path, _ in self.sets]
            + list(self.removes)
            + [path for path, _ in self.adds]
            + [path for path, _ in self.deletes]
        )

    def creates(self) -> bool:
        """Whether it writes a missing item: REMOVE and DELETE alone leave nothing to create."""
        return bool(self.sets or self.adds)


Condition = Compare | Between | In | And | Or | Not | Call
