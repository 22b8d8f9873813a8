"""Route keys and AWS's route selection for HTTP APIs.

Selection: among routes whose method is the request's (or ANY) and whose path matches, the
most specific path wins, compared segment by segment from the left (a literal beats a
{variable}, which beats a greedy {proxy+}); on a tie, a route for the method beats ANY.
`$default` catches what nothing else does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

DEFAULT = "$default"
METHODS = frozenset({"ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_LITERAL, _VARIABLE, _GREEDY = 0, 1, 2


def valid_route_key(key: str) -> bool:
    if key == DEFAULT:
        return True
    method, _, path = key.partition(" ")
    if method not in METHODS or not path.startswith("/"):
        return False
    segments = path.strip("/").split("/") if path != "/" else []
    greedy = [i for i, s in enumerate(segments) if s.endswith("+}")]
    return not greedy or greedy == [len(segments) - 1]


@dataclass(frozen=True)
class CompiledRoute:
    key: str
    method: str
    segments: tuple[tuple[int, str], ...]  # (kind, literal text or parameter name)
    route: dict[str, Any]

    @property
    def rank(self) -> tuple:
        return tuple(kind for kind, _ in self.segments), self.method == "ANY"

    def match(self, method: str, parts: list[str]) -> dict[str, str] | None:
        if self.method not in ("ANY", method):
            return None
        params: dict[str, str] = {}
        for index, (kind, text) in enumerate(self.segments):
            if kind == _GREEDY:
                rest = parts[index:]
                if not rest or rest == [""]:
                    return None
                params[text] = unquote("/".join(rest))
                return params
            if index >= len(parts):
                return None
            if kind == _LITERAL:
                if parts[index] != text:
                    return None
            else:
                if not parts[index]:
                    return None
                params[text] = unquote(parts[index])
        return params if len(parts) == len(self.segments) else None


def compile_route(route: dict[str, Any]) -> CompiledRoute | None:
    key = route["RouteKey"]
    if key == DEFAULT:
        return None
    method, _, path = key.partition(" ")
    segments = []
    for segment in _split(path):
        if segment.startswith("{") and segment.endswith("+}"):
            segments.append((_GREEDY, segment[1:-2]))
        elif segment.startswith("{") and segment.endswith("}"):
            segments.append((_VARIABLE, segment[1:-1]))
        else:
            segments.append((_LITERAL, segment))
    return CompiledRoute(key, method, tuple(segments), route)


class Router:
    def __init__(self, routes: list[dict[str, Any]]) -> None:
        compiled = [c for c in map(compile_route, routes) if c is not None]
        self.routes = sorted(compiled, key=lambda c: c.rank)
        self.default = next((r for r in routes if r["RouteKey"] == DEFAULT), None)

    def select(self, method: str, path: str) -> tuple[dict[str, Any], dict[str, str]] | None:
        """(route, path parameters) for a request path without the stage, or None."""
        parts = _split(path)
        for candidate in self.routes:
            params = candidate.match(method, parts)
            if params is not None:
                return candidate.route, params
        return (self.default, {}) if self.default is not None else None


def _split(path: str) -> list[str]:
    trimmed = path.strip("/")
    return trimmed.split("/") if trimmed else []
