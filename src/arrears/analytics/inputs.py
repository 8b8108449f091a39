"""What the analytics read: the input folder, optional account snapshots and run folders.

The contract's tables are loaded through the contract's own loader (bad rows are rejected as
for a plan). `account_snapshots` (a history of the accounts table: `as_of` plus the accounts'
columns) is read when the folder has it; without it, the curves and the migration matrix are
reconstructed from today's accounts and the ledgers, and say so. A run folder (or a folder of
run folders) gives each account's segment and arm, the strategy's buckets and holdout arms,
and the actions and blocked contacts the compliance KPIs re-check.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from arrears.compliance.presets import Preset, presets_for
from arrears.contract.history import SNAPSHOTS, as_date
from arrears.contract.history import read_snapshots as snapshots_of
from arrears.contract.load import ContractError, load_portfolio
from arrears.strategy.load import load_strategy
from arrears.strategy.model import DEFAULT_BUCKETS, Bucket, Strategy
from arrears.strategy.plan_exprs import bucket_expr, segment_expr, steps_frame

SNAPSHOT_COLUMNS = ("as_of", "account_id", "due_date")
NO_SEGMENT = "(none)"
ALL_ARMS = "(all)"
"""The arm of accounts outside any experiment, and of curves taken over every arm."""


def bucket_of(dpd: pl.Expr, buckets: Sequence[Bucket]) -> pl.Expr:
    """The bucket name of `dpd` under `buckets` (the planner's own expression)."""
    holder = Strategy(name="", version=0, jurisdiction=(), buckets=tuple(buckets), segments=())
    return bucket_expr(holder, dpd)


@dataclass
class RunFrames:
    """One run folder: what the report needs from it."""

    path: Path
    run_date: date
    strategy: Strategy | None
    accounts: pl.DataFrame | None
    actions: pl.DataFrame
    blocked: pl.DataFrame
    checked: int
    presets: dict[str, Preset]

    def holdout_cells(self) -> set[tuple[str, str]]:
        """(segment, arm) pairs where the arm has no contact step although the segment has
        steps in another arm: a holdout, whose accounts show the natural curve."""
        s = self.strategy
        if s is None or s.experiment is None:
            return set()
        fired = steps_frame(s).select("segment", "arm").unique()
        with_steps = set(fired.get_column("segment").to_list())
        have = {(str(seg), str(arm)) for seg, arm in fired.iter_rows()}
        return {(seg, arm) for seg in with_steps for arm in s.arm_ids if (seg, arm) not in have}


@dataclass
class Inputs:
    tables: dict[str, pl.DataFrame]
    as_of: date
    snapshots: pl.DataFrame | None = None
    runs: list[RunFrames] = field(default_factory=list)
    rejected_rows: int = 0

    def table(self, name: str) -> pl.DataFrame | None:
        return self.tables.get(name)

    @property
    def buckets(self) -> tuple[Bucket, ...]:
        latest = self.runs[-1].strategy if self.runs else None
        return latest.buckets if latest is not None else DEFAULT_BUCKETS


def _dates(frame: pl.DataFrame | None, column: str) -> list[date]:
    if frame is None or column not in frame.columns or frame.height == 0:
        return []
    col = pl.col(column)
    value = frame.select(col.dt.date().max() if frame.schema[column] != pl.Date else col.max())
    found = value.item()
    return [found] if found is not None else []


def infer_as_of(tables: dict[str, pl.DataFrame], snapshots: pl.DataFrame | None) -> date:
    """The data's run date when none is given: the day after the latest ledger entry or
    overdue due date (every ledger entry is before the run date, every due date too), or the
    latest snapshot's date."""
    if snapshots is not None and snapshots.height:
        return snapshots.get_column("as_of").max()  # type: ignore[return-value]
    seen = [
        *_dates(tables.get("attempts"), "at"),
        *_dates(tables.get("payments"), "paid_at"),
        *_dates(tables.get("promises"), "made_at"),
        *_dates(tables.get("accounts"), "due_date"),
    ]
    return max(seen) + timedelta(days=1) if seen else date.today()


def read_snapshots(data: Path, tables: dict[str, pl.DataFrame]) -> pl.DataFrame | None:
    """`account_snapshots` with typed `as_of`, `due_date` and amounts, or None."""
    frame = tables.get(SNAPSHOTS)
    if frame is None:
        frame = snapshots_of(data, SNAPSHOT_COLUMNS)
        if frame is None:
            return None
    for name in SNAPSHOT_COLUMNS:
        if name not in frame.columns:
            raise ContractError(
                SNAPSHOTS, name, f"required column '{name}' is missing from {SNAPSHOTS}"
            )
    casts: list[pl.Expr] = []
    for name in ("as_of", "due_date"):
        if name in frame.columns and frame.schema[name] != pl.Date:
            casts.append(as_date(name))
    for name in ("overdue_amount", "outstanding_balance"):
        if name in frame.columns:
            casts.append(pl.col(name).cast(pl.Float64))
    if "status" not in frame.columns:
        casts.append(pl.lit("active").alias("status"))
    if "overdue_amount" not in frame.columns:
        casts.append(pl.lit(0.0).alias("overdue_amount"))
    return frame.with_columns(casts)


def _run_dirs(runs: Path) -> list[Path]:
    if (runs / "manifest.json").exists():
        return [runs]
    return sorted(p for p in runs.iterdir() if (p / "manifest.json").exists())


def read_run(path: Path) -> RunFrames:
    manifest = json.loads((path / "manifest.json").read_text())
    strategy_file = path / "strategy.yaml"
    strategy = load_strategy(strategy_file) if strategy_file.exists() else None
    jurisdictions = manifest.get("strategy", {}).get("jurisdiction") or []
    house = strategy.house if strategy is not None else {}
    presets = presets_for(strategy.jurisdiction if strategy else jurisdictions, house)
    actions = pl.read_parquet(path / "actions.parquet")
    blocked = pl.read_parquet(path / "blocked.parquet")
    accounts_file = path / "accounts.parquet"
    checked = manifest.get("compliance", {}).get("contacts_checked")
    return RunFrames(
        path=path,
        run_date=date.fromisoformat(manifest["run_date"]),
        strategy=strategy,
        accounts=pl.read_parquet(accounts_file) if accounts_file.exists() else None,
        actions=actions,
        blocked=blocked,
        checked=int(checked) if checked is not None else actions.height + blocked.height,
        presets=presets,
    )


def read_runs(runs: Path | None) -> list[RunFrames]:
    """The run folders under `runs` (or `runs` itself), oldest first."""
    if runs is None:
        return []
    if not runs.is_dir():
        raise FileNotFoundError(f"{runs}: no such run folder")
    found = [read_run(p) for p in _run_dirs(runs)]
    if not found:
        raise FileNotFoundError(f"{runs}: no run folder (a folder with manifest.json) in it")
    return sorted(found, key=lambda r: r.run_date)


def load_inputs(data: Path, runs: Path | None = None, as_of: date | None = None) -> Inputs:
    """The input folder's tables, its snapshots when present and the runs when given."""
    portfolio = load_portfolio(data)
    tables = dict(portfolio.tables)
    snapshots = read_snapshots(data, tables)
    found = read_runs(runs)
    day = as_of or (found[-1].run_date if found else infer_as_of(tables, snapshots))
    rejected = int(portfolio.rejects.select("table", "row").unique().height)
    return Inputs(tables, day, snapshots, found, rejected)


def entry_segments(run: RunFrames) -> pl.DataFrame | None:
    """Each account's segment as it enters arrears (dpd 1, bucket of dpd 1, no promise) under
    the run's strategy, and its arm: the segment whose timing a cure curve informs.

    Today's segment would put every account that has already cured in a pre-due segment.
    Features other than dpd, bucket and promises are today's (an approximation).
    """
    if run.accounts is None:
        return None
    acc = run.accounts
    if run.strategy is None:
        return acc.select("account_id", "segment", "arm")
    s = run.strategy
    at_entry = acc.with_columns(
        pl.lit(1, dtype=pl.Int32).alias("dpd"),
        bucket_expr(s, pl.lit(1, dtype=pl.Int32)),
        *([pl.lit(False).alias("has_open_promise")] if "has_open_promise" in acc.columns else []),
        *(
            [pl.lit(None, dtype=pl.Int32).alias("promise_due_in")]
            if "promise_due_in" in acc.columns
            else []
        ),
    )
    try:
        segment = at_entry.select(segment_expr(s, dict(at_entry.schema))).get_column("segment")
    except Exception:  # a condition this frame cannot evaluate: keep today's segment
        segment = acc.get_column("segment")
    return acc.select("account_id", "arm").with_columns(segment.alias("segment"))


def account_groups(inputs: Inputs) -> tuple[pl.DataFrame, str]:
    """`account_id, segment, arm` for every account, and where the segment came from.

    With runs: the latest run's strategy segment at entry into arrears and its arm. Without:
    the accounts' own `segment` / `arm` columns when the lender sends them, else the product
    (business line) and no arm.
    """
    accounts = inputs.tables["accounts"]
    if inputs.runs:
        groups = entry_segments(inputs.runs[-1])
        if groups is not None:
            frame = accounts.select("account_id", "product").join(
                groups, on="account_id", how="left"
            )
            return (
                frame.select(
                    "account_id",
                    pl.col("segment").fill_null(NO_SEGMENT),
                    pl.col("arm").cast(pl.String).fill_null(ALL_ARMS),
                ),
                "strategy",
            )
    segment = pl.col("segment") if "segment" in accounts.columns else pl.col("product")
    arm = pl.col("arm") if "arm" in accounts.columns else pl.lit(None, dtype=pl.String)
    return (
        accounts.select(
            "account_id",
            segment.cast(pl.String).fill_null(NO_SEGMENT).alias("segment"),
            arm.cast(pl.String).fill_null(ALL_ARMS).alias("arm"),
        ),
        "segment" if "segment" in accounts.columns else "product",
    )


def holdout_cells(inputs: Inputs) -> set[tuple[str, str]]:
    return inputs.runs[-1].holdout_cells() if inputs.runs else set()
