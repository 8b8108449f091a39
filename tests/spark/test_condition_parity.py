"""A condition compiled for Spark gives what it gives compiled for Polars, nulls included.

Random well-typed conditions from every piece of the grammar (comparisons, and/or/not, in,
between, is null, arithmetic with / and % by zero, unary minus, string, number, boolean,
date and timestamp literals) run over one small frame with nulls in every column; each is
printed and parsed again, so they are conditions an author could write.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spark_session import require_spark

require_spark()

from arrears.spark import condition_column, to_spark_column, to_spark_frame  # noqa: E402
from arrears.strategy import ast  # noqa: E402
from arrears.strategy.ast import to_text  # noqa: E402
from arrears.strategy.compile_polars import condition_expr, to_polars  # noqa: E402
from arrears.strategy.parse import parse_condition  # noqa: E402


def _frame(rows: int = 48, seed: int = 10) -> pl.DataFrame:
    rng = np.random.default_rng(seed)

    def pick(values: list[Any]) -> list[Any]:
        return [values[k] for k in rng.integers(0, len(values), rows)]

    day = dt.date(2024, 2, 27)
    instant = dt.datetime(2024, 7, 1, 8, 0, tzinfo=dt.UTC)
    return pl.DataFrame(
        {
            "i": pick([None, -3, -2, -1, 0, 0, 1, 2, 3, 5]),
            "j": pick([None, -4, -1, 0, 1, 2, 4]),
            "f": pick([None, -2.5, -1.0, -0.0, 0.0, 0.5, 1.0, 2.0, 3.25]),
            "s": pick([None, "", "a", "b", "ab", "B", "é", "中文"]),
            "b": pick([None, True, False]),
            "d": pick([None, *(day + dt.timedelta(days=k) for k in range(-2, 4))]),
            "t": pick([None, *(instant + dt.timedelta(hours=k) for k in (-9, -8, 0, 1, 30))]),
        },
        schema={
            "i": pl.Int64,
            "j": pl.Int32,
            "f": pl.Float64,
            "s": pl.String,
            "b": pl.Boolean,
            "d": pl.Date,
            "t": pl.Datetime("us", "UTC"),
        },
    )


FRAME = _frame()
SCHEMA = dict(FRAME.schema)

ints = st.integers(-5, 5).map(lambda v: ast.Literal(v, "int"))
decimals = st.decimals(Decimal("-5"), Decimal("5"), places=1).map(
    lambda v: ast.Literal(v, "decimal")
)
number_leaves = st.one_of(
    st.sampled_from([ast.Column("i"), ast.Column("j"), ast.Column("f")]), ints, decimals
)


def _extend_numbers(children: st.SearchStrategy[ast.Node]) -> st.SearchStrategy[ast.Node]:
    not_a_number = children.filter(lambda n: not isinstance(n, ast.Literal))
    return st.one_of(
        st.builds(ast.Arith, st.sampled_from(ast.ARITH_OPS), children, children),
        st.builds(ast.Neg, not_a_number),
    )


# Few leaves: values and literals are small, so no Int32 product overflows (see docs/spark.md).
numbers = st.recursive(number_leaves, _extend_numbers, max_leaves=4)
texts = st.sampled_from(["", "a", "b", "ab", "B", "é", "中文", "z"]).map(
    lambda v: ast.Literal(v, "string")
)
strings = st.one_of(st.just(ast.Column("s")), texts)
date_texts = st.integers(-3, 4).map(
    lambda k: ast.Literal((dt.date(2024, 2, 27) + dt.timedelta(days=k)).isoformat(), "string")
)
timestamp_texts = st.sampled_from(
    ["2024-07-01T08:00:00+08:00", "2024-07-01 08:00:00", "2024-07-01T09:00:00Z", "2024-07-02"]
).map(lambda v: ast.Literal(v, "string"))
ops = st.sampled_from(ast.COMPARE_OPS)


def _either_side(column: str, literals: st.SearchStrategy[ast.Literal]) -> Any:
    col = ast.Column(column)
    return st.one_of(
        st.builds(ast.Compare, ops, st.just(col), literals),
        st.builds(ast.Compare, ops, literals, st.just(col)),
    )


predicates = st.one_of(
    st.builds(ast.Compare, ops, numbers, numbers),
    st.builds(ast.Compare, ops, strings, strings),
    _either_side("d", date_texts),
    _either_side("t", timestamp_texts),
    st.builds(
        ast.Compare,
        st.sampled_from(["==", "!="]),
        st.just(ast.Column("b")),
        st.booleans().map(lambda v: ast.Literal(v, "bool")),
    ),
    st.just(ast.Column("b")),
    st.booleans().map(lambda v: ast.Literal(v, "bool")),
    st.builds(
        ast.InList,
        numbers,
        st.lists(st.one_of(ints, decimals), min_size=1, max_size=3).map(tuple),
        st.booleans(),
    ),
    st.builds(
        ast.InList,
        st.sampled_from([ast.Column("i"), ast.Column("j")]),
        st.lists(ints, min_size=1, max_size=3).map(tuple),
        st.booleans(),
    ),
    st.builds(
        ast.InList,
        st.just(ast.Column("s")),
        st.lists(texts, min_size=1, max_size=3).map(tuple),
        st.booleans(),
    ),
    st.builds(
        ast.InList,
        st.just(ast.Column("d")),
        st.lists(date_texts, min_size=1, max_size=3).map(tuple),
        st.booleans(),
    ),
    st.builds(ast.Between, numbers, numbers, numbers, st.booleans()),
    st.builds(ast.Between, st.just(ast.Column("s")), texts, texts, st.booleans()),
    st.builds(ast.Between, st.just(ast.Column("d")), date_texts, date_texts, st.booleans()),
    st.builds(
        ast.IsNull,
        st.one_of(numbers, strings, st.just(ast.Column("b")), st.just(ast.Column("d"))),
        st.booleans(),
    ),
)


def _extend_conditions(children: st.SearchStrategy[ast.Node]) -> st.SearchStrategy[ast.Node]:
    return st.one_of(
        st.builds(ast.BoolOp, st.sampled_from(["and", "or"]), children, children),
        st.builds(ast.Not, children),
    )


conditions = st.recursive(predicates, _extend_conditions, max_leaves=5).map(
    lambda node: parse_condition(to_text(node))  # what an author could write
)


def _both(
    spark: Any, nodes: list[ast.Node], *, top_level: bool
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each condition's column, from Polars and from Spark (literal-only ones broadcast)."""
    local_one = condition_expr if top_level else to_polars
    remote_one = condition_column if top_level else to_spark_column
    names = [f"c{k}" for k in range(len(nodes))]
    local = FRAME.with_columns(
        local_one(n, SCHEMA).alias(c) for n, c in zip(nodes, names, strict=True)
    ).select(names)
    columns = [remote_one(n, SCHEMA).alias(c) for n, c in zip(nodes, names, strict=True)]
    remote = pl.from_arrow(spark_frame(spark).select(*columns).toArrow())
    assert isinstance(remote, pl.DataFrame)
    return local, remote


