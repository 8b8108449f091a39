"""Compliance benchmark: the guard's share of `arrears plan`, and pre-dial checks per second.

    python bench/compliance.py [--sizes 1000000] [--out bench/out] [--batches 1,100,1000,10000]
                               [--singles 100] [--predial-only]

For each size N it reuses (or generates, as bench/plan.py does) the seeded `mixed` portfolio
(CN, US and GB customers, with their contact ledger) and measures, each in a fresh process:

* the plan of examples/strategies/mixed_example.yaml, in process, with its stage times: the
  guard's cost is the `ledger` stage (attempts joined to their contact points for the rules'
  look-back) plus the `comply` stage (zones, windows, calendar, caps, rests, rules, next
  allowed times), reported as a share of the plan's own time (the sum of its stages);
* the pre-dial check (`compliance.predial.check`, the function behind `arrears check`) on one
  core (POLARS_MAX_THREADS=1): the time to load the data and build the check's state, then
  questions about random phone contact points at random instants of the run date — one at a
  time (`--singles` questions, latency per question) and in batches (`--batches`), as a
  dialer asks about its hopper. The baseline in the same run is the single question: every
  batch is reported as checks per second and as a ratio to one-at-a-time;
* the same single questions asked with `check_one` (the one-question path a dialer or the
  service takes), median and p99 latency, on the state as loaded (its caches fill as it
  is asked) and on a warm one (`PreDial.warm`: every point's zones and every account's
  hours worked out first, timed), each answer compared with the batch path's.

`--predial-only` skips the plans (the pre-dial figures alone).

It prints a table and writes ``<out>/compliance.json`` and ``<out>/compliance.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
MIXED = REPO / "examples" / "strategies" / "mixed_example.yaml"
SEED = REPO / "examples" / "strategies" / "seed_example.yaml"
PLANS = (("seed", "CN", SEED), ("mixed", "mixed", MIXED))
"""(name, portfolio country, strategy): the seed example on CN data, the mixed one on mixed."""
TARGETS = {"guard_share_max": 0.25, "predial_per_s_min": 5000}


def child_plan(data: Path, strategy_path: Path) -> dict[str, Any]:
    """In a fresh process: plan `strategy_path` on `data`; stage times and counts."""
    from _generate import RUN_DATE

    from arrears.contract.load import load_portfolio, locate
    from arrears.contract.shards import shard_count
    from arrears.planning.plan import plan_day
    from arrears.planning.run import checked_strategy

    if shard_count(locate(data)) > 1:  # as `arrears plan` does: by customer shards
        return child_plan_sharded(data, strategy_path)
    started = time.perf_counter()
    portfolio = load_portfolio(data)
    loaded = time.perf_counter() - started
    strategy = checked_strategy(strategy_path, portfolio)
    result = plan_day(portfolio, strategy, RUN_DATE)
    stages = dict(result.timings)
    counts = (result.checked, result.actions.height, result.blocked.height)
    return plan_figures(stages, loaded, *counts)


def child_plan_sharded(data: Path, strategy_path: Path) -> dict[str, Any]:
    """A book above one shard (`contract.shards.ACCOUNTS_PER_SHARD`), planned as `arrears
    plan` plans it, shard by shard, into a scratch run folder: the manifest's stage times are
    summed over the shards (`split` and `load_validate` are the loading)."""
    import tempfile

    from _generate import RUN_DATE

    from arrears.planning.run import run_plan

    with tempfile.TemporaryDirectory(dir=data.parent) as scratch:
        outcome = run_plan(
            data=data, strategy_path=strategy_path, run_date=RUN_DATE, out=Path(scratch) / "run"
        )
        stages = dict(outcome.timings)
        manifest = json.loads((Path(scratch) / "run" / "manifest.json").read_text())
    loaded = stages.pop("split", 0.0) + stages.pop("load_validate", 0.0)
    for outside in ("write", "total"):
        stages.pop(outside, None)
    counts = manifest["counts"]
    figures = plan_figures(
        stages,
        loaded,
        manifest["compliance"]["contacts_checked"],
        counts["actions"],
        counts["blocked"],
    )
    return {**figures, "shards": outcome.shards}


def plan_figures(
    stages: dict[str, float], loaded: float, checked: int, actions: int, blocked: int
) -> dict[str, Any]:
    """The guard's share of the plan's stages, with and without loading and validation."""
    total = sum(stages.values())
    guard = stages.get("ledger", 0.0) + stages.get("comply", 0.0)
    return {
        "load_validate_s": round(loaded, 3),
        "stages": stages,
        "plan_s": round(total, 3),
        "guard_s": round(guard, 3),
        "guard_share": round(guard / total, 4) if total else None,
        "guard_share_end_to_end": round(guard / (total + loaded), 4),
        "checked": checked,
        "actions": actions,
        "blocked": blocked,
        "guard_rows_per_s": round(checked / stages["comply"]) if stages.get("comply") else None,
    }


def child_predial(data: Path, batches: list[int], singles: int) -> dict[str, Any]:
    """In a fresh process on one core: load, then time one-at-a-time and batched checks."""
    import polars as pl
    from _generate import RUN_DATE

    from arrears.compliance.predial import PreDial, check, check_one, questions
    from arrears.compliance.predial_one import OneCache
    from arrears.compliance.presets import presets_for, strictest_reach
    from arrears.contract.load import load_portfolio
    from arrears.strategy.load import load_strategy

    started = time.perf_counter()
    portfolio = load_portfolio(data)
    strategy = load_strategy(MIXED)
    presets = presets_for(strategy.jurisdiction, strategy.house)
    state = PreDial.of(portfolio.tables, presets, strictest_reach(presets))
    load_s = time.perf_counter() - started
    phones = portfolio.tables["contacts"].filter(pl.col("kind") == "phone").get_column("contact_id")
    rng = random.Random(7)
    day = datetime(RUN_DATE.year, RUN_DATE.month, RUN_DATE.day, tzinfo=UTC)
    picked = phones.sample(max([singles, *batches]), seed=7, with_replacement=True).to_list()

    def asked(n: int) -> pl.DataFrame:
        return questions(
            [
                {"contact_id": c, "at": day + timedelta(seconds=rng.randrange(86_400))}
                for c in picked[:n]
            ]
        )

    check(state, asked(10))  # warm-up: first calls build caches (zones, holidays)
    one = []
    allowed = 0
    singles_asked = asked(singles)
    batch_answers = []
    for i in range(singles):
        q = singles_asked[i : i + 1]
        t0 = time.perf_counter()
        answer = check(state, q)
        one.append(time.perf_counter() - t0)
        allowed += int(answer.get_column("allowed").all())
        batch_answers.append(answer)
    single_s = statistics.median(one)

    def one_path(fresh: PreDial) -> dict[str, Any]:
        """`check_one` of the same single questions: latencies, and answers against the
        batch path's (a few questions first, not timed, as `check` had)."""
        warmup = asked(10).to_dicts()
        for row in warmup:
            check_one(fresh, **row)
        times, differ = [], 0
        for row, want in zip(singles_asked.to_dicts(), batch_answers, strict=True):
            t0 = time.perf_counter()
            got = check_one(fresh, **row)
            times.append(time.perf_counter() - t0)
            differ += int(not got.drop("question").equals(want.drop("question")))
        return {
            "median_ms": round(statistics.median(times) * 1000, 2),
            "p90_ms": round(percentile(times, 0.90) * 1000, 2),
            "p99_ms": round(percentile(times, 0.99) * 1000, 2),
            "per_s": round(1 / statistics.median(times), 1),
            "over_single": round(single_s / statistics.median(times), 1),
            "answers_differ": differ,
        }

    as_loaded = one_path(replace(state, one=OneCache()))
    warmed = replace(state, one=OneCache())
    t0 = time.perf_counter()
    warmed.warm()
    warm_s = time.perf_counter() - t0
    warm = one_path(warmed)
    results = []
    for n in batches:
        q = asked(n)
        t0 = time.perf_counter()
        answers = check(state, q)
        wall = time.perf_counter() - t0
        results.append(
            {
                "questions": n,
                "answers": answers.height,
                "allowed": int(answers.get_column("allowed").sum()),
                "wall_s": round(wall, 4),
                "checks_per_s": round(n / wall, 1),
                "over_single": round((n / wall) * single_s, 1),
            }
        )
    return {
        "load_and_state_s": round(load_s, 3),
        "single_median_ms": round(single_s * 1000, 2),
        "single_p90_ms": round(percentile(one, 0.90) * 1000, 2),
        "single_p99_ms": round(percentile(one, 0.99) * 1000, 2),
        "single_per_s": round(1 / single_s, 1),
        "check_one": as_loaded,
        "warm_s": round(warm_s, 3),
        "check_one_warm": warm,
        "singles_allowed": allowed,
        "batches": results,
    }


