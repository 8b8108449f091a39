"""`arrears plan --engine spark` on a local Spark against the local engine.

    python bench/spark.py [--sizes 100000,1000000] [--master local[2]] [--shards N]
                          [--out bench/out]

For each size it generates (or reuses) the seeded CN portfolio of `bench/plan.py`, then runs
`arrears plan` for examples/strategies/seed_example.yaml in fresh processes, once with the
local engine and once with `--engine spark`, and checks that both wrote the same actions,
blocked contacts and call lists. Peak memory is that of the whole process tree (the Python
driver, Spark's JVM and its Python workers), polled every 100 ms (psutil), since Spark's
processes are not the measured process itself. Writes `<out>/spark-results.json` and prints a
Markdown table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl
import psutil
from polars.testing import assert_frame_equal

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from _generate import RUN_DATE, is_ready  # noqa: E402

SEED = REPO / "examples" / "strategies" / "seed_example.yaml"
POLL_S = 0.1


def tree_rss_mb(root: psutil.Process) -> float:
    total = 0
    for proc in [root, *root.children(recursive=True)]:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            continue
    return total / 2**20


def measured(cmd: list[str], log: Path) -> dict[str, Any]:
    """Wall time and the highest RSS of the process tree of `cmd`."""
    started = time.perf_counter()
    with log.with_suffix(".out").open("w") as out, log.with_suffix(".err").open("w") as err:
        child = subprocess.Popen(cmd, stdout=out, stderr=err)
        root = psutil.Process(child.pid)
        peak = 0.0
        while child.poll() is None:
            peak = max(peak, tree_rss_mb(root))
            time.sleep(POLL_S)
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed; see {log}.err")
    return {"wall_s": round(wall, 2), "peak_tree_rss_mb": round(peak)}


def data_for(size: int, out: Path) -> Path:
    folder = out / f"data-{size}"
    if not is_ready(folder, size, "CN"):
        subprocess.run(
            [sys.executable, str(BENCH / "_generate.py"), "--accounts", str(size),
             "--country", "CN", "--out", str(folder)],
            check=True,
        )  # fmt: skip
    return folder


def bench(size: int, out: Path, master: str, shards: int | None) -> dict[str, Any]:
    data = data_for(size, out)
    runs = out / f"spark-{size}"
    runs.mkdir(parents=True, exist_ok=True)
    base = [sys.executable, "-m", "arrears", "plan", "--data", str(data), "--strategy", str(SEED),
            "--date", RUN_DATE.isoformat()]  # fmt: skip
    row: dict[str, Any] = {"accounts": size, "master": master}
    row["local"] = measured([*base, "--out", str(runs / "local")], runs / "local")
    extra = ["--shards", str(shards)] if shards else []
    spark_cmd = [*base, "--out", str(runs / "spark"), "--engine", "spark", "--master", master]
    row["spark"] = measured([*spark_cmd, *extra], runs / "spark")
    row["same_files"] = True
    for name in ("actions", "blocked", "call_lists"):
        try:
            assert_frame_equal(
                pl.read_parquet(runs / "local" / f"{name}.parquet"),
                pl.read_parquet(runs / "spark" / f"{name}.parquet"),
            )
        except AssertionError as exc:  # reported, not fatal: the figures are still measured
            row["same_files"] = False
            print(f"{size}: {name} differ: {str(exc).splitlines()[0]}", file=sys.stderr)
    manifest = json.loads((runs / "spark" / "manifest.json").read_text())
    row["spark_shards"] = manifest["spark"]["shards"]
    row["spark_timings"] = manifest["timings"]
    row["actions"] = manifest["counts"]["actions"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--shards", type=int, default=None)
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    args = parser.parse_args()
    rows = [bench(int(s), args.out, args.master, args.shards) for s in args.sizes.split(",")]
    (args.out / "spark-results.json").write_text(json.dumps(rows, indent=2) + "\n")
    print("| accounts | engine | wall s | peak RSS of the process tree MB | same files |")
    print("|---:|---|---:|---:|---|")
    for row in rows:
        for engine in ("local", "spark"):
            r = row[engine]
            print(
                f"| {row['accounts']:,} | {engine} | {r['wall_s']} | {r['peak_tree_rss_mb']:,} "
                f"| {row['same_files']} |"
            )
    for row in rows:
        print(row["accounts"], "spark shards", row["spark_shards"], row["spark_timings"])


if __name__ == "__main__":
    main()
