"""Bucket and segment as Spark Columns: `strategy/plan_exprs.py` `bucket_expr` / `segment_expr`
and `planning/plan.py` `segment_accounts`, for Spark.

Same order, same first-match rule, same null handling: a dpd in no bucket has a null bucket,
an account in no segment a null segment, and an account whose status is not collected
(`NOT_COLLECTED`) no segment at all; the experiment arm is `arrears.spark.experiment`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from arrears.contract.tables import NOT_COLLECTED
from arrears.spark.compile import condition_column
from arrears.spark.experiment import arm_column
from arrears.spark.frames import polars_schema
from arrears.strategy.check import contract_columns
from arrears.strategy.model import Strategy


def _null_string() -> Column:
    return F.lit(None).cast(T.StringType())


def first_of(branches: Sequence[tuple[Column, Column]], otherwise: Column) -> Column:
    """`arrears.exprs.first_of` for Spark: the first condition that holds gives the value
    (a null condition does not hold, in both engines)."""
    if not branches:
        return otherwise
    chain: Any = F
    for condition, value in branches:
        chain = chain.when(condition, value)
    result: Column = chain.otherwise(otherwise)
    return result


def _schema(schema: T.StructType | Mapping[str, pl.DataType] | None) -> dict[str, pl.DataType]:
    return {**contract_columns(), **(polars_schema(schema) if schema is not None else {})}


def bucket_column(strategy: Strategy, dpd: Column | None = None) -> Column:
    """The bucket name for `dpd` (string), null when no bucket holds it; first listed wins."""
    dpd = F.col("dpd") if dpd is None else dpd
    branches = [
        (
            dpd >= b.lo if b.hi is None else (dpd >= b.lo) & (dpd <= b.hi),
            F.lit(b.name),
        )
        for b in strategy.buckets
    ]
    return first_of(branches, otherwise=_null_string()).alias("bucket")


def segment_column(
    strategy: Strategy, schema: T.StructType | Mapping[str, pl.DataType] | None = None
) -> Column:
    """The id of the first segment whose `when` holds (null when none).

    Needs the `bucket` column (from `bucket_column`) and the derived features it refers to.
    `schema` (the frame's, Spark's or Polars') lets string literals be read as dates against
    date columns; the contract's types are assumed where it is silent.
    """
    full = _schema(schema)
    branches = [
        (
            F.lit(True) if segment.when_ast is None else condition_column(segment.when_ast, full),
            F.lit(segment.id),
        )
        for segment in strategy.segments
    ]
    return first_of(branches, otherwise=_null_string()).alias("segment")


def step_condition_columns(
    strategy: Strategy, schema: T.StructType | Mapping[str, pl.DataType] | None = None
) -> dict[str, Column]:
    """By step id, the filter of each step that has its own `when` (null never matches), as
    `plan_exprs.step_condition_exprs`."""
    full = _schema(schema)
    return {
        step.id: condition_column(step.when_ast, full).alias(step.id)
        for step in strategy.steps()
        if step.when_ast is not None
    }


def segment_accounts(feats: DataFrame, strategy: Strategy) -> DataFrame:
    """Bucket, segment and experiment arm for every account; accounts not collected get no
    segment (they keep an arm, as in the local engine)."""
    with_bucket = feats.withColumn("bucket", bucket_column(strategy))
    collected = ~F.col("status").isin(list(NOT_COLLECTED))
    segment = F.when(collected, segment_column(strategy, with_bucket.schema))
    segmented = with_bucket.withColumn("segment", segment)
    return segmented.withColumn("arm", arm_column(strategy.experiment))
