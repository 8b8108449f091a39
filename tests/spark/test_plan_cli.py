"""`arrears plan --engine spark` from the command line: the local run's files, and a clear
refusal (exit 2) where Spark cannot run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from spark_session import require_spark

require_spark()

from arrears.generate.portfolio import generate_portfolio, write_portfolio  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "strategies" / "seed_example.yaml"


def plan(data: Path, out: Path, *extra: str, env: dict[str, str] | None = None):
    command = [
        sys.executable, "-m", "arrears", "plan", "--data", str(data), "--strategy", str(SEED),
        "--date", "2026-11-30", "--out", str(out), *extra,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)


def test_plan_with_the_spark_engine_writes_the_local_run(tmp_path: Path):
    tables = generate_portfolio(accounts=1500, seed=2, country="CN", as_of=date(2026, 11, 30))
    write_portfolio(tables, tmp_path / "data", fmt="parquet")
    local = plan(tmp_path / "data", tmp_path / "local")
    spark = plan(tmp_path / "data", tmp_path / "spark", "--engine", "spark", "--master", "local[2]")
    assert local.returncode == 0, local.stderr
    assert spark.returncode == 0, spark.stderr[-3000:]
    for name in ("actions", "blocked", "call_lists"):
        assert_frame_equal(
            pl.read_parquet(tmp_path / "local" / f"{name}.parquet"),
            pl.read_parquet(tmp_path / "spark" / f"{name}.parquet"),
        )
    manifest = json.loads((tmp_path / "spark" / "manifest.json").read_text())
    assert manifest["engine"] == "spark"
    assert manifest["spark"]["master"] == "local[2]"


def test_without_java_the_spark_engine_is_refused(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(Path(sys.executable).parent)  # python, but no java
    done = plan(tmp_path / "data", tmp_path / "run", "--engine", "spark", env=env)
    assert done.returncode == 2
    assert "--engine spark needs a Java 17 runtime" in done.stderr
    assert not (tmp_path / "run").exists()
