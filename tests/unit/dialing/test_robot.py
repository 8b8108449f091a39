"""Robot and robot-then-human: hand-overs go only to free agents; nobody is left on the line."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.dialing.robot import RobotSettings, simulate_robot
from arrears.dialing.scenario import SCENARIOS, Scenario
from arrears.dialing.sim import Journal

SHORT = replace(SCENARIOS["n10-p30-h200"], duration_s=2 * 3600.0)
# agents log in and out each hour, and most leave in the second: hand-overs meet leavers
CHURN = Scenario("churn", 8, 0.3, 150.0, duration_s=3 * 3600.0, agent_profile=(8, 2, 6))


def handover_problems(journal: Journal) -> list[str]:
    """Replay the floor: a hand-over (`assign`) must find its agent logged in, not leaving,
    and not on a call."""
    on: dict[int, bool] = defaultdict(bool)
    talking: dict[int, bool] = defaultdict(bool)
    problems = []
    for t, what, agent in journal:
        if what == "login":
            on[agent] = True
        elif what in ("logout", "off"):
            on[agent] = False
        elif what == "finish":
            assert talking[agent], f"agent {agent} finished a call it did not have at {t:.1f}"
            talking[agent] = False
        elif what == "assign":
            if not on[agent] or talking[agent]:
                problems.append(f"agent {agent} given a call at {t:.1f} (on={on[agent]})")
            talking[agent] = True
    return problems


@given(
    seed=st.integers(0, 2**32 - 1),
    lines=st.integers(1, 40),
    intent=st.floats(0.0, 1.0),
    hold_s=st.sampled_from([0.0, 5.0, 30.0]),
    pace=st.booleans(),
)
@settings(max_examples=25, deadline=None)
def test_hand_overs_go_only_to_free_agents_and_nobody_is_abandoned(
    seed: int, lines: int, intent: float, hold_s: float, pace: bool
) -> None:
    journal: Journal = []
    robot = RobotSettings(lines=lines, intent=intent, hold_s=hold_s, pace=pace)
    r = simulate_robot(CHURN, robot, np.random.default_rng(seed), journal=journal)
    assert handover_problems(journal) == []
    assert r.floor.abandoned == 0  # the robot is on every answered call
    assert r.handovers == r.floor.connected == sum(1 for _, w, _ in journal if w == "assign")
    # every customer who wanted a person got one, a callback, or was still on hold at the end
    assert r.handovers + r.callbacks + r.floor.waiting_at_end == r.wanted_person
    assert r.wanted_person <= r.conversations == r.floor.live


def test_busy_floor_books_callbacks_and_a_quiet_one_none() -> None:
    crowded = simulate_robot(SHORT, RobotSettings(lines=40), np.random.default_rng(3))
    assert crowded.callbacks > 0.2 * crowded.wanted_person  # agents cannot take them all
    assert crowded.floor.occupancy > 0.9
    relaxed = simulate_robot(SHORT, RobotSettings(lines=3, hold_s=600.0), np.random.default_rng(3))
    assert relaxed.callbacks == 0 and relaxed.handovers == relaxed.wanted_person > 0


def test_pacing_the_lines_to_the_agents_books_fewer_callbacks() -> None:
    fixed, paced = (
        simulate_robot(SHORT, RobotSettings(lines=60, pace=pace), np.random.default_rng(seed))
        for pace, seed in ((False, 9), (True, 9))
    )
    assert paced.callbacks * 3 < fixed.callbacks  # fixed lines flood the agents
    assert paced.conversations < fixed.conversations  # fewer robot minutes spent
    assert paced.handovers > 0.8 * fixed.handovers  # at little cost in hand-overs
    # a floor with room to spare: pacing changes nothing
    few = [simulate_robot(SHORT, RobotSettings(lines=3, pace=p), np.random.default_rng(9))
           for p in (False, True)]  # fmt: skip
    assert few[0].conversations == few[1].conversations


def test_plain_robot_hands_nothing_over() -> None:
    r = simulate_robot(SHORT, RobotSettings(lines=20, intent=0.0), np.random.default_rng(5))
    assert r.conversations > 0 and r.handovers == r.wanted_person == r.callbacks == 0
    assert r.floor.talk_seconds == 0.0 and r.floor.occupancy == 0.0


def test_more_lines_more_conversations() -> None:
    few = simulate_robot(SHORT, RobotSettings(lines=5), np.random.default_rng(8))
    many = simulate_robot(SHORT, RobotSettings(lines=20), np.random.default_rng(8))
    assert many.conversations > 3 * few.conversations
    assert 0.0 < few.line_occupancy <= 1.0 and 0.0 < many.line_occupancy <= 1.0


@pytest.mark.parametrize(
    "bad",
    [{"lines": 0}, {"intent": 1.5}, {"talk_mean_s": 0.0}, {"hold_s": -1.0}, {"talk_cv": -0.1}],
)
def test_bad_robot_settings_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RobotSettings(**{"lines": 4, **bad})  # type: ignore[arg-type]
