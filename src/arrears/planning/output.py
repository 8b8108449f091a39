"""Writing a run folder atomically, and its manifest.

The folder is written under a temporary name beside the target and renamed into place only
when every file is complete, so a killed run leaves either the previous folder or nothing —
never a half-written plan that a dialer might pick up.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import polars as pl

from arrears.assignment.stage import AssignResult
from arrears.assignment.summary import assignment_summary
from arrears.compliance.audit import compliance_kpis
from arrears.compliance.presets import presets_for
from arrears.contract.load import Portfolio
from arrears.dialing.stage import lists_summary, strategy_settings
from arrears.exprs import counts_by
from arrears.planning.plan import PlanResult, Scoring
from arrears.strategy.model import Strategy


def software_version() -> str:
    try:
        return version("arrears")
    except PackageNotFoundError:  # running from a source tree
        return "0+source"


@dataclass
class RunRecord:
    """Everything a run folder holds, however the run was computed (whole or by shards)."""

    run_date: date
    strategy: Strategy
    actions: pl.DataFrame
    blocked: pl.DataFrame
    rejects: pl.DataFrame
    accounts: pl.DataFrame | list[Path]  # the frame, or parquet parts to concatenate in order
    account_counts: dict[str, Any]
    checked: int
    inputs: dict[str, dict[str, Any]]
    assignment: AssignResult | None = None
    call_lists: pl.DataFrame | None = None
    scoring: Scoring | None = None
    timing: dict[str, Any] | None = None  # the knees the assign steps started at (--timing)
    templates: dict[str, Any] | None = None  # the template library planned with, if any
    engine: str = "polars"  # which engine planned the run: polars or spark
    engine_detail: dict[str, Any] | None = None  # the Spark run's master, shards, versions


def account_counts(accounts: pl.DataFrame) -> dict[str, Any]:
    both = (
        accounts.select(pl.col("bucket", "segment").fill_null("(none)"))
        .group_by("bucket", "segment")
        .len()
        .sort("bucket", "segment")
    )
    by_both: dict[str, dict[str, int]] = {}
    for bucket, segment, n in both.iter_rows():
        by_both.setdefault(bucket, {})[segment] = int(n)
    return {
        "accounts": accounts.height,
        "accounts_in_segment": int(accounts.get_column("segment").is_not_null().sum()),
        "accounts_by_bucket": counts_by(
            accounts.select(pl.col("bucket").fill_null("(none)")), "bucket"
        ),
        "accounts_by_segment": counts_by(
            accounts.select(pl.col("segment").fill_null("(none)")), "segment"
        ),
        "accounts_by_bucket_and_segment": by_both,
    }


def merge_account_counts(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The counts of several shards as if counted over all their accounts at once."""
    merged: dict[str, Any] = {"accounts": 0, "accounts_in_segment": 0}
    for key in ("accounts_by_bucket", "accounts_by_segment"):
        total: dict[str, int] = {}
        for part in parts:
            for name, n in part[key].items():
                total[name] = total.get(name, 0) + n
        merged[key] = dict(sorted(total.items()))
    both: dict[str, dict[str, int]] = {}
    for part in parts:
        merged["accounts"] += part["accounts"]
        merged["accounts_in_segment"] += part["accounts_in_segment"]
        for bucket, segments in part["accounts_by_bucket_and_segment"].items():
            row = both.setdefault(bucket, {})
            for segment, n in segments.items():
                row[segment] = row.get(segment, 0) + n
    merged["accounts_by_bucket_and_segment"] = {
        bucket: dict(sorted(segments.items())) for bucket, segments in sorted(both.items())
    }
    return merged


def input_summary(
    files: dict[str, str],
    fingerprints: dict[str, str],
    rows_read: dict[str, int],
    rejects: pl.DataFrame,
) -> dict[str, dict[str, Any]]:
    return {
        name: {
            "file": files[name],
            "sha256": fingerprints[name],
            "rows": rows_read[name],
            "rejected_rows": int(
                rejects.filter(pl.col("table") == name).get_column("row").n_unique()
            )
            if rejects.height
            else 0,
        }
        for name in files
    }


def by_account(accounts: pl.DataFrame) -> pl.DataFrame:
    """`accounts` in `account_id` order (as it usually comes already: then as it is)."""
    if accounts.get_column("account_id").is_sorted():
        return accounts
    return accounts.sort("account_id")


def record_of(result: PlanResult, portfolio: Portfolio) -> RunRecord:
    """The record of a run planned in one piece."""
    return RunRecord(
        run_date=result.run_date,
        strategy=result.strategy,
        actions=result.actions,
        blocked=result.blocked,
        rejects=portfolio.rejects,
        # Joins do not keep row order; sorting makes the file reproducible.
        accounts=by_account(result.accounts),
        account_counts=account_counts(result.accounts),
        checked=result.checked,
        inputs=input_summary(
            portfolio.files, portfolio.fingerprints, portfolio.rows_read, portfolio.rejects
        ),
        assignment=result.assignment,
        call_lists=result.call_lists,
        scoring=result.scoring,
    )


