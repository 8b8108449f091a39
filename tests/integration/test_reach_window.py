"""A planned third-party contact ends when the debtor stops counting as unreachable.

The debtor is unreachable while every debtor phone has 3 failed calls in the last 14 days
(the CN preset). When the oldest of those failures leaves the look-back during the run day,
the emergency contact's window ends there, and the pre-dial check agrees at every instant:
allowed just before, refused (THIRD-PARTY-GATE) from then on. Found by the simulator
(`arrears simulate` puts every contact it makes to the pre-dial check at its own time).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from arrears.compliance.predial import PreDial, check_one
from arrears.compliance.presets import presets_for, strictest_reach
from arrears.planning.run import run_plan
from builders import RUN_DATE, PortfolioBuilder

STRATEGY = """
name: reach-window
version: 1
jurisdiction: CN
buckets:
  M1: [1, 30]
segments:
  - id: S
    steps:
      - {id: em, days: [5], channel: human_call, audience: emergency, team: x,
         third_party_safe: true}
"""


def _plan(tmp_path: Path, failures: list[str]):
    b = PortfolioBuilder().debtor(1, dpd=5)
    b.point(1, "E1", "+8613900000002", role="emergency", relation="friend")
    for i, at in enumerate(failures):
        b.attempt(f"T{i}", at)
    (tmp_path / "s.yaml").write_text(STRATEGY, encoding="utf-8")
    outcome = run_plan(
        data=b.write(tmp_path / "data"), strategy_path=tmp_path / "s.yaml",
        run_date=RUN_DATE, out=tmp_path / "run",
    )  # fmt: skip
    assert outcome.result is not None and outcome.portfolio is not None
    presets = presets_for(["CN"], {})
    state = PreDial.of(outcome.portfolio.tables, presets, strictest_reach(presets))
    return outcome.result, state


def _rule(state: PreDial, at: datetime) -> str | None:
    rows = check_one(state, "E1", at, channel="human_call").to_dicts()
    assert len(rows) == 1
    return rows[0]["rule"]


def test_the_window_ends_when_the_oldest_failure_leaves_the_look_back(tmp_path: Path) -> None:
    # Run day 2026-11-30; CN hours 08:00-21:00 Shanghai = 00:00-13:00 UTC. The third-latest
    # failure, 2026-11-16 06:00 UTC, leaves the 14-day look-back at 2026-11-30 06:00 UTC.
    result, state = _plan(
        tmp_path, ["2026-11-16T06:00:00Z", "2026-11-20T03:00:00Z", "2026-11-25T03:00:00Z"]
    )
    action = result.actions.filter(pl.col("contact_id") == "E1").to_dicts()
    assert len(action) == 1
    lapse = datetime(2026, 11, 30, 6, tzinfo=UTC)
    assert action[0]["window_start"] == datetime(2026, 11, 30, 0, tzinfo=UTC)
    assert action[0]["window_end"] == lapse
    assert _rule(state, action[0]["window_start"]) is None
    assert _rule(state, lapse - timedelta(microseconds=1)) is None
    # The look-back [T - 14 days, T) still holds the failure at T = lapse itself; the window,
    # half-open, ends there: the plan is never later than the check, at most 1 µs earlier.
    assert _rule(state, lapse + timedelta(microseconds=1)) == "THIRD-PARTY-GATE"


def test_no_time_left_before_the_lapse_refuses_the_contact(tmp_path: Path) -> None:
    # The third-latest failure is exactly 14 days before the window opens: unreachable at
    # 00:00 UTC (the look-back includes its start), reachable from that very instant on.
    result, state = _plan(
        tmp_path, ["2026-11-16T00:00:00Z", "2026-11-20T03:00:00Z", "2026-11-25T03:00:00Z"]
    )
    assert result.actions.filter(pl.col("contact_id") == "E1").is_empty()
    blocked = result.blocked.filter(pl.col("contact_id") == "E1").to_dicts()
    assert [b["rule"] for b in blocked] == ["THIRD-PARTY-GATE"]
    assert "2026-11-30T00:00:00Z" in blocked[0]["detail"]
    assert _rule(state, datetime(2026, 11, 30, 0, 0, 1, tzinfo=UTC)) == "THIRD-PARTY-GATE"


def test_failures_well_inside_the_look_back_keep_the_whole_window(tmp_path: Path) -> None:
    result, state = _plan(
        tmp_path, ["2026-11-22T06:00:00Z", "2026-11-24T03:00:00Z", "2026-11-25T03:00:00Z"]
    )
    action = result.actions.filter(pl.col("contact_id") == "E1").to_dicts()
    assert len(action) == 1
    assert action[0]["window_end"] == datetime(2026, 11, 30, 13, tzinfo=UTC)
    assert _rule(state, action[0]["window_end"] - timedelta(minutes=1)) is None
