"""Recursive-descent PartiQL parser: statement text + `?` parameters -> a bound statement.

Grammar (keywords case-insensitive; names unquoted or in double quotes)::

    statement  := (select | insert | update | delete) [';']
    select     := SELECT ('*' | path (',' path)*) FROM name ['.' name] [WHERE condition]
                  [ORDER BY name [ASC | DESC] (',' ...)*]
    insert     := INSERT INTO name VALUE value
    update     := UPDATE name (SET assign (',' assign)* | REMOVE path (',' path)*)+ WHERE condition
                  [RETURNING (ALL | MODIFIED) (OLD | NEW) '*']
    delete     := DELETE FROM name WHERE condition [RETURNING ALL OLD '*']
    condition  := conjunct (OR conjunct)* ; conjunct := negation (AND negation)*
    negation   := NOT negation | '(' condition ')' | function | operand predicate
    predicate  := cmp operand | [NOT] BETWEEN operand AND operand | [NOT] IN list
                | IS [NOT] (MISSING | NULL)
    operand    := path | value | SIZE '(' path ')'
    assign     := path '=' term [('+' | '-') term]
    term       := operand | LIST_APPEND(term, term) | SET_ADD(path, set) | SET_DELETE(path, set)
    value      := 'string' | number | TRUE | FALSE | NULL | '?' | '[' value, ... ']'
                | '{' 'key' ':' value, ... '}' | '<<' value, ... '>>'
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from cloudlet.services.dynamodb.attributes import AttributeValue, canonical_number, check_value
from cloudlet.services.dynamodb.errors import ValidationException
from cloudlet.services.dynamodb.expressions import ast
from cloudlet.services.dynamodb.partiql import statements
from cloudlet.services.dynamodb.partiql.lexer import Token, location, malformed, tokenize

# Words PartiQL reserves: unquoted, they cannot name a table or an attribute.
_KEYWORD_TEXT = """
    ALL AND AS ASC BETWEEN BY CASE CAST CREATE DELETE DESC DISTINCT DROP ELSE END ESCAPE EXISTS FALSE FROM
    GROUP HAVING IN INDEX INNER INSERT INTO IS JOIN LEFT LIKE LIMIT MISSING NOT NULL OFFSET ON OR ORDER
    OUTER PAD REMOVE RETURNING RIGHT SELECT SET TABLE THEN TRUE UNION UPDATE VALUE VALUES WHEN WHERE
