"""Checks every CloudFront configuration gets: lists whose Quantity disagrees with their Items."""

from __future__ import annotations

from typing import Any

from cloudlet.services.cloudfront.errors import InconsistentQuantities


def check_quantities(value: Any, path: str = "") -> None:
    """CloudFront's lists carry their own length; a mismatch is InconsistentQuantities."""
    if isinstance(value, dict):
        if "Quantity" in value:
            items = value.get("Items") or []
            if value["Quantity"] != len(items):
                raise InconsistentQuantities(
                    f"The value of Quantity and the size of Items don't match{f' in {path}' if path else ''}."
                )
        for key, item in value.items():
            check_quantities(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for item in value:
            check_quantities(item, path)


def items(value: dict[str, Any] | None) -> list[Any]:
    return list((value or {}).get("Items") or [])


def quantity_list(values: list[Any]) -> dict[str, Any]:
    return {"Quantity": len(values), "Items": values} if values else {"Quantity": 0}
