"""The product brief's worked example must run exactly as written."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from arrears.planning.run import run_plan
from builders import RUN_DATE, PortfolioBuilder

SEED = Path(__file__).parents[2] / "examples" / "strategies" / "seed_example.yaml"


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("seed")
    builder = PortfolioBuilder()
    for dpd in range(0, 36):
        builder.debtor(dpd, dpd=dpd if dpd else None)
    # The same DPDs on a credit card: segment A is cash loans only, so these get nothing.
    for dpd in range(0, 36):
        builder.debtor(100 + dpd, dpd=dpd if dpd else None, product="credit_card")
    data = builder.write(root / "data")
    return run_plan(data=data, strategy_path=SEED, run_date=RUN_DATE, out=root / "run")


def test_the_brief_example_plans_exactly_its_actions_at_every_dpd_from_0_to_35(seed_run):
    actions = seed_run.result.actions.join(
        seed_run.result.accounts.select("account_id", "product"), on="account_id"
    )
    got = sorted(actions.select("dpd", "channel", "template", "team", "product").iter_rows())
    expected = sorted(
        [(d, "sms", "reminder_1", None, "cash_loan") for d in (1, 7, 15, 21)]
        + [(d, "human_call", None, "m1_collectors", "cash_loan") for d in (24, 27, 30)]
        + [(d, "sms", "notice_b", None, "cash_loan") for d in (24, 27, 30)]
    )
    assert got == expected
    assert seed_run.result.blocked.height == 0
    assert seed_run.portfolio.rejects.height == 0


def test_every_action_names_segment_arm_step_strategy_and_a_window(seed_run):
    actions = seed_run.result.actions
    assert actions.get_column("segment").unique().to_list() == ["A"]
    assert actions.get_column("arm").unique().to_list() == ["champion"]
    assert actions.get_column("strategy").unique().to_list() == ["small-loan-early"]
    assert actions.get_column("strategy_version").n_unique() == 1
    assert actions.get_column("role").unique().to_list() == ["debtor"]
    assert actions.get_column("timezone").unique().to_list() == ["Asia/Shanghai"]
    # CN default hours 08:00–21:00 Beijing time = 00:00–13:00 UTC on the run date.
    starts = actions.get_column("window_start").dt.strftime("%Y-%m-%dT%H:%M").unique().to_list()
    ends = actions.get_column("window_end").dt.strftime("%Y-%m-%dT%H:%M").unique().to_list()
    assert starts == [f"{RUN_DATE}T00:00"]
    assert ends == [f"{RUN_DATE}T13:00"]
    assert actions.get_column("action_id").n_unique() == actions.height
    assert actions.filter(pl.col("reason").str.contains("segment A")).height == actions.height
