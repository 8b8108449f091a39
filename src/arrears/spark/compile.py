"""Compile a condition to one Spark Column, node for node as `strategy/compile_polars.py` does.

The two compilers are kept one-to-one on purpose: same node order, same helpers, same
decisions about literals, so a reader can check one against the other line by line, and so
the Spark plan equals the local plan on every account. Semantics are SQL's (and Polars'
here): a comparison with a null is null, `and`/`or`/`not` follow three-valued logic, and only
the top level turns null into "does not match" (`condition_column`).

Where Spark and Polars differ by default, this file says so and matches Polars:
- `/` and `%` by zero are null, written as a guard, so Spark's ANSI mode (on by default in
  Spark 4) never raises and Polars' inf/NaN never appear;
- `%` is Polars': the floored remainder between integers (the sign of the divisor), whereas
  Spark's `%` truncates (the sign of the dividend), and `a - b * floor(a / b)` otherwise;
- a decimal literal is a double, as Polars reads it;
- a column divided by a constant is multiplied by the constant's reciprocal, as Polars' kernel
  does (`x / 3` and `x * (1 / 3)` can differ in the last bit, and a condition at a boundary
  would see it).
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from functools import reduce

import polars as pl
from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql import types as T

from arrears.strategy import ast
from arrears.strategy.ast import Node
from arrears.strategy.compile_base import COMPARE, Schema, SchemaReader, python_value


def _floored_mod(lhs: Column, rhs: Column, *, integers: bool) -> Column:
    """Polars' `%`. Between integers, the floored remainder (the divisor's sign, as in Python;
    Spark's `%` takes the dividend's); otherwise `a - b * floor(a / b)`, which is what Polars
    computes for floats (so `1 % 0.1` is 0.0 there, not Python's 0.0999…)."""
    if integers:
        rem = lhs % rhs
        return F.when((rem != 0) & ((rem < 0) != (rhs < 0)), rem + rhs).otherwise(rem)
    quotient = lhs / rhs
    # Spark's floor of a double is a bigint; past 2**52 a double is already whole.
    whole = F.when(F.abs(quotient) < 2.0**52, F.floor(quotient).cast(T.DoubleType()))
    return lhs - rhs * whole.otherwise(quotient)


def _by_constant(node: ast.Arith) -> bool:
    """A column divided by a constant (no column in the divisor): Polars then multiplies by
    the reciprocal instead of dividing, which can differ from `/` in the last bit."""
    return bool(ast.columns(node.left)) and not ast.columns(node.right)


def _divide(lhs: Column, rhs: Column, *, by_constant: bool) -> Column:
    """Polars' `/`, bit for bit: `x / 3` is `x * (1 / 3)` there, `x / y` a true division."""
    return lhs * (F.lit(1.0) / rhs) if by_constant else lhs / rhs


_ARITH: dict[str, Callable[[Column, Column], Column]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}


def to_spark_column(node: Node, schema: Schema | None = None) -> Column:
    """The column for `node`; `schema` lets string literals meet date columns as dates."""
    return _Compiler(schema or {}).expr(node)


def condition_column(node: Node, schema: Schema | None = None) -> Column:
    """A filter that is never null: a condition that cannot be decided does not match."""
    return F.coalesce(to_spark_column(node, schema), F.lit(False))


class _Compiler(SchemaReader):
    def expr(self, node: Node) -> Column:
        match node:
            case ast.Column(name=name):
                return F.col(name)
            case ast.Literal():
                return F.lit(python_value(node))
            case ast.Compare(op=op, left=left, right=right):
                lhs = self.operand(left, partner=right)
                rhs = self.operand(right, partner=left)
                return COMPARE[op](lhs, rhs)
            case ast.InList(operand=operand, items=items, negated=negated):
                test = self.in_list(operand, items)
                return ~test if negated else test
            case ast.Between(operand=operand, low=low, high=high, negated=negated):
                lhs = self.expr(operand)
                # Polars' is_between(closed="both"): both ends inclusive, three-valued `and`.
                test = (lhs >= self.operand(low, partner=operand)) & (
                    lhs <= self.operand(high, partner=operand)
                )
                return ~test if negated else test
            case ast.IsNull(operand=operand, negated=negated):
                inner = self.expr(operand)
                return inner.isNotNull() if negated else inner.isNull()
            case ast.BoolOp(op=op, left=left, right=right):
                lhs, rhs = self.expr(left), self.expr(right)
                return lhs & rhs if op == "and" else lhs | rhs
            case ast.Not(operand=operand):
                return ~self.expr(operand)
            case ast.Arith(op=op, left=left, right=right):
                lhs, rhs = self.expr(left), self.expr(right)
                if op == "%":
                    both = self.integer_valued(left) and self.integer_valued(right)
                    return F.when(rhs != 0, _floored_mod(lhs, rhs, integers=both))
                if op == "/":
                    # Null, as in SQL: a `when` without `otherwise` never evaluates the
                    # division by zero, so ANSI mode has nothing to raise.
                    return F.when(rhs != 0, _divide(lhs, rhs, by_constant=_by_constant(node)))
                return _ARITH[op](lhs, rhs)
            case ast.Neg(operand=operand):
                return -self.expr(operand)
        raise TypeError(f"not a condition node: {node!r}")

    def operand(self, node: Node, *, partner: Node) -> Column:
        if isinstance(node, ast.Literal):
            value = self.literal_for(node, partner)
            if isinstance(value, dt.datetime) and isinstance(partner, ast.Column):
                return _timestamp_literal(value, self.schema[partner.name])
            return F.lit(value)
        return self.expr(node)

    def in_list(self, operand: Node, items: tuple[ast.Literal, ...]) -> Column:
        lhs = self.expr(operand)
        kinds = {i.kind for i in items}
        if kinds <= {"int", "decimal"} and not (kinds == {"int"} and self.is_integer(operand)):
            tests = [lhs == F.lit(python_value(i)) for i in items]
            return reduce(operator.or_, tests)
        if len(kinds) > 1:
            tests = [lhs == self.operand(i, partner=operand) for i in items]
            return reduce(operator.or_, tests)
        return lhs.isin([self.literal_for(i, operand) for i in items])

    def integer_valued(self, node: Node) -> bool:
        """Whether Polars types `node` as an integer, which decides what `%` computes (Polars
        knows from the data's types; a Spark Column does not say, so it is worked out here)."""
        match node:
            case ast.Literal(kind=kind):
                return kind == "int"
            case ast.Arith(op=op, left=left, right=right):
                return op != "/" and self.integer_valued(left) and self.integer_valued(right)
            case ast.Neg(operand=operand):
                return self.integer_valued(operand)
        return self.is_integer(node)


def _timestamp_literal(value: dt.datetime, dtype: pl.DataType) -> Column:
    """The literal as the column's kind of timestamp, read as Polars' `lit(value).cast(dtype)`
    reads it: a naive value is UTC wall time; against a naive column, an aware value is its
    UTC wall time."""
    utc = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        wall = utc.replace(tzinfo=None).isoformat(sep=" ")
        return F.lit(wall).cast(T.TimestampNTZType())
    return F.lit(utc)  # an aware datetime is an instant: the session's time zone plays no part
