"""A simulated day of dialing today's call list: every dial passes the guard, every dial (the
abandoned ones too) lands on the ledger, and the guard's refusals come back when allowed."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest

from arrears.compliance.audit import quiet_hour_violations
from arrears.compliance.predial import PreDial, check
from arrears.compliance.presets import presets_for, strictest_reach
from arrears.contract.load import load_portfolio
from arrears.dialing.campaign import Campaign, CampaignSettings
from arrears.dialing.pacing import FixedRatio, Pacer, Preview
from arrears.dialing.predictive import Predictive
from arrears.dialing.robot import RobotSettings, simulate_robot
from arrears.dialing.scenario import Scenario
from arrears.dialing.sim import simulate
from arrears.generate.portfolio import generate_portfolio, write_portfolio
from arrears.planning.run import run_plan
from arrears.strategy.load import load_strategy

RUN_DATE = date(2026, 11, 30)
MIXED = Path(__file__).parents[2] / "examples" / "strategies" / "mixed_example.yaml"
UTC_TS = pl.Datetime("us", "UTC")


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("campaign")
    data = base / "data"
    write_portfolio(
        generate_portfolio(accounts=6000, seed=5, country="mixed", as_of=RUN_DATE),
        data,
        fmt="parquet",
    )
    run = run_plan(data=data, strategy_path=MIXED, run_date=RUN_DATE, out=base / "run").out
    strategy = load_strategy(MIXED)
    presets = presets_for(strategy.jurisdiction, strategy.house)
    tables = load_portfolio(data).tables
    return {
        "tables": tables,
        "presets": presets,
        "state": PreDial.of(tables, presets, strictest_reach(presets)),
        "lists": pl.read_parquet(run / "call_lists.parquet"),
    }


def human_calls(day: dict[str, object], early_hours: int) -> pl.DataFrame:
    """The human calls of today's lists, each slot moved `early_hours` earlier: a dialer
    working a list ahead of its slots, which only the guard now keeps inside the hours."""
    lists = day["lists"]
    assert isinstance(lists, pl.DataFrame)
    calls = lists.filter(pl.col("channel") == "human_call", pl.col("slot_start").is_not_null())
    return calls.with_columns(pl.col("slot_start") - timedelta(hours=early_hours))


def work(day: dict[str, object], calls: pl.DataFrame, pacer: Pacer, agents: int, seed: int):
    state = day["state"]
    assert isinstance(state, PreDial)
    start = calls.get_column("slot_start").min()
    campaign = Campaign(state, calls, start, CampaignSettings(retry_gap_s=1200.0))
    scenario = Scenario("shift", agents, 0.3, 150.0, duration_s=24 * 3600.0)
    result = simulate(scenario, pacer, np.random.default_rng(seed), leads=campaign)
    return campaign, result


def recheck(day: dict[str, object], attempts: pl.DataFrame) -> pl.DataFrame:
    """Every dial asked again at its own instant, with the day's whole ledger (the guard
    counts only what came before each one)."""
    tables = day["tables"]
    assert isinstance(tables, dict)
    before = tables["attempts"].select(attempts.columns).with_columns(pl.col("at").cast(UTC_TS))
    ledger = {**tables, "attempts": pl.concat([before, attempts])}
    presets = day["presets"]
    state = PreDial.of(ledger, presets, strictest_reach(presets))  # type: ignore[arg-type]
    asked = attempts.select(
        "contact_id", "at", "channel", "account_id", pl.lit(False).alias("agent_reserved")
    )
    return check(state, asked)


def test_every_dial_of_a_simulated_day_passes_the_guard(day: dict[str, object]) -> None:
    calls = human_calls(day, early_hours=4)
    campaign, result = work(day, calls, Predictive(), agents=3, seed=1)
    attempts = campaign.attempts_frame()
    assert attempts.height == result.dials > calls.height  # retries of unanswered leads too
    refusals = campaign.refusals_frame()
    rules = set(refusals.get_column("rule").to_list())
    # the cases under test: dials the guard held back for the hours and for the rest rule
    assert {"QUIET-HOURS", "HOUSE-2H-BETWEEN-CALLS"} <= rules, rules
    answers = recheck(day, attempts)
    assert answers.height >= attempts.height
    refused = answers.filter(~pl.col("allowed"))
    assert refused.is_empty(), refused.select("contact_id", "at", "rule", "detail").head()
    # independently of the guard: each dial's instant lies inside its preset's hours in
    # every zone of its number
    presets = day["presets"]
    instants = answers.join(
        day["state"].accounts.select("account_id", pl.col("customer_country").alias("_c")),  # type: ignore[attr-defined]
        on="account_id",
    ).select(
        pl.format("{}#{}", "question", "account_id").alias("action_id"),
        pl.col("_c").alias("jurisdiction"),
        "timezone",
        pl.col("at").alias("window_start"),
        (pl.col("at") + timedelta(seconds=1)).alias("window_end"),
    )
    assert quiet_hour_violations(instants, presets) == 0  # type: ignore[arg-type]
    # and the control: a dial moved to 02:00 local is caught by the same re-check
    first = answers.row(0, named=True)
    local = first["at"].astimezone(ZoneInfo(first["timezone"].split("|")[0]))
    night_at = local.replace(hour=2, minute=0).astimezone(UTC)
    night = attempts.filter(pl.col("contact_id") == first["contact_id"]).head(1)
    assert not recheck(day, night.with_columns(pl.lit(night_at).cast(UTC_TS).alias("at")))[
        "allowed"
    ].any()


def test_abandoned_calls_are_attempts_on_the_ledger(day: dict[str, object]) -> None:
    calls = human_calls(day, early_hours=0)
    campaign, result = work(day, calls, FixedRatio(4.0), agents=1, seed=2)
    attempts = campaign.attempts_frame()
    assert result.abandoned > 0  # an overdialled floor: the case under test
    outcomes = attempts.get_column("outcome").value_counts()
    counted = dict(outcomes.iter_rows())
    assert counted["abandoned"] == result.abandoned + result.waiting_at_end
    assert attempts.height == result.dials
    assert counted.get("rpc", 0) + counted.get("third_party", 0) == result.connected
    # the attempts are the contract's: the next plan's ledger reads them back as written
    assert attempts.columns[:6] == ["attempt_id", "account_id", "contact_id", "channel", "at",
                                    "outcome"]  # fmt: skip
    assert attempts.get_column("attempt_id").is_unique().all()
    assert recheck(day, attempts).get_column("allowed").all()


def test_a_preview_dial_rings_inside_the_stretch_the_guard_cleared(day: dict[str, object]) -> None:
    """The number rings after the agent's preview: the lead must be cleared up to then."""
    calls = human_calls(day, early_hours=4)
    campaign, result = work(day, calls, Preview(120.0), agents=2, seed=3)
    attempts = campaign.attempts_frame()
    assert attempts.height == result.dials > 0 and result.abandoned == 0
    assert recheck(day, attempts).get_column("allowed").all()
    with pytest.raises(ValueError, match="cleared for"):
        campaign.next(0.0, within_s=CampaignSettings().batch_s)


