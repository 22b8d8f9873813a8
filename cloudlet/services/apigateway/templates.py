"""Mapping templates: Velocity (VTL, through airspeed) with API Gateway's $input, $util,
$context and $stageVariables."""

from __future__ import annotations

import base64
import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote

import airspeed

_STEP = re.compile(
    r"\.([A-Za-z_$][\w$-]*)|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]|\[\s*(-?\d+)\s*\]|\[\s*\*\s*\]|\.\*"
)


class TemplateError(Exception):
    """A template that does not render, or an $input.path into a body that is not JSON."""


def json_path(document: Any, path: str) -> Any:
    """The subset of JSONPath mapping templates use: $, .key, ['key'], [n], [*] and .*."""
    path = (path or "$").strip()
    if not path.startswith("$"):
        raise TemplateError(f"Invalid JSONPath {path}")
    current: list[Any] = [document]
    spread = False
    position = 1
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            raise TemplateError(f"Invalid JSONPath {path}")
        key = match.group(1) or match.group(2) or match.group(3)
        index = match.group(4)
        nxt: list[Any] = []
        for value in current:
            if key is not None and isinstance(value, dict) and key in value:
                nxt.append(value[key])
            elif index is not None and isinstance(value, list) and -len(value) <= int(index) < len(value):
                nxt.append(value[int(index)])
            elif key is None and index is None:
                spread = True
                nxt.extend(
                    value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
                )
        current = nxt
        position = match.end()
    if spread:
        return current
    return current[0] if current else None


class JBool:
    """A boolean that prints as Velocity (Java) prints one: true / false."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = bool(value)

    def __bool__(self) -> bool:
        return self.value

    def __eq__(self, other: object) -> bool:
        return self.value == (other.value if isinstance(other, JBool) else other)

    def __hash__(self) -> int:
        return hash(self.value)

    def __str__(self) -> str:
        return "true" if self.value else "false"


# Method names below are Java's, as templates spell them.
class JMap(dict):
    """A JSON object with the java.util.Map methods templates call."""

    def keySet(self) -> list[Any]:
        return list(self.keys())

    def entrySet(self) -> list[dict[str, Any]]:
        return [JMap(key=k, value=v) for k, v in self.items()]

    def containsKey(self, key: Any) -> JBool:
        return JBool(key in self)

    def isEmpty(self) -> JBool:
        return JBool(not self)

    def size(self) -> int:
        return len(self)


class JList(list):
    """A JSON array with the java.util.List methods templates call."""

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> JBool:
        return JBool(not self)

    def contains(self, item: Any) -> JBool:
        return JBool(item in self)

    def get(self, index: int) -> Any:
        return self[int(index)]


class JString(str):
    """A string with the java.lang.String methods templates call."""

    def length(self) -> int:
        return len(self)

    def toLowerCase(self) -> JString:
        return JString(self.lower())

    def toUpperCase(self) -> JString:
        return JString(self.upper())

    def trim(self) -> JString:
        return JString(self.strip())

    def contains(self, part: str) -> JBool:
        return JBool(str(part) in self)

    def startsWith(self, prefix: str) -> JBool:
        return JBool(self.startswith(str(prefix)))

    def endsWith(self, suffix: str) -> JBool:
        return JBool(self.endswith(str(suffix)))

    def equals(self, other: Any) -> JBool:
        return JBool(str(self) == str(other))

    def isEmpty(self) -> JBool:
        return JBool(not self)

    def substring(self, start: int, end: int | None = None) -> JString:
        return JString(self[int(start) : None if end is None else int(end)])

    def indexOf(self, part: str) -> int:
        return self.find(str(part))

    def replaceAll(self, pattern: str, replacement: str) -> JString:
        return JString(re.sub(pattern, re.sub(r"\$(\d)", r"\\\1", replacement), self))

    def matches(self, pattern: str) -> JBool:
        return JBool(re.fullmatch(pattern, self) is not None)

    def split(self, pattern: str) -> JList:  # type: ignore[override]
        return JList(JString(p) for p in re.split(pattern, self))


def java(value: Any) -> Any:
    """JSON-like data as Velocity sees Java's: maps, lists, strings and booleans with their methods."""
    if isinstance(value, bool):
        return JBool(value)
    if isinstance(value, dict):
        return JMap((k, java(v)) for k, v in value.items())
    if isinstance(value, list):
        return JList(java(v) for v in value)
    if isinstance(value, str):
        return JString(value)
    return value


class Input:
    """$input: the request (or integration response) payload and the method request parameters."""

    def __init__(self, body: bytes, params: dict[str, dict[str, str]]) -> None:
        self.body = body.decode("utf-8", "replace")
        self._params = params

    def _document(self) -> Any:
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise TemplateError("Unable to parse the payload as JSON") from exc

    def json(self, path: str = "$") -> str:
        return json.dumps(json_path(self._document(), path))

    def path(self, path: str = "$") -> Any:
        return java(json_path(self._document(), path))

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return java(self._params)
        for where in ("path", "querystring", "header"):
            found = self._params.get(where, {}).get(name)
            if found is not None:
                return found
        if name.lower() in {k.lower() for k in self._params.get("header", {})}:
            return next(v for k, v in self._params["header"].items() if k.lower() == name.lower())
        return ""


class Util:
    """$util, as API Gateway documents it."""

    @staticmethod
    def escapeJavaScript(value: Any) -> str:
        text = json.dumps(str(value))[1:-1]
        return text.replace("'", "\\'")

    @staticmethod
    def parseJson(value: str) -> Any:
        try:
            return java(json.loads(value))
        except ValueError as exc:
            raise TemplateError("Invalid JSON given to $util.parseJson") from exc

    @staticmethod
    def base64Encode(value: Any) -> str:
        return base64.b64encode(str(value).encode()).decode()

    @staticmethod
    def base64Decode(value: Any) -> str:
        return base64.b64decode(str(value)).decode("utf-8", "replace")

    @staticmethod
    def urlEncode(value: Any) -> str:
        return quote(str(value), safe="")

    @staticmethod
    def urlDecode(value: Any) -> str:
        return unquote(str(value))


@lru_cache(maxsize=512)
def compiled(template: str) -> airspeed.Template:
    """Templates are parsed once: a deployed template's text never changes."""
    return airspeed.Template(template)


def render(
    template: str,
    body: bytes,
    params: dict[str, dict[str, str]],
    context: dict[str, Any],
    stage_variables: dict[str, str],
) -> str:
    namespace = {
        "input": Input(body, params),
        "util": Util(),
        "context": java(context),
        "stageVariables": java(stage_variables),
    }
    try:
        return compiled(template).merge(namespace)
    except TemplateError:
        raise
    except Exception as exc:  # airspeed raises its own and Python errors from inside a template
        raise TemplateError(str(exc)) from exc


def select(templates: dict[str, str] | None, content_type: str | None) -> tuple[str | None, str | None]:
    """(content type, template) for a payload of this content type; (None, None) without one."""
    if not templates:
        return None, None
    wanted = (content_type or "application/json").split(";")[0].strip().lower()
    for key, template in templates.items():
        if key.lower() == wanted:
            return key, template
    return None, None
