"""The experiment arm on Spark is the local engine's, bit for bit: the FNV-1a hash of any
text (multi-byte UTF-8 included), and the arm for any salt and weights."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spark_session import require_spark

require_spark()

from pyspark.sql import functions as F  # noqa: E402

from arrears.hashing import fnv1a64, fnv1a64_one  # noqa: E402
from arrears.spark import arm_column, fnv1a64_slot, to_spark_frame  # noqa: E402
from arrears.strategy.experiment import SLOTS, assign_arms  # noqa: E402
from arrears.strategy.model import Arm, Experiment  # noqa: E402

SLOW = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
texts = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40)


@SLOW
@given(st.lists(st.one_of(st.none(), texts), min_size=1, max_size=60))
def test_the_hash_slot_is_the_local_one(spark: Any, values: list[str | None]) -> None:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    want = (fnv1a64(frame.get_column("v")) % SLOTS).to_list()
    want = [None if v is None else w for v, w in zip(values, want, strict=True)]
    remote = to_spark_frame(spark, frame.with_row_index("row"))
    rows = remote.orderBy("row").select(fnv1a64_slot(F.col("v")).alias("slot")).collect()
    assert [r["slot"] for r in rows] == want
    assert all(w is None or w == fnv1a64_one(v) % SLOTS for v, w in zip(values, want, strict=True))


weights = st.decimals(Decimal("0.5"), Decimal("90"), places=1)


@SLOW
@given(
    salt=texts,
    arm_weights=st.lists(weights, min_size=1, max_size=4),
    ids=st.lists(st.one_of(st.none(), texts), min_size=1, max_size=80),
)
def test_the_arm_is_the_local_one(
    spark: Any, salt: str, arm_weights: list[Decimal], ids: list[str | None]
) -> None:
    arms = tuple(Arm(id=f"arm{k}", weight=float(w)) for k, w in enumerate(arm_weights))
    experiment = Experiment(id="e", salt=salt, arms=arms)
    series = pl.Series("account_id", ids, dtype=pl.String)
    want = assign_arms(series, experiment).to_list()
    remote = to_spark_frame(spark, series.to_frame().with_row_index("row"))
    rows = remote.orderBy("row").select(arm_column(experiment)).collect()
    assert [r["arm"] for r in rows] == want


def test_without_an_experiment_every_account_is_champion(spark: Any) -> None:
    remote = spark.createDataFrame(pl.DataFrame({"account_id": ["a", None]}).to_arrow())
    assert [r["arm"] for r in remote.select(arm_column(None)).collect()] == ["champion"] * 2
