"""Speed benchmark of `arrears plan`, with a hand-written floor and a per-row rule engine.

    python bench/plan.py [--sizes 1000000,10000000] [--out bench/out]
                         [--rule-engine-sample 100000] [--repeat 1] [--profile]

For each size N it generates (or reuses) seeded portfolios (CN for the seed example, `mixed` for
the mixed example), then measures, each in a fresh process:

* ``arrears plan`` end to end for examples/strategies/seed_example.yaml (CN portfolio) and
  examples/strategies/mixed_example.yaml (mixed portfolio): wall time, peak RSS, the stage
  times of the run's manifest.json, the counts;
* baseline A, the hand-written Polars floor (bench/baselines.py), checked to produce the same
  actions and blocked contacts as the seed plan;
* baseline B, the per-row `rule-engine` evaluation of segment + step selection over a sample,
  extrapolated linearly to N and checked against the plan's fired steps for the sample.

It prints a table, writes ``<out>/results.json`` and ``<out>/results.md``. ``--profile`` then
runs pyinstrument over the smallest size's plan runs (``<out>/profile-*.txt``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import psutil

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from _generate import MARKER, RUN_DATE, is_ready  # noqa: E402
from _measure import Measured, earlier_sizes, run_measured  # noqa: E402

SEED = REPO / "examples" / "strategies" / "seed_example.yaml"
MIXED = REPO / "examples" / "strategies" / "mixed_example.yaml"
STAGES = (
    "split",
    "load_validate",
    "ledger",
    "features",
    "segment",
    "steps",
    "contacts",
    "comply",
    "assign",
    "emit",
    "schedule",
    "write",
)
TARGETS = {
    "plan_over_floor_max": 1.3,
    "rule_engine_over_plan_min": 100.0,
    # accounts -> (wall seconds, peak RSS MB); the brief's targets on a 2-core machine
    "wall_s": {1_000_000: 10.0, 10_000_000: 100.0},
    "peak_rss_mb": {10_000_000: 8 * 1024.0},
}


def child_env() -> dict[str, str]:
    """The children import arrears from this checkout's src/ whether or not it is installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO / "src"), env.get("PYTHONPATH", "")) if p
    )
    return env


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "polars": pl.__version__,
        "platform": platform.platform(),
    }


