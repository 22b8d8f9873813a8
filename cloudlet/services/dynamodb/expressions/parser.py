"""Recursive-descent parser: expression text -> AST, resolving #name and :value placeholders.

Grammar (keywords are case-insensitive)::

    condition   := disjunct (OR disjunct)*
    disjunct    := conjunct (AND conjunct)*
    conjunct    := NOT conjunct | '(' condition ')' | function | comparison
    comparison  := operand ( comparator operand | BETWEEN operand AND operand
                           | IN '(' operand (',' operand)* ')' )
    operand     := path | :value | size '(' path ')'
    path        := name ('.' name | '[' number ']')*          name := identifier | #name
    update      := (SET set (',' set)* | REMOVE path (',' path)* | ADD path :value (',' ...)*
                    | DELETE path :value (',' ...)*)+
    set         := path '=' term (('+' | '-') term)?
    term        := operand | if_not_exists '(' path ',' term ')' | list_append '(' term ',' term ')'
    projection  := path (',' path)*
"""

from __future__ import annotations

import base64
import itertools
from typing import Any

from cloudlet.services.dynamodb.attributes import sort_value
from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.expressions import ast
from cloudlet.services.dynamodb.expressions.reserved import RESERVED_WORDS
from cloudlet.services.dynamodb.expressions.tokens import Token, syntax_error, tokenize

COMPARATORS = frozenset({"=", "<>", "<", "<=", ">", ">="})
MAX_OPERATORS = 300
MAX_NESTING = 160
MAX_PATH_DEPTH = 32
CONDITION_FUNCTIONS = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
}
OPERAND_FUNCTIONS = {"size": 1}
UPDATE_FUNCTIONS = {"if_not_exists": 2, "list_append": 2}
ALL_FUNCTIONS = {**CONDITION_FUNCTIONS, **OPERAND_FUNCTIONS, **UPDATE_FUNCTIONS}
_CLAUSES = ("SET", "REMOVE", "ADD", "DELETE")
MAX_EXPRESSION = 4096


class Placeholders:
    """The request's ExpressionAttributeNames/Values, and which of them expressions used."""

    def __init__(self, names: dict[str, str] | None, values: dict[str, Any] | None) -> None:
        self.names = names or {}
        self.values = values or {}
        self.used_names: set[str] = set()
        self.used_values: set[str] = set()

    def name(self, ref: str, label: str) -> str:
        if ref not in self.names:
            raise ValidationException(
                f"Invalid {label}: An expression attribute name used in the document path"
                f" is not defined; attribute name: {ref}"
            )
        self.used_names.add(ref)
        return self.names[ref]

    def value(self, ref: str, label: str) -> dict[str, Any]:
        if ref not in self.values:
            raise ValidationException(
                f"Invalid {label}: An expression attribute value used in expression"
                f" is not defined; attribute value: {ref}"
            )
        self.used_values.add(ref)
        return self.values[ref]

    def check_unused(self) -> None:
        unused = [ref for ref in self.names if ref not in self.used_names]
        if unused:
            raise ValidationException(
                "Value provided in ExpressionAttributeNames unused in expressions:"
                f" keys: {{{', '.join(unused)}}}"
            )
        unused = [ref for ref in self.values if ref not in self.used_values]
        if unused:
            raise ValidationException(
                "Value provided in ExpressionAttributeValues unused in expressions:"
                f" keys: {{{', '.join(unused)}}}"
            )