def models_summary(scoring: Scoring | None) -> dict[str, Any] | None:
    """The models the run scored with (folder, version of each) and today's population drift
    against each model's training population (PSI per feature, flagged above 0.25)."""
    if scoring is None:
        return None
    from arrears.scoring.apply import drift_summary

    drift = drift_summary(scoring.drift)
    return {
        "folder": str(scoring.models.root),
        "versions": scoring.models.versions,
        "drift": drift,
        "drift_flagged": sorted(t for t, d in drift.items() if d["flagged"]),
        "drift_measured_per": "shard (each feature's largest)" if scoring.shards > 1 else "run",
    }


def manifest(record: RunRecord, timings: dict[str, float]) -> dict[str, Any]:
    """What produced this run and what it contains. `timings` is the only part that varies
    between two runs of the same inputs; everything else is reproducible."""
    s = record.strategy
    actions = record.actions
    lists = record.call_lists
    dialing = None if lists is None else lists_summary(lists, strategy_settings(s))
    return {
        "run_date": record.run_date.isoformat(),
        "strategy": {
            "name": s.name,
            "version": s.version,
            "content_hash": s.content_hash,
            "jurisdiction": list(s.jurisdiction),
            "experiment": s.experiment.id if s.experiment else None,
        },
        "inputs": record.inputs,
        "counts": {
            **record.account_counts,
            "actions": actions.height,
            "actions_by_channel": counts_by(actions, "channel"),
            "actions_by_arm": counts_by(actions, "arm"),
            "blocked": record.blocked.height,
            "blocked_by_rule": counts_by(record.blocked, "rule"),
            "reject_lines": record.rejects.height,
            "rejects_by_table": counts_by(record.rejects, "table"),
        },
        "compliance": compliance_kpis(
            actions, record.blocked, record.checked, presets_for(s.jurisdiction, s.house)
        ),
        "assignment": None if record.assignment is None else assignment_summary(record.assignment),
        "dialing": dialing,
        "models": models_summary(record.scoring),
        "assignment_timing": record.timing,
        "templates": record.templates,
        "engine": record.engine,
        **({} if record.engine_detail is None else {record.engine: record.engine_detail}),
        "software": {"arrears": software_version(), "polars": pl.__version__},
        "timings": timings,
    }


def write_run(
    out: Path,
    record: RunRecord,
    timings: dict[str, float],
    clock: Callable[[], float] = time.perf_counter,
    started_at: float | None = None,
) -> Path:
    """Write the run folder `out` atomically (replacing an earlier run of the same folder).

    `timings` gains a `write` entry (the data files) and, given when the run started by the
    same clock, a `total` (up to the manifest itself).
    """
    started = clock()
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        # The largest file is written in a second thread while the others are written here
        # (writing releases the GIL).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="write") as pool:
            accounts = pool.submit(_write_accounts, record.accounts, tmp / "accounts.parquet")
            _write_others(record, tmp)
            accounts.result()
        timings["write"] = round(clock() - started, 4)
        if started_at is not None:
            timings["total"] = round(clock() - started_at, 4)
        body = manifest(record, timings)
        (tmp / "manifest.json").write_text(
            json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        for path in tmp.iterdir():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
        if out.exists():
            old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _write_accounts(accounts: pl.DataFrame | list[Path], path: Path) -> None:
    if isinstance(accounts, pl.DataFrame):
        accounts.write_parquet(path)
    else:  # shard parts, concatenated in order without holding them all in memory
        pl.scan_parquet(accounts).sink_parquet(path)


def _write_others(record: RunRecord, tmp: Path) -> None:
    """Every file of the run folder but `accounts.parquet` and the manifest."""
    record.actions.write_parquet(tmp / "actions.parquet")
    record.blocked.write_parquet(tmp / "blocked.parquet")
    if record.assignment is not None:
        record.assignment.assignments.write_parquet(tmp / "assignments.parquet")
        record.assignment.unassigned.write_parquet(tmp / "unassigned.parquet")
        record.assignment.owners.sort("owner").write_parquet(tmp / "owners.parquet")
        if record.assignment.agencies is not None and record.assignment.agencies.height:
            record.assignment.agencies.write_parquet(tmp / "agencies.parquet")
    if record.call_lists is not None:
        record.call_lists.write_parquet(tmp / "call_lists.parquet")
    record.rejects.write_csv(tmp / "rejects.csv")
    (tmp / "strategy.yaml").write_text(record.strategy.text, encoding="utf-8")
