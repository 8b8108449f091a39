"""Parse condition text into the AST with the project's own grammar.

Strategy files are written by people who are not programmers and are read by a program that
touches every account, so the parser is strict (no `=` for `==`, no calls, no attributes) and
its errors say where and what was expected in the author's words, never in the grammar's.
Nothing here evaluates text: `eval`, `exec` and `compile` are never used.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from arrears.strategy import ast
from arrears.strategy.ast import Node


class ConditionError(ValueError):
    """A condition that is not in the language; `line` and `column` are 1-based in its text."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{line}:{column}: {message}")
        self.message = message
        self.line = line
        self.column = column


_TERMINAL_NAMES: dict[str, str] = {
    "OR": "'or'",
    "AND": "'and'",
    "NOT": "'not'",
    "IN": "'in'",
    "BETWEEN": "'between'",
    "IS": "'is'",
    "NULL": "'null'",
    "TRUE": "'true'",
    "FALSE": "'false'",
    "NAME": "a column name",
    "NUMBER": "a number",
    "STRING": "a string",
    "COMPOP": "a comparison (== != < <= > >=)",
    "ADDOP": "'+'",
    "MINUS": "'-'",
    "MULOP": "'*', '/' or '%'",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "$END": "the end of the condition",
}

_CHAR_HINTS: dict[str, str] = {
    "=": "use '==' to compare",
    "!": "use 'not' for negation, '!=' for inequality",
    "&": "use 'and'",
    "|": "use 'or'",
    ".": "attribute access is not part of the language",
    "[": "subscripts are not part of the language",
    "]": "subscripts are not part of the language",
    "{": "only columns, literals and operators are allowed",
    ":": "only columns, literals and operators are allowed",
    "`": "quote strings with ' or \"",
}

_ESCAPES = {"n": "\n", "t": "\t"}
_KEYWORDS = frozenset({"or", "and", "not", "in", "between", "is", "null", "true", "false"})


@cache
def _parser() -> Lark:
    grammar = resources.files("arrears.strategy").joinpath("grammar.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True)


def parse_condition(text: str) -> Node:
    try:
        tree = _parser().parse(text)
        node: Node = _ToAst().transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, ConditionError):
            raise exc.orig_exc from None
        raise
    except UnexpectedInput as exc:
        raise _readable(exc, text) from None
    return node