"""
KEYWORDS = frozenset(_KEYWORD_TEXT.split())
COMPARATORS = {"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
CONDITION_FUNCTIONS = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
}
_PATH_FIRST = ("attribute_exists", "attribute_not_exists", "attribute_type", "size")
_RETURNING = {
    ("ALL", "OLD"): "ALL_OLD",
    ("MODIFIED", "OLD"): "UPDATED_OLD",
    ("ALL", "NEW"): "ALL_NEW",
    ("MODIFIED", "NEW"): "UPDATED_NEW",
}
_MAX_EXPONENT = 2**31 - 1
PARAMETER_COUNT = "Number of parameters in request and statement don't match."


def parse(source: str, parameters: list[AttributeValue] | None = None) -> statements.Statement:
    return Parser(source, parameters or []).statement()


class Parser:
    def __init__(self, source: str, parameters: list[AttributeValue]) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.position = 0
        self.parameters = parameters
        self.used = 0

    # -- tokens ----------------------------------------------------------------------------------

    @property
    def token(self) -> Token:
        return self.tokens[self.position]

    def peek(self) -> Token:
        return self.tokens[min(self.position + 1, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.token
        self.position += 1
        return token

    def at_op(self, text: str) -> bool:
        return self.token.kind == "op" and self.token.text == text

    def at_keyword(self, *words: str) -> bool:
        return self.token.upper in words

    def expect_op(self, text: str) -> None:
        if not self.at_op(text):
            raise self.unexpected()
        self.advance()

    def expect_keyword(self, word: str) -> None:
        if not self.at_keyword(word):
            raise self.unexpected()
        self.advance()

    def unexpected(self) -> ValidationException:
        token = self.token
        if token.kind == "eof":
            return malformed("Unexpected end of statement")
        if token.upper in KEYWORDS:
            return malformed("Unexpected keyword")
        return malformed("Unexpected token")

    # -- statements ------------------------------------------------------------------------------

    def statement(self) -> statements.Statement:
        if not self.tokens[:-1]:
            raise malformed("Unexpected end of statement")
        parse_kind = {
            "SELECT": self.select,
            "INSERT": self.insert,
            "UPDATE": self.update,
            "DELETE": self.delete,
        }.get(self.token.upper)
        if parse_kind is None:
            raise malformed("Expected data manipulation")
        result = parse_kind()
        if self.at_op(";"):
            self.advance()
        if self.token.kind != "eof":
            raise malformed("Unexpected token after expression")
        return result

    def select(self) -> statements.Select:
        self.advance()
        projection = None
        if self.at_op("*"):
            self.advance()
        else:
            projection = [self.projected_path()]
            while self.at_op(","):
                self.advance()
                projection.append(self.projected_path())
        self.expect_keyword("FROM")
        table = self.name()
        index = None
        if self.at_op("."):
            self.advance()
            index = self.name()
        self.refuse_alias()
        where = None
        if self.at_keyword("WHERE"):
            self.advance()
            where = self.condition()
        return statements.Select(
            table, index, tuple(projection) if projection else None, where, self.order_by()
        )

    def projected_path(self) -> ast.Path:
        if self.token.kind == "word" and self.peek().text == "(":
            raise ValidationException(f"Unexpected path component at {location(self.source, self.token)}")
        return self.path()

    def order_by(self) -> tuple[tuple[str, bool], ...]:
        if not self.at_keyword("ORDER"):
            return ()
        self.advance()
        self.expect_keyword("BY")
        order = []
        while True:
            name = self.name()
            descending = self.at_keyword("DESC")
            if self.at_keyword("ASC", "DESC"):
                self.advance()
            order.append((name, descending))
            if not self.at_op(","):
                return tuple(order)
            self.advance()

    def insert(self) -> statements.Insert:
        self.advance()
        self.expect_keyword("INTO")
        table = self.name()
        if not self.at_keyword("VALUE"):
            raise malformed(
                "Unexpected keyword" if self.token.upper in KEYWORDS else "Unexpected token after expression"
            )
        self.advance()
        # Each attribute's value is its own root in AWS's messages ("under root.x").
        value = {"M": self.mapping("root", nested=False)} if self.at_op("{") else self.value("root")
        if "M" not in value:
            raise ValidationException(f"Unsupported data type: {next(iter(value))} under key root")
        return statements.Insert(table, value["M"])

    def update(self) -> statements.Update:
        self.advance()
        table = self.name()
        self.refuse_alias()
        sets: list[tuple[ast.Path, Any]] = []
        removes: list[ast.Path] = []
        adds: list[tuple[ast.Path, ast.Value]] = []
        deletes: list[tuple[ast.Path, ast.Value]] = []
        while self.at_keyword("SET", "REMOVE"):
            clause = self.advance().upper
            while True:
                if clause == "REMOVE":
                    removes.append(self.path())
                else:
                    self.assignment(sets, adds, deletes)
                if not self.at_op(","):
                    break
                self.advance()
        if not (sets or removes or adds or deletes):
            raise self.unexpected()
        where = self.where()
        return statements.Update(
            table,
            ast.Update(tuple(sets), tuple(removes), tuple(adds), tuple(deletes)),
            where,
            self.returning(all_words=("ALL", "MODIFIED"), ages=("OLD", "NEW")),
        )

    def delete(self) -> statements.Delete:
        self.advance()
        self.expect_keyword("FROM")
        table = self.name()
        self.refuse_alias()
        where = self.where()
        return statements.Delete(table, where, self.returning(all_words=("ALL",), ages=("OLD",)))

    def where(self) -> Any:
        self.expect_keyword("WHERE")
        return self.condition()

    def returning(self, all_words: tuple[str, ...], ages: tuple[str, ...]) -> str | None:
        if not self.at_keyword("RETURNING"):
            return None
        self.advance()
        scope = self.token.upper
        if scope not in all_words:
            raise self.unexpected()
        self.advance()
        age = self.token.upper
        if age not in ages:
            raise self.unexpected()
        self.advance()
        self.expect_op("*")
        return _RETURNING[(scope, age)]

    def refuse_alias(self) -> None:
        token = self.token
        if (
            token.upper == "AS"
            or token.kind == "quoted"
            or (token.kind == "word" and token.upper not in KEYWORDS)
        ):
            raise ValidationException("Aliasing is not supported")

    # -- names and paths -------------------------------------------------------------------------

    def name(self) -> str:
        token = self.token
        if token.kind == "quoted" or (token.kind == "word" and token.upper not in KEYWORDS):
            self.advance()
            return token.text
        raise self.unexpected()

    def path(self) -> ast.Path:
        elements: list[ast.PathElement] = [self.name()]
        while True:
            if self.at_op("."):
                self.advance()
                token = self.token
                if token.kind not in ("word", "quoted") or token.upper in KEYWORDS:
                    raise malformed("Invalid path dot component")
                elements.append(self.advance().text)
            elif self.at_op("["):
                self.advance()
                token = self.advance()
                if token.kind == "number" and token.text.isdigit():
                    elements.append(int(token.text))
                elif token.kind == "string":
                    elements.append(token.text)
                else:
                    raise malformed("Invalid path component")
                self.expect_op("]")
            else:
                return ast.Path(tuple(elements))

    # -- conditions ------------------------------------------------------------------------------

    def condition(self) -> Any:
        node = self.conjunction()
        while self.at_keyword("OR"):
            self.advance()
            node = ast.Or(node, self.conjunction())
        return node

    def conjunction(self) -> Any:
        node = self.negation()
        while self.at_keyword("AND"):
            self.advance()
            node = ast.And(node, self.negation())
        return node

    def negation(self) -> Any:
        if self.at_keyword("NOT"):
            self.advance()
            return ast.Not(self.negation())
        if self.at_op("("):
            self.advance()
            node = self.condition()
            self.expect_op(")")
            return node
        if (
            self.token.kind == "word"
            and self.peek().text == "("
            and self.token.text.lower() in CONDITION_FUNCTIONS
        ):
            return self.function()
        return self.predicate(self.operand())

    def predicate(self, left: Any) -> Any:
        token = self.token
        if token.kind == "op" and token.text in COMPARATORS:
            self.advance()
            return ast.Compare(COMPARATORS[token.text], left, self.operand())
        negated = self.at_keyword("NOT") and self.peek().upper in ("BETWEEN", "IN")
        if negated:
            self.advance()
        if self.at_keyword("BETWEEN"):
            self.advance()
            low = self.operand()
            self.expect_keyword("AND")
            node: Any = ast.Between(left, low, self.operand())
        elif self.at_keyword("IN"):
            self.advance()
            node = ast.In(left, self.choices())
        elif self.at_keyword("IS"):
            return self.is_test(left)
        else:
            raise self.unexpected()
        return ast.Not(node) if negated else node

    def choices(self) -> tuple[Any, ...]:
        if self.token.kind == "param":
            value = self.parameter()
            if "L" not in value:
                raise self.unexpected()
            return tuple(ast.Value(entry) for entry in value["L"])
        closing = {"[": "]", "(": ")"}.get(self.token.text if self.token.kind == "op" else "")
        if closing is None:
            raise self.unexpected()
        self.advance()
        found = [self.operand()]
        while self.at_op(","):
            self.advance()
            found.append(self.operand())
        self.expect_op(closing)
        return tuple(found)

    def is_test(self, left: Any) -> Any:
        self.advance()
        negated = self.at_keyword("NOT")
        if negated:
            self.advance()
        if not isinstance(left, ast.Path) or not self.at_keyword("MISSING", "NULL"):
            raise self.unexpected()
        if self.advance().upper == "MISSING":
            node: Any = ast.Call("attribute_not_exists", (left,))
        else:
            # PartiQL: an absent attribute IS NULL as well as one holding NULL.
            node = ast.Or(
                ast.Call("attribute_type", (left, ast.Value({"S": "NULL"}))),
                ast.Call("attribute_not_exists", (left,)),
            )
        return ast.Not(node) if negated else node

    def function(self) -> ast.Call:
        token = self.advance()
        name = token.text.lower()
        self.expect_op("(")
        args = []
        if not self.at_op(")"):
            args.append(self.operand())
            while self.at_op(","):
                self.advance()
                args.append(self.operand())
        self.expect_op(")")
        expected = CONDITION_FUNCTIONS.get(name, 1)
        if len(args) != expected:
            raise ValidationException(
                "Incorrect number of operands for operator or function; operator or function:"
                f" {name}, number of operands: {len(args)}"
            )
        if name in _PATH_FIRST and not isinstance(args[0], ast.Path):
            raise ValidationException(
                f"Operator or function requires a document path; operator or function: {name}"
            )
        return ast.Call(name, tuple(args))

    def operand(self) -> Any:
        token = self.token
        if token.kind == "word" and self.peek().text == "(":
            if token.text.lower() != "size":
                raise ValidationException(
                    f"Unrecognized function: {token.text.lower()} at {location(self.source, token)}"
                )
            return self.function()
        if token.kind == "quoted" or (token.kind == "word" and token.upper not in KEYWORDS):
            return self.path()
        return ast.Value(self.value("root"))

    # -- updates ---------------------------------------------------------------------------------

    def assignment(self, sets: list[Any], adds: list[Any], deletes: list[Any]) -> None:
        path = self.path()
        self.expect_op("=")
        token = self.token
        name = token.text.lower() if token.kind == "word" and self.peek().text == "(" else ""
        if name in ("set_add", "set_delete"):
            value = self.set_function(path)
            (adds if name == "set_add" else deletes).append((path, value))
            return
        term = self.term()
        if self.at_op("+") or self.at_op("-"):
            op = self.advance().text
            term = ast.Arithmetic(op, term, self.term())
        sets.append((path, term))

    def term(self) -> Any:
        token = self.token
        if token.kind == "word" and self.peek().text == "(":
            name = token.text.lower()
            if name not in ("list_append", "if_not_exists"):
                raise ValidationException(f"Unrecognized function: {name} at {location(self.source, token)}")
            self.advance()
            self.expect_op("(")
            first = self.path() if name == "if_not_exists" else self.term()
            self.expect_op(",")
            second = self.term()
            self.expect_op(")")
            return ast.Call(name, (first, second))
        return self.operand()

    def set_function(self, target: ast.Path) -> ast.Value:
        token = self.advance()
        label = token.text.upper()
        self.expect_op("(")
        first_token = self.token
        args = [self.term()]
        while self.at_op(","):
            self.advance()
            args.append(self.term())
        self.expect_op(")")
        at = location(self.source, token)
        if len(args) != 2:
            raise ValidationException(f"{label} must have exactly two arguments at {at}")
        if args[0] != target:
            raise ValidationException(
                f"The first argument to {label} must equal the assignment value at {at}"
            )
        if not isinstance(args[1], ast.Value) or next(iter(args[1].value)) not in ("SS", "NS", "BS"):
            raise ValidationException(
                f"The second argument to {label} must be a value with type SET at"
                f" {location(self.source, first_token)}"
            )
        return args[1]

    # -- values ----------------------------------------------------------------------------------

    def value(self, where: str) -> AttributeValue:
        token = self.token
        if token.kind == "param":
            return self.parameter()
        if token.kind == "string":
            self.advance()
            return {"S": token.text}
        if token.kind == "number" or (self.at_op("-") and self.peek().kind == "number"):
            sign = "-" if self.at_op("-") else ""
            if sign:
                self.advance()
            return {"N": self.number(sign + self.advance().text, where)}
        if token.upper in ("TRUE", "FALSE"):
            self.advance()
            return {"BOOL": token.upper == "TRUE"}
        if token.upper == "NULL":
            self.advance()
            return {"NULL": True}
        if self.at_op("["):
            return {"L": self.sequence("]", lambda i: f"{where}[{i}]")}
        if self.at_op("{"):
            return {"M": self.mapping(where)}
        if self.at_op("<<"):
            return self.bag(where)
        raise self.unexpected()

    def sequence(self, closing: str, where: Any) -> list[AttributeValue]:
        self.advance()
        found: list[AttributeValue] = []
        while not self.at_op(closing):
            if found:
                self.expect_op(",")
            found.append(self.value(where(len(found))))
        self.advance()
        return found

    def mapping(self, where: str, nested: bool = True) -> dict[str, AttributeValue]:
        self.advance()
        found: dict[str, AttributeValue] = {}
        while not self.at_op("}"):
            if found:
                self.expect_op(",")
            key = self.advance()
            if key.kind != "string":
                raise malformed(
                    "Expected a string key in a tuple" if key.kind != "eof" else "Unexpected end of statement"
                )
            self.expect_op(":")
            found[key.text] = self.value(f"{where}.{key.text}" if nested else where)
        self.advance()
        return found

    def bag(self, where: str) -> AttributeValue:
        if self.peek().kind == "param":
            raise ValidationException("Unsupported data type in Bag")
        members = self.sequence(">>", lambda i: where)
        if not members:
            raise ValidationException("Empty bags are not supported")
        kinds = {next(iter(member)) for member in members}
        if len(kinds) != 1 or not kinds <= {"S", "N", "B"}:
            raise ValidationException("DynamoDB only supports either numbers or strings in bags")
        kind = kinds.pop()
        return check_value({kind + "S": [member[kind] for member in members]})

    def number(self, text: str, where: str) -> str:
        _, _, exponent = text.lower().partition("e")
        if exponent and abs(int(exponent)) > _MAX_EXPONENT:
            raise malformed()
        try:
            return canonical_number(Decimal(text))
        except InvalidOperation:
            raise malformed() from None
        except ValidationException as exc:
            raise ValidationException(f"{exc.message} under {where}") from None

    def parameter(self) -> AttributeValue:
        self.advance()
        if self.used >= len(self.parameters):
            raise ValidationException(PARAMETER_COUNT)
        value = self.parameters[self.used]
        self.used += 1
        return value


def check_parameters(parameters: list[AttributeValue] | None) -> list[AttributeValue]:
    """Validates a request's Parameters with AWS's wording for numbers it cannot read."""
    checked = []
    for value in parameters or []:
        bad = _first_bad_number(value)
        if bad is not None:
            raise ValidationException(
                "The parameter cannot be converted to a numeric value" + (f": {bad}" if bad else "")
            )
        checked.append(check_value(value))
    return checked


def _first_bad_number(value: Any) -> str | None:
    if isinstance(value, dict):
        for kind, data in value.items():
            if kind == "N" and not _is_number(data):
                return data
            if kind == "NS":
                return next((member for member in data if not _is_number(member)), None)
            if kind in ("L", "M"):
                for entry in data if kind == "L" else data.values():
                    bad = _first_bad_number(entry)
                    if bad is not None:
                        return bad
    return None


def _is_number(text: str) -> bool:
    """Whether AWS can read the text as a number (its exponent must fit 32 bits)."""
    try:
        number = Decimal(text)
    except (InvalidOperation, TypeError):
        return False
    return number.is_finite() and abs(int(number.as_tuple().exponent)) <= _MAX_EXPONENT
