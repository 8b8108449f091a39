"""The predictive pacer, its oracle, the Vicidial-style pacer and the pacer's extra views."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from arrears.dialing.compare import shift_plan
from arrears.dialing.pacing import DialerState, Progressive
from arrears.dialing.predictive import Predictive, PredictiveOracle, ShiftPlan
from arrears.dialing.scenario import SCENARIOS
from arrears.dialing.sim import SimResult, simulate
from arrears.dialing.vicidial import Vicidial

SHORT = replace(SCENARIOS["n20-p30-h120"], duration_s=2 * 3600.0)
SEEDS = (0, 1, 2)


def runs(make: object) -> list[SimResult]:
    return [simulate(SHORT, make(), np.random.default_rng(s)) for s in SEEDS]  # type: ignore[operator]


@pytest.fixture(scope="module")
def predictive() -> list[SimResult]:
    return runs(Predictive)


def test_predictive_keeps_every_window_within_the_cap(predictive: list[SimResult]) -> None:
    assert all(r.worst_window_abandon_rate <= 0.03 for r in predictive)
    assert sum(r.abandoned for r in predictive) > 0  # it does dial ahead of free agents


def test_predictive_keeps_the_cap_on_a_small_floor_too() -> None:
    # 10 agents, p_live 0.15: ~130 live answers an hour, so one abandon among the first or
    # last 33 answers of the shift is already over 3 %
    small = replace(SCENARIOS["n10-p15-h200"], duration_s=2 * 3600.0)
    plan = shift_plan(small)  # told the real end, it keeps its reserve for the last answers
    res = [simulate(small, Predictive(plan=plan), np.random.default_rng(s)) for s in range(6)]
    assert all(r.worst_window_abandon_rate <= 0.03 for r in res)
    prog = [simulate(small, Progressive(), np.random.default_rng(s)) for s in range(6)]
    assert np.mean([r.occupancy for r in res]) > np.mean([r.occupancy for r in prog]) + 0.03


def test_predictive_beats_progressive_clearly(predictive: list[SimResult]) -> None:
    prog = runs(Progressive)
    gain = np.mean([r.occupancy for r in predictive]) - np.mean([r.occupancy for r in prog])
    assert gain > 0.04


def test_the_oracle_is_at_least_as_good_within_noise(predictive: list[SimResult]) -> None:
    oracle = runs(PredictiveOracle)
    assert (
        np.mean([r.occupancy for r in oracle]) >= np.mean([r.occupancy for r in predictive]) - 0.01
    )
    assert sum(r.abandoned for r in oracle) <= 0.03 * sum(r.live for r in oracle)  # pooled


class Recorder(Predictive):
    """Keeps what the simulator shows it."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.kinds: dict[str, int] = {}
        self.states: list[DialerState] = []

    def observe(self, kind: str, value: float) -> None:
        assert value >= 0
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        super().observe(kind, value)

    def dials(self, state: DialerState) -> int:
        self.states.append(state)
        return super().dials(state)


def test_the_simulator_feeds_outcomes_and_detail() -> None:
    rec = Recorder(oracle=True)
    res = simulate(replace(SHORT, duration_s=1800.0), rec, np.random.default_rng(4))
    assert rec.kinds["live"] == res.live
    assert (
        rec.kinds["live"] + rec.kinds["not_live"]
        == res.live + res.busy + res.machine + res.no_answer
    )
    assert rec.kinds.get("abandoned", 0) == res.abandoned and rec.kinds["handle"] > 0
    for s in rec.states[::50]:
        assert len(s.ringing_elapsed) == s.in_flight
        assert s.busy_remaining is not None and len(s.busy_remaining) == len(s.busy_elapsed)
        assert len(s.busy_elapsed) + s.free_agents <= s.agents
        assert all(x >= 0 for x in s.busy_remaining + s.ringing_elapsed + s.busy_elapsed)


def test_plain_pacers_get_no_detail() -> None:
    seen: list[DialerState] = []

    class Spy(Progressive):
        def dials(self, state: DialerState) -> int:
            seen.append(state)
            return super().dials(state)

    simulate(replace(SHORT, duration_s=600.0), Spy(), np.random.default_rng(0))
    assert seen and all(s.ringing_elapsed == () and s.busy_remaining is None for s in seen)


def state(now: float, free: int, live: int, abandoned: int, in_flight: int = 0) -> DialerState:
    return DialerState(now, free, 10, in_flight, 0, 0, live * 4, live, abandoned)