_FRAMES: dict[int, Any] = {}


def spark_frame(spark: Any) -> Any:
    if id(spark) not in _FRAMES:
        _FRAMES[id(spark)] = (
            to_spark_frame(spark, FRAME.with_row_index("row")).orderBy("row").drop("row").cache()
        )
    return _FRAMES[id(spark)]


def _assert_same(nodes: list[ast.Node], local: pl.DataFrame, remote: pl.DataFrame) -> None:
    for k, node in enumerate(nodes):
        want, got = local.get_column(f"c{k}").to_list(), remote.get_column(f"c{k}").to_list()
        assert got == want, f"{to_text(node)}\n polars: {want}\n spark:  {got}"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(conditions, min_size=1, max_size=25))
def test_a_random_condition_is_the_same_null_for_null_on_spark(
    spark: Any, nodes: list[ast.Node]
) -> None:
    local, remote = _both(spark, nodes, top_level=False)
    _assert_same(nodes, local, remote)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(conditions, min_size=1, max_size=25))
def test_a_random_condition_matches_the_same_rows_on_spark(
    spark: Any, nodes: list[ast.Node]
) -> None:
    local, remote = _both(spark, nodes, top_level=True)
    _assert_same(nodes, local, remote)


LEAVES: list[ast.Node] = [
    ast.Column("i"),
    ast.Column("j"),
    ast.Column("f"),
    *(ast.Literal(v, "int") for v in (-3, -2, 0, 2, 5)),
    *(ast.Literal(Decimal(v), "decimal") for v in ("-0.5", "0.1", "2.5")),
]


@pytest.mark.parametrize("op", ast.ARITH_OPS)
def test_arithmetic_gives_the_same_numbers_on_spark(spark: Any, op: str) -> None:
    """Every pair of number leaves, by value (not only through a comparison): `%` by a
    negative divisor, by a fraction, by zero; `/` by zero; integers against floats."""
    nodes: list[ast.Node] = [ast.Arith(op, a, b) for a in LEAVES for b in LEAVES]  # type: ignore[arg-type]
    nodes += [ast.Neg(ast.Arith(op, a, b)) for a in LEAVES[:3] for b in LEAVES]  # type: ignore[arg-type]
    names = [f"c{k}" for k in range(len(nodes))]
    local = FRAME.with_columns(
        to_polars(n, SCHEMA).cast(pl.Float64).alias(c) for n, c in zip(nodes, names, strict=True)
    ).select(names)
    columns = [
        to_spark_column(n, SCHEMA).cast("double").alias(c)
        for n, c in zip(nodes, names, strict=True)
    ]
    remote = pl.from_arrow(spark_frame(spark).select(*columns).toArrow())
    assert isinstance(remote, pl.DataFrame)
    _assert_same(nodes, local, remote)


def test_a_naive_timestamp_literal_is_utc_whatever_the_driver_time_zone(spark: Any) -> None:
    """Polars reads `t > '2024-07-01 08:00:00'` as 08:00 UTC; PySpark would read a naive
    Python datetime in the driver's local zone, so the compiler never hands it one."""
    nodes = [parse_condition(f"t {op} '2024-07-01 08:00:00'") for op in ("<", "==", ">")]
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()
    try:
        local, remote = _both(spark, nodes, top_level=False)
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()
    _assert_same(nodes, local, remote)
    assert local.get_column("c1").any()  # the instant itself is in the frame
