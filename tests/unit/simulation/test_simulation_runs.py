"""Runs of the simulator: determinism, the guard, and the comparison's confidence intervals."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from arrears.contract.tables import CHANNELS, VOICE_CHANNELS
from arrears.simulation.day import _verify, simulate_day
from arrears.simulation.knobs import Knobs
from arrears.simulation.run import simulate, write_simulation
from arrears.simulation.world import portfolio_of, start_world
from arrears.strategy.model import Strategy

from .conftest import START


def _run(champion: Strategy, challenger: Strategy | None, *, seed: int, accounts: int = 1500,
         days: int = 4, country: str = "CN"):  # fmt: skip
    arms = [("champion", champion)]
    if challenger is not None:
        arms.append(("challenger", challenger))
    return simulate(arms, accounts=accounts, days=days, seed=seed, country=country, start=START)


def test_same_seed_same_results_and_another_seed_differs(
    seed_example: Strategy, mixed_example: Strategy, tmp_path: Path
) -> None:
    first = write_simulation(_run(seed_example, mixed_example, seed=11), tmp_path / "a")
    again = write_simulation(_run(seed_example, mixed_example, seed=11), tmp_path / "b")
    other = write_simulation(_run(seed_example, mixed_example, seed=12), tmp_path / "c")
    for name in ("daily", "buckets", "hours"):
        a = pl.read_parquet(first[name]).drop(pl.selectors.starts_with("seconds_"))
        b = pl.read_parquet(again[name]).drop(pl.selectors.starts_with("seconds_"))
        assert a.equals(b), name
    doc_a = json.loads(first["summary"].read_text())
    doc_b = json.loads(again["summary"].read_text())
    doc_c = json.loads(other["summary"].read_text())
    assert doc_a["arms"] == doc_b["arms"]
    assert doc_a["differences"] == doc_b["differences"]
    assert doc_a["arms"] != doc_c["arms"]
    assert doc_a["arms"][1]["kpis"]["contacts"] > 0


@pytest.mark.parametrize("country", ["CN", "mixed"])
def test_every_contact_made_passes_the_real_pre_dial_check(
    mixed_example: Strategy, country: str
) -> None:
    sim = _run(mixed_example, None, seed=5, accounts=2500, days=5, country=country)
    kpis = sim.arms[0].kpis
    assert kpis["contacts"] > 500
    assert kpis["verified"] == kpis["contacts"]
    assert kpis["violations"] == 0
    assert kpis["blocked"] > 0  # the guard did refuse contacts the strategy wanted


def test_the_check_refuses_contacts_moved_into_the_night(mixed_example: Strategy) -> None:
    """The verification is not a rubber stamp: the same attempts at 02:00 local are refused."""
    world = start_world(accounts=2000, seed=3, country="CN", start=START, knobs=Knobs())
    portfolio = portfolio_of(world)
    result = simulate_day(world, mixed_example, verify=True)
    ex = result.executed
    assert result.violations == 0 and ex.size > 100
    night = (ex.attempts.at // 86_400_000_000) * 86_400_000_000 + 18 * 3_600_000_000  # 02:00 CST
    ex.attempts.at = night
    refused, asked = _verify(portfolio, mixed_example, ex)
    assert asked == ex.size
    assert refused == ex.size


def test_the_check_sees_the_days_own_earlier_calls(mixed_example: Strategy) -> None:
    """The verification reads the day's own attempts too: each voice call made again 30
    minutes later breaks the house's 2-hour rest on its number (or a daily cap), while the
    first calls, which no earlier call of the day precedes, still pass."""
    world = start_world(accounts=2000, seed=3, country="CN", start=START, knobs=Knobs())
    portfolio = portfolio_of(world)
    ex = simulate_day(world, mixed_example, verify=True).executed
    codes = [CHANNELS.index(c) for c in VOICE_CHANNELS]
    voice = np.flatnonzero(np.isin(ex.attempts.channel, codes))
    assert voice.size > 50
    rows = np.concatenate([np.arange(ex.size), voice])
    again = replace(
        ex,
        attempts=replace(
            ex.attempts,
            **{f.name: getattr(ex.attempts, f.name)[rows] for f in fields(ex.attempts)},
        ),
        **{
            f.name: _take(getattr(ex, f.name), rows)
            for f in fields(ex)
            if isinstance(getattr(ex, f.name), np.ndarray | pl.Series)
        },
    )
    again.attempts.at[ex.size :] += 30 * 60 * 1_000_000
    refused, asked = _verify(portfolio, mixed_example, again)  # the day's attempts: default
    assert asked == ex.size + voice.size
    assert refused == voice.size
    morning = _verify(portfolio, mixed_example, again, same_day=False)[0]
    assert morning < voice.size  # the morning's ledger alone


def test_no_two_calls_of_a_day_to_one_number_break_the_house_rest(
    mixed_example: Strategy,
) -> None:
    """Issue 9: every attempt, checked with the day's earlier attempts on the ledger, passes.
    On this book the debtor's phone was called for each of two accounts (m2.call) in slots
    whose starts were two hours apart (10:00 and 12:00 UTC), at 10:29 and 12:21: the house's
    HOUSE-2H-BETWEEN-CALLS refused the second."""
    world = start_world(accounts=3000, seed=2, country="mixed", start=START, knobs=Knobs())
    result = simulate_day(world, mixed_example, verify=True)  # the day's own attempts too
    assert result.verified == result.executed.size > 300
    assert result.violations == 0


def _take(values: np.ndarray | pl.Series, rows: np.ndarray) -> np.ndarray | pl.Series:
    return values[rows] if isinstance(values, np.ndarray) else values.gather(rows)


def test_a_strategy_against_itself_differs_by_nothing(seed_example: Strategy) -> None:
    sim = _run(seed_example, seed_example, seed=21, accounts=2000, days=5)
    for d in sim.differences:
        assert d.difference == 0.0
        assert d.low <= 0.0 <= d.high, d
    assert sim.arms[0].kpis == sim.arms[1].kpis


def test_contact_recovers_more_than_silence_with_a_ci_that_excludes_zero(
    no_contact: Strategy, mixed_example: Strategy
) -> None:
    sim = _run(no_contact, mixed_example, seed=8, accounts=6000, days=12)
    diff = {d.metric: d for d in sim.differences}
    assert sim.arms[0].kpis["contacts"] == 0
    assert diff["recovered"].difference > 0
    assert diff["recovered"].low > 0, diff["recovered"]
    assert diff["cost"].low > 0
    assert diff["contacts"].difference == sim.arms[1].kpis["contacts"]


def test_common_random_numbers_keep_the_book_the_same_in_both_arms(
    no_contact: Strategy, mixed_example: Strategy
) -> None:
    sim = _run(no_contact, mixed_example, seed=4, accounts=1500, days=3)
    a, b = sim.arms
    assert np.array_equal(a.tally.start_dpd, b.tally.start_dpd)
    assert np.array_equal(a.tally.start_overdue, b.tally.start_overdue)
    assert a.buckets is not None and b.buckets is not None
    assert a.buckets.get_column("accounts").to_list() == b.buckets.get_column("accounts").to_list()


def test_a_strategy_with_a_template_library_plans_its_words_in_simulation() -> None:
    """The scripts stage runs too: each contact carries its approved template version."""
    from arrears.strategy.load import load_strategy
    from arrears.templates.resolve import checked_library

    from .conftest import ROOT

    strategy = load_strategy(ROOT / "examples/strategies/mixed_with_templates.yaml")
    world = start_world(accounts=2000, seed=6, country="mixed", start=START, knobs=Knobs())
    library = checked_library(strategy, None, world.static["customers"])
    assert library is not None
    result = simulate_day(world, strategy, verify=True, templates=library)
    actions = result.actions
    assert actions.height > 50
    assert actions.get_column("template_version").null_count() == 0
    assert result.violations == 0
    bare = simulate_day(
        start_world(accounts=2000, seed=6, country="mixed", start=START, knobs=Knobs()), strategy
    )
    assert "template_version" not in bare.actions.columns


def test_write_off_follows_its_knobs(no_contact: Strategy) -> None:
    """At `write_off_dpd` a share `write_off_share` of the active accounts is written off."""
    from arrears.contract.tables import STATUSES

    written_off, active = STATUSES.index("written_off"), STATUSES.index("active")
    new = {}
    for share in (0.0, 1.0):
        knobs = Knobs(write_off_dpd=60, write_off_share=share)
        world = start_world(accounts=3000, seed=9, country="CN", start=START, knobs=knobs)
        was_active = world.state.status == active
        crossing = (
            was_active & (world.state.dpd(world.day) >= 50) & (world.state.dpd(world.day) <= 60)
        )
        for _ in range(10):
            simulate_day(world, no_contact)
        now = world.state.status == written_off
        new[share] = (was_active & now, crossing)
    assert not new[0.0][0].any()
    went, crossing = new[1.0]
    assert went.sum() > 20
    assert not (went & ~crossing).any()  # only accounts that reached dpd 60 in the run
    # and of those that did (most still active and unpaid), every one was written off
    assert went.sum() >= 0.5 * crossing.sum()