def test_vicidial_halves_its_level_when_the_day_drops_exceed_the_cap() -> None:
    v = Vicidial(cap=0.03, start_level=3.0)
    assert v.dials(state(0.0, 4, 0, 0)) == 12  # floor(3 x 4) - 0
    v.dials(state(16.0, 0, 100, 10))  # a period ends: 10 % dropped over the day
    assert v.level == pytest.approx(1.5) and v.halvings == 1
    v.dials(state(31.0, 0, 200, 10))  # 5 %: still over, halved again, floored at 1
    assert v.level == pytest.approx(1.0) and v.halvings == 2


def test_vicidial_follows_the_surplus_within_bounds() -> None:
    v = Vicidial(cap=0.03, start_level=1.5, max_level=2.0)
    v.dials(state(0.0, 10, 0, 0))  # 10 ready agents for the whole first period
    v.dials(state(15.0, 10, 100, 0))
    assert v.level == pytest.approx(2.0)  # 1.5 + 10 / 10, clamped to max_level
    busy = Vicidial(cap=0.03, start_level=1.5)
    busy.dials(DialerState(0.0, 0, 10, 5, 0, 20, 0, 100, 0))  # 20 calls waiting, none ready
    busy.dials(DialerState(15.0, 0, 10, 5, 0, 20, 0, 100, 0))
    assert busy.level == pytest.approx(1.0)


def test_the_budget_keeps_the_first_answers_almost_progressive() -> None:
    p = Predictive(end_guard_s=0.0)
    few = DialerState(100.0, 5, 10, 0, 0, 0, 40, 20, 0)  # 20 answers: one abandon is 5 %
    assert p._budget(few) == pytest.approx(p.floor_risk)
    pair = DialerState(200.0, 5, 10, 0, 0, 0, 200, 50, 0)  # one abandon fits, a pair would not
    assert p._budget(pair) == pytest.approx(p.floor_risk)
    many = DialerState(3000.0, 5, 10, 0, 0, 0, 4000, 1000, 10)  # 0.8 x 3 % of 1000, less 10
    assert p._budget(many) == pytest.approx(p.budget_share * 14)
    full = DialerState(3100.0, 5, 10, 0, 0, 0, 4100, 1010, 30)  # spent: only the floor
    assert p._budget(full) == pytest.approx(p.floor_risk)


def test_the_end_slack_shrinks_before_an_assumed_shift_end() -> None:
    p = Predictive(end_guard_s=7200.0)
    mid = p._end_slack(DialerState(1801.0, 5, 10, 0, 0, 0, 2000, 500, 0))  # the end > 1 h away
    half = p._end_slack(DialerState(5400.0, 5, 10, 0, 0, 0, 6000, 1500, 0))  # half an hour
    late = p._end_slack(DialerState(7190.0, 5, 10, 0, 0, 0, 8000, 2000, 0))
    assert mid == math.inf and half > 1.0
    assert late < 1.0  # ten seconds before the end: only dials that cannot be abandoned


def test_the_plan_tells_the_real_end_and_the_logins_and_logouts() -> None:
    plan = ShiftPlan((10, 20, 10), 3 * 3600.0)
    assert [plan.agents_at(h * 3600.0 + 1) for h in range(4)] == [10, 20, 10, 0]
    assert plan.end_after(100.0) == 3 * 3600.0 and plan.end_after(4 * 3600.0) == 4 * 3600.0
    assert ShiftPlan((5, 0, 5), 3 * 3600.0).end_after(10.0) == 3600.0  # an empty hour
    told, guess = Predictive(plan=plan), Predictive()
    state = DialerState(3590.0, 5, 10, 0, 0, 0, 8000, 2000, 0)
    # ten seconds before a whole hour: the guess treats it as the end, the plan knows better
    assert guess._end_slack(state) < 1.0
    assert told._end_slack(state) == math.inf
    told._now, told._late = 3590.0, 30.0
    assert list(told._staffing(np.array([5.0, 20.0]))) == [0.0, 10.0]  # 10 log in at 3600
    told._now = 3 * 3600.0 - 20.0  # 10 log out within the answer delay's tail
    assert list(told._staffing(np.array([5.0, 20.0]))) == [-10.0, -10.0]


def test_the_plan_raises_occupancy_within_the_cap() -> None:
    day = SCENARIOS["day"]
    told = [
        simulate(day, Predictive(plan=shift_plan(day)), np.random.default_rng(s)) for s in (0, 1)
    ]
    guess = [simulate(day, Predictive(), np.random.default_rng(s)) for s in (0, 1)]
    assert all(r.worst_window_abandon_rate <= 0.03 for r in told + guess)
    assert np.mean([r.occupancy for r in told]) > np.mean([r.occupancy for r in guess]) + 0.01


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        Predictive(cap=0.0)
    with pytest.raises(ValueError):
        Vicidial(max_level=0.5)
    with pytest.raises(ValueError):
        ShiftPlan((), 3600.0)
    with pytest.raises(ValueError):
        Predictive(budget_cap=1.5)
