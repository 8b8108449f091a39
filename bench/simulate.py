"""Speed benchmark of `arrears simulate`: books of 100 k and 1 M accounts over 30 days.

    python bench/simulate.py [--sizes 100000,1000000] [--days 30] [--verify-sizes 100000]
                             [--strategy examples/strategies/seed_example.yaml] [--out bench/out]
                             [--dialer none|progressive|predictive|preview]

Each run is `arrears simulate` (one arm, the champion) in a fresh process: wall time and peak
RSS (bench/_measure.py), and from its daily.parquet the seconds of each stage summed over the
days: the world (moving the book, building the morning's tables), the real planner, carrying
out the contacts, verifying them (with --verify), the outcomes. The baseline, measured in the
same run, is the planner itself: `overhead` = wall time / the planner's seconds, i.e. what
simulating costs on top of planning the same 30 mornings. `--verify-sizes` also runs those
sizes with every contact put to the pre-dial check. `--dialer` runs every size with that dialer
floor inside the day (`arrears simulate --dialer`; the floor's time is in `contact`). Results
go to <out>/simulate.json and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import polars as pl

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from _measure import run_measured  # noqa: E402


def _sizes(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def measure(
    size: int, days: int, strategy: Path, out: Path, verify: bool, dialer: str = "none"
) -> dict[str, Any]:
    folder = out / f"sim-{size}-{'verify' if verify else 'plain'}-{dialer}"
    cmd = [
        sys.executable, "-m", "arrears", "simulate", "--strategy", str(strategy),
        "--accounts", str(size), "--days", str(days), "--seed", "7", "--start", "2026-11-02",
        "--out", str(folder), "--verify" if verify else "--no-verify", "--dialer", dialer,
    ]  # fmt: skip
    m = run_measured(cmd, log=folder / "run")
    row: dict[str, Any] = {
        "accounts": size, "days": days, "verify": verify, "dialer": dialer, **m.as_dict()
    }  # fmt: skip
    if m.returncode != 0:
        row["error"] = m.stderr[-2000:]
        return row
    daily = pl.read_parquet(folder / "daily.parquet")
    stages = {c.removeprefix("seconds_"): round(float(daily[c].sum()), 2)
              for c in daily.columns if c.startswith("seconds_")}  # fmt: skip
    row["stages_s"] = stages
    row["contacts"] = int(daily["contacts"].sum())
    for name in ("abandoned", "floor_listed", "floor_dials", "floor_live", "floor_unplaced"):
        if name in daily.columns:
            row[name] = int(daily[name].sum())
    row["overhead_vs_planner"] = round(m.wall_s / stages["plan"], 2) if stages.get("plan") else None
    row["seconds_per_day"] = round(m.wall_s / days, 2)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--verify-sizes", default="100000")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument(
        "--strategy", type=Path, default=REPO / "examples/strategies/seed_example.yaml"
    )
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument("--dialer", default="none", help="none, progressive, predictive, preview")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    runs = [(n, False) for n in _sizes(args.sizes)] + [(n, True) for n in _sizes(args.verify_sizes)]
    rows = []
    for size, verify in runs:
        row = measure(size, args.days, args.strategy, args.out, verify, args.dialer)
        rows.append(row)
        stages = row.get("stages_s", {})
        print(
            f"{size:>9,} accounts x {args.days} days  verify={verify!s:<5}  dialer={args.dialer}  "
            f"wall {row['wall_s']:8.1f} s  peak {row['peak_rss_mb']:7.0f} MB  "
            f"per day {row.get('seconds_per_day')} s  stages {stages}  "
            f"wall/planner {row.get('overhead_vs_planner')}  contacts {row.get('contacts')}  "
            f"abandoned {row.get('abandoned')}  unplaced {row.get('floor_unplaced')}",
            flush=True,
        )
    name = "simulate.json" if args.dialer == "none" else f"simulate-{args.dialer}.json"
    (args.out / name).write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
