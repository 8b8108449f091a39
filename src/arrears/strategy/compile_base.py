"""What every compilation of the condition AST shares, whatever the engine (Polars here,
Spark in `arrears.spark.compile`): the comparison operators, a literal's Python value, and how
the data's column types decide a literal's reading (a date or timestamp when it meets such a
column) and whether a column is an integer."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import polars as pl

from arrears.strategy import ast
from arrears.strategy.ast import Node
from arrears.strategy.parse import ConditionError
from arrears.strategy.typecheck import kind_of, parse_temporal

Schema = Mapping[str, pl.DataType]
"""Column types in Polars' vocabulary (Spark's are translated by `arrears.spark.frames`)."""

COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def python_value(lit: ast.Literal) -> str | int | float | bool:
    if isinstance(lit.value, Decimal):
        return float(lit.value)
    return lit.value


class SchemaReader:
    """The engine-independent part of a compiler: what the schema says about a node."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def temporal_kind(self, node: Node) -> str | None:
        if isinstance(node, ast.Column) and node.name in self.schema:
            kind = kind_of(self.schema[node.name])
            return kind if kind in ("date", "datetime") else None
        return None

    def literal_for(self, lit: ast.Literal, partner: Node) -> Any:
        """The literal's value, read as a date or timestamp when it meets such a column."""
        kind = self.temporal_kind(partner)
        if kind is None or lit.kind != "string":
            return python_value(lit)
        assert isinstance(lit.value, str)
        value = parse_temporal(lit.value, kind)  # type: ignore[arg-type]
        if value is None:
            raise ConditionError(f"'{lit.value}' is not a {kind}", lit.line, lit.column)
        return value

    def is_integer(self, node: Node) -> bool:
        return (
            isinstance(node, ast.Column)
            and node.name in self.schema
            and self.schema[node.name].is_integer()
        )
