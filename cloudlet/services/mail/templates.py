"""Templates and their rendering: the Handlebars subset SES documents.

`{{name}}` and `{{a.b}}` substitute values; `{{#if x}}...{{else}}...{{/if}}`,
`{{#unless x}}` and `{{#each list}}...{{this}}...{{/each}}` (inside, names resolve against the
item first, then outward). A name the data lacks is an error (SES fails such a message
with a rendering failure; TestRenderTemplate reports it).
"""

from __future__ import annotations

import json
import re
from typing import Any

from cloudlet.services.mail.errors import InvalidTemplate, MissingAttribute

_TAG = re.compile(r"\{\{\{?\s*([#/]?)([\w.@-]+|else)(?:\s+([\w.@-]+))?\s*\}?\}\}")
_BLOCKS = frozenset({"if", "unless", "each"})


def parse_data(text: str | None) -> dict[str, Any]:
    if text is None or text == "":
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        raise InvalidTemplate("Template data is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidTemplate("Template data must be a JSON object.")
    return data


def render(text: str | None, data: dict[str, Any]) -> str | None:
    if text is None:
        return None
    nodes, rest = _parse(_tokens(text), None)
    if rest:
        raise InvalidTemplate(f"Unexpected {{{{/{rest[0][1]}}}}} in template")
    return "".join(_render(nodes, [data]))


def _tokens(text: str) -> list[tuple[str, str, str | None]]:
    """("text", literal, None) and ("#"|"/"|""|"else", name, argument) tokens, in order."""
    tokens: list[tuple[str, str, str | None]] = []
    position = 0
    for match in _TAG.finditer(text):
        if match.start() > position:
            tokens.append(("text", text[position:match.start()], None))
        kind, name, argument = match.groups()
        tokens.append(("else" if name == "else" and not kind else kind, name, argument))
        position = match.end()
    if position < len(text):
        tokens.append(("text", text[position:], None))
    return tokens


def _parse(tokens: list, closing: str | None) -> tuple[list, list]:
    """Nodes up to the `{{/closing}}` (consumed); returns (nodes, tokens after it)."""
    nodes: list[Any] = []
    while tokens:
        token, tokens = tokens[0], tokens[1:]
        kind, name, argument = token
        if kind == "/":
            if name != closing:
                raise InvalidTemplate(f"Unexpected {{{{/{name}}}}} in template")
            return nodes, tokens
        if kind == "#":
            if name not in _BLOCKS or argument is None:
                raise InvalidTemplate(f"Unsupported block {{{{#{name}}}}} in template")
            body, tokens = _parse(tokens, name)
            nodes.append(("block", name, argument, *_split_else(body)))
        else:
            nodes.append(token)
    if closing is not None:
        raise InvalidTemplate(f"Missing {{{{/{closing}}}}} in template")
    return nodes, []


def _split_else(body: list) -> tuple[list, list]:
    for index, node in enumerate(body):
        if node[0] == "else":
            return body[:index], body[index + 1:]
    return body, []


def _lookup(name: str, scopes: list[Any]) -> Any:
    if name == "this":
        return scopes[-1]
    for scope in reversed(scopes):
        value: Any = scope
        for part in name.split("."):
            if isinstance(value, dict) and part in value:
                value = value[part]
            else:
                break
        else:
            return value
    raise MissingAttribute(f"Attribute '{name}' is not present in the rendering data.")


def _render(nodes: list, scopes: list[Any]) -> list[str]:
    out: list[str] = []
    for node in nodes:
        if node[0] == "text":
            out.append(node[1])
        elif node[0] == "block":
            out.extend(_block(node, scopes))
        elif node[0] == "":
            value = _lookup(node[1], scopes)
            out.append(value if isinstance(value, str) else json.dumps(value) if isinstance(value, (dict, list))
                       else str(value).lower() if isinstance(value, bool) else str(value))
    return out


def _block(node: tuple, scopes: list[Any]) -> list[str]:
    _, name, argument, body, otherwise = node
    try:
        value = _lookup(argument, scopes)
    except MissingAttribute:
        value = None
    if name == "each":
        if not value:
            return _render(otherwise, scopes)
        return [part for item in value for part in _render(body, [*scopes, item])]
    truthy = bool(value)
    return _render(body if truthy == (name == "if") else otherwise, scopes)
