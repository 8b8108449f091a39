"""Frames between the local engine and Spark, and the one schema vocabulary both compile with.

The compilers read a column's type to decide how a literal meets it (a string against a date
column is a date). That decision lives once, in `arrears.strategy.typecheck` over Polars types,
so a Spark schema is translated to the Polars types it stands for rather than re-deciding.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

_INTEGERS = (T.ByteType, T.ShortType, T.IntegerType, T.LongType)
_FLOATS = (T.FloatType, T.DoubleType, T.DecimalType)


def polars_type(dtype: T.DataType) -> pl.DataType | None:
    """The Polars type a Spark column stands for; None for what conditions cannot use."""
    if isinstance(dtype, _INTEGERS):
        return pl.Int64()
    if isinstance(dtype, _FLOATS):
        return pl.Float64()
    if isinstance(dtype, T.StringType):
        return pl.String()
    if isinstance(dtype, T.BooleanType):
        return pl.Boolean()
    if isinstance(dtype, T.DateType):
        return pl.Date()
    if isinstance(dtype, T.TimestampNTZType):
        return pl.Datetime("us")
    if isinstance(dtype, T.TimestampType):
        return pl.Datetime("us", "UTC")  # an instant, shown in the session's time zone
    return None


def polars_schema(schema: T.StructType | Mapping[str, pl.DataType]) -> dict[str, pl.DataType]:
    """A Spark schema as Polars types (a Polars schema passes through)."""
    if not isinstance(schema, T.StructType):
        return dict(schema)
    out: dict[str, pl.DataType] = {}
    for field in schema.fields:
        dtype = polars_type(field.dataType)
        if dtype is not None:
            out[field.name] = dtype
    return out


def to_spark_frame(spark: SparkSession, frame: pl.DataFrame) -> DataFrame:
    """A Polars frame as a Spark DataFrame, through Arrow.

    Spark has no unsigned integers: UInt columns (the planner's counts) become Int64, which
    holds every UInt32 value. Timestamps with a zone arrive as Spark TIMESTAMP (an instant),
    naive ones as TIMESTAMP_NTZ.
    """
    unsigned = [name for name, dtype in frame.schema.items() if dtype.is_unsigned_integer()]
    if unsigned:
        frame = frame.with_columns(pl.col(unsigned).cast(pl.Int64))
    return spark.createDataFrame(frame.to_arrow())
