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
    days: list[int]
    fired: bool
    why: str


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

    checks: list[StepCheck] = []
    if segment is not None:
        conditions = step_condition_exprs(strategy, dict(row.schema))
        own = steps_frame(strategy).filter((pl.col("segment") == segment) & (pl.col("arm") == arm))
        for (step_id,), group in own.group_by(["step"], maintain_order=True):
            days = sorted(group.get_column("dpd").to_list())
            channel = group.get_column("channel")[0]
            when = group.get_column("step_when")[0]
            if dpd not in days:
                checks.append(
                    StepCheck(step_id, channel, days, False, f"dpd {dpd} is not a step day")
                )
                continue
            if when is not None and not bool(
                row.select(conditions[step_id].fill_null(False)).item()
            ):
                checks.append(
                    StepCheck(step_id, channel, days, False, f"step condition is false: {when}")
                )
                continue
            checks.append(StepCheck(step_id, channel, days, True, f"dpd {dpd} is a step day"))

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
