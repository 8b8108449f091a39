"""Dialer benchmark: six pacers on the stationary grid and the non-stationary day.

    python bench/dialer.py [--scenarios all] [--seeds 5] [--cap 0.03] [--hours 4]
                           [--workers 2] [--out bench/out]

For each scenario it runs `arrears.dialing.compare.compare` (progressive 1:1, open loop at the
Erlang B rate for the cap, the best fixed ratio in hindsight over the same seeds, the
Vicidial-style pacer, the predictive pacer and its oracle reference) and reports occupancy,
pooled abandonment and the worst one-hour sliding-window abandonment (max over seeds).
`--hours` shortens the stationary shifts (the day keeps its 9-hour profile). Scenarios run in
`--workers` processes. It prints a table and writes ``<out>/dialer.json`` and
``<out>/dialer.md``, with the targets: worst window <= cap for every pacer we ship, predictive
occupancy >= 98 % of the best fixed ratio on stationary scenarios and >= 3 points above the
Vicidial-style pacer on the day.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "src"))

from arrears.dialing.compare import compare  # noqa: E402
from arrears.dialing.scenario import HOUR_S, SCENARIOS  # noqa: E402

TARGETS = {"of_best_ratio_min": 0.98, "over_vicidial_min_points": 3.0}


def run_one(name: str, seeds: int, cap: float, hours: float | None) -> dict[str, Any]:
    sc = SCENARIOS[name]
    if hours is not None and sc.live_profile is None and sc.agent_profile is None:
        sc = replace(sc, duration_s=hours * HOUR_S)
    t0 = time.perf_counter()
    rows = compare(sc, seeds=seeds, cap=cap)
    return {
        "scenario": name,
        "hours": sc.duration_s / HOUR_S,
        "stationary": sc.live_profile is None and sc.agent_profile is None,
        "wall_s": round(time.perf_counter() - t0, 1),
        "rows": [asdict(r) for r in rows],
    }


def evaluate(res: dict[str, Any], cap: float) -> dict[str, Any]:
    by = {r["pacer"]: r for r in res["rows"]}
    pred, best, vici = by["predictive"], by["best fixed ratio"], by["vicidial"]
    of_best = pred["occupancy"] / best["occupancy"] if best["occupancy"] else None
    over_vici = 100 * (pred["occupancy"] - vici["occupancy"])
    checks = {"predictive_worst_window_within_cap": pred["worst_window"] <= cap}
    if res["stationary"]:
        checks["of_best_ratio"] = of_best is not None and of_best >= TARGETS["of_best_ratio_min"]
    else:
        checks["over_vicidial"] = over_vici >= TARGETS["over_vicidial_min_points"]
    return {"of_best_ratio": of_best, "over_vicidial_points": over_vici, "checks": checks}


def markdown(results: dict[str, Any]) -> str:
    cap = results["cap"]
    lines = [
        f"Cap {cap:.0%} per one-hour sliding window; {results['seeds']} seeds; stationary "
        f"shifts of {results['hours']} h, the day 9 h. Cells: occupancy / pooled abandonment / "
        "worst window (✗ over the cap).",
        "",
    ]
    pacers = [r["pacer"] for r in results["scenarios"][0]["rows"]]
    lines.append("| scenario | " + " | ".join(pacers) + " | pred/best | pred−vici |")
    lines.append("|---" * (len(pacers) + 3) + "|")
    for res in results["scenarios"]:
        cells = []
        for r in res["rows"]:
            flag = "" if r["worst_window"] <= cap else " ✗"
            note = f" ({r['note']})" if r["note"] else ""
            cells.append(
                f"{r['occupancy']:.1%} / {r['abandon_rate']:.2%} / "
                f"{r['worst_window']:.1%}{flag}{note}"
            )
        ev = res["eval"]
        ratio = f"{ev['of_best_ratio']:.3f}" if ev["of_best_ratio"] is not None else "—"
        lines.append(
            f"| {res['scenario']} | " + " | ".join(cells)
            + f" | {ratio} | {ev['over_vicidial_points']:+.1f} pt |"
        )  # fmt: skip
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scenarios", default="all", help="comma-separated names, or all")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--cap", type=float, default=0.03)
    parser.add_argument("--hours", type=float, default=4.0, help="stationary shift length")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    args = parser.parse_args(argv)
    names = list(SCENARIOS) if args.scenarios == "all" else args.scenarios.split(",")
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenarios {unknown}; known: {', '.join(SCENARIOS)}")
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        futures = [pool.submit(run_one, n, args.seeds, args.cap, args.hours) for n in names]
        done = []
        for f in futures:
            res = f.result()
            res["eval"] = evaluate(res, args.cap)
            print(f"{res['scenario']}: {res['wall_s']} s", flush=True)
            done.append(res)
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "seeds": args.seeds, "cap": args.cap, "hours": args.hours,
        "wall_s": round(time.perf_counter() - t0, 1), "targets": TARGETS, "scenarios": done,
    }  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "dialer.json").write_text(json.dumps(results, indent=1))
    md = markdown(results)
    (args.out / "dialer.md").write_text(md)
    print(md)
    print(f"total {results['wall_s']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
