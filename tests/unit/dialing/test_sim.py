"""Scenarios, pacers, the worst-window rate, and the non-stationary day (logouts, drift)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.dialing.pacing import DialerState, FixedRatio, OpenLoop, Pacer, Progressive
from arrears.dialing.scenario import SCENARIOS, Scenario
from arrears.dialing.sim import Journal, simulate, worst_window_rate


def test_the_grid_and_the_day() -> None:
    grid = [n for n in SCENARIOS if n != "day"]
    assert len(grid) == 12 and "n20-p15-h120" in grid and "n50-p30-h200" in grid
    assert SCENARIOS["n20-p15-h120"].agents == 20 and SCENARIOS["n20-p15-h120"].p_live == 0.15
    day = SCENARIOS["day"]
    assert day.agent_profile is not None and day.live_profile is not None
    assert day.agent_profile[0] == 10 and max(day.agent_profile) == 30
    assert day.agent_profile[-1] == 20 and day.handle_drift == pytest.approx(0.2)
    assert day.p_live_at(4.5 * 3600) > day.p_live_at(0.0) == day.p_live_at(8.5 * 3600)


@pytest.mark.parametrize(
    "bad",
    [
        {"agents": 0}, {"p_live": 1.5}, {"p_live": float("nan")}, {"mean_handle_s": 0.0},
        {"handle_cv": -0.1}, {"busy_share": 0.7, "machine_share": 0.5}, {"patience_s": -1.0},
        {"duration_s": 0.0}, {"live_profile": ()}, {"live_profile": (1.0, 5.0)},
        {"agent_profile": (3, -1)}, {"handle_drift": -1.0},
    ],
)  # fmt: skip
def test_bad_parameters_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="scenario 'x'"):
        Scenario("x", **{"agents": 5, "p_live": 0.3, "mean_handle_s": 100.0, **bad})


def state(free: int, in_flight: int) -> DialerState:
    return DialerState(0.0, free, 10, in_flight, 0, 0, 0, 0, 0)


def test_pacer_rules() -> None:
    assert Progressive().dials(state(4, 7)) == 4 and Progressive().reserves_agent
    assert FixedRatio(2.5).dials(state(3, 2)) == 5  # floor(7.5) - 2
    assert FixedRatio(2.5).dials(state(3, 9)) == 0
    assert not FixedRatio(2.5).reserves_agent
    with pytest.raises(ValueError):
        FixedRatio(0.0)
    loop = OpenLoop(0.5)
    assert loop.dials(state(10, 0)) == 0
    rng = np.random.default_rng(0)
    gaps = [loop.next_dial_at(100.0, rng) for _ in range(20_000)]
    assert np.mean(np.array(gaps, dtype=float) - 100.0) == pytest.approx(2.0, rel=0.05)
    assert OpenLoop(0.0).next_dial_at(1.0, rng) is None


def brute_worst(times: list[float], lost: list[bool], w: float, min_live: int) -> float:
    """Every distinct window content: windows starting at or just after each critical point."""
    cuts = sorted({t for t in times} | {t - w for t in times})
    starts = cuts + [(a + b) / 2 for a, b in itertools.pairwise(cuts)]
    best = 0.0
    for s in starts:
        inside = [f for t, f in zip(times, lost, strict=True) if s <= t < s + w]
        if len(inside) >= min_live:
            best = max(best, sum(inside) / len(inside))
    return best


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 60), st.booleans()), max_size=40),
    st.integers(1, 30),
    st.integers(1, 6),
)
def test_worst_window_matches_brute_force(
    points: list[tuple[int, bool]], w: int, min_live: int
) -> None:
    points.sort()
    times = [float(t) for t, _ in points]
    lost = [f for _, f in points]
    got = worst_window_rate(times, lost, float(w), min_live)
    assert got == pytest.approx(brute_worst(times, lost, float(w), min_live))


def test_worst_window_sees_a_burst_the_average_hides() -> None:
    times = [float(t) for t in range(0, 10_000, 10)]  # 1000 answers, 10 s apart
    lost = [5000 <= t < 5400 for t in times]  # all 40 in a 400 s stretch lost
    assert worst_window_rate(times, lost, 400.0) == 1.0
    assert worst_window_rate(times, lost, 800.0) == pytest.approx(40 / 80)
    assert worst_window_rate(times[:19], lost[:19], 1e9) == 0.0  # fewer than 20: no window


def replay(journal: Journal) -> tuple[dict[int, list[str]], list[tuple[float, int]]]:
    """Check the journal's story per agent; return the violations and the active counts."""
    on: dict[int, bool] = defaultdict(bool)  # logged in and not told to leave
    present: dict[int, bool] = defaultdict(bool)  # logged in, leaving or not
    problems: dict[int, list[str]] = defaultdict(list)
    active: list[tuple[float, int]] = []
    for t, what, agent in journal:
        if what == "login":
            assert not on[agent]
            on[agent] = present[agent] = True
        elif what == "logout":
            assert on[agent]
            on[agent] = False
        elif what == "off":
            assert present[agent] and not on[agent]
            present[agent] = False
        elif what == "finish":
            assert present[agent]
        elif not on[agent]:  # an assignment
            problems[agent].append(f"assigned at {t:.1f} while logged out")
        active.append((t, sum(on.values())))
    return problems, active


# An overloaded floor that sheds most agents each other hour while calls queue for them (a
# leaver must not take a waiting call when it finishes), and the day itself.
CRUNCH = Scenario(
    "crunch", 20, 0.3, 120.0, patience_s=20.0, duration_s=4 * 3600.0, agent_profile=(20, 4)
)


@pytest.mark.parametrize(
    ("scenario", "pacer"),
    [
        (SCENARIOS["day"], FixedRatio(2.5)),
        (SCENARIOS["day"], Progressive()),
        (SCENARIOS["day"], OpenLoop(0.8)),
        (CRUNCH, OpenLoop(1.5)),
        (CRUNCH, FixedRatio(3.0)),
    ],
)
def test_agents_logging_out_get_no_new_calls(scenario: Scenario, pacer: Pacer) -> None:
    journal: Journal = []
    r = simulate(scenario, pacer, np.random.default_rng(11), journal=journal)
    problems, active = replay(journal)
    assert not problems
    for hour in range(round(scenario.duration_s / 3600)):  # the profile holds at each hour's end
        counts = [n for t, n in active if t < (hour + 1) * 3600]
        assert counts[-1] == scenario.agents_at(hour)
    offs = {(t, agent) for t, what, agent in journal if what == "off"}
    deferred = [(t, a) for t, what, a in journal if what == "logout" and (t, a) not in offs]
    assert deferred  # some agents were mid-call when told to leave: the case under test
    hours = [scenario.agents_at(h) for h in range(round(scenario.duration_s / 3600))]
    assert r.agent_seconds >= 3600 * sum(hours) - 1e-6  # leavers finish their call first
    assigned = sum(1 for _, what, _ in journal if what == "assign")
    assert assigned == (r.dials if pacer.reserves_agent else r.connected)


def test_handle_drift_raises_talk_per_call() -> None:
    sc = replace(SCENARIOS["n20-p30-h120"], duration_s=4 * 3600.0)
    per_call = []
    for drift in (0.0, 1.0):
        r = simulate(replace(sc, handle_drift=drift), Progressive(), np.random.default_rng(4))
        per_call.append(r.talk_seconds / r.connected)
    assert per_call[0] == pytest.approx(120.0, rel=0.06)
    assert per_call[1] > 1.3 * per_call[0]  # +50 % on average over the shift
