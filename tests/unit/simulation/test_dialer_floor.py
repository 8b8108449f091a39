"""The dialer floor inside the simulated day (`Knobs.dialer`): without it the results are those
from before it; with it the runs are repeatable, every dial passes the guard, and a predictive
floor abandons calls within the presets' cap, each one on the ledger."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from arrears.compliance.presets import presets_for
from arrears.contract.tables import CHANNELS, OUTCOMES
from arrears.dialing.limits_of_law import abandonment_limit
from arrears.simulation.contact import talk_channel
from arrears.simulation.day import simulate_day
from arrears.simulation.knobs import Knobs
from arrears.simulation.run import daily_table, simulate
from arrears.simulation.world import start_world
from arrears.strategy.load import load_strategy, load_strategy_text
from arrears.strategy.model import Strategy

from .conftest import ROOT, START

BEFORE = Path(__file__).parent / "data" / "before_the_floor.json"
ABANDONED = OUTCOMES.index("abandoned")


def test_without_a_floor_the_results_are_those_from_before_it() -> None:
    """`dialer: none` with the generator's payment amounts (`ability: false`) reproduces, to the
    cent, a run recorded before the floor and the ability trait were added (the planner of
    that day; a change to the planner's output changes the record, see the settings)."""
    doc = json.loads(BEFORE.read_text(encoding="utf-8"))
    s = doc["settings"]
    arms = [(name, load_strategy(ROOT / path)) for name, path in zip(
        ("champion", "challenger"), s["arms"], strict=True)]  # fmt: skip
    sim = simulate(
        arms, accounts=s["accounts"], days=s["days"], seed=s["seed"], country=s["country"],
        start=START, knobs=Knobs(dialer="none", ability=False),
    )  # fmt: skip
    for arm, before in zip(sim.arms, doc["kpis"], strict=True):
        assert {k: arm.kpis[k] for k in before} == before, arm.name
    daily = daily_table(sim).drop(pl.selectors.starts_with("seconds_"))
    rows = daily.with_columns(pl.col("date").cast(pl.String)).to_dicts()
    assert [{k: r[k] for k in doc["daily"][0]} for r in rows] == doc["daily"]
    assert daily.get_column("floor_listed").sum() == 0


def test_the_floor_is_repeatable_and_every_dial_passes_the_guard(
    mixed_example: Strategy,
) -> None:
    """Same seed, same floor, same results; every attempt, checked at its own instant with the
    day's own attempts on the ledger, is allowed; the robot hands customers to agents."""
    knobs = Knobs(dialer="predictive", robot_dialer="robot-then-human")

    def run(k: Knobs):  # type: ignore[no-untyped-def]
        return simulate([("m", mixed_example)], accounts=2500, days=2, seed=3,
                        country="mixed", start=START, knobs=k)  # fmt: skip

    runs = [run(knobs), run(knobs)]
    a, b = (daily_table(r).drop(pl.selectors.starts_with("seconds_")) for r in runs)
    assert a.equals(b)
    kpis = runs[0].arms[0].kpis
    assert kpis["floor_listed"] > 200 and kpis["floor_dials"] > 0.9 * kpis["floor_listed"]
    assert kpis["violations"] == 0 and kpis["verified"] == kpis["contacts"]
    assert kpis["floor_handovers"] > 0
    other = run(replace(knobs, dialer="progressive"))
    assert other.arms[0].kpis["violations"] == 0
    assert other.arms[0].kpis["abandoned"] == 0  # a progressive floor never abandons


def test_a_robot_call_handed_over_is_an_agents_conversation(mixed_example: Strategy) -> None:
    knobs = Knobs(dialer="progressive", robot_dialer="robot-then-human", handover_share=1.0)
    world = start_world(accounts=3000, seed=5, country="mixed", start=START, knobs=knobs)
    ex = simulate_day(world, mixed_example).executed
    robot = ex.attempts.channel == CHANNELS.index("robot_call")
    assert ex.handover.any() and not (ex.handover & ~robot).any()
    assert (talk_channel(ex)[ex.handover] == CHANNELS.index("human_call")).all()
    rpc = ex.attempts.outcome == OUTCOMES.index("rpc")
    talk = knobs.minutes_answered
    agent = (
        knobs.cost_robot_minute * talk["robot_call"] + knobs.cost_agent_minute * talk["human_call"]
    )
    assert np.allclose(ex.cost[ex.handover & rpc], agent)  # the robot's minutes and an agent's


@pytest.mark.slow
def test_a_predictive_floor_abandons_within_the_cap_and_the_ledger_holds_each(
    mixed_example: Strategy,
) -> None:
    """Lists made for a predictive floor (60 calls an agent-hour) on a 60 000-account book: the
    pacer abandons a few live answers, never more than the presets' cap of the day's live
    answers; each abandoned call is an attempt on the ledger, and (the factor made huge
    here) each one leads to a complaint."""
    text = (ROOT / "examples/strategies/mixed_example.yaml").read_text(encoding="utf-8")
    strategy = load_strategy_text(text.replace("agent_hour: 12", "agent_hour: 60"))
    assert strategy.dialing["calls_per_agent_hour"] == 60
    minutes = {"human_call": 1.5, "robot_call": 1.5, "ivr": 1.0}
    knobs = Knobs(dialer="predictive", minutes_answered=minutes, complaint_abandoned=1e9)
    world = start_world(accounts=60_000, seed=5, country="CN", start=START, knobs=knobs)
    before = len(world.ledgers.attempts)
    result = simulate_day(world, strategy, verify=True)
    ex = result.executed
    cap = abandonment_limit(presets_for(strategy.jurisdiction, strategy.house)).rate
    assert ex.abandoned.sum() >= 2
    assert ex.abandoned.sum() <= cap * ex.floor["live"]
    assert ex.floor["abandoned"] == ex.abandoned.sum()
    assert result.violations == 0 and result.verified == ex.size
    written = pl.concat(world.ledgers.attempts[before:])
    assert (written.get_column("outcome") == "abandoned").sum() == ex.abandoned.sum()
    assert (ex.attempts.outcome[ex.abandoned] == ABANDONED).all()
    assert ex.complaint[ex.abandoned].all()
    assert np.isin(ex.attempts.channel[ex.abandoned], [CHANNELS.index("human_call")]).all()