def percentile(values: list[float], q: float) -> float:
    """The `q` quantile of `values` (nearest rank, as the p90 has always been read)."""
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))]


def run_child(args: list[str], one_core: bool) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    if one_core:
        env["POLARS_MAX_THREADS"] = "1"
    done = subprocess.run(
        [sys.executable, __file__, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(results: dict[str, Any]) -> str:
    lines = [f"machine: {results['machine']}", ""]
    for size, r in results["sizes"].items():
        d = r["predial"]
        lines += [f"### {int(size):,} accounts", ""]
        for name, p in r["plans"].items():
            lines += [
                f"**{name} example** — stages (s): "
                + ", ".join(f"{k} {v:.2f}" for k, v in p["stages"].items())
                + f"; the plan {p['plan_s']:.2f} s, the guard (ledger + comply) "
                f"{p['guard_s']:.2f} s = **{p['guard_share'] * 100:.1f} %** of the stages, "
                f"{p['guard_share_end_to_end'] * 100:.1f} % with loading and validation "
                f"({p['load_validate_s']:.2f} s) (target ≤ 25 %); {p['checked']:,} contacts "
                f"checked, {p['actions']:,} actions, {p['blocked']:,} blocked.",
                "",
            ]
        if d is None:
            continue
        lines += [
            f"Pre-dial (mixed data, mixed example's house policy), one core: load and build the "
            f"state {d['load_and_state_s']:.1f} s; one question at a time "
            f"{d['single_median_ms']:.1f} ms median ({d['single_p90_ms']:.1f} ms p90), "
            f"{d['single_per_s']:.0f} checks/s (the baseline).",
            "",
            *single_question(d),
            "| questions per call | answers | allowed | wall s | checks/s | × one at a time |",
            "|---:|---:|---:|---:|---:|---:|",
            *(
                f"| {b['questions']:,} | {b['answers']:,} | {b['allowed']:,} | {b['wall_s']:.3f} "
                f"| {b['checks_per_s']:,.0f} | {b['over_single']:,.1f} |"
                for b in d["batches"]
            ),
            "",
        ]
    return "\n".join(lines)


def single_question(d: dict[str, Any]) -> list[str]:
    """The single-question table: the batch path against `check_one`, same questions."""
    if "check_one" not in d:
        return []
    rows = [
        (
            "`check` of one question (the batch path)",
            d["single_median_ms"],
            d["single_p90_ms"],
            d.get("single_p99_ms"),
            d["single_per_s"],
            1.0,
            "—",
        ),
    ]
    for label, r in (
        ("`check_one`, state as loaded", d["check_one"]),
        (f"`check_one`, warm state (warm-up {d['warm_s']:.1f} s)", d["check_one_warm"]),
    ):
        rows.append(
            (
                label,
                r["median_ms"],
                r["p90_ms"],
                r["p99_ms"],
                r["per_s"],
                r["over_single"],
                f"{r['answers_differ']}",
            )
        )
    return [
        "| one question | median ms | p90 ms | p99 ms | checks/s | × batch path "
        "| answers differing |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {label} | {median:.1f} | {p90:.1f} | "
            f"{'—' if p99 is None else f'{p99:.1f}'} | {per_s:,.0f} | {over:.1f} | {differ} |"
            for label, median, p90, p99, per_s, over, differ in rows
        ),
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument("--batches", default="1,100,1000,10000")
    parser.add_argument("--singles", type=int, default=100)
    parser.add_argument("--child", choices=["plan", "predial"])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--strategy", type=Path, default=MIXED)
    parser.add_argument("--predial-only", action="store_true", help="skip the plans")
    parser.add_argument(
        "--plans-only",
        action="store_true",
        help="skip the pre-dial part (its state holds the whole book: 10 M does not fit 24 GB)",
    )
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    if args.child == "plan":
        print(json.dumps(child_plan(args.data, args.strategy)))
        return
    if args.child == "predial":
        print(json.dumps(child_predial(args.data, batches, args.singles)))
        return

    from plan import ensure_data

    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "machine": {
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "commit": subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip(),
        "targets": TARGETS,
        "sizes": {},
    }
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"== {size:,} accounts", flush=True)
        plans = {}
        for name, country, strategy in () if args.predial_only else PLANS:
            folder = Path(ensure_data(args.out, size, country, timeout=3600)["folder"])
            plans[name] = run_child(
                ["--child", "plan", "--data", str(folder), "--strategy", str(strategy)],
                one_core=False,
            )
            got = plans[name]
            print(
                f"  plan {name} {got['plan_s']} s, guard {got['guard_s']} s ({got['guard_share']})"
            )
        if args.plans_only:
            results["sizes"][str(size)] = {"plans": plans, "predial": None}
            continue
        data = Path(ensure_data(args.out, size, "mixed", timeout=3600)["folder"])
        predial = run_child(
            [
                "--child",
                "predial",
                "--data",
                str(data),
                "--batches",
                args.batches,
                "--singles",
                str(args.singles),
            ],
            one_core=True,
        )
        print(
            f"  pre-dial single {predial['single_median_ms']} ms, check_one "
            f"{predial['check_one']['median_ms']} ms (warm {predial['check_one_warm']['median_ms']}"
            f" ms); {predial['batches']}"
        )
        results["sizes"][str(size)] = {"plans": plans, "predial": predial}
    (args.out / "compliance.json").write_text(json.dumps(results, indent=2))
    text = report(results)
    (args.out / "compliance.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
