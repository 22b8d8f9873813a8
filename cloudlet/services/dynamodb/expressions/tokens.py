"""Splits an expression into tokens; each remembers where it stood, for AWS's syntax errors."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cloudlet.services.dynamodb.errors import ValidationException

# kinds: name, name_ref (#x), value_ref (:x), number (list index), op, eof
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<name_ref>\#[A-Za-z0-9_]+)
  | (?P<value_ref>:[A-Za-z0-9_]+)
  | (?P<name>[A-Za-z][A-Za-z0-9_]*)
  | (?P<number>[0-9]+)
  | (?P<op><>|<=|>=|[=<>(),.\[\]+-])
  | (?P<stray>_)  # a name starts with a letter: "_a" is "_" then "a", a syntax error
""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper()


def tokenize(source: str, label: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            bad = Token("invalid", source[position], position, position + 1)
            raise syntax_error(label, source, [*tokens, bad], len(tokens))
        kind = match.lastgroup or "op"
        if kind != "space":
            tokens.append(Token(kind, match.group(), match.start(), match.end()))
        position = match.end()
    tokens.append(Token("eof", "<EOF>", len(source), len(source)))
    return tokens


def syntax_error(label: str, source: str, tokens: list[Token], at: int) -> ValidationException:
    """AWS's wording: the offending token and the text from the token before it to the one after."""
    token = tokens[at]
    before = tokens[at - 1].start if at > 0 else token.start
    after = tokens[at + 1].end if at + 1 < len(tokens) else token.end
    return ValidationException(
        f'Invalid {label}: Syntax error; token: "{token.text}", near: "{source[before:after]}"'
    )