def test_robot_then_human_works_the_list_inside_the_guard(day: dict[str, object]) -> None:
    calls = human_calls(day, early_hours=4)
    state = day["state"]
    assert isinstance(state, PreDial)
    start = calls.get_column("slot_start").min()
    campaign = Campaign(state, calls, start, CampaignSettings(retry_gap_s=1200.0))
    scenario = Scenario("shift", 2, 0.3, 150.0, duration_s=24 * 3600.0)
    r = simulate_robot(scenario, RobotSettings(lines=6), np.random.default_rng(4), leads=campaign)
    attempts = campaign.attempts_frame()
    assert attempts.height == r.floor.dials > 0 and r.conversations > 0
    assert "abandoned" not in attempts.get_column("outcome").to_list()
    assert recheck(day, attempts).get_column("allowed").all()


def test_a_reserved_agent_lets_the_guard_allow_what_needs_one(day: dict[str, object]) -> None:
    """GB: a number whose last call met an answering machine is called again within 24 hours
    only with a live agent waiting: a progressive dial (agent reserved) may, others may not."""
    calls = human_calls(day, early_hours=0)
    state = day["state"]
    assert isinstance(state, PreDial)
    start = calls.get_column("slot_start").min()
    held = {}
    for reserved in (False, True):
        campaign = Campaign(
            state, calls, start, CampaignSettings(retry_gap_s=1200.0), agent_reserved=reserved
        )
        scenario = Scenario("shift", 3, 0.3, 150.0, duration_s=24 * 3600.0)
        simulate(scenario, FixedRatio(1.0), np.random.default_rng(6), leads=campaign)
        refusals = campaign.refusals_frame()
        by_amd = (pl.col("rule") == "GB-AMD-24H") | pl.col("detail").str.contains(
            "GB-AMD-24H", literal=True
        )  # the rule named first, or among the others that also refuse
        held[reserved] = refusals.filter(by_amd).height
    assert held[False] > 0 and held[True] == 0
