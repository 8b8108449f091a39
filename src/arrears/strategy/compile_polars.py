"""Compile a condition to one Polars expression, so it runs over every account at once.

Semantics are SQL's, which is what lenders' analysts expect from a `when`: a comparison with a
null is null, `and`/`or` follow three-valued logic, and only the top level turns null into
"does not match" (`condition_expr`). Compiling `not (x > 5)` as `x <= 5 or x is null` would
surprise the author; keeping null to the end does not.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from functools import reduce

import polars as pl

from arrears.strategy import ast
from arrears.strategy.ast import Node
from arrears.strategy.compile_base import COMPARE, Schema, SchemaReader, python_value

_ARITH: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
}


def to_polars(node: Node, schema: Schema | None = None) -> pl.Expr:
    """The expression for `node`; `schema` lets string literals meet date columns as dates."""
    return _Compiler(schema or {}).expr(node)


def condition_expr(node: Node, schema: Schema | None = None) -> pl.Expr:
    """A filter that is never null: a condition that cannot be decided does not match."""
    return to_polars(node, schema).fill_null(False)


class _Compiler(SchemaReader):
    def expr(self, node: Node) -> pl.Expr:
        match node:
            case ast.Column(name=name):
                return pl.col(name)
            case ast.Literal():
                return pl.lit(python_value(node))
            case ast.Compare(op=op, left=left, right=right):
                lhs = self.operand(left, partner=right)
                rhs = self.operand(right, partner=left)
                return COMPARE[op](lhs, rhs)
            case ast.InList(operand=operand, items=items, negated=negated):
                test = self.in_list(operand, items)
                return ~test if negated else test
            case ast.Between(operand=operand, low=low, high=high, negated=negated):
                lhs = self.expr(operand)
                test = lhs.is_between(
                    self.operand(low, partner=operand),
                    self.operand(high, partner=operand),
                    closed="both",
                )
                return ~test if negated else test
            case ast.IsNull(operand=operand, negated=negated):
                inner = self.expr(operand)
                return inner.is_not_null() if negated else inner.is_null()
            case ast.BoolOp(op=op, left=left, right=right):
                lhs, rhs = self.expr(left), self.expr(right)
                return lhs & rhs if op == "and" else lhs | rhs
            case ast.Not(operand=operand):
                return ~self.expr(operand)
            case ast.Arith(op=op, left=left, right=right):
                lhs, rhs = self.expr(left), self.expr(right)
                if op in ("/", "%"):
                    # Null, as in SQL and Spark: Polars' inf and NaN would compare as large
                    # numbers, so `paid / balance > 0.5` would match every zero balance.
                    return pl.when(rhs != 0).then(_ARITH[op](lhs, rhs))
                return _ARITH[op](lhs, rhs)
            case ast.Neg(operand=operand):
                return -self.expr(operand)
        raise TypeError(f"not a condition node: {node!r}")

    def operand(self, node: Node, *, partner: Node) -> pl.Expr:
        if isinstance(node, ast.Literal):
            value = self.literal_for(node, partner)
            if isinstance(value, dt.datetime) and isinstance(partner, ast.Column):
                return pl.lit(value).cast(self.schema[partner.name])
            return pl.lit(value)
        return self.expr(node)

    def in_list(self, operand: Node, items: tuple[ast.Literal, ...]) -> pl.Expr:
        lhs = self.expr(operand)
        kinds = {i.kind for i in items}
        if kinds <= {"int", "decimal"} and not (kinds == {"int"} and self.is_integer(operand)):
            # Polars 2 refuses `is_in` across numeric types; equalities coerce like `==` does.
            tests = [lhs == pl.lit(python_value(i)) for i in items]
            return reduce(operator.or_, tests)
        if len(kinds) > 1:
            tests = [lhs == self.operand(i, partner=operand) for i in items]
            return reduce(operator.or_, tests)
        return lhs.is_in([self.literal_for(i, operand) for i in items])
