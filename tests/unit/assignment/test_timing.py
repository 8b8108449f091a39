"""`from_dpd: knee`: an assign step starts at the knee suggest-timing found for its segment."""

from __future__ import annotations

import pytest

from arrears.analytics.timing import KIND
from arrears.assignment.timing import with_suggested_timing
from arrears.strategy.load import StrategyError, load_strategy_text

STRATEGY = """
name: timed
version: 1
jurisdiction: CN
buckets:
  M1: [1, 30]
  M2: [31, 60]
segments:
  - id: early
    when: bucket == 'M1'
    steps:
      - id: early.sms
        days: [1, 5]
        channel: sms
        template: t
      - id: early.people
        assign: {to: team, teams: m1, from_dpd: knee}
  - id: later
    when: bucket == 'M2'
    steps:
      - id: later.people
        days: [35]
        assign: {to: team, teams: m2, from_dpd: knee}
      - id: later.fixed
        assign: {to: team, teams: m2, from_dpd: 40}
"""


def suggestions(**knees: int | None) -> dict[str, object]:
    return {
        "kind": KIND,
        "as_of": "2026-11-30",
        "share": 0.2,
        "suggestions": [{"segment": s, "from_dpd": k} for s, k in knees.items()],
    }


def test_a_knee_step_starts_at_its_segments_knee_and_the_others_keep_theirs() -> None:
    strategy = load_strategy_text(STRATEGY)
    before = {a.step: a.from_dpd for a in strategy.assignments()}
    assert before == {"early.people": 0, "later.people": 35, "later.fixed": 40}
    timed, applied = with_suggested_timing(strategy, suggestions(early=9, later=None))
    after = {a.step: a.from_dpd for a in timed.assignments()}
    assert after == {"early.people": 9, "later.people": 35, "later.fixed": 40}
    assert applied["steps"]["early.people"] == {"segment": "early", "from_dpd": 9,
                                                "source": "knee"}  # fmt: skip
    assert applied["steps"]["later.people"]["source"].startswith("default")
    assert "later.fixed" not in applied["steps"]  # a fixed start is not the knee's


def test_without_suggestions_a_knee_step_keeps_its_default_start() -> None:
    strategy = load_strategy_text(STRATEGY)
    timed, applied = with_suggested_timing(strategy, suggestions())
    assert [a.from_dpd for a in timed.assignments()] == [0, 35, 40]
    assert all(s["source"].startswith("default") for s in applied["steps"].values())


def test_from_dpd_is_a_day_or_knee() -> None:
    with pytest.raises(StrategyError, match="from_dpd"):
        load_strategy_text(STRATEGY.replace("from_dpd: 40", "from_dpd: soon"))
