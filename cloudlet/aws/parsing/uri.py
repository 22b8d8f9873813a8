"""REST routing: which operation a method, path and query string name.

Every operation's `requestUri` (e.g. `/{Bucket}/{Key+}?uploads`) is compiled once into a
Route. Several routes can match one request (S3's GetObject and GetObjectTagging differ
only by `?tagging`; PutObject and UploadPart by the required `partNumber`/`uploadId`), so
routes are tried most specific first: more literal query keys (`?tagging`), then more
required query parameters and headers, more literal path segments, fewer greedy labels,
not deprecated, and last not bound to a special endpoint (S3's ListDirectoryBuckets is
ListBuckets sent to the S3 Express control endpoint).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl

from cloudlet.aws.model import OperationModel, ServiceModel
from cloudlet.edge.types import Headers

_LABEL = re.compile(r"\{([^}]+)\}")


class Route:
    def __init__(self, operation: OperationModel, pattern: re.Pattern[str], labels: dict[str, str]) -> None:
        self.operation = operation
        self.pattern = pattern
        self.labels = labels  # regex group -> label name
        path, _, query = operation.request_uri.partition("?")
        self.literal_query = [(k, v or None) for k, v in parse_qsl(query, keep_blank_values=True)]
        self.required_query, self.required_headers = _required_bindings(operation)
        segments = [s for s in path.split("/") if s]
        self.rank = (
            len(self.literal_query),
            len(self.required_query) + len(self.required_headers),
            sum(1 for s in segments if "{" not in s),
            -sum(1 for s in segments if s.endswith("+}")),
            not operation.deprecated,
            not operation.raw.get("staticContextParams"),
        )

    def labels_of(self, match: re.Match[str]) -> dict[str, str]:
        return {label: match.group(group) for group, label in self.labels.items()}

    def query_matches(self, query: Mapping[str, list[str]]) -> bool:
        for key, value in self.literal_query:
            values = query.get(key)
            if values is None or (value is not None and value not in values):
                return False
        return True

    def requirements_met(self, query: Mapping[str, list[str]], headers: Headers) -> bool:
        return all(k in query for k in self.required_query) and all(h in headers for h in self.required_headers)


def _required_bindings(operation: OperationModel) -> tuple[tuple[str, ...], tuple[str, ...]]:
    shape = operation.input_shape
    if shape is None:
        return (), ()
    members = shape.members
    required = [members[n] for n in shape.required_members if n in members]
    query = tuple(m.location_name for m in required if m.location == "querystring" and m.location_name)
    headers = tuple(m.location_name for m in required if m.location == "header" and m.location_name)
    return query, headers


def compile_path(template: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """A regex for the path part of a requestUri; labels become named groups g0, g1, ...

    A trailing slash is optional either way (`/2015-03-31/functions/` and `.../functions`).
    """
    path = template.partition("?")[0]
    if len(path) > 1:
        path = path.rstrip("/")
    labels: dict[str, str] = {}
    parts: list[str] = []
    position = 0
    for match in _LABEL.finditer(path):
        parts.append(re.escape(path[position:match.start()]))
        name = match.group(1)
        group = f"g{len(labels)}"
        greedy = name.endswith("+")
        labels[group] = name.rstrip("+")
        parts.append(f"(?P<{group}>.+)" if greedy else f"(?P<{group}>[^/]+)")
        position = match.end()
    parts.append(re.escape(path[position:]))
    regex = "".join(parts)
    if path != "/" and not path.endswith("+}"):
        regex += "/?"
    return re.compile(f"^{regex}$"), labels


class Router:
    """All routes of one service, indexed so a request only tries the routes it could match:
    those without literal query keys, and those whose first literal key the request has."""

    def __init__(self, service: ServiceModel) -> None:
        patterns: dict[str, tuple[re.Pattern[str], dict[str, str]]] = {}
        self.routes: dict[str, list[Route]] = {}
        for name in service.operation_names:
            operation = service.operation(name)
            path = operation.request_uri.partition("?")[0]
            compiled = patterns.get(path)
            if compiled is None:
                compiled = patterns[path] = compile_path(path)
            self.routes.setdefault(operation.http_method, []).append(Route(operation, *compiled))
        self._plain: dict[str, list[Route]] = {}
        self._keyed: dict[str, dict[str, list[Route]]] = {}
        for method, routes in self.routes.items():
            routes.sort(key=_rank, reverse=True)
            for route in routes:
                if route.literal_query:
                    keyed = self._keyed.setdefault(method, {})
                    keyed.setdefault(route.literal_query[0][0], []).append(route)
                else:
                    self._plain.setdefault(method, []).append(route)

    def match(self, method: str, path: str, query: Mapping[str, list[str]], headers: Headers) -> Route | None:
        """Among the matching routes with the most literal query keys, the most specific whose
        required parameters are present; failing that the most specific of them anyway, so
        that validation can name what is missing."""
        candidates: list[Route] = []
        keyed = self._keyed.get(method)
        if keyed and query:
            for key in query:
                candidates.extend(keyed.get(key, ()))
            if len(candidates) > 1:
                candidates.sort(key=_rank, reverse=True)
        fallback: Route | None = None
        seen: dict[re.Pattern[str], bool] = {}
        for route in itertools.chain(candidates, self._plain.get(method, ())):
            if fallback is not None and len(route.literal_query) < len(fallback.literal_query):
                break
            matched = seen.get(route.pattern)
            if matched is None:
                matched = seen[route.pattern] = route.pattern.match(path) is not None
            if not matched or not route.query_matches(query):
                continue
            if route.requirements_met(query, headers):
                return route
            if fallback is None:
                fallback = route
        return fallback

    def allows_other_method(self, method: str, path: str) -> bool:
        return any(
            route.pattern.match(path)
            for other, routes in self.routes.items() if other != method
            for route in routes
        )


def _rank(route: Route) -> tuple:
    return route.rank
