"""NextToken pagination over name-ordered lists: the token names the last item returned."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from cloudlet.services.events.errors import ValidationException

T = TypeVar("T")
DEFAULT_LIMIT = 100


def page(items: Sequence[T], key: Callable[[T], str], params: dict[str, Any]) -> tuple[list[T], str | None]:
    """The items after the request's NextToken, at most Limit of them, and the next token."""
    after = _decode(params.get("NextToken"))
    limit = params.get("Limit") or DEFAULT_LIMIT
    remaining = [item for item in items if after is None or key(item) > after]
    chosen = remaining[:limit]
    token = _encode(key(chosen[-1])) if len(remaining) > limit else None
    return chosen, token


def _encode(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode()


def _decode(token: str | None) -> str | None:
    if not token:
        return None
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationException("The NextToken provided is invalid.") from None
