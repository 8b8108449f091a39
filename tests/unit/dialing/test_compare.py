"""compare(): six rows over the same seeds, and a best ratio within the cap."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from arrears.dialing.compare import PACERS, compare, erlang_open_loop, shift_plan
from arrears.dialing.pacing import FixedRatio
from arrears.dialing.scenario import SCENARIOS
from arrears.dialing.sim import simulate

SHORT = replace(SCENARIOS["n10-p30-h120"], duration_s=3600.0)


def test_compare_returns_the_six_pacers_and_a_best_ratio_within_the_cap() -> None:
    told: list[str] = []
    rows = compare(SHORT, seeds=2, cap=0.03, progress=told.append)
    assert [r.pacer for r in rows] == list(PACERS)
    by = {r.pacer: r for r in rows}
    assert by["progressive"].abandon_rate == 0.0
    best = by["best fixed ratio"]
    assert best.worst_window <= 0.03 and best.note.startswith("ratio ")
    ratio = float(best.note.split()[1])
    above = round(ratio + 0.1, 1)  # the next ratio on the grid breaks the cap in some seed
    if above <= 4.0:
        worst = [
            simulate(SHORT, FixedRatio(above), np.random.default_rng(s)).worst_window_abandon_rate
            for s in range(2)
        ]
        best_occ = best.occupancy
        assert (
            max(worst) > 0.03
            or np.mean(
                [
                    simulate(SHORT, FixedRatio(above), np.random.default_rng(s)).occupancy
                    for s in range(2)
                ]
            )
            <= best_occ
        )
    assert by["best fixed ratio"].occupancy > by["progressive"].occupancy
    assert len(told) >= 2 * 5 + 2 * 2  # five pacers and at least two ratios, per seed
    assert all(0.0 <= r.occupancy <= 1.0 and r.dials_per_agent_hour > 0 for r in rows)


def test_open_loop_follows_the_hourly_profile() -> None:
    day = SCENARIOS["day"]
    loop = erlang_open_loop(day, 0.03)
    assert len(loop.rates_per_s) == 9
    assert loop.rates_per_s[4] > loop.rates_per_s[0]  # 30 agents vs 10 (and p_live 1.5 vs 0.5)


def test_the_shift_plan_holds_the_schedule_and_the_end_only() -> None:
    day = SCENARIOS["day"]
    plan = shift_plan(day)
    assert plan.agents == day.agent_profile and plan.duration_s == day.duration_s
    flat = shift_plan(SHORT)
    assert flat.agents == (SHORT.agents,) and flat.duration_s == 3600.0
