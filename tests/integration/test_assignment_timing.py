"""`arrears plan --timing`: the suggested knee moves when cases are assigned."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl

from arrears.analytics.timing import KIND
from arrears.generate.portfolio import generate_portfolio, write_portfolio
from arrears.planning.run import run_plan

RUN_DATE = date(2026, 11, 30)
STRATEGY = """
name: timed
version: 1
jurisdiction: [CN, US, GB]
buckets:
  M1: [1, 30]
segments:
  - id: early
    when: bucket == 'M1'
    steps:
      - id: early.people
        assign: {to: team, teams: m1_collectors, from_dpd: knee}
"""


def test_cases_are_assigned_from_the_knee_on(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_portfolio(generate_portfolio(accounts=3000, seed=8, country="mixed", as_of=RUN_DATE),
                    data)  # fmt: skip
    strategy = tmp_path / "timed.yaml"
    strategy.write_text(STRATEGY, encoding="utf-8")
    timing = tmp_path / "timing.json"
    knees = [{"segment": "early", "from_dpd": 12}]
    doc = {"kind": KIND, "as_of": "2026-11-30", "share": 0.2, "suggestions": knees}
    timing.write_text(json.dumps(doc))
    runs = {}
    for name, extra in (("default", {}), ("knee", {"timing": timing})):
        out = tmp_path / name
        run_plan(data=data, strategy_path=strategy, run_date=RUN_DATE, out=out, **extra)
        assigned = pl.read_parquet(out / "assignments.parquet").join(
            pl.read_parquet(out / "accounts.parquet").select("account_id", "dpd"), on="account_id"
        )
        runs[name] = (assigned, json.loads((out / "manifest.json").read_text()))
    default, knee = runs["default"][0], runs["knee"][0]
    assert default.get_column("dpd").min() < 12  # the case under test: earlier ones exist
    assert knee.height > 0 and knee.get_column("dpd").min() >= 12
    manifest = runs["knee"][1]
    assert manifest["assignment_timing"]["steps"]["early.people"]["from_dpd"] == 12
    assert runs["default"][1]["assignment_timing"] is None
