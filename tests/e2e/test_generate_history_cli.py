"""`arrears generate --history` as a user runs it: a training history folder on disk."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import polars as pl

from arrears.contract.load import load_portfolio


def test_generate_with_history_writes_account_snapshots_beside_the_tables(tmp_path: Path) -> None:
    out = tmp_path / "history"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "arrears",
            "generate",
            "--history",
            "60",
            "--accounts",
            "2000",
            "--as-of",
            "2025-03-10",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "account_snapshots" in proc.stdout
    snaps = pl.read_parquet(out / "account_snapshots.parquet")
    as_of = dt.date(2025, 3, 10)
    # Weekly by default: 60 days back from the date gives 8 weeks plus the date itself.
    assert sorted(snaps["as_of"].unique()) == [
        as_of - dt.timedelta(days=7 * k) for k in range(8, -1, -1)
    ]
    assert snaps.height == 2000 * 9
    accounts = pl.read_parquet(out / "accounts.parquet")
    assert snaps.filter(pl.col("as_of") == as_of).drop("as_of").equals(accounts)
    loaded = load_portfolio(out)  # the planner's loader ignores the extra table
    assert loaded.rejects.height == 0
    assert "account_snapshots" not in loaded.tables


def test_generate_with_history_takes_the_snapshot_spacing(tmp_path: Path) -> None:
    out = tmp_path / "monthly"
    proc = subprocess.run(
        [sys.executable, "-m", "arrears", "generate", "--history", "60", "--snapshot-every", "30",
         "--accounts", "300", "--as-of", "2025-03-10", "--out", str(out), "--format", "csv"],
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    snaps = pl.read_csv(out / "account_snapshots.csv", try_parse_dates=True)
    assert snaps["as_of"].unique().sort().to_list() == [
        dt.date(2025, 1, 9),
        dt.date(2025, 2, 8),
        dt.date(2025, 3, 10),
    ]
