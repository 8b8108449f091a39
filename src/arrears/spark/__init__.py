"""Apache Spark: `arrears plan --engine spark` (`plan.py`, `inputs.py`: customer shards carried
by Spark, each planned by the local engine's code) and the strategy's conditions, bucket,
segment and arm compiled to Spark Columns (`compile.py`, `segment.py`, `experiment.py`).

Optional: needs the `spark` extra (`pip install -e '.[spark]'`) and Java 17. Nothing here is
imported by the local engine. docs/spark.md says what runs where.
"""

from __future__ import annotations

from arrears.spark.compile import condition_column, to_spark_column
from arrears.spark.experiment import arm_column, fnv1a64_slot
from arrears.spark.frames import polars_schema, to_spark_frame
from arrears.spark.segment import (
    bucket_column,
    segment_accounts,
    segment_column,
    step_condition_columns,
)

__all__ = [
    "arm_column",
    "bucket_column",
    "condition_column",
    "fnv1a64_slot",
    "polars_schema",
    "segment_accounts",
    "segment_column",
    "step_condition_columns",
    "to_spark_column",
    "to_spark_frame",
]
