"""The Spark plan equals the local plan row for row: actions, blocked, rejects, assignments,
owners, call lists and accounts, on generated books (CN, US, mixed; every status, history)
for the shipped strategies and an experiment with three arms."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from spark_session import require_spark

require_spark()

from arrears.generate.portfolio import generate_portfolio, write_portfolio  # noqa: E402
from arrears.planning.run import run_plan  # noqa: E402
from arrears.spark.plan import run_plan_spark  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
STRATEGIES = ROOT / "examples" / "strategies"
RUN_DATE = date(2026, 11, 30)
KEYS = {
    "actions": ["action_id"],
    "blocked": ["action_id"],
    "assignments": ["account_id"],
    "unassigned": ["account_id"],
    "owners": ["owner"],
    "agencies": ["agency"],
    "call_lists": ["action_id"],
    "accounts": ["account_id"],
}
ARMS = """
experiment:
  id: seed-arms
  arms:
    - id: champion
      weight: 50
    - id: early
      weight: 30
      overrides:
        A.1:
          days: [1, 3, 7, 15, 21]
    - id: quiet
      weight: 20
"""


def book(folder: Path, country: str, fmt: str, accounts: int = 2500, seed: int = 7) -> Path:
    tables = generate_portfolio(accounts=accounts, seed=seed, country=country, as_of=RUN_DATE)
    write_portfolio(tables, folder, fmt=fmt)  # type: ignore[arg-type]
    return folder


def assert_same_run(local: Path, spark: Path) -> None:
    """Every file of the two run folders holds the same rows; the manifests differ only in
    the engine and the timings."""
    names = sorted(p.name for p in local.iterdir())
    assert names == sorted(p.name for p in spark.iterdir())
    for name in names:
        stem = name.removesuffix(".parquet")
        if stem in KEYS:
            expected = pl.read_parquet(local / name).sort(KEYS[stem])
            assert_frame_equal(expected, pl.read_parquet(spark / name).sort(KEYS[stem]))
        elif name != "manifest.json":
            assert (local / name).read_bytes() == (spark / name).read_bytes(), name
    one, two = (json.loads((f / "manifest.json").read_text()) for f in (local, spark))
    assert one.pop("engine") == "polars" and two.pop("engine") == "spark"
    assert two.pop("spark")["shards"] >= 1
    one.pop("timings"), two.pop("timings")
    assert one == two


def both(spark: Any, data: Path, strategy: Path, out: Path, **kw: Any) -> tuple[Path, Path]:
    local = run_plan(data=data, strategy_path=strategy, run_date=RUN_DATE, out=out / "local")
    remote = run_plan_spark(
        spark=spark, data=data, strategy_path=strategy, run_date=RUN_DATE, out=out / "spark", **kw
    )
    return local.out, remote.out


@pytest.mark.parametrize(
    ("strategy", "country", "fmt", "shards"),
    [
        ("seed_example.yaml", "CN", "parquet", None),
        ("seed_example.yaml", "mixed", "csv", 3),
        ("mixed_example.yaml", "mixed", "parquet", 5),
        ("mixed_with_templates.yaml", "US", "csv", None),
    ],
)
def test_the_spark_plan_is_the_local_plan(
    spark: Any, tmp_path: Path, strategy: str, country: str, fmt: str, shards: int | None
):
    data = book(tmp_path / "data", country, fmt)
    local, remote = both(spark, data, STRATEGIES / strategy, tmp_path, shards=shards)
    assert pl.read_parquet(local / "actions.parquet").height > 50
    assert_same_run(local, remote)
    if strategy == "mixed_example.yaml":  # assignment and the experiment's two arms
        assert pl.read_parquet(local / "assignments.parquet").height > 300
        arms = set(pl.read_parquet(remote / "actions.parquet").get_column("arm"))
        assert arms == {"champion", "challenger"}


def test_an_experiment_with_three_arms(spark: Any, tmp_path: Path):
    strategy = tmp_path / "seed_arms.yaml"
    strategy.write_text((STRATEGIES / "seed_example.yaml").read_text() + ARMS)
    data = book(tmp_path / "data", "CN", "parquet", seed=3)
    local, remote = both(spark, data, strategy, tmp_path, shards=4)
    assert_same_run(local, remote)
    arms = pl.read_parquet(remote / "accounts.parquet").get_column("arm").unique().sort()
    assert arms.to_list() == ["champion", "early", "quiet"]


def test_bad_rows_are_rejected_as_locally(spark: Any, tmp_path: Path):
    """Repeated keys (the repeat under a customer of another shard), an unknown account, a
    contact point of another customer, a bad phone and a lender's column whose type is decided
    over the whole file: the same rejects, the same plan."""
    from integration.test_shards import portfolio_with_flaws

    for fmt in ("csv", "parquet"):
        data = portfolio_with_flaws(tmp_path / fmt / "data", fmt)
        local, remote = both(
            spark, data, STRATEGIES / "mixed_example.yaml", tmp_path / fmt, shards=3
        )
        assert_same_run(local, remote)
        rejects = pl.read_csv(remote / "rejects.csv")
        assert rejects.height >= 5
        assert "duplicate key" in " ".join(rejects.get_column("error"))
        assert pl.read_parquet(remote / "accounts.parquet").schema["score"] == pl.String


def test_a_customers_accounts_are_planned_in_one_task(spark: Any, tmp_path: Path):
    """Eight accounts of one debtor due for a call today: the CN cap of three voice
    conversations a day with the debtor spans the accounts, so it holds only if every account
    of the customer is planned in the same task, whatever the number of shards."""
    tables = generate_portfolio(accounts=1500, seed=5, country="CN", as_of=RUN_DATE)
    accounts = tables["accounts"]
    debtor = tables["contacts"].filter(pl.col("role") == "debtor", pl.col("kind") == "phone")
    customer = debtor.get_column("customer_id")[0]
    many = pl.int_range(pl.len()) < 8
    tables["accounts"] = accounts.with_columns(
        pl.when(many).then(pl.lit(customer)).otherwise(pl.col("customer_id")).alias("customer_id"),
        pl.when(many).then(pl.lit("cash_loan")).otherwise(pl.col("product")).alias("product"),
        pl.when(many).then(pl.lit("active")).otherwise(pl.col("status")).alias("status"),
        pl.when(many)
        .then(pl.lit(RUN_DATE - timedelta(days=24)))
        .otherwise(pl.col("due_date"))
        .alias("due_date"),
    )
    data = tmp_path / "data"
    write_portfolio(tables, data, fmt="parquet")
    local, remote = both(spark, data, STRATEGIES / "seed_example.yaml", tmp_path, shards=7)
    assert_same_run(local, remote)
    mine = pl.col("customer_id") == customer
    calls = pl.read_parquet(remote / "actions.parquet").filter(mine, channel="human_call")
    capped = pl.read_parquet(remote / "blocked.parquet").filter(mine, rule="CN-3-CONVERSATIONS")
    assert calls.height == 3 and capped.height == 5
