"""Which resource and method of a deployment answer a request path, as API Gateway chooses:
literal path parts before {variables}, {variables} before a greedy {proxy+}, and a method
before ANY."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote


def _match(parts: list[str], path: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for index, part in enumerate(parts):
        if part.endswith("+}"):
            rest = path[index:]
            if not rest:
                return None
            params[part[1:-2]] = "/".join(rest)
            return params
        if index >= len(path):
            return None
        if part.startswith("{"):
            params[part[1:-1]] = path[index]
        elif part != path[index]:
            return None
    return params if len(parts) == len(path) else None


def _rank(parts: list[str]) -> tuple[int, ...]:
    """Sort key: earlier literal parts win, then variables, then greedy ones; longer first."""
    return (*tuple(2 if p.endswith("+}") else 1 if p.startswith("{") else 0 for p in parts), 3)


def find(
    resources: list[dict[str, Any]], path: str, http_method: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]] | None:
    """(resource, method, path parameters) or None (API Gateway's Missing Authentication Token)."""
    segments = [unquote(s) for s in path.strip("/").split("/")] if path.strip("/") else []
    candidates = []
    for resource in resources:
        parts = [p for p in resource["path"].split("/") if p]
        params = _match(parts, segments)
        if params is not None:
            candidates.append((_rank(parts), resource, params))
    candidates.sort(key=lambda c: c[0])
    for _, resource, params in candidates:
        methods = resource.get("resourceMethods") or {}
        method = methods.get(http_method) or methods.get("ANY")
        if method is not None:
            return resource, method, params
    return None
