"""Assignment benchmark: the dispatch optimizer against greedy by value and round-robin.

    python bench/assign.py [--sizes 100000,1000000] [--agents 1000] [--teams 20] [--seed 7]
                           [--capacity 0.9] [--solvers flow,greedy,round_robin]
                           [--milp-max 5000] [--out bench/out] [--timeout 1800] [--profile]

For each size N it synthesizes (in its own process, seeded, vectorized; reused when its marker
matches) the input of the assignment stage directly, without the planner: the wanted accounts
(`wanted_rows`' frame: N accounts of ~N/1.15 customers, lognormal overdue amounts times a
propensity, 80 % zh / 20 % en), a strategy of 11 assign steps over `--teams` teams (the human
teams, one robot team and two agencies; overlapping team lists, product and scarce skills,
varied contacts per case and lifts), `--agents` agents stratified by language with capacities
summing to about `--capacity` of the demand, and a `cases` table in which ~30 % of customers
are already held (so keep, rotate, recall and release all happen). Written as Parquet to
``<out>/assign-data-N``.

Then, in a fresh process per (size, solver), it loads those frames and times
`arrears.assignment.stage.assign_wanted` (the whole stage: units, holdings, eligibility,
the solver, reasons, per-account output) with the solver `flow` (the optimizer), `greedy`
(by value) and `round_robin`, and `milp` (the exact 0-1 program) at sizes <= `--milp-max`.
Peak RSS is the child's own (`ru_maxrss`, see _measure.py); the child also records its RSS
high-water mark just before and just after the call. Each result is checked (no owner over
capacity, a customer's accounts with one owner, every wanted account accounted for once, the
solver's answer eligible and within capacity) and valued twice: on the dispatch problem the
solver saw (objective = expected recovery kept - cost; recovery = expected value x keep; the
flow's LP bound) and on everything held after the day (kept cases too).

It prints a table and writes ``<out>/assign.json`` and ``<out>/assign.md``. ``--profile``
runs pyinstrument over the flow run of the largest size (``<out>/profile-assign-flow-N.txt``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from _generate import RUN_DATE  # noqa: E402
from _measure import earlier_sizes, run_measured  # noqa: E402

MARKER = "_assign_complete.json"
REPORTED = ("flow", "greedy", "round_robin", "milp")
TARGETS = {
    "flow_wall_s": {1_000_000: 60.0},  # accounts -> seconds, with 1 000 agents
    "objective_of_bound_min": 0.995,
    "recovery_over_round_robin_min": 0.10,
}

# ----------------------------------------------------------------------------- the portfolio

from _assign_book import synthesize  # noqa: E402


def _fingerprint() -> str:
    """sha256 of this file and the book's: a changed generator means new data."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update((BENCH / "_assign_book.py").read_bytes())
    return digest.hexdigest()[:16]


def _params(size: int, args: argparse.Namespace) -> dict[str, Any]:
    return {
        "size": size,
        "agents": args.agents,
        "teams": args.teams,
        "seed": args.seed,
        "capacity": args.capacity,
        "run_date": RUN_DATE.isoformat(),
        "source": _fingerprint(),
    }


