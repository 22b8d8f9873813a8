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


def consumed(mode: str | None, table: str, units: float, kind: str,
             indexes: dict[str, tuple[bool, float]] | None = None) -> dict[str, Any] | None:
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
