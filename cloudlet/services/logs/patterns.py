"""CloudWatch Logs filter patterns, compiled once into a predicate on an event's message.

Four forms, told apart by their first character:

- terms: ``ERROR "bad request" -DEBUG ?WARN ?FATAL``: every plain term occurs, no ``-`` term
  occurs, and at least one ``?`` term occurs (when there are any). Case-sensitive substrings.
- JSON: ``{ $.level = "error" && ($.latency > 200 || $.user.id NOT EXISTS) }``: the message
  is parsed as JSON; selectors with ``.name`` and ``[index]``; ``=``/``!=`` compare strings
  (``*`` is a wildcard) or numbers, ``<``/``>``/``<=``/``>=`` numbers only; ``IS NULL``,
  ``IS TRUE``, ``IS FALSE``, ``NOT EXISTS``. A selector that is absent matches nothing else.
- space-delimited: ``[ip, user, ..., status = 5*, size > 1000]``: the message split on spaces
  (a "quoted" or [bracketed] run is one field), fields named in order, ``...`` standing for
  any number of fields, conditions joined with ``&&``/``||`` inside one field.
- regular expression: ``%ERROR [0-9]+%``.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable
from typing import Any

from cloudlet.services.logs.errors import InvalidParameterException

Predicate = Callable[[str], bool]
_TOKEN = re.compile(
    r"""\s*(?:(\|\||&&|!=|<=|>=|=|<|>|\(|\)|,)|("(?:[^"\\]|\\.)*")|(%(?:[^%\\]|\\.)*%)|([^\s()=!<>,&|"]+))"""
)
_MISSING = object()


def compile_pattern(pattern: str | None) -> Predicate:
    text = (pattern or "").strip()
    if text in ("", '""'):
        return lambda message: True
    try:
        if text.startswith("{"):
            return _json_pattern(text)
        if text.startswith("["):
            return _delimited_pattern(text)
        if len(text) > 1 and text.startswith("%") and text.endswith("%"):
            regex = re.compile(text[1:-1])
            return lambda message: regex.search(message) is not None
        return _term_pattern(text)
    except (re.error, IndexError, ValueError) as exc:
        raise InvalidParameterException(f"Invalid filter pattern: {exc}") from None


# -- terms ---------------------------------------------------------------------------------------

_TERM = re.compile(r'([-?]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))')


def _term_pattern(text: str) -> Predicate:
    required, excluded, optional = [], [], []
    for match in _TERM.finditer(text):
        prefix, quoted, bare = match.groups()
        term = _unescape(quoted) if quoted is not None else bare
        {"": required, "-": excluded, "?": optional}[prefix].append(term)

    def matches(message: str) -> bool:
        return (
            all(term in message for term in required)
            and not any(term in message for term in excluded)
            and (not optional or any(term in message for term in optional))
        )

    return matches


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


# -- expressions shared by JSON and space-delimited patterns --------------------------------------


class _Tokens:
    def __init__(self, text: str) -> None:
        self.items: list[str] = []
        position = 0
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                if text[position:].strip() == "":
                    break
                raise ValueError(f"unexpected {text[position : position + 10]!r}")
            token = (
                next(group for group in match.groups() if group is not None) if any(match.groups()) else ""
            )
            if token:
                self.items.append(token)
            position = match.end()
        self.index = 0

    def peek(self) -> str | None:
        return self.items[self.index] if self.index < len(self.items) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token.upper() != expected):
            raise ValueError(f"expected {expected or 'more'}, found {token!r}")
        self.index += 1
        return token


def _value_test(op: str, raw: str) -> Callable[[Any], bool]:
    """A test of one field's value against `op raw` (raw as written in the pattern)."""
    if raw.startswith("%") and raw.endswith("%") and len(raw) > 1:
        regex = re.compile(raw[1:-1])

        def found(value: Any) -> bool:
            return value is not _MISSING and value is not None and regex.search(_as_text(value)) is not None

        return found if op == "=" else (lambda value: value is not _MISSING and not found(value))
    text = _unescape(raw[1:-1]) if raw.startswith('"') else raw
    number = _number(text) if not raw.startswith('"') else None
    if op in ("<", ">", "<=", ">="):
        if number is None:
            raise ValueError(f"{op} needs a number, not {raw}")
        compare = {"<": float.__lt__, ">": float.__gt__, "<=": float.__le__, ">=": float.__ge__}[op]
        return lambda value: (field := _number(value)) is not None and compare(field, number)

    def equal(value: Any) -> bool:
        if number is not None and (field := _number(value)) is not None:
            return field == number
        return (
            value is not None
            and isinstance(value, str | int | float)
            and not isinstance(value, bool)
            and fnmatch.fnmatchcase(_as_text(value), text)
        )

    if op == "=":
        return lambda value: value is not _MISSING and equal(value)
    return lambda value: value is not _MISSING and not equal(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None or value is _MISSING:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


# -- JSON ----------------------------------------------------------------------------------------

_SELECTOR = re.compile(r"\.([^.\[\]]+)|\[(\d+|\*)\]")


def _json_pattern(text: str) -> Predicate:
    if not text.endswith("}"):
        raise ValueError("a JSON pattern ends with }")
    tokens = _Tokens(text[1:-1])
    test = _json_or(tokens)
    if tokens.peek() is not None:
        raise ValueError(f"unexpected {tokens.peek()!r}")

    def matches(message: str) -> bool:
        try:
            document = json.loads(message)
        except ValueError:
            return False
        return isinstance(document, dict | list) and test(document)

    return matches


JsonTest = Callable[[Any], bool]


def _json_or(tokens: _Tokens) -> JsonTest:
    tests = [_json_and(tokens)]
    while tokens.peek() == "||":
        tokens.take()
        tests.append(_json_and(tokens))
    return tests[0] if len(tests) == 1 else (lambda doc: any(test(doc) for test in tests))


def _json_and(tokens: _Tokens) -> JsonTest:
    tests = [_json_unary(tokens)]
    while tokens.peek() == "&&":
        tokens.take()
        tests.append(_json_unary(tokens))
    return tests[0] if len(tests) == 1 else (lambda doc: all(test(doc) for test in tests))


def _json_unary(tokens: _Tokens) -> JsonTest:
    if tokens.peek() == "(":
        tokens.take()
        inner = _json_or(tokens)
        tokens.take(")")
        return inner
    selector = tokens.take()
    if not selector.startswith("$"):
        raise ValueError(f"a JSON selector starts with $, not {selector!r}")
    path = _selector(selector[1:])
    op = tokens.take()
    if op.upper() == "IS":
        expected = {"NULL": None, "TRUE": True, "FALSE": False}[tokens.take().upper()]
        return lambda doc: _resolve(doc, path) is expected
    if op.upper() == "NOT":
        tokens.take("EXISTS")
        return lambda doc: _resolve(doc, path) is _MISSING
    if op not in ("=", "!=", "<", ">", "<=", ">="):
        raise ValueError(f"unknown operator {op!r}")
    test = _value_test(op, tokens.take())
    return lambda doc: test(_resolve(doc, path))


def _selector(text: str) -> list[str | int]:
    path: list[str | int] = []
    position = 0
    while position < len(text):
        match = _SELECTOR.match(text, position)
        if match is None:
            raise ValueError(f"bad selector ${text}")
        name, index = match.groups()
        path.append(name if name is not None else (-1 if index == "*" else int(index)))
        position = match.end()
    return path


def _resolve(document: Any, path: list[str | int]) -> Any:
    value = document
    for step in path:
        in_object = isinstance(step, str) and isinstance(value, dict) and step in value
        in_array = isinstance(step, int) and isinstance(value, list) and 0 <= step < len(value)
        if not (in_object or in_array):
            return _MISSING
        value = value[step]
    return value


# -- space-delimited -----------------------------------------------------------------------------

_FIELD = re.compile(r'"([^"]*)"|\[([^\]]*)\]|(\S+)')
FieldTest = Callable[[dict[str, str]], bool]


def _delimited_pattern(text: str) -> Predicate:
    if not text.endswith("]"):
        raise ValueError("a space-delimited pattern ends with ]")
    tokens = _Tokens(text[1:-1])
    names: list[str | None] = []  # None stands for ...
    tests: list[FieldTest] = []
    while tokens.peek() is not None:
        names_here, test = _delimited_entry(tokens)
        names.append(names_here)
        if test is not None:
            tests.append(test)
        if tokens.peek() == ",":
            tokens.take()
        elif tokens.peek() is not None:
            raise ValueError(f"expected , found {tokens.peek()!r}")

    def matches(message: str) -> bool:
        fields = [next(g for g in m.groups() if g is not None) for m in _FIELD.finditer(message)]
        bound = _bind(names, fields)
        return bound is not None and all(test(bound) for test in tests)

    return matches


def _delimited_entry(tokens: _Tokens) -> tuple[str | None, FieldTest | None]:
    first = tokens.peek()
    if first == "...":
        tokens.take()
        return None, None
    name = tokens.take()
    if tokens.peek() in (",", None):
        return name, None
    tests: list[list[FieldTest]] = [[_field_test(name, tokens)]]
    while tokens.peek() in ("&&", "||"):
        joiner = tokens.take()
        if tokens.peek() == name:  # `status = 404 || status = 500` names the field again
            tokens.take()
        test = _field_test(name, tokens)
        if joiner == "&&":
            tests[-1].append(test)
        else:
            tests.append([test])
    return name, lambda fields: any(all(test(fields) for test in group) for group in tests)


def _field_test(name: str, tokens: _Tokens) -> FieldTest:
    op = tokens.take()
    if op not in ("=", "!=", "<", ">", "<=", ">="):
        raise ValueError(f"unknown operator {op!r}")
    test = _value_test(op, tokens.take())
    return lambda fields: test(fields.get(name, _MISSING))


def _bind(names: list[str | None], fields: list[str]) -> dict[str, str] | None:
    """Names to fields, `...` absorbing any run of fields; None when the shapes cannot agree."""
    if not names:
        return {} if not fields else None
    first, rest = names[0], names[1:]
    if first is None:
        for skip in range(len(fields) + 1):
            bound = _bind(rest, fields[skip:])
            if bound is not None:
                return bound
        return None
    if not fields:
        return None
    bound = _bind(rest, fields[1:])
    return None if bound is None else {first: fields[0], **bound}
