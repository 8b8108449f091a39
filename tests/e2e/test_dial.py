"""`arrears dial`: a team's call list worked on a simulated floor, each dial cleared first."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from arrears.contract.tables import OUTCOMES
from arrears.generate.portfolio import generate_portfolio, write_portfolio
from arrears.planning.run import run_plan

RUN_DATE = date(2026, 11, 30)
MIXED = Path(__file__).parents[2] / "examples" / "strategies" / "mixed_example.yaml"


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("dial")
    data = base / "data"
    write_portfolio(
        generate_portfolio(accounts=3000, seed=9, country="mixed", as_of=RUN_DATE), data
    )
    run = run_plan(data=data, strategy_path=MIXED, run_date=RUN_DATE, out=base / "run").out
    return data, run


@pytest.mark.parametrize("mode", ["predictive", "preview", "robot-then-human"])
def test_dial_writes_the_days_attempts_and_the_guards_refusals(
    planned: tuple[Path, Path], tmp_path: Path, mode: str
) -> None:
    data, run = planned
    out = tmp_path / "dialled"
    cmd = [sys.executable, "-m", "arrears", "dial", "--run", str(run), "--data", str(data),
           "--strategy", str(MIXED), "--team", "m2_collectors", "--agents", "2",
           "--mode", mode, "--out", str(out)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "dials (each cleared by the guard)" in proc.stdout
    attempts = pl.read_csv(out / "attempts.csv", infer_schema=False)
    lists = pl.read_parquet(run / "call_lists.parquet").filter(
        (pl.col("team") == "m2_collectors") & pl.col("slot_start").is_not_null()
    )
    assert attempts.height >= 1
    assert attempts["outcome"].is_in(list(OUTCOMES)).all()
    dialled = attempts["attempt_id"].str.extract(r"^(.*)#\d+$")
    assert dialled.is_in(lists["action_id"].implode()).all()
    refusals = pl.read_csv(out / "refusals.csv", infer_schema=False)
    assert "HOUSE-2H-BETWEEN-CALLS" in refusals["rule"].to_list()  # retries held back
    if mode == "robot-then-human":
        assert "handed to a free agent" in proc.stdout


def test_an_unknown_mode_is_refused_with_exit_2(planned: tuple[Path, Path], tmp_path: Path):
    data, run = planned
    cmd = [sys.executable, "-m", "arrears", "dial", "--run", str(run), "--data", str(data),
           "--strategy", str(MIXED), "--mode", "telepathy", "--out", str(tmp_path)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--mode telepathy" in proc.stderr
