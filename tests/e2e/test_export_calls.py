"""`arrears export-calls`: today's call list in the lead layout open dialers load."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl

from arrears.dialing.export import LEAD_COLUMNS
from arrears.generate.portfolio import generate_portfolio, write_portfolio
from arrears.planning.run import run_plan

RUN_DATE = date(2026, 11, 30)
MIXED = Path(__file__).parents[2] / "examples" / "strategies" / "mixed_example.yaml"


def test_a_teams_call_list_exports_in_list_order_with_digits_only_numbers(tmp_path: Path):
    data = tmp_path / "data"
    write_portfolio(
        generate_portfolio(accounts=4000, seed=3, country="mixed", as_of=RUN_DATE), data
    )
    run = run_plan(data=data, strategy_path=MIXED, run_date=RUN_DATE, out=tmp_path / "run").out
    out = tmp_path / "leads.csv"
    cmd = [sys.executable, "-m", "arrears", "export-calls", "--run", str(run), "--data", str(data),
           "--out", str(out), "--team", "m1_collectors"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    leads = pl.read_csv(out, infer_schema=False)
    assert tuple(leads.columns) == LEAD_COLUMNS
    lists = pl.read_parquet(run / "call_lists.parquet").filter(
        (pl.col("channel") == "human_call")
        & (pl.col("team") == "m1_collectors")
        & pl.col("slot_start").is_not_null()
    )
    assert leads.height == lists.height > 0
    assert set(leads["vendor_lead_code"]) == set(lists["action_id"])
    assert leads["phone_number"].str.contains(r"^\d{6,15}$").all()
    assert leads["phone_code"].is_in(["86", "1", "44"]).all()
    ordered = lists.sort("slot_start", "position", "action_id")["action_id"].to_list()
    assert leads["vendor_lead_code"].to_list() == ordered


def test_a_run_without_call_lists_is_refused_with_exit_2(tmp_path: Path):
    cmd = [sys.executable, "-m", "arrears", "export-calls", "--run", str(tmp_path),
           "--data", str(tmp_path), "--out", str(tmp_path / "x.csv")]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "no call lists" in proc.stderr
