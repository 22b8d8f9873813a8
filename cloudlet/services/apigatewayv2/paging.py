"""Get* lists of apigatewayv2: pages of MaxResults items (a string in the model), continued by
an opaque NextToken."""

from __future__ import annotations

import base64
from typing import Any

from cloudlet.services.apigatewayv2.errors import BadRequestException

MAX_PAGE = 500


def page(items: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    size = _size(params.get("MaxResults"))
    start = _offset(params.get("NextToken"))
    result: dict[str, Any] = {"Items": items[start : start + size]}
    if start + size < len(items):
        result["NextToken"] = base64.urlsafe_b64encode(f"offset:{start + size}".encode()).decode()
    return result


def _size(value: str | None) -> int:
    if value is None:
        return MAX_PAGE
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE:
        raise BadRequestException(f"Invalid MaxResults {value}: it must be a number from 1 to {MAX_PAGE}")
    return int(value)


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        kind, _, number = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind == "offset" and number.isdigit():
            return int(number)
    except ValueError:
        pass
    raise BadRequestException("Invalid NextToken specified")
