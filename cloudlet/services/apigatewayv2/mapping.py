"""Parameter mapping of HTTP API integrations: `overwrite:header.X`, `append:querystring.Y`,
`remove:header.Z`, `overwrite:path`, `overwrite:statuscode`, with values that mix static text and
$request / $context / $stageVariables / $response variables, as AWS documents them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from cloudlet.edge.types import Headers

_VARIABLE = re.compile(r"\$\{?((?:request|response|context|stageVariables)(?:\.[A-Za-z0-9_\-]+)+)\}?")
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_\-.:]+)\}")


def with_stage_variables(text: str, stage_vars: dict[str, str]) -> str:
    """${stageVariables.name} in an integration URI or authorizer URI, substituted."""
    return _STAGE_VARIABLE.sub(lambda m: stage_vars.get(m.group(1), ""), text)


def substitute(text: str, lookup: Callable[[str], str | None]) -> str:
    return _VARIABLE.sub(lambda m: lookup(m.group(1)) or "", text)


@dataclass
class Outgoing:
    """The request an HTTP_PROXY integration sends, while mappings change it."""

    path: str
    query: list[tuple[str, str]]
    headers: Headers
    status: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def query_string(self) -> str:
        return urlencode(self.query, quote_via=quote, safe="")


def apply(mappings: dict[str, str], target: Outgoing, lookup: Callable[[str], str | None]) -> None:
    for key, template in mappings.items():
        action, _, where = key.partition(":")
        value = substitute(template, lookup)
        location, _, name = where.partition(".")
        if location == "header":
            _header(action, target.headers, name, value)
        elif location == "querystring":
            _query(action, target, name, value)
        elif location == "path" and action == "overwrite":
            target.path = value if value.startswith("/") else "/" + value
        elif location == "statuscode" and action == "overwrite" and value.isdigit():
            target.status = int(value)


def _header(action: str, headers: Headers, name: str, value: str) -> None:
    if action == "remove":
        headers.remove(name)
    elif action == "overwrite":
        headers[name] = value
    elif action == "append":
        existing = headers.get(name)
        headers[name] = f"{existing},{value}" if existing else value


def _query(action: str, target: Outgoing, name: str, value: str) -> None:
    if action in ("remove", "overwrite"):
        target.query = [(k, v) for k, v in target.query if k != name]
    if action in ("overwrite", "append"):
        target.query.append((name, value))


def request_lookup(
    path: str,
    path_params: dict[str, str],
    query: str,
    headers: Headers,
    stage_vars: dict[str, str],
    context: dict[str, str],
    body: bytes,
) -> Callable[[str], str | None]:
    def lookup(name: str) -> str | None:
        parts = name.split(".", 2)
        if parts[0] == "stageVariables":
            return stage_vars.get(name.partition(".")[2])
        if parts[0] == "context":
            return context.get(name.partition(".")[2])
        if parts[0] == "request" and len(parts) >= 2:
            if parts[1] == "path":
                return path_params.get(parts[2]) if len(parts) == 3 else path
            if parts[1] == "header" and len(parts) == 3:
                return headers.get(parts[2])
            if parts[1] == "querystring" and len(parts) == 3:
                values = [v for k, v in parse_qsl(query, keep_blank_values=True) if k == parts[2]]
                return ",".join(values) if values else None
            if parts[1] == "body":
                text = body.decode("utf-8", "replace")
                return text if len(parts) == 2 else _json_path(text, parts[2])
        return None

    return lookup


def response_lookup(
    status: int, headers: Headers, base: Callable[[str], str | None]
) -> Callable[[str], str | None]:
    def lookup(name: str) -> str | None:
        if name.startswith("response.header."):
            return headers.get(name[len("response.header.") :])
        if name == "response.statuscode":
            return str(status)
        return base(name)

    return lookup


def _json_path(text: str, path: str) -> str | None:
    """$request.body.a.b: a member of a JSON body, as text (objects and lists as JSON)."""
    try:
        value: Any = json.loads(text)
    except ValueError:
        return None
    for name in path.split("."):
        if isinstance(value, dict) and name in value:
            value = value[name]
        elif isinstance(value, list) and name.isdigit() and int(name) < len(value):
            value = value[int(name)]
        else:
            return None
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))
