"""ConsumedCapacity: 4 KB read units (half for eventually consistent reads), 1 KB write units."""

from __future__ import annotations

import math
from typing import Any

READ_UNIT = 4096
WRITE_UNIT = 1024


def read_units(size: int, consistent: bool, transactional: bool = False) -> float:
    units = max(1, math.ceil(size / READ_UNIT))
    if transactional:
        return units * 2.0
    return float(units) if consistent else units / 2


def write_units(size: int, transactional: bool = False) -> float:
    units = max(1, math.ceil(size / WRITE_UNIT))
    return units * (2.0 if transactional else 1.0)


def consumed(
    mode: str | None,
    table: str,
    units: float,
    kind: str,
    indexes: dict[str, tuple[bool, float]] | None = None,
) -> dict[str, Any] | None:
    """The ConsumedCapacity member for ReturnConsumedCapacity `mode` (None when not asked)."""
    if mode not in ("TOTAL", "INDEXES"):
        return None
    unit_name = "ReadCapacityUnits" if kind == "read" else "WriteCapacityUnits"
    total = units + sum(value for _, value in (indexes or {}).values())
    result: dict[str, Any] = {"TableName": table, "CapacityUnits": total, unit_name: total}
    if mode == "INDEXES":
        result["Table"] = {"CapacityUnits": units, unit_name: units}
        for name, (is_global, value) in (indexes or {}).items():
            group = "GlobalSecondaryIndexes" if is_global else "LocalSecondaryIndexes"
            result.setdefault(group, {})[name] = {"CapacityUnits": value, unit_name: value}
    return result


class Tally:
    """Capacity summed per table, and per index, over the items of a batch or a transaction."""

    def __init__(self) -> None:
        self.tables: dict[str, float] = {}
        self.indexes: dict[str, dict[str, tuple[bool, float]]] = {}

    def add(self, table: str, units: float, indexes: dict[str, tuple[bool, float]] | None = None) -> None:
        self.tables[table] = self.tables.get(table, 0.0) + units
        per_index = self.indexes.setdefault(table, {})
        for name, (is_global, value) in (indexes or {}).items():
            per_index[name] = (is_global, per_index.get(name, (is_global, 0.0))[1] + value)

    def consumed(self, mode: str | None, kind: str) -> list[dict[str, Any]] | None:
        if mode not in ("TOTAL", "INDEXES"):
            return None
        return [
            consumed(mode, name, units, kind, self.indexes.get(name)) for name, units in self.tables.items()
        ]
