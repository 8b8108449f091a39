"""The predictive pacer near the shift's end: the answers still to come, the chance that the
calls in flight bring more live answers than fit, and the slack of the windows cut by the end."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest
from scipy.stats import binom

from arrears.dialing.pacing import DialerState, Progressive
from arrears.dialing.predictive import Predictive, ShiftPlan
from arrears.dialing.predictive_estimates import answers_ahead, live_tail
from arrears.dialing.scenario import SCENARIOS
from arrears.dialing.sim import simulate

NOT_LIVE_RING_S = 0.2 * 4.0 + 0.4 * 15.0 + 0.4 * 30.0  # busy, machine, no answer (scenario)


def test_answers_ahead_is_what_a_progressive_floor_gets() -> None:
    sc = replace(SCENARIOS["n20-p30-h120"], duration_s=7200.0)
    lives = [simulate(sc, Progressive(), np.random.default_rng(s)).live for s in range(3)]
    args = (sc.agents * sc.duration_s, sc.p_live, NOT_LIVE_RING_S, sc.answer_delay_mean_s)
    mean = answers_ahead(*args, sc.mean_handle_s)
    assert mean == pytest.approx(np.mean(lives), rel=0.05)
    low = answers_ahead(*args, sc.mean_handle_s, z=2.0)
    assert low == pytest.approx(mean - 2 * math.sqrt(mean)) and low < min(lives)
    assert answers_ahead(0.0, 0.3, 20.0, 12.0, 120.0) == 0.0
    assert answers_ahead(3600.0, 0.0, 20.0, 12.0, 120.0) == 0.0


def test_the_plan_counts_its_agent_seconds() -> None:
    plan = ShiftPlan((10, 20, 0, 5), 4 * 3600.0)
    assert plan.agent_seconds(0.0, 3600.0) == pytest.approx(36000.0)
    assert plan.agent_seconds(1800.0, 5400.0) == pytest.approx(10 * 1800 + 20 * 1800)
    assert plan.agent_seconds(7000.0, 20000.0) == pytest.approx(20 * 200 + 5 * 3600)  # to the end
    assert plan.agent_seconds(100.0, 100.0) == 0.0


@pytest.mark.parametrize("probs", [(0.1, 0.5, 0.9), (0.3, 0.3), (), (0.05, 0.2, 0.6, 0.35)])
def test_live_tail_is_exact(probs: tuple[float, ...]) -> None:
    p_new, n_max = 0.25, 3
    for at_least in range(0, len(probs) + n_max + 2):
        got = live_tail(np.array(probs), p_new, n_max, at_least)
        for n in range(n_max + 1):
            chances = probs + (p_new,) * n
            want = sum(
                math.prod(c if hit else 1 - c for c, hit in zip(chances, outcome, strict=True))
                for outcome in itertools.product((False, True), repeat=len(chances))
                if sum(outcome) >= at_least
            )
            assert got[n] == pytest.approx(want, abs=1e-12)


def test_live_tail_of_new_dials_only_is_the_binomial() -> None:
    got = live_tail(np.array([]), 0.3, 20, 5)
    assert got == pytest.approx(binom.sf(4, np.arange(21), 0.3))
    assert np.all(np.diff(got) >= 0)  # more dials, more chance of many live answers


def state(now: float, live: int, abandoned: int, free: int = 10) -> DialerState:
    busy = tuple(200.0 + 10 * i for i in range(30 - free))
    return DialerState(now, free, 30, 0, 0, 0, 4 * live, live, abandoned, busy_elapsed=busy)


def test_the_end_slack_counts_the_abandons_already_in_the_windows_cut_by_the_end() -> None:
    p = Predictive(plan=ShiftPlan((30,), 7200.0))
    p.dials(state(1800.0, 500, 0))
    assert p._end_slack(state(1800.0, 500, 0)) == math.inf  # the end is over an hour away
    counts = p._not_live
    ring_s = float(counts @ (np.arange(len(counts)) + 0.5) / counts.sum())

    def ahead(now: float) -> float:
        d, h = p._delay.expected(), p._handle.expected()
        return answers_ahead(30 * (7200.0 - now), p._p, ring_s, d, h, p.end_z)

    assert p._end_slack(state(5400.0, 1500, 0)) == pytest.approx(0.03 * ahead(5400.0))
    p.dials(state(6000.0, 1700, 2))  # a pair of abandons, in the last window
    slack = p._end_slack(state(6600.0, 1750, 2))
    assert slack == pytest.approx(0.03 * (1750 - 1700 + 1 + ahead(6600.0)) - 2)
    assert slack < 0.03 * ahead(6600.0)


def test_near_the_end_it_places_only_dials_that_cannot_be_abandoned() -> None:
    def placed(now: float) -> int:
        p = Predictive(plan=ShiftPlan((30,), 7200.0), budget_share=1.0, start_margin=0)
        return p.dials(state(now, 2000, 0))

    assert placed(1800.0) > 10  # ten free agents, nothing ringing: more than ten dials
    assert placed(7150.0) == 10  # fifty seconds before the end: one per free agent


def test_the_end_keeps_the_cap_on_a_small_floor_over_more_seeds() -> None:
    small = replace(SCENARIOS["n10-p15-h200"], duration_s=2 * 3600.0)
    plan = ShiftPlan((small.agents,), small.duration_s)
    for seed in range(6, 12):
        res = simulate(small, Predictive(plan=plan), np.random.default_rng(seed))
        assert res.worst_window_abandon_rate <= 0.03
