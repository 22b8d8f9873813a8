"""Splits a PartiQL statement into tokens; comments (`--`, `/* */`) are whitespace."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cloudlet.services.dynamodb.errors import ValidationException

NOT_WELL_FORMED = "Statement wasn't well formed, can't be processed: "

# kinds: word (unquoted name or keyword), quoted ("name"), string ('text'), number, param (?), op, eof
_TOKEN = re.compile(
    r"""
    (?P<space>\s+|--[^\n]*)
  | (?P<comment>/\*.*?\*/)
  | (?P<quoted>"(?:[^"]|"")*")
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<param>\?)
  | (?P<op><<|>>|<=|>=|<>|!=|[=<>()\[\]{},.:*+\-;])
""",
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str  # the value: unquoted for quoted names and strings
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def malformed(detail: str = "") -> ValidationException:
    return ValidationException(NOT_WELL_FORMED + detail)


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            # An unknown character (`#`) or an unterminated comment, string or name.
            raise malformed()
        kind = match.lastgroup or "op"
        text = match.group()
        if kind == "quoted":
            text = text[1:-1].replace('""', '"')
        elif kind == "string":
            text = text[1:-1].replace("''", "'")
        if kind not in ("space", "comment"):
            tokens.append(Token(kind, text, match.start(), match.end()))
        position = match.end()
    tokens.append(Token("eof", "", len(source), len(source)))
    return tokens


def location(source: str, token: Token, length: int | None = None) -> str:
    """AWS's `line:column:length` of a token, counted from 1."""
    line = source.count("\n", 0, token.start) + 1
    column = token.start - (source.rfind("\n", 0, token.start) + 1) + 1
    return f"{line}:{column}:{length if length is not None else token.end - token.start}"