def _end_position(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def _expected(names: set[str] | frozenset[str]) -> str:
    shown = sorted({_TERMINAL_NAMES.get(n, n) for n in names})
    if not shown:
        return ""
    if len(shown) == 1:
        return f"expected {shown[0]}"
    return "expected " + ", ".join(shown[:-1]) + " or " + shown[-1]


def _readable(exc: UnexpectedInput, text: str) -> ConditionError:
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        char = text[pos] if pos < len(text) else ""
        pair = text[pos : pos + 2]
        hint = _CHAR_HINTS.get(char, "")
        if pair in ("&&", "||"):
            hint = "use 'and'" if pair == "&&" else "use 'or'"
        if char in "'\"":
            return ConditionError("unterminated string", exc.line, exc.column)
        message = f"unexpected character {char!r}"
        return ConditionError(f"{message}: {hint}" if hint else message, exc.line, exc.column)
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            line, column = _end_position(text)
            return ConditionError(
                f"unexpected end of condition; {_expected(exc.expected)}", line, column
            )
        line, column = token.line or 1, token.column or 1
        return ConditionError(_token_message(token, exc.expected, text), line, column)
    if isinstance(exc, UnexpectedEOF):
        line, column = _end_position(text)
        return ConditionError(
            f"unexpected end of condition; {_expected({str(e) for e in exc.expected})}",
            line,
            column,
        )
    return ConditionError(str(exc), exc.line or 1, exc.column or 1)


def _token_message(token: Token, expected: set[str], text: str) -> str:
    shown = f"'{token.value}'" if token.type != "STRING" else f"string {token.value}"
    before = text[: token.start_pos].rstrip() if token.start_pos is not None else ""
    word = re.search(r"[A-Za-z_][A-Za-z0-9_]*$", before)
    hint = ""
    if token.value == "(" and word and word.group(0).lower() not in _KEYWORDS:
        return (
            f"unexpected '(' after '{word.group(0)}': function calls are not part of the language"
        )
    if token.type == "NAME" and "NAME" not in expected and before.endswith("("):
        hint = "list items must be literals"
    elif token.type == "NULL":
        hint = "test for null with 'is null' or 'is not null'"
    elif token.value == ">" and before.endswith("<"):
        hint = "use '!=' for inequality"
    elif token.type == "COMPOP" and "COMPOP" not in expected:
        hint = "comparisons do not chain: join them with 'and'"
    message = f"unexpected {shown}; {_expected(expected)}"
    return f"{message} ({hint})" if hint else message


def _unquote(raw: str) -> str:
    body = raw[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


def _number(token: Token, negative: bool = False) -> ast.Literal:
    text = ("-" if negative else "") + str(token)
    if "." in text:
        return ast.Literal(Decimal(text), "decimal", token.line or 0, token.column or 0)
    return ast.Literal(int(text), "int", token.line or 0, token.column or 0)


@v_args(inline=True)
class _ToAst(Transformer[Token, Node]):
    """Build AST nodes; positions come from the first token of each construct."""

    def column(self, tok: Token) -> ast.Column:
        if tok.startswith("__"):
            raise ConditionError(
                f"names starting with '__' are not allowed: '{tok}'", tok.line or 1, tok.column or 1
            )
        return ast.Column(str(tok), tok.line or 0, tok.column or 0)

    def string(self, tok: Token) -> ast.Literal:
        return ast.Literal(_unquote(str(tok)), "string", tok.line or 0, tok.column or 0)

    def number(self, tok: Token) -> ast.Literal:
        return _number(tok)

    def negative_number(self, minus: Token, tok: Token) -> ast.Literal:
        lit = _number(tok, negative=True)
        return ast.Literal(lit.value, lit.kind, minus.line or 0, minus.column or 0)

    def true(self, tok: Token) -> ast.Literal:
        return ast.Literal(True, "bool", tok.line or 0, tok.column or 0)

    def false(self, tok: Token) -> ast.Literal:
        return ast.Literal(False, "bool", tok.line or 0, tok.column or 0)

    def items(self, *items: ast.Literal) -> tuple[ast.Literal, ...]:
        return items

    def neg(self, minus: Token, operand: Node) -> Node:
        line, column = minus.line or 0, minus.column or 0
        if isinstance(operand, ast.Literal) and operand.kind in ("int", "decimal"):
            value: Any = operand.value
            return ast.Literal(-value, operand.kind, line, column)
        return ast.Neg(operand, line, column)

    def arith(self, left: Node, op: Token, right: Node) -> ast.Arith:
        return ast.Arith(str(op), left, right, left.line, left.column)  # type: ignore[arg-type]

    def compare(self, left: Node, op: Token, right: Node) -> ast.Compare:
        return ast.Compare(str(op), left, right, left.line, left.column)  # type: ignore[arg-type]

    def in_list(self, operand: Node, _in: Token, items: tuple[ast.Literal, ...]) -> ast.InList:
        return ast.InList(operand, items, False, operand.line, operand.column)

    def not_in_list(
        self, operand: Node, _not: Token, _in: Token, items: tuple[ast.Literal, ...]
    ) -> ast.InList:
        return ast.InList(operand, items, True, operand.line, operand.column)

    def between(self, operand: Node, _b: Token, low: Node, _a: Token, high: Node) -> ast.Between:
        return ast.Between(operand, low, high, False, operand.line, operand.column)

    def not_between(
        self, operand: Node, _n: Token, _b: Token, low: Node, _a: Token, high: Node
    ) -> ast.Between:
        return ast.Between(operand, low, high, True, operand.line, operand.column)

    def is_null(self, operand: Node, _is: Token, _null: Token) -> ast.IsNull:
        return ast.IsNull(operand, False, operand.line, operand.column)

    def is_not_null(self, operand: Node, _is: Token, _not: Token, _null: Token) -> ast.IsNull:
        return ast.IsNull(operand, True, operand.line, operand.column)

    def or_(self, left: Node, _op: Token, right: Node) -> ast.BoolOp:
        return ast.BoolOp("or", left, right, left.line, left.column)

    def and_(self, left: Node, _op: Token, right: Node) -> ast.BoolOp:
        return ast.BoolOp("and", left, right, left.line, left.column)

    def not_(self, op: Token, operand: Node) -> ast.Not:
        return ast.Not(operand, op.line or 0, op.column or 0)