def child_generate(size: int, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    made = synthesize(size, args.agents, args.teams, args.seed, args.capacity)
    generated = time.perf_counter() - started
    tmp = folder.with_name(folder.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    for name in ("want", "teams", "agents", "cases"):
        made[name].write_parquet(tmp / f"{name}.parquet")
    (tmp / "strategy.yaml").write_text(made["strategy"])
    info = {
        "params": _params(size, args),
        "facts": made["facts"],
        "generate_s": round(generated, 3),
        "write_s": round(time.perf_counter() - started - generated, 3),
    }
    (tmp / MARKER).write_text(json.dumps(info, indent=2) + "\n")
    if folder.exists():
        shutil.rmtree(folder)
    tmp.rename(folder)
    return info


# ----------------------------------------------------------------------------- one measured run


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child_solve(folder: Path, solver: str) -> dict[str, Any]:
    """In a fresh process: load the frames, time `assign_wanted`, then check and value it."""
    import polars as pl

    import arrears.assignment.stage as stage
    from arrears.assignment.problem import NONE, violations
    from arrears.assignment.summary import assignment_summary
    from arrears.strategy.load import load_strategy_text

    started = time.perf_counter()
    want = pl.read_parquet(folder / "want.parquet")
    tables = {t: pl.read_parquet(folder / f"{t}.parquet") for t in ("teams", "agents", "cases")}
    strategy = load_strategy_text((folder / "strategy.yaml").read_text(), "strategy.yaml")
    load_s = time.perf_counter() - started

    # The stage builds the dispatch `Problem` and hands it to `solve`; wrap that name to keep
    # the problem (for its recovery figures) and to time the solver's part of the stage.
    seen: dict[str, Any] = {}
    original = stage.solve

    def spy(problem: Any, name: str = "flow") -> Any:
        seen["problem"], seen["rss_enter"] = problem, _rss_mb()
        seen["enter"] = time.perf_counter()
        solution = original(problem, name)
        seen["exit"], seen["rss_exit"] = time.perf_counter(), _rss_mb()
        return solution

    stage.solve = spy
    rss_before = _rss_mb()
    t0 = time.perf_counter()
    result = stage.assign_wanted(want, strategy, tables, RUN_DATE, solver)
    wall = time.perf_counter() - t0
    rss_after = _rss_mb()
    if result is None:
        raise SystemExit("assign_wanted returned None: the strategy assigns nothing")

    problem, solution = seen.get("problem"), result.solution
    a, u, owners = result.assignments, result.unassigned, result.owners
    out: dict[str, Any] = {
        "solver": solver,
        "load_s": round(load_s, 3),
        "assign_s": round(wall, 3),
        "rss_before_mb": rss_before,
        "rss_after_mb": rss_after,
        "stats": result.stats,
    }
    if "enter" in seen:
        out["before_solve_s"] = round(seen["enter"] - t0, 3)
        out["solve_s"] = round(seen["exit"] - seen["enter"], 3)
        out["after_solve_s"] = round(t0 + wall - seen["exit"], 3)
        # High-water marks: the stage up to the solver, through the solver (then to the end).
        out["rss_peak_before_solve_mb"] = seen["rss_enter"]
        out["rss_peak_through_solve_mb"] = seen["rss_exit"]

    # The dispatch problem: what the solver decided.
    if problem is not None and solution is not None:
        placed = solution.owner != NONE
        out["dispatch"] = {
            "units": problem.units,
            "accounts": int(problem.weight.sum()),
            "units_placed": int(placed.sum()),
            "accounts_placed": int(problem.weight[placed].sum()),
            "value_offered": round(float(problem.value.sum()), 2),
            "objective": round(solution.objective(problem), 2),
            "recovery": round(solution.recovery(problem), 2),
            "cost": round(solution.recovery(problem) - solution.objective(problem), 2),
            "bound": None if solution.bound is None else round(solution.bound, 2),
            "solver_s": round(solution.seconds, 3),
            "owners": problem.owners,
            "arcs": int(problem.arc_class.size),
        }
        if solution.bound:
            out["dispatch"]["objective_of_bound"] = round(
                solution.objective(problem) / solution.bound, 6
            )

    # Everything held after the day (kept cases too), valued with the same keep and cost.
    keep_rows = []
    team_facts = {r["team_id"]: r for r in tables["teams"].iter_rows(named=True)}
    for step in strategy.assignments():
        for team in step.teams:
            f = team_facts.get(team, {})
            keep_rows.append(
                {
                    "assign_step": step.step,
                    "team": team,
                    "_keep": step.lift.get(team, 1.0) * (1 - float(f.get("commission_rate") or 0)),
                    "_cost": float(f.get("cost_per_contact") or 0) * step.contacts_per_case,
                }
            )
    valued = a.join(pl.DataFrame(keep_rows), on=["assign_step", "team"], how="left")
    unknown = valued.filter(pl.col("_keep").is_null()).height
    book_recovery = float((valued["value"] * valued["_keep"]).sum())
    book_cost = float(valued["_cost"].sum())
    out["book"] = {
        "accounts_held": a.height,
        "customers_held": a.get_column("customer_id").n_unique(),
        "value_held": round(float(a.get_column("value").sum()), 2),
        "recovery": round(book_recovery, 2),
        "objective": round(book_recovery - book_cost, 2),
        "rows_outside_step_teams": unknown,
    }
    summary = assignment_summary(result)
    cvs = [t["value_per_agent_cv"] for t in summary["fairness"].values()]
    out["summary"] = {
        k: summary[k]
        for k in ("by_mode", "by_owner_kind", "unassigned", "unassigned_by_kind", "owners_full")
    }
    out["value_cv_median"] = round(statistics.median(cvs), 4) if cvs else None

    # Invariants.
    checks: dict[str, Any] = {}
    over = owners.filter(
        pl.col("capacity").is_not_null() & (pl.col("accounts") > pl.col("capacity"))
    )
    checks["owners_over_capacity"] = over.height
    split = (
        a.group_by("customer_id").agg(pl.col("owner").n_unique().alias("n")).filter(pl.col("n") > 1)
    )
    checks["customers_split"] = split.height
    checks["accounts_twice_assigned"] = a.height - a.get_column("account_id").n_unique()
    both = a.join(u, on="account_id", how="semi").height
    checks["accounts_assigned_and_unassigned"] = both
    wanted_ids = want.filter(pl.col("assign_step").is_not_null()).select("account_id")
    covered = pl.concat([a.select("account_id"), u.select("account_id")])
    checks["wanted_accounts_missing"] = wanted_ids.join(covered, on="account_id", how="anti").height
    inactive = owners.filter(~pl.col("active") & (pl.col("accounts") > 0)).height
    checks["inactive_owners_holding"] = inactive
    if problem is not None and solution is not None:
        broken = violations(problem, solution.owner)
        checks["solver_violations"] = len(broken)
        checks["solver_violations_first"] = broken[:5]
    checks["ok"] = all(
        v == 0 for k, v in checks.items() if isinstance(v, int) and not isinstance(v, bool)
    )
    out["checks"] = checks
    return out


# ----------------------------------------------------------------------------- the parent


def log(msg: str) -> None:
    print(msg, flush=True)


def child_env() -> dict[str, str]:
    from plan import child_env as plan_env

    return plan_env()


def ensure_data(out: Path, size: int, args: argparse.Namespace) -> dict[str, Any]:
    folder = out / f"assign-data-{size}"
    marker = folder / MARKER
    if marker.exists():
        try:
            info = json.loads(marker.read_text())
        except ValueError:
            info = {}
        if info.get("params") == _params(size, args):
            log(f"  reuse {folder} (generated in {info['generate_s']} s)")
            return {"folder": str(folder), "reused": True, **info}
    log(f"  synthesize {size:,} accounts -> {folder}")
    cmd = [
        sys.executable,
        __file__,
        *_common_args(args),
        "--child",
        "generate",
        "--size",
        str(size),
    ]
    cmd += ["--data", str(folder)]
    m = run_measured(cmd, env=child_env(), log=out / "logs" / f"assign-generate-{size}")
    if m.returncode != 0:
        raise SystemExit(f"synthesis failed ({m.returncode}):\n{m.stderr[-3000:]}")
    info = json.loads(m.stdout.strip().splitlines()[-1])
    log(f"    {m.wall_s} s, peak RSS {m.peak_rss_mb:,.0f} MB; {info['facts']}")
    return {"folder": str(folder), "reused": False, "process": m.as_dict(), **info}


def _common_args(args: argparse.Namespace) -> list[str]:
    return [
        "--agents",
        str(args.agents),
        "--teams",
        str(args.teams),
        "--seed",
        str(args.seed),
        "--capacity",
        str(args.capacity),
    ]


def warm(folder: Path) -> None:
    for path in sorted(folder.glob("*.parquet")):
        with path.open("rb") as fh:
            while fh.read(1 << 24):
                pass


def measured_run(
    out: Path, size: int, folder: Path, solver: str, args: argparse.Namespace
) -> dict[str, Any]:
    cmd = [sys.executable, __file__, *_common_args(args), "--child", "solve"]
    cmd += ["--data", str(folder), "--solver", solver]
    load = [round(x, 2) for x in os.getloadavg()]
    m = run_measured(
        cmd, env=child_env(), log=out / "logs" / f"assign-{solver}-{size}", timeout_s=args.timeout
    )
    if m.returncode != 0:
        what = "timed out" if m.timed_out else f"exit code {m.returncode}"
        log(f"    {solver}: FAILED ({what}) after {m.wall_s} s\n{m.stderr[-3000:]}")
        return {"ok": False, "error": what, "stderr_tail": m.stderr[-3000:], **m.as_dict()}
    inner = json.loads(m.stdout.strip().splitlines()[-1])
    result = {"ok": True, "loadavg_before": load, **m.as_dict(), **inner}
    d = inner.get("dispatch", {})
    log(
        f"    {solver}: assign {inner['assign_s']} s (solver {d.get('solver_s')} s), "
        f"peak RSS {m.peak_rss_mb:,.0f} MB (before the call {inner['rss_before_mb']:,.0f}), "
        f"objective {d.get('objective')}, recovery {d.get('recovery')}, bound {d.get('bound')}, "
        f"checks {'ok' if inner['checks']['ok'] else 'FAIL'}"
    )
    if not inner["checks"]["ok"]:
        log(f"    !!! FAIL: invariants broken by {solver}: {inner['checks']}")
    return result


def _gain(a: float | None, b: float | None) -> float | None:
    return round(a / b - 1, 6) if a is not None and b else None


def evaluate(size: int, r: dict[str, Any]) -> None:
    runs = {k: v for k, v in r["runs"].items() if v.get("ok")}

    def get(solver: str, part: str, key: str) -> float | None:
        return runs.get(solver, {}).get(part, {}).get(key)

    ratios: dict[str, Any] = {}
    for other in ("round_robin", "greedy", "milp"):
        if other not in runs or "flow" not in runs:
            continue
        for part in ("dispatch", "book"):
            for key in ("objective", "recovery"):
                ratios[f"flow_over_{other}_{part}_{key}"] = _gain(
                    get("flow", part, key), get(other, part, key)
                )
    ratios["flow_objective_of_bound"] = get("flow", "dispatch", "objective_of_bound")
    if "milp" in runs:
        milp_obj, bound = get("milp", "dispatch", "objective"), get("flow", "dispatch", "bound")
        ratios["milp_objective_of_bound"] = (
            round(milp_obj / bound, 6) if milp_obj and bound else None
        )
    r["ratios"] = ratios
    verdicts: dict[str, Any] = {}
    limit = TARGETS["flow_wall_s"].get(size)
    if limit is not None and r.get("agents") == 1000:
        flow = runs.get("flow")
        verdicts[f"flow_assign_s<={limit:g}"] = bool(flow and flow["assign_s"] <= limit)
    ob = ratios.get("flow_objective_of_bound")
    verdicts["objective_of_bound>=0.995"] = (
        None if ob is None else ob >= TARGETS["objective_of_bound_min"]
    )
    gain = ratios.get("flow_over_round_robin_book_recovery")
    verdicts["recovery_over_round_robin>=+10%"] = (
        None if gain is None else gain >= TARGETS["recovery_over_round_robin_min"]
    )
    verdicts["invariants"] = all(v["checks"]["ok"] for v in runs.values())
    verdicts["runs_failed"] = sorted(set(r["runs"]) - set(runs)) or None
    r["targets_met"] = verdicts


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.2f} %"


def markdown(results: dict[str, Any]) -> str:
    from plan import _f

    lines = [f"machine: {results['machine']}", ""]
    for size_key, r in results["sizes"].items():
        facts = r["data"]["facts"]
        lines += [
            f"### {int(size_key):,} accounts × {facts['agents']:,} agents "
            f"in {facts['teams']} teams",
            "",
            f"{facts['customers']:,} customers; {facts['wanted_accounts']:,} accounts wanted, "
            f"{facts['held_accounts']:,} held before the day; capacity "
            f"{facts['capacity_accounts']:,} accounts "
            f"({facts['capacity_share'] * 100:.1f} % of the wanted). Synthesis "
            f"{r['data']['generate_s']} s (own process, not measured below).",
            "",
            "| solver | assign_wanted s | of which solver s | peak RSS MB | RSS before MB "
            "| units placed / dispatched | customers held | accounts held | objective "
            "| expected recovery | LP bound | objective / bound | checks |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for solver, run in r["runs"].items():
            if not run.get("ok"):
                lines.append(f"| {solver} | FAILED: {run.get('error')} after {run.get('wall_s')} s "
                             "| | | | | | | | | | | |")  # fmt: skip
                continue
            d, b = run.get("dispatch", {}), run["book"]
            lines.append(
                f"| {solver} | {_f(run['assign_s'])} | {_f(d.get('solver_s'))} "
                f"| {_f(run['peak_rss_mb'], '{:,.0f}')} | {_f(run['rss_before_mb'], '{:,.0f}')} "
                f"| {_f(d.get('units_placed'), '{:,}')} / {_f(d.get('units'), '{:,}')} "
                f"| {b['customers_held']:,} | {b['accounts_held']:,} "
                f"| {_f(d.get('objective'), '{:,.0f}')} | {_f(d.get('recovery'), '{:,.0f}')} "
                f"| {_f(d.get('bound'), '{:,.0f}')} "
                f"| {_f(d.get('objective_of_bound'), '{:.4%}')} "
                f"| {'ok' if run['checks']['ok'] else '**FAIL**'} |"
            )
        lines += [
            "",
            "Whole book after the day (kept cases + dispatched, same keep and cost):",
            "",
            "| solver | objective | expected recovery | value held | stage split s "
            "(before / solve / after) | RSS high-water MB (to solve / through / end) "
            "| value CV per agent (median team) |",
            "|---|---:|---:|---:|---|---|---:|",
        ]
        for solver, run in r["runs"].items():
            if run.get("ok"):
                b = run["book"]
                mb = "{:,.0f}"
                lines.append(
                    f"| {solver} | {b['objective']:,.0f} | {b['recovery']:,.0f} "
                    f"| {b['value_held']:,.0f} | {_f(run.get('before_solve_s'))} / "
                    f"{_f(run.get('solve_s'))} / {_f(run.get('after_solve_s'))} "
                    f"| {_f(run.get('rss_peak_before_solve_mb'), mb)} / "
                    f"{_f(run.get('rss_peak_through_solve_mb'), mb)} / "
                    f"{_f(run.get('rss_after_mb'), mb)} "
                    f"| {_f(run.get('value_cv_median'), '{:.3f}')} |"
                )
        ra = r["ratios"]
        lines += [
            "",
            "| flow versus | objective (dispatch) | recovery (dispatch) | objective (book) "
            "| recovery (book) |",
            "|---|---:|---:|---:|---:|",
        ]
        for other in ("round_robin", "greedy", "milp"):
            if f"flow_over_{other}_dispatch_objective" in ra:
                lines.append(
                    f"| {other} | {_pct(ra[f'flow_over_{other}_dispatch_objective'])} "
                    f"| {_pct(ra[f'flow_over_{other}_dispatch_recovery'])} "
                    f"| {_pct(ra[f'flow_over_{other}_book_objective'])} "
                    f"| {_pct(ra[f'flow_over_{other}_book_recovery'])} |"
                )
        met = ", ".join(f"{k}: {_f(v)}" for k, v in r["targets_met"].items())
        lines += ["", f"Targets: {met}.", ""]
        for solver, run in r["runs"].items():
            if run.get("ok") and not run["checks"]["ok"]:
                lines.append(f"**FAIL** invariants of {solver}: {run['checks']}")
        lines.append("")
    return "\n".join(lines)


def profile(out: Path, size: int, folder: Path, args: argparse.Namespace) -> str:
    target = out / f"profile-assign-flow-{size}.txt"
    cmd = [sys.executable, "-m", "pyinstrument", "-r", "text", "--show-all", "-o", str(target)]
    cmd += [__file__, *_common_args(args), "--child", "solve", "--data", str(folder)]
    cmd += ["--solver", "flow"]
    log(f"  profile flow {size:,} -> {target}")
    m = run_measured(cmd, env=child_env(), log=out / "logs" / f"profile-assign-{size}")
    if m.returncode != 0:
        log(f"    FAILED ({m.returncode}): {m.stderr[-1000:]}")
    return str(target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--capacity", type=float, default=0.9, help="capacity / wanted accounts")
    parser.add_argument("--solvers", default="flow,greedy,round_robin")
    parser.add_argument("--milp-max", type=int, default=5_000, help="milp at sizes up to this")
    parser.add_argument("--out", type=Path, default=BENCH / "out")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per process")
    parser.add_argument("--profile", action="store_true", help="pyinstrument the largest flow")
    parser.add_argument("--child", choices=["generate", "solve"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--solver", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "generate":
        print(json.dumps(child_generate(args.size, args.data, args)))
        return 0
    if args.child == "solve":
        print(json.dumps(child_solve(args.data, args.solver), default=str))
        return 0

    from plan import git_state, machine

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    solvers = [s for s in args.solvers.split(",") if s]
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", "bench/assign.py", *(argv or sys.argv[1:])]),
        "machine": machine(),
        "git": git_state(),
        "run_date": RUN_DATE.isoformat(),
        "params": {k: v for k, v in vars(args).items() if k not in ("child", "data", "size")},
        "targets": {k: v for k, v in TARGETS.items() if not isinstance(v, dict)},
        "sizes": {},
    }
    results["params"]["out"] = str(out)
    results["sizes"] = earlier_sizes(out / "assign.json", sizes)
    log(f"machine: {results['machine']}")
    for size in sizes:
        log(f"== {size:,} accounts × {args.agents:,} agents, {args.teams} teams")
        data = ensure_data(out, size, args)
        warm(Path(data["folder"]))
        r: dict[str, Any] = {
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "git": git_state(),
            "agents": args.agents,
            "data": data,
            "runs": {},
        }
        todo = [s for s in REPORTED if s in solvers or (s == "milp" and size <= args.milp_max)]
        for solver in todo:
            r["runs"][solver] = measured_run(out, size, Path(data["folder"]), solver, args)
        evaluate(size, r)
        results["sizes"][str(size)] = r
        (out / "assign.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
        log(f"  ratios: {r['ratios']}")
        log(f"  targets: {r['targets_met']}")
    if args.profile and sizes:
        size = max(sizes)
        results["profile"] = profile(out, size, out / f"assign-data-{size}", args)
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    (out / "assign.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    text = markdown(results)
    (out / "assign.md").write_text(text + "\n")
    log("")
    log(text)
    failed = [
        f"{size}/{solver}"
        for size, r in results["sizes"].items()
        for solver, run in r["runs"].items()
        if not run.get("ok") or not run["checks"]["ok"]
    ]
    if failed:
        log(f"FAIL: broken invariants or failed runs: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
