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
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import polars as pl

from arrears.contract.load import Portfolio
from arrears.planning.plan import PlanResult

FILES = ("actions.parquet", "blocked.parquet", "rejects.csv", "accounts.parquet", "manifest.json")


def software_version() -> str:
    try:
        return version("arrears")
    except PackageNotFoundError:  # running from a source tree
        return "0+source"


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    if frame.height == 0:
        return {}
    counted = frame.group_by(column).len().sort(column)
    return {str(k): int(v) for k, v in counted.iter_rows()}


def manifest(result: PlanResult, portfolio: Portfolio, timings: dict[str, float]) -> dict[str, Any]:
    """What produced this run and what it contains. `timings` is the only part that varies
    between two runs of the same inputs; everything else is reproducible."""
    s = result.strategy
    accounts = result.accounts
    rejected = _counts(portfolio.rejects, "table")
    quiet_violations = (
        result.actions.filter(
            pl.col("window_start").is_null()
            | pl.col("window_end").is_null()
            | (pl.col("window_start") >= pl.col("window_end"))
        ).height
        if result.actions.height
        else 0
    )
    return {
        "run_date": result.run_date.isoformat(),
        "strategy": {
            "name": s.name,
            "version": s.version,
            "content_hash": s.content_hash,
            "jurisdiction": list(s.jurisdiction),
            "experiment": s.experiment.id if s.experiment else None,
        },
        "inputs": {
            name: {
                "file": portfolio.files[name],
                "sha256": portfolio.fingerprints[name],
                "rows": portfolio.rows_read[name],
                "rejected_rows": int(
                    portfolio.rejects.filter(pl.col("table") == name).get_column("row").n_unique()
                )
                if portfolio.rejects.height
                else 0,
            }
            for name in portfolio.files
        },
        "counts": {
            "accounts": accounts.height,
            "accounts_in_segment": int(accounts.get_column("segment").is_not_null().sum()),
            "accounts_by_bucket": _counts(accounts.fill_null("(none)"), "bucket"),
            "accounts_by_segment": _counts(accounts.fill_null("(none)"), "segment"),
            "actions": result.actions.height,
            "actions_by_channel": _counts(result.actions, "channel"),
            "actions_by_arm": _counts(result.actions, "arm"),
            "blocked": result.blocked.height,
            "blocked_by_rule": _counts(result.blocked, "rule"),
            "reject_lines": portfolio.rejects.height,
            "rejects_by_table": rejected,
        },
        "compliance": {
            "contacts_checked": result.checked,
            "blocked_by_rule": _counts(result.blocked, "rule"),
            "quiet_hour_violations": quiet_violations,
        },
        "engine": "polars",
        "software": {"arrears": software_version(), "polars": pl.__version__},
        "timings": timings,
    }


def write_run(
    out: Path,
    result: PlanResult,
    portfolio: Portfolio,
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
        result.actions.write_parquet(tmp / "actions.parquet")
        result.blocked.write_parquet(tmp / "blocked.parquet")
        # Joins do not keep row order; sorting makes the file reproducible.
        result.accounts.sort("account_id").write_parquet(tmp / "accounts.parquet")
        portfolio.rejects.write_csv(tmp / "rejects.csv")
        (tmp / "strategy.yaml").write_text(result.strategy.text, encoding="utf-8")
        timings["write"] = round(clock() - started, 4)
        if started_at is not None:
            timings["total"] = round(clock() - started_at, 4)
        body = manifest(result, portfolio, timings)
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
