"""Static types of a condition, checked before any data is read.

A type error in a strategy would otherwise surface as a Polars exception in the middle of a
nightly run, or worse, as a comparison that is silently never true. The checker works on the
coarse kinds a strategy author thinks in (number, string, boolean, date, timestamp), not on
engine types, so the same verdict holds for Polars and for Spark.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal as Lit

import polars as pl

from arrears.strategy import ast
from arrears.strategy.ast import Node

Kind = Lit["number", "string", "boolean", "date", "datetime", "unknown"]
_TEMPORAL: tuple[Kind, ...] = ("date", "datetime")


@dataclass(frozen=True)
class Issue:
    """A problem in a condition; `line`/`column` are 1-based within the condition text."""

    message: str
    line: int
    column: int
    code: str
    severity: Lit["error", "warning"] = "error"


def kind_of(dtype: pl.DataType | type[pl.DataType]) -> Kind:
    """The author-facing kind of an engine type; anything exotic is left unchecked."""
    if dtype.is_numeric():
        return "number"
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum | pl.Categorical):
        return "string"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype == pl.Date:
        return "date"
    if dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
        return "datetime"
    return "unknown"


def parse_temporal(text: str, kind: Kind) -> dt.date | dt.datetime | None:
    """A string literal read as a date or timestamp, as the contract writes them; None if not."""
    try:
        if kind == "date":
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def check_types(
    node: Node, schema: Mapping[str, pl.DataType], *, expect_boolean: bool = True
) -> list[Issue]:
    """Issues in source order; an unknown column is reported once and typed as anything."""
    checker = _Checker(schema)
    kind = checker.infer(node)
    if expect_boolean and kind not in ("boolean", "unknown"):
        checker.add(node, f"a condition must be true or false, not a {kind}", "not-boolean")
    return sorted(checker.issues, key=lambda i: (i.line, i.column))


def infer_kind(node: Node, schema: Mapping[str, pl.DataType]) -> Kind:
    """What `node` evaluates to (number, string, boolean, date …; unknown when it cannot say)."""
    return _Checker(schema).infer(node)


class _Checker:
    def __init__(self, schema: Mapping[str, pl.DataType]) -> None:
        self.schema = schema
        self.issues: list[Issue] = []

    def add(self, node: Node, message: str, code: str) -> None:
        self.issues.append(Issue(message, node.line, node.column, code))

    def infer(self, node: Node) -> Kind:
        match node:
            case ast.Column(name=name):
                if name not in self.schema:
                    self.add(node, f"unknown column '{name}'", "unknown-column")
                    return "unknown"
                return kind_of(self.schema[name])
            case ast.Literal(kind=kind):
                return {"string": "string", "bool": "boolean"}.get(kind, "number")  # type: ignore[return-value]
            case ast.Compare(op=op, left=left, right=right):
                lk, rk = self.infer(left), self.infer(right)
                self.compatible(node, left, lk, right, rk, f"'{op}'")
                if op not in ("==", "!=") and "boolean" in (lk, rk):
                    self.add(node, "true/false values can only be compared with == or !=", "type")
                return "boolean"
            case ast.InList(operand=operand, items=items):
                ok = self.infer(operand)
                for item in items:
                    self.compatible(node, operand, ok, item, self.infer(item), "'in'")
                return "boolean"
            case ast.Between(operand=operand, low=low, high=high):
                ok = self.infer(operand)
                for bound in (low, high):
                    self.compatible(node, operand, ok, bound, self.infer(bound), "'between'")
                if ok == "boolean":
                    self.add(node, "'between' needs numbers, dates or strings", "type")
                return "boolean"
            case ast.IsNull(operand=operand):
                self.infer(operand)
                return "boolean"
            case ast.BoolOp(op=op, left=left, right=right):
                for side in (left, right):
                    self.expect(side, "boolean", f"'{op}' needs true/false operands")
                return "boolean"
            case ast.Not(operand=operand):
                self.expect(operand, "boolean", "'not' needs a true/false operand")
                return "boolean"
            case ast.Arith(op=op, left=left, right=right):
                for side in (left, right):
                    self.expect(side, "number", f"arithmetic '{op}' needs numbers")
                return "number"
            case ast.Neg(operand=operand):
                self.expect(operand, "number", "unary '-' needs a number")
                return "number"
        raise TypeError(f"not a condition node: {node!r}")

    def expect(self, node: Node, want: Kind, message: str) -> None:
        got = self.infer(node)
        if got not in (want, "unknown"):
            self.add(node, f"{message}, got a {got}", "type")

    def compatible(self, at: Node, left: Node, lk: Kind, right: Node, rk: Kind, what: str) -> None:
        if "unknown" in (lk, rk) or lk == rk:
            return
        for temporal, other, ok in ((lk, right, rk), (rk, left, lk)):
            if temporal in _TEMPORAL and ok == "string":
                if isinstance(other, ast.Literal) and isinstance(other.value, str):
                    if parse_temporal(other.value, temporal) is None:
                        example = "YYYY-MM-DD" if temporal == "date" else "YYYY-MM-DDTHH:MM:SSZ"
                        self.add(other, f"'{other.value}' is not a {temporal} ({example})", "type")
                    return
                break
        if {lk, rk} == {"date", "datetime"}:
            return
        self.add(at, f"{what} compares a {lk} with a {rk}", "type")
