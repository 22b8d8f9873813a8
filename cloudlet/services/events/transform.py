"""What a target receives: the event itself, or its Input, InputPath or InputTransformer.

InputPath and the InputTransformer's InputPathsMap take the JSON path subset AWS documents:
`$`, dot notation (names with dashes and underscores), array indices `[n]` and `*`.

An InputTemplate that is JSON (it starts with `{`, `[` or `"`) gets each placeholder outside a
string as the JSON value (a string in quotes, a missing path as null) and inside a string as
its text (escaped for the string, a missing path as nothing); any other template is text and
gets string values without quotes. Besides the InputPathsMap's variables, the predefined
<aws.events.rule-arn>, <aws.events.rule-name>, <aws.events.event.ingestion-time>,
<aws.events.event> (the event without its detail) and <aws.events.event.json> are filled in.
"""

from __future__ import annotations

import json
import re
from typing import Any

_MISSING = object()
_STEP = re.compile(r"\.([A-Za-z0-9_\-/]+|\*)|\[(\d+|\*)\]")
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
to_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
PREDEFINED = ("aws.events.rule-arn", "aws.events.rule-name", "aws.events.event.ingestion-time",
              "aws.events.event", "aws.events.event.json")


class PathError(ValueError):
    """Not a JSON path EventBridge evaluates."""


def check_path(path: str) -> None:
    if not isinstance(path, str) or not path.startswith("$"):
        raise PathError(path)
    position = 1
    for match in _STEP.finditer(path, 1):
        if match.start() != position:
            raise PathError(path)
        position = match.end()
    if position != len(path):
        raise PathError(path)


def extract(document: Any, path: str) -> Any:
    """The value at `path`, or _MISSING; `*` collects every element's value into a list."""
    values = [document]
    for match in _STEP.finditer(path, 1):
        name, index = match.groups()
        step = name if name is not None else index
        values = [child for value in values for child in _children(value, step, index is not None)]
    if not values:
        return _MISSING
    return values if "*" in path else values[0]


def _children(value: Any, step: str, indexed: bool) -> list[Any]:
    if step == "*":
        if isinstance(value, dict):
            return list(value.values())
        return list(value) if isinstance(value, list) else []
    if indexed:
        position = int(step)
        return [value[position]] if isinstance(value, list) and position < len(value) else []
    return [value[step]] if isinstance(value, dict) and step in value else []


def render(target: dict[str, Any], event: dict[str, Any], rule_arn: str, rule_name: str,
           ingestion_time: str) -> str:
    """The body the target is sent, from the event and the target's input settings."""
    if "Input" in target:
        return target["Input"]
    if "InputPath" in target:
        value = extract(event, target["InputPath"])
        return "" if value is _MISSING else to_json(value)
    transformer = target.get("InputTransformer")
    if transformer:
        variables = {name: extract(event, path) for name, path in (transformer.get("InputPathsMap") or {}).items()}
        without_detail = {key: value for key, value in event.items() if key != "detail"}
        variables |= {"aws.events.rule-arn": rule_arn, "aws.events.rule-name": rule_name,
                      "aws.events.event.ingestion-time": ingestion_time,
                      "aws.events.event": _Raw(to_json(without_detail)), "aws.events.event.json": _Raw(to_json(event))}
        return fill(transformer["InputTemplate"], variables)
    return to_json(event)


class _Raw(str):
    """JSON text inserted as it is (the predefined whole-event variables)."""


def fill(template: str, variables: dict[str, Any]) -> str:
    structured = template.lstrip()[:1] in ('{', '[', '"')
    out: list[str] = []
    in_string = False
    index = 0
    while index < len(template):
        char = template[index]
        if structured and char == '"' and not _escaped(template, index):
            in_string = not in_string
        if char == "<":
            match = _PLACEHOLDER.match(template, index)
            if match and match.group(1) in variables:
                out.append(_value_text(variables[match.group(1)], structured, in_string))
                index = match.end()
                continue
        out.append(char)
        index += 1
    return "".join(out)


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index - backslashes - 1 >= 0 and text[index - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _value_text(value: Any, structured: bool, in_string: bool) -> str:
    if isinstance(value, _Raw):
        return str(value)
    if value is _MISSING:
        return "null" if structured and not in_string else ""
    if structured and not in_string:
        return to_json(value)
    text = value if isinstance(value, str) else to_json(value)
    return to_json(text)[1:-1] if in_string else text
