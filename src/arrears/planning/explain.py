"""Why did (or didn't) an account get contacted? Answered from the run folder alone.

The run folder keeps the exact strategy text, the per-account features and the outputs, so
an explanation is reproducible months later without the input files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from arrears.strategy.compile_polars import condition_expr
from arrears.strategy.load import load_strategy_text
from arrears.strategy.plan_exprs import step_condition_exprs, steps_frame


class ExplainError(LookupError):
    pass


@dataclass
class StepCheck:
    step: str
    channel: str
    days: list[int]  # days past due; empty for a due-relative step
    fired: bool
    why: str
    days_before_due: list[int] = field(default_factory=list)  # a due-relative step's days


def _due_text(days: int) -> str:
    return "due today" if days == 0 else f"due in {days} day{'s' if days != 1 else ''}"


def _day_check(
    dpd: int, days_to_due: int | None, days: list[int], before_due: list[int]
) -> tuple[bool, str]:
    """Whether today is one of the step's days, and why (or why not)."""
    if not before_due:
        if dpd in days:
            return True, f"dpd {dpd} is a step day"
        return False, f"dpd {dpd} is not a step day"
    listed = ", ".join(map(str, before_due))
    if dpd != 0:
        return False, f"dpd {dpd}: overdue, and the step fires only before due ({listed})"
    if days_to_due is None:
        return False, "no next_due_date: the step fires only before a due date"
    if days_to_due in before_due:
        return True, f"{_due_text(days_to_due)}: a step day ({listed} before due)"
    return False, f"{_due_text(days_to_due)}: not a step day ({listed} before due)"


@dataclass
class Explanation:
    account_id: str
    run_date: str
    strategy: str
    strategy_version: str
    features: dict[str, Any]
    segments: list[tuple[str, str, bool]]  # (segment id, condition, holds)
    segment: str | None
    arm: str | None
    steps: list[StepCheck] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    blocked: list[dict[str, Any]] = field(default_factory=list)
    assignment: list[dict[str, Any]] = field(default_factory=list)  # held by, or why not


def explain(run_dir: Path, account_id: str) -> Explanation:
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    strategy = load_strategy_text(
        (run_dir / "strategy.yaml").read_text(encoding="utf-8"),
        source=str(run_dir / "strategy.yaml"),
    )
    row = (
        pl.scan_parquet(run_dir / "accounts.parquet")
        .filter(pl.col("account_id") == account_id)
        .collect()
    )
    if row.height == 0:
        raise ExplainError(
            f"account '{account_id}' is not in run {run_dir} (rejected or not in the input; "
            f"see {run_dir / 'rejects.csv'})"
        )
    segments: list[tuple[str, str, bool]] = []
    for seg in strategy.segments:
        holds = (
            True
            if seg.when_ast is None
            else bool(row.select(condition_expr(seg.when_ast, dict(row.schema))).item())
        )
        segments.append((seg.id, seg.when or "(always)", holds))
    features = row.row(0, named=True)
    segment, arm, dpd = features["segment"], features["arm"], features["dpd"]
    days_to_due = features.get("days_to_due")

    checks: list[StepCheck] = []
    if segment is not None:
        conditions = step_condition_exprs(strategy, dict(row.schema))
        own = steps_frame(strategy).filter((pl.col("segment") == segment) & (pl.col("arm") == arm))
        for (step_id,), group in own.group_by(["step"], maintain_order=True):
            due = group.filter(pl.col("days_to_due").is_not_null())
            before_due = sorted(due.get_column("days_to_due").to_list(), reverse=True)
            days = [] if before_due else sorted(group.get_column("dpd").to_list())
            channel = group.get_column("channel")[0]
            when = group.get_column("step_when")[0]
            on_day, why = _day_check(dpd, days_to_due, days, before_due)
            cond = conditions[step_id].fill_null(False) if when is not None else None
            if on_day and cond is not None and not bool(row.select(cond).item()):
                on_day, why = False, f"step condition is false: {when}"
            checks.append(StepCheck(step_id, channel, days, on_day, why, before_due))

    def rows(name: str) -> list[dict[str, Any]]:
        if not (run_dir / name).exists():  # a strategy that assigns nothing writes none
            return []
        return (
            pl.scan_parquet(run_dir / name)
            .filter(pl.col("account_id") == account_id)
            .collect()
            .to_dicts()
        )

    return Explanation(
        account_id=account_id,
        run_date=manifest["run_date"],
        strategy=manifest["strategy"]["name"],
        strategy_version=manifest["strategy"]["content_hash"],
        features=features,
        segments=segments,
        segment=segment,
        arm=arm,
        steps=checks,
        actions=rows("actions.parquet"),
        blocked=rows("blocked.parquet"),
        assignment=rows("assignments.parquet") + rows("unassigned.parquet"),
    )