def git_state() -> dict[str, Any]:
    """The commit measured and whether src/ had uncommitted changes (others edit it)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {
        "commit": git("rev-parse", "HEAD"),
        "src_dirty": bool(git("status", "--porcelain", "--", "src")),
    }


def log(msg: str) -> None:
    print(msg, flush=True)


def ensure_data(out: Path, accounts: int, country: str, timeout: float) -> dict[str, Any]:
    """Generate the portfolio in its own process unless a complete one is already there."""
    suffix = "" if country == "CN" else f"-{country}"
    folder = out / f"data-{accounts}{suffix}"
    if is_ready(folder, accounts, country):
        info = json.loads((folder / MARKER).read_text())
        log(f"  reuse {folder} (generated in {info['generate_s']} s + {info['write_s']} s write)")
        return {"folder": str(folder), "reused": True, **info}
    log(f"  generate {accounts:,} accounts ({country}) -> {folder}")
    m = run_measured(
        [
            sys.executable,
            str(BENCH / "_generate.py"),
            "--accounts",
            str(accounts),
            "--country",
            country,
            "--out",
            str(folder),
        ],
        env=child_env(),
        log=out / "logs" / f"generate-{accounts}{suffix}",
        timeout_s=timeout,
    )
    if m.returncode != 0:
        raise SystemExit(f"generation failed ({m.returncode}): {m.stderr[-2000:]}")
    info = json.loads(m.stdout.strip().splitlines()[-1])
    log(f"    {m.wall_s} s, peak RSS {m.peak_rss_mb:,.0f} MB")
    return {"folder": str(folder), "reused": False, "process": m.as_dict(), **info}


def warm(folder: Path) -> None:
    """Read every input file once so no measured run pays for a cold page cache."""
    for path in sorted(folder.glob("*.parquet")):
        with path.open("rb") as fh:
            while fh.read(1 << 24):
                pass


def repeated(cmd: list[str], repeat: int, log_path: Path, timeout: float) -> dict[str, Any]:
    """Run `cmd` `repeat` times; keep the run with the median wall time (and every wall)."""
    runs: list[Measured] = []
    # Other processes on the machine (a test suite, say) slow a run down: record the load.
    load_before = [round(x, 2) for x in os.getloadavg()]
    for i in range(repeat):
        m = run_measured(
            cmd, env=child_env(), log=log_path.with_name(f"{log_path.name}-{i}"), timeout_s=timeout
        )
        runs.append(m)
        if m.returncode != 0:
            break
    ok = [m for m in runs if m.returncode == 0]
    if len(ok) < len(runs):
        bad = runs[-1]
        what = "timed out" if bad.timed_out else f"exit code {bad.returncode}"
        if bad.returncode == -9 and not bad.timed_out:
            what += " (SIGKILL: out of memory?)"
        return {
            "ok": False,
            "error": what,
            "loadavg_before": load_before,
            "stderr_tail": bad.stderr[-3000:],
            **bad.as_dict(),
        }
    chosen = sorted(ok, key=lambda m: m.wall_s)[(len(ok) - 1) // 2]
    return {
        "ok": True,
        "loadavg_before": load_before,
        "walls_s": [m.wall_s for m in ok],
        "median_wall_s": statistics.median(m.wall_s for m in ok),
        "max_peak_rss_mb": max(m.peak_rss_mb for m in ok),
        "stdout_last": chosen.stdout.strip().splitlines()[-1] if chosen.stdout.strip() else "",
        **chosen.as_dict(),
    }


def plan_run(
    out: Path, name: str, data: Path, strategy: Path, repeat: int, timeout: float
) -> dict[str, Any]:
    run = out / "runs" / name
    cmd = [
        sys.executable,
        "-m",
        "arrears",
        "plan",
        "--data",
        str(data),
        "--strategy",
        str(strategy),
        "--date",
        RUN_DATE.isoformat(),
        "--out",
        str(run),
    ]
    log(f"  {name}: arrears plan --strategy {strategy.name}")
    result = repeated(cmd, repeat, out / "logs" / name, timeout)
    result["run"] = str(run)
    if not result["ok"]:
        log(f"    FAILED: {result['error']}")
        return result
    manifest = json.loads((run / "manifest.json").read_text())
    timings = manifest["timings"]
    staged = sum(timings.get(s, 0.0) for s in STAGES)
    counts = manifest["counts"]
    result.update(
        stages={s: timings.get(s) for s in STAGES},
        stages_sum_s=round(staged, 3),
        outside_stages_s=round(result["wall_s"] - staged, 3),
        counts={
            "accounts": counts["accounts"],
            "accounts_in_segment": counts["accounts_in_segment"],
            "actions": counts["actions"],
            "blocked": counts["blocked"],
            "reject_lines": counts["reject_lines"],
            "contacts_checked": manifest["compliance"]["contacts_checked"],
        },
    )
    log(
        f"    {result['wall_s']} s, peak RSS {result['peak_rss_mb']:,.0f} MB, "
        f"{counts['actions']:,} actions, {counts['blocked']:,} blocked"
    )
    return result


def floor_run(out: Path, size: int, data: Path, repeat: int, timeout: float) -> dict[str, Any]:
    name = f"floor-{size}"
    cmd = [
        sys.executable,
        str(BENCH / "baselines.py"),
        "floor",
        "--data",
        str(data),
        "--out",
        str(out / "runs" / name),
    ]
    log(f"  {name}: hand-written Polars floor")
    result = repeated(cmd, repeat, out / "logs" / name, timeout)
    result["run"] = str(out / "runs" / name)
    if result["ok"]:
        result["inner"] = json.loads(result["stdout_last"])
        log(f"    {result['wall_s']} s, peak RSS {result['peak_rss_mb']:,.0f} MB")
    else:
        log(f"    FAILED: {result['error']}")
    return result


def rule_engine_run(
    out: Path, size: int, data: Path, sample: int, timeout: float
) -> dict[str, Any]:
    name = f"rule-engine-{size}"
    cmd = [
        sys.executable,
        str(BENCH / "baselines.py"),
        "rule-engine",
        "--data",
        str(data),
        "--out",
        str(out / "runs" / name),
        "--sample",
        str(sample),
    ]
    log(f"  {name}: rule-engine per row over {min(sample, size):,} accounts")
    result = repeated(cmd, 1, out / "logs" / name, timeout)
    result["run"] = str(out / "runs" / name)
    if not result["ok"]:
        log(f"    FAILED: {result['error']}")
        return result
    inner = json.loads(result["stdout_last"])
    scale = inner["population"] / inner["sample"]
    result["inner"] = inner
    result["scale"] = scale
    result["per_account_us"] = round(inner["total"] / inner["sample"] * 1e6, 2)
    result["extrapolated_s"] = round(inner["total"] * scale, 2)
    result["extrapolated_evaluate_s"] = round(inner["evaluate"] * scale, 2)
    log(
        f"    sample {inner['total']} s ({result['per_account_us']} us/account) -> "
        f"{result['extrapolated_s']} s extrapolated to {inner['population']:,}"
    )
    return result


def _pairs(path: Path) -> pl.DataFrame:
    return pl.read_parquet(path, columns=["account_id", "step"]).unique()


def check_floor(plan_dir: Path, floor_dir: Path) -> dict[str, Any]:
    """Same (account_id, step) actions? And are the files equal row for row?"""
    out: dict[str, Any] = {}
    a, b = _pairs(plan_dir / "actions.parquet"), _pairs(floor_dir / "actions.parquet")
    only_plan = a.join(b, on=["account_id", "step"], how="anti")
    only_floor = b.join(a, on=["account_id", "step"], how="anti")
    out["actions_pairs_plan"] = a.height
    out["actions_pairs_floor"] = b.height
    out["actions_only_in_plan"] = only_plan.height
    out["actions_only_in_floor"] = only_floor.height
    out["same_action_pairs"] = only_plan.height == 0 and only_floor.height == 0
    if not out["same_action_pairs"]:
        log("    MISMATCH (account_id, step) plan vs floor:")
        log(f"      only in plan ({only_plan.height}): {only_plan.head(10).rows()}")
        log(f"      only in floor ({only_floor.height}): {only_floor.head(10).rows()}")
    for name in ("actions", "blocked"):
        p = pl.read_parquet(plan_dir / f"{name}.parquet")
        f = pl.read_parquet(floor_dir / f"{name}.parquet")
        # The planner's output grows (other engineers add columns, reword `reason`); compare
        # the columns the floor writes, and name the ones that differ or are the plan's own.
        common = [c for c in f.columns if c in p.columns]
        out[f"{name}_rows"] = [p.height, f.height]
        out[f"{name}_plan_only_columns"] = [c for c in p.columns if c not in f.columns]
        if p.height == f.height:
            out[f"{name}_differing_columns"] = [
                c for c in common if p.schema[c] != f.schema[c] or not p[c].equals(f[c])
            ]
        out[f"{name}_identical"] = p.equals(f)
    return out


def check_rule_engine(plan_dir: Path, rule_dir: Path) -> dict[str, Any]:
    """The steps rule-engine fired for the sample = the plan's (actions ∪ blocked) steps there."""
    sample = pl.read_parquet(rule_dir / "sample.parquet")
    planned = (
        pl.concat([_pairs(plan_dir / "actions.parquet"), _pairs(plan_dir / "blocked.parquet")])
        .unique()
        .join(sample, on="account_id", how="semi")
    )
    fired = _pairs(rule_dir / "fired.parquet")
    only_plan = planned.join(fired, on=["account_id", "step"], how="anti")
    only_rules = fired.join(planned, on=["account_id", "step"], how="anti")
    same = only_plan.height == 0 and only_rules.height == 0
    if not same:
        log("    MISMATCH (account_id, step) plan vs rule-engine on the sample:")
        log(f"      only in plan ({only_plan.height}): {only_plan.head(10).rows()}")
        log(f"      only in rule-engine ({only_rules.height}): {only_rules.head(10).rows()}")
    return {
        "fired_pairs_plan": planned.height,
        "fired_pairs_rule_engine": fired.height,
        "same_fired_pairs": same,
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def evaluate(size: int, r: dict[str, Any]) -> None:
    seed, mixed, floor, rules = r["plan_seed"], r["plan_mixed"], r["floor"], r["rule_engine"]
    wall = seed.get("wall_s") if seed.get("ok") else None
    # What the rule engine does: segment each account and pick the steps due today.
    part = (
        (seed["stages"].get("segment") or 0.0) + (seed["stages"].get("steps") or 0.0)
        if seed.get("ok")
        else None
    )
    floor_wall = floor.get("wall_s") if floor.get("ok") else None
    extrapolated = rules.get("extrapolated_s")
    r["ratios"] = {
        "plan_over_floor": _ratio(wall, floor_wall),
        "plan_over_floor_inner": _ratio(
            seed.get("stages_sum_s"), floor.get("inner", {}).get("total")
        ),
        "rule_engine_over_plan_segment_steps": _ratio(extrapolated, part),
        "rule_engine_over_plan_end_to_end": _ratio(extrapolated, wall),
        "plan_segment_steps_s": round(part, 3) if part is not None else None,
    }
    verdicts: dict[str, Any] = {}
    ratio = r["ratios"]["plan_over_floor"]
    verdicts["plan_over_floor<=1.3"] = ratio is not None and ratio <= TARGETS["plan_over_floor_max"]
    ratio = r["ratios"]["rule_engine_over_plan_segment_steps"]
    verdicts["rule_engine_over_plan>=100"] = (
        ratio is not None and ratio >= TARGETS["rule_engine_over_plan_min"]
    )
    if size in TARGETS["wall_s"]:
        limit = TARGETS["wall_s"][size]
        for key, run in (("seed", seed), ("mixed", mixed)):
            verdicts[f"plan_{key}_wall<={limit:g}s"] = bool(
                run.get("ok") and run["wall_s"] <= limit
            )
    if size in TARGETS["peak_rss_mb"]:
        limit = TARGETS["peak_rss_mb"][size]
        for key, run in (("seed", seed), ("mixed", mixed)):
            verdicts[f"plan_{key}_peak_rss<={limit / 1024:g}GB"] = bool(
                run.get("ok") and run["peak_rss_mb"] <= limit
            )
    r["targets_met"] = verdicts


def _f(value: Any, fmt: str = "{:,.2f}") -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    return fmt.format(value)


def markdown(results: dict[str, Any]) -> str:
    lines: list[str] = []
    for size_key, r in results["sizes"].items():
        size = int(size_key)
        seed, mixed, floor, rules = r["plan_seed"], r["plan_mixed"], r["floor"], r["rule_engine"]
        lines += [f"### {size:,} accounts", ""]
        lines += [
            "| run | wall s | peak RSS MB | accounts | actions | blocked |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for label, run in (
            ("`arrears plan` seed example (CN data)", seed),
            ("`arrears plan` mixed example (mixed data)", mixed),
        ):
            if run.get("ok"):
                c = run["counts"]
                lines.append(
                    f"| {label} | {_f(run['wall_s'])} | {_f(run['peak_rss_mb'], '{:,.0f}')} "
                    f"| {c['accounts']:,} | {c['actions']:,} | {c['blocked']:,} |"
                )
            else:
                lines.append(
                    f"| {label} | FAILED after {_f(run.get('wall_s'))} s: {run.get('error')} "
                    f"| {_f(run.get('peak_rss_mb'), '{:,.0f}')} at the kill | | | |"
                )
        if floor.get("ok"):
            inner = floor["inner"]
            lines.append(
                f"| hand-written Polars floor (seed) | {_f(floor['wall_s'])} "
                f"| {_f(floor['peak_rss_mb'], '{:,.0f}')} | — | {inner['actions']:,} "
                f"| {inner['blocked']:,} |"
            )
        else:
            lines.append(f"| hand-written Polars floor | FAILED: {floor.get('error')} | | | | |")
        if rules.get("ok"):
            inner = rules["inner"]
            lines.append(
                f"| rule-engine segment+steps, **extrapolated** from {inner['sample']:,} "
                f"| {_f(rules['extrapolated_s'])} | {_f(rules['peak_rss_mb'], '{:,.0f}')} "
                f"| {inner['population']:,} | — | — |"
            )
        lines.append("")
        lines += ["| stage (manifest `timings`) | seed s | mixed s |", "|---|---:|---:|"]
        for stage in STAGES:
            lines.append(
                f"| {stage} | {_f(seed.get('stages', {}).get(stage))} "
                f"| {_f(mixed.get('stages', {}).get(stage))} |"
            )
        lines.append(
            f"| sum of stages | {_f(seed.get('stages_sum_s'))} | {_f(mixed.get('stages_sum_s'))} |"
        )
        lines.append(
            f"| outside the stages (interpreter, imports, strategy check, manifest, summary) "
            f"| {_f(seed.get('outside_stages_s'))} | {_f(mixed.get('outside_stages_s'))} |"
        )
        lines.append("")
        ratios = r["ratios"]
        lines += ["| ratio | value | target |", "|---|---:|---|"]
        lines.append(
            f"| plan seed / hand-written floor (wall) | {_f(ratios['plan_over_floor'])}× | ≤ 1.3× |"
        )
        lines.append(
            "| plan seed / floor, inside the process (sum of stages / floor's own total) "
            f"| {_f(ratios['plan_over_floor_inner'])}× | — |"
        )
        lines.append(
            "| rule-engine (extrapolated) / plan `segment`+`steps` "
            f"({_f(ratios['plan_segment_steps_s'])} s) "
            f"| {_f(ratios['rule_engine_over_plan_segment_steps'])}× | ≥ 100× |"
        )
        lines.append(
            "| rule-engine (extrapolated) / plan seed end to end "
            f"| {_f(ratios['rule_engine_over_plan_end_to_end'])}× | — |"
        )
        lines.append("")
        checks = r["checks"]
        fc, rc = checks["floor"], checks["rule_engine"]
        lines.append(
            "Checks: the floor plans the same (account_id, step) actions as `arrears plan`: "
            f"{_f(fc.get('same_action_pairs'))}; rule-engine fires the same (account_id, step) "
            "steps as the plan's actions + blocked on its sample: "
            f"{_f(rc.get('same_fired_pairs'))}."
        )
        for name in ("actions", "blocked"):
            if f"{name}_rows" in fc:
                differ = fc.get(f"{name}_differing_columns")
                lines.append(
                    f"`{name}.parquet` rows plan/floor {fc[name + '_rows']}; identical: "
                    f"{_f(fc.get(name + '_identical'))}; floor columns whose values differ: "
                    f"{', '.join(differ) if differ else 'none'}; columns only the plan writes: "
                    f"{', '.join(fc.get(name + '_plan_only_columns') or []) or 'none'}."
                )
        met = ", ".join(f"{k}: {_f(v)}" for k, v in r["targets_met"].items())
        lines += ["", f"Targets: {met}.", ""]
    return "\n".join(lines)


def profile(out: Path, size: int, data: dict[str, Path], timeout: float) -> dict[str, str]:
    """pyinstrument over the plan runs of one size (not part of the measured figures)."""
    written = {}
    for key, strategy in (("seed", SEED), ("mixed", MIXED)):
        target = out / f"profile-plan-{key}-{size}.txt"
        cmd = [
            sys.executable,
            "-m",
            "pyinstrument",
            "-r",
            "text",
            "--show-all",
            "-o",
            str(target),
            "-m",
            "arrears",
            "plan",
            "--data",
            str(data[key]),
            "--strategy",
            str(strategy),
            "--date",
            RUN_DATE.isoformat(),
            "--out",
            str(out / "runs" / f"profile-{key}-{size}"),
        ]
        log(f"  profile plan {key} {size:,} -> {target}")
        m = run_measured(cmd, env=child_env(), log=out / "logs" / f"profile-{key}-{size}")
        if m.returncode != 0:
            log(f"    FAILED ({m.returncode}): {m.stderr[-500:]}")
        written[key] = str(target)
    return written


def recheck(r: dict[str, Any]) -> None:
    """The output checks of one size's runs (from their folders), then the ratios."""
    checks: dict[str, Any] = {"floor": {}, "rule_engine": {}}
    plan_dir = Path(r["plan_seed"]["run"])
    if r["plan_seed"]["ok"] and r["floor"]["ok"]:
        checks["floor"] = check_floor(plan_dir, Path(r["floor"]["run"]))
    if r["plan_seed"]["ok"] and r["rule_engine"]["ok"]:
        checks["rule_engine"] = check_rule_engine(plan_dir, Path(r["rule_engine"]["run"]))
    r["checks"] = checks


def finish(out: Path, results: dict[str, Any]) -> int:
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    table = markdown(results)
    (out / "results.md").write_text(table + "\n")
    log("")
    log(table)
    failed_checks = [
        size
        for size, r in results["sizes"].items()
        if r["checks"]["floor"] and not r["checks"]["floor"]["same_action_pairs"]
    ]
    if failed_checks:
        log(f"FLOOR MISMATCH for sizes {failed_checks}: the floor is not a fair comparison there")
        return 1
    return 0


def report_only(out: Path) -> int:
    results = json.loads((out / "results.json").read_text())
    for size, r in results["sizes"].items():
        recheck(r)
        evaluate(int(size), r)
    return finish(out, results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument("--rule-engine-sample", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (median)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per process")
    parser.add_argument("--profile", action="store_true", help="pyinstrument the smallest size")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="re-check the runs of <out>/results.json and rewrite the report; measure nothing",
    )
    args = parser.parse_args(argv)
    if args.report_only:
        return report_only(args.out.resolve())
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", "bench/plan.py", *(argv or sys.argv[1:])]),
        "machine": machine(),
        "git": git_state(),
        "run_date": RUN_DATE.isoformat(),
        "rule_engine_sample": args.rule_engine_sample,
        "repeat": args.repeat,
        "targets": {k: v for k, v in TARGETS.items() if not isinstance(v, dict)},
        "sizes": {},
    }
    results["sizes"] = earlier_sizes(out / "results.json", sizes)
    log(f"machine: {results['machine']}")
    for size in sizes:
        log(f"== {size:,} accounts")
        gen_cn = ensure_data(out, size, "CN", args.timeout)
        gen_mixed = ensure_data(out, size, "mixed", args.timeout)
        data = {"seed": Path(gen_cn["folder"]), "mixed": Path(gen_mixed["folder"])}
        warm(data["seed"])
        warm(data["mixed"])
        r: dict[str, Any] = {
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "git": git_state(),
            "generation": {"CN": gen_cn, "mixed": gen_mixed},
        }
        r["plan_seed"] = plan_run(
            out, f"plan-seed-{size}", data["seed"], SEED, args.repeat, args.timeout
        )
        r["plan_mixed"] = plan_run(
            out, f"plan-mixed-{size}", data["mixed"], MIXED, args.repeat, args.timeout
        )
        r["floor"] = floor_run(out, size, data["seed"], args.repeat, args.timeout)
        r["rule_engine"] = rule_engine_run(
            out, size, data["seed"], args.rule_engine_sample, args.timeout
        )
        recheck(r)
        evaluate(size, r)
        results["sizes"][str(size)] = r
        (out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
        log(f"  ratios: {r['ratios']}")
        log(f"  checks: {r['checks']}")
        log(f"  targets: {r['targets_met']}")
    if args.profile and sizes:
        size = min(sizes)
        data = {
            "seed": out / f"data-{size}",
            "mixed": out / f"data-{size}-mixed",
        }
        results["profiles"] = profile(out, size, data, args.timeout)
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    return finish(out, results)


if __name__ == "__main__":
    sys.exit(main())
