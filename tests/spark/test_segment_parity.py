"""Bucket, segment and experiment arm on Spark equal the local engine's, account for account.

The account features come from the local engine (features are not on Spark yet) for generated
portfolios with every status, handed to Spark through Arrow; the shipped strategies then
segment both frames.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from spark_session import require_spark

require_spark()

from arrears.compliance.ledger import ledger_of, needed  # noqa: E402
from arrears.compliance.presets import presets_for, strictest_reach  # noqa: E402
from arrears.contract.load import Portfolio  # noqa: E402
from arrears.contract.tables import NOT_COLLECTED  # noqa: E402
from arrears.generate.portfolio import generate_portfolio  # noqa: E402
from arrears.planning.features import contact_features, history, run_start  # noqa: E402
from arrears.planning.plan import features  # noqa: E402
from arrears.planning.plan import segment_accounts as local_segments  # noqa: E402
from arrears.spark import segment_accounts, step_condition_columns, to_spark_frame  # noqa: E402
from arrears.strategy import load_strategy  # noqa: E402
from arrears.strategy.model import Strategy  # noqa: E402
from arrears.strategy.plan_exprs import step_condition_exprs  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RUN_DATE = dt.date(2024, 7, 15)
STRATEGIES = [
    "examples/strategies/seed_example.yaml",
    "examples/strategies/mixed_example.yaml",
    "examples/strategies/mixed_with_templates.yaml",
    "examples/search/seed_best.yaml",
]
STATUSES = {
    "active",
    "dispute",
    "legal_hold",
    "bankruptcy",
    "deceased",
    "cease_contact",
    "written_off",
    "settled",
}


def _features(country: str, strategy: Strategy) -> pl.DataFrame:
    """The planner's account features of the run date, as `plan_day` computes them."""
    tables = generate_portfolio(accounts=5000, seed=7, country=country, as_of=RUN_DATE)
    presets = presets_for(strategy.jurisdiction, strategy.house)
    reach = strictest_reach(presets)
    ledger = ledger_of(
        tables.get("attempts"),
        tables["contacts"],
        needed(presets, reach.days, run_start(RUN_DATE)),
    )
    point_history = contact_features(history(tables.get("attempts"), RUN_DATE), RUN_DATE)
    portfolio = Portfolio(tables, pl.DataFrame())
    return features(portfolio, RUN_DATE, reach, point_history.collect(), ledger)


_CACHE: dict[tuple[str, str], pl.DataFrame] = {}


def features_for(country: str, path: str) -> tuple[pl.DataFrame, Strategy]:
    strategy = load_strategy(ROOT / path)
    # Features depend on the strategy only through its compliance presets (reachability).
    key = (country, repr(presets_for(strategy.jurisdiction, strategy.house)))
    if key not in _CACHE:
        _CACHE[key] = _features(country, strategy)
    return _CACHE[key], strategy


@pytest.mark.parametrize("country", ["CN", "mixed"])
@pytest.mark.parametrize("path", STRATEGIES)
def test_spark_segments_every_account_as_the_local_engine_does(
    spark: Any, country: str, path: str
) -> None:
    feats, strategy = features_for(country, path)
    assert set(feats.get_column("status").unique()) >= STATUSES, "every status in the book"

    want = local_segments(feats, strategy).select("account_id", "bucket", "segment", "arm")
    remote = segment_accounts(to_spark_frame(spark, feats), strategy)
    got = pl.from_arrow(remote.select("account_id", "bucket", "segment", "arm").toArrow())
    assert isinstance(got, pl.DataFrame)

    assert got.height == want.height == feats.height
    joined = want.join(got, on="account_id", how="full", suffix="_spark", nulls_equal=False)
    differs = joined.filter(
        pl.col("account_id").is_null()
        | pl.col("account_id_spark").is_null()
        | pl.col("bucket").ne_missing(pl.col("bucket_spark"))
        | pl.col("segment").ne_missing(pl.col("segment_spark"))
        | pl.col("arm").ne_missing(pl.col("arm_spark"))
    )
    assert differs.height == 0, differs.head(10)
    # The comparison means something: several segments, and accounts in none.
    segments = want.get_column("segment")
    assert segments.drop_nulls().n_unique() >= min(3, len(strategy.segments))
    assert segments.null_count() > 0
    if strategy.experiment is not None:
        assert want.get_column("arm").n_unique() == len(strategy.experiment.arms)
    not_collected = want.join(feats.select("account_id", "status"), on="account_id").filter(
        pl.col("status").is_in(NOT_COLLECTED)
    )
    assert not_collected.height > 0
    assert not_collected.get_column("segment").null_count() == not_collected.height


@pytest.mark.parametrize("country", ["CN", "mixed"])
@pytest.mark.parametrize("path", [p for p in STRATEGIES if "mixed" in p])  # steps with `when`
def test_spark_step_conditions_hold_for_the_same_accounts(
    spark: Any, country: str, path: str
) -> None:
    feats, strategy = features_for(country, path)
    local = local_segments(feats, strategy)
    exprs = step_condition_exprs(strategy, dict(local.schema))
    assert exprs
    want = local.select("account_id", *exprs.values()).sort("account_id")
    remote = segment_accounts(to_spark_frame(spark, feats), strategy)
    columns = step_condition_columns(strategy, remote.schema)
    got = pl.from_arrow(remote.select("account_id", *columns.values()).toArrow())
    assert isinstance(got, pl.DataFrame)
    assert got.sort("account_id").equals(want)
    assert any(want.get_column(c).any() for c in exprs), "some step condition holds somewhere"