class Parser:
    def __init__(self, source: str, label: str, placeholders: Placeholders) -> None:
        if not source.strip():
            raise ValidationException(f"Invalid {label}: The expression can not be empty;")
        if len(source) > MAX_EXPRESSION:
            raise ValidationException(
                f"Invalid {label}: Expression size has exceeded the maximum allowed size;"
                f" expression size: {len(source)}"
            )
        self.source = source
        self.label = label
        self.placeholders = placeholders
        self.tokens = tokenize(source, label)
        self.position = 0
        self.operators = 0
        self.depth = 0
        self.last_group: tuple[int, int] | None = None  # token span of the last (...) closed

    # -- token helpers --------------------------------------------------------------------------

    @property
    def token(self) -> Token:
        return self.tokens[self.position]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.position + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.token
        self.position += 1
        return token

    def at_keyword(self, word: str) -> bool:
        return self.token.kind == "name" and self.token.upper == word

    def at_op(self, text: str) -> bool:
        return self.token.kind == "op" and self.token.text == text

    def expect_op(self, text: str) -> None:
        if not self.at_op(text):
            raise self.error()
        self.advance()

    def error(self) -> ValidationException:
        return syntax_error(self.label, self.source, self.tokens, self.position)

    def fail(self, message: str) -> ValidationException:
        return ValidationException(f"Invalid {self.label}: {message}")

    def count_operator(self) -> None:
        self.operators += 1
        if self.operators > MAX_OPERATORS:
            raise self.fail(f"The expression contains too many operators; operator count: {self.operators}")

    def nested(self, parse: Any) -> Any:
        """Parses one level deeper; the depth is bounded so that no expression under the size
        limit can exhaust the stack (AWS refuses such expressions for their redundant
        parentheses or their operator count first)."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.fail("The expression is nested too deeply")
        node = parse()
        self.depth -= 1
        return node

    def finish(self) -> None:
        if self.token.kind != "eof":
            raise self.error()

    # -- conditions ------------------------------------------------------------------------------

    def condition(self) -> Any:
        node = self.disjunct()
        while self.at_keyword("OR"):
            self.advance()
            self.count_operator()
            node = ast.Or(node, self.disjunct())
        return node

    def disjunct(self) -> Any:
        node = self.conjunct()
        while self.at_keyword("AND"):
            self.advance()
            self.count_operator()
            node = ast.And(node, self.conjunct())
        return node

    def conjunct(self) -> Any:
        if self.at_keyword("NOT"):
            self.advance()
            self.count_operator()
            return ast.Not(self.conjunct())  # the operator count bounds this recursion
        if self.at_op("("):
            start = self.position
            self.advance()
            node = self.nested(self.condition)
            end = self.position
            self.expect_op(")")
            if self.last_group == (start + 1, end - 1):
                raise self.fail("The expression has redundant parentheses;")
            self.last_group = (start, end)
            return node
        if self.token.kind == "name" and self.peek().text == "(" and self.token.text not in OPERAND_FUNCTIONS:
            call = self.call()
            if call.name not in CONDITION_FUNCTIONS:
                raise self.fail(
                    f"The function is not allowed to be used this way in an expression; function: {call.name}"
                )
            return call
        return self.comparison()

    def comparison(self) -> Any:
        left = self.operand()
        token = self.token
        if token.kind == "op" and token.text in COMPARATORS:
            self.advance()
            self.count_operator()
            right = self.operand()
            self._check_distinct(token.text, left, (right,))
            if token.text not in ("=", "<>"):
                self._check_ordered(token.text, (left, right))
            return ast.Compare(token.text, left, right)
        if self.at_keyword("BETWEEN"):
            self.advance()
            self.count_operator()
            low = self.operand()
            if not self.at_keyword("AND"):
                raise self.error()
            self.advance()
            high = self.operand()
            self._check_distinct("BETWEEN", left, (low, high))
            self._check_ordered("BETWEEN", (left, low, high))
            self._check_bounds(low, high)
            return ast.Between(left, low, high)
        if self.at_keyword("IN"):
            self.advance()
            self.count_operator()
            self.expect_op("(")
            choices = [self.operand()]
            while self.at_op(","):
                self.advance()
                choices.append(self.operand())
            self.expect_op(")")
            if len(choices) > 100:
                raise self.fail(
                    f"The IN operator is provided with too many operands; number of operands: {len(choices)}"
                )
            self._check_distinct("IN", left, choices)
            return ast.In(left, tuple(choices))
        raise self.error()

    def operand(self) -> Any:
        token = self.token
        if token.kind == "value_ref":
            self.advance()
            return ast.Value(self.placeholders.value(token.text, self.label))
        if token.kind == "name" and self.peek().text == "(":
            call = self.call()
            if call.name in CONDITION_FUNCTIONS:
                raise self.fail(
                    f"The function is not allowed to be used this way in an expression; function: {call.name}"
                )
            if call.name in UPDATE_FUNCTIONS:
                raise self.fail(
                    f"The function is not allowed in a condition expression; function: {call.name}"
                )
            return call
        return self.path()

    def call(self) -> ast.Call:
        name_token = self.advance()
        name = name_token.text
        if name not in ALL_FUNCTIONS:
            raise self.fail(f"Invalid function name; function: {name}")
        self.expect_op("(")
        argument = self.term if name in UPDATE_FUNCTIONS else self.operand
        args = [self.nested(argument)]
        while self.at_op(","):
            self.advance()
            args.append(self.nested(argument))
        self.expect_op(")")
        if len(args) != ALL_FUNCTIONS[name]:
            raise self.fail(
                f"Incorrect number of operands for operator or function; operator or function: {name},"
                f" number of operands: {len(args)}"
            )
        first = args[0]
        # attribute_type also takes a value (:v) as its first operand, documentation aside.
        if name in (
            "attribute_exists",
            "attribute_not_exists",
            "if_not_exists",
            "size",
        ) and not isinstance(first, ast.Path):
            raise self.fail(f"Operator or function requires a document path; operator or function: {name}")
        if name == "attribute_type":
            self._check_type_name(args[1])
        if name in CONDITION_FUNCTIONS:
            self._check_distinct(name, first, args[1:])
        if name == "begins_with":
            for arg in args:
                if isinstance(arg, ast.Value) and next(iter(arg.value)) not in ("S", "B"):
                    raise self.fail(
                        "Incorrect operand type for operator or function; operator or function:"
                        f" begins_with, operand type: {next(iter(arg.value))}"
                    )
        return ast.Call(name, tuple(args))

    def _check_distinct(self, operator: str, first: Any, rest: Any) -> None:
        """`a = a`, `a BETWEEN a AND :x`, `begins_with(a, a)`: AWS refuses them as written."""
        if isinstance(first, ast.Path) and first in rest:
            raise self.fail(
                "The first operand must be distinct from the remaining operands for this operator or"
                f" function; operator: {operator}, first operand: {first}"
            )

    def _check_ordered(self, operator: str, operands: tuple[Any, ...]) -> None:
        """Order comparisons take strings, numbers and binaries; a constant of another type is an
        error in the request (an attribute of another type only makes the condition false)."""
        for operand in operands:
            if isinstance(operand, ast.Value) and next(iter(operand.value)) not in ("S", "N", "B"):
                raise self.fail(
                    f"Incorrect operand type for operator or function; operator or function: {operator},"
                    f" operand type: {next(iter(operand.value))}"
                )

    def _check_bounds(self, low: Any, high: Any) -> None:
        if not (isinstance(low, ast.Value) and isinstance(high, ast.Value)):
            return
        low_key, high_key = sort_value(low.value), sort_value(high.value)
        if low_key is None or high_key is None:
            return
        if low_key[0] != high_key[0]:
            problem = "requires same data type for lower and upper bounds"
        elif low_key[1] > high_key[1]:
            problem = "requires upper bound to be greater than or equal to lower bound"
        else:
            return
        raise self.fail(
            f"The BETWEEN operator {problem}; lower bound operand: AttributeValue: {_shown(low.value)},"
            f" upper bound operand: AttributeValue: {_shown(high.value)}"
        )

    def _check_type_name(self, arg: Any) -> None:
        types = ("S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M")
        if not isinstance(arg, ast.Value) or "S" not in arg.value:
            raise self.fail(
                "Incorrect operand type for operator or function; operator or function: attribute_type,"
                f" operand type: {next(iter(arg.value)) if isinstance(arg, ast.Value) else 'PATH'}"
            )
        if arg.value["S"] not in types:
            raise self.fail(
                f"Invalid attribute type name found; type: {arg.value['S']}, valid types:"
                " { B,N,S,BOOL,NULL,SS,NS,BS,L,M }"
            )

    # -- paths -----------------------------------------------------------------------------------

    def path(self) -> ast.Path:
        elements: list[ast.PathElement] = [self.path_name()]
        while True:
            if self.at_op("."):
                self.advance()
                elements.append(self.path_name())
            elif self.at_op("["):
                self.advance()
                if self.token.kind != "number":
                    raise self.error()
                elements.append(int(self.advance().text))
                self.expect_op("]")
            else:
                if len(elements) > MAX_PATH_DEPTH:
                    raise self.fail(
                        f"The document path has too many nesting levels; nesting levels: {len(elements)}"
                    )
                return ast.Path(tuple(elements))

    def path_name(self) -> str:
        token = self.token
        if token.kind == "name_ref":
            self.advance()
            return self.placeholders.name(token.text, self.label)
        if token.kind != "name":
            raise self.error()
        if token.upper in RESERVED_WORDS:
            raise self.fail(f"Attribute name is a reserved keyword; reserved keyword: {token.text}")
        self.advance()
        return token.text

    # -- updates ---------------------------------------------------------------------------------

    def update(self) -> ast.Update:
        clauses: dict[str, list[Any]] = {}
        while self.token.kind != "eof":
            if not (self.token.kind == "name" and self.token.upper in _CLAUSES):
                raise self.error()
            clause = self.advance().upper
            if clause in clauses:
                raise self.fail(f'The "{clause}" section can only be used once in an update expression;')
            entries = clauses[clause] = [self.update_action(clause)]
            while self.at_op(","):
                self.advance()
                entries.append(self.update_action(clause))
        return ast.Update(
            tuple(clauses.get("SET", ())),
            tuple(clauses.get("REMOVE", ())),
            tuple(clauses.get("ADD", ())),
            tuple(clauses.get("DELETE", ())),
        )

    def update_action(self, clause: str) -> Any:
        path = self.path()
        if clause == "REMOVE":
            return path
        if clause == "SET":
            self.expect_op("=")
            value = self.term()
            if self.token.kind == "op" and self.token.text in "+-":
                op = self.advance().text
                value = ast.Arithmetic(op, value, self.term())
            return path, value
        if self.token.kind != "value_ref":
            raise self.error()
        value = ast.Value(self.placeholders.value(self.advance().text, self.label))
        kind = next(iter(value.value))
        allowed = ("N", "SS", "NS", "BS") if clause == "ADD" else ("SS", "NS", "BS")
        if kind not in allowed:
            raise self.fail(
                f"Incorrect operand type for operator or function; operator: {clause},"
                f" operand type: {TYPE_NAMES.get(kind, kind)}"
            )
        return path, value

    def term(self) -> Any:
        if self.token.kind == "name" and self.peek().text == "(":
            call = self.call()
            if call.name not in UPDATE_FUNCTIONS:
                raise self.fail(f"The function is not allowed in an update expression; function: {call.name}")
            return call
        token = self.token
        if token.kind == "value_ref":
            self.advance()
            return ast.Value(self.placeholders.value(token.text, self.label))
        return self.path()

    # -- projections -----------------------------------------------------------------------------

    def projection(self) -> list[ast.Path]:
        paths = [self.path()]
        while self.at_op(","):
            self.advance()
            paths.append(self.path())
        return paths


TYPE_NAMES = {
    "S": "STRING",
    "N": "NUMBER",
    "B": "BINARY",
    "BOOL": "BOOLEAN",
    "NULL": "NULL",
    "M": "MAP",
    "L": "LIST",
    "SS": "SET",
    "NS": "SET",
    "BS": "SET",
}


def _shown(value: dict[str, Any]) -> str:
    """A value as AWS prints it in an error: {N:2}, {S:dog}, {B:<base64>}."""
    ((kind, data),) = value.items()
    if kind == "B":
        data = base64.b64encode(bytes(data)).decode()
    return f"{{{kind}:{data}}}"


def parse_condition(source: str, placeholders: Placeholders, label: str = "ConditionExpression") -> Any:
    parser = Parser(source, label, placeholders)
    node = parser.condition()
    parser.finish()
    return node


def parse_update(source: str, placeholders: Placeholders) -> ast.Update:
    parser = Parser(source, "UpdateExpression", placeholders)
    update = parser.update()
    parser.finish()
    check_overlaps(update.paths(), parser.fail)
    return update


def parse_projection(source: str, placeholders: Placeholders) -> list[ast.Path]:
    parser = Parser(source, "ProjectionExpression", placeholders)
    paths = parser.projection()
    parser.finish()
    check_overlaps(paths, parser.fail)
    return paths


def check_overlaps(paths: list[ast.Path], fail: Any) -> None:
    ordered = sorted(paths, key=lambda path: [(isinstance(e, int), e) for e in path.elements])
    for first, second in itertools.pairwise(ordered):
        if second.elements[: len(first.elements)] == first.elements:
            raise fail(
                "Two document paths overlap with each other; must remove or rewrite one of these paths;"
                f" path one: {first}, path two: {second}"
            )
    for position, first in enumerate(paths):
        for second in paths[position + 1 :]:
            if _conflict(first.elements, second.elements):
                raise fail(
                    "Two document paths conflict with each other; must remove or rewrite one of these"
                    f" paths; path one: {first}, path two: {second}"
                )


def _conflict(one: tuple[Any, ...], two: tuple[Any, ...]) -> bool:
    """One path uses an attribute as a map (a.b) where the other uses it as a list (a[1])."""
    for left, right in zip(one, two, strict=False):
        if left != right:
            return isinstance(left, int) != isinstance(right, int)
    return False
