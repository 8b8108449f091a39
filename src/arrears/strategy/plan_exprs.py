"""What the planner takes from a strategy: expressions over accounts and a table of steps.

The planner never walks segments account by account. It adds `bucket` and `segment` columns
with one expression each, then joins today's (segment, arm, dpd) against `steps_frame`, which
already has every arm's overrides applied, and filters by the per-step conditions. A
due-relative step (`days_before_due`) is keyed on (segment, arm, dpd 0, days_to_due) instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from arrears.exprs import first_of
from arrears.strategy.check import contract_columns
from arrears.strategy.compile_polars import condition_expr
from arrears.strategy.model import DAY_FIELDS, DUE_DPD, Step, Strategy

STEPS_SCHEMA: dict[str, pl.DataType] = {
    "segment": pl.String(),
    "arm": pl.String(),
    "dpd": pl.Int32(),
    "days_to_due": pl.Int32(),  # a due-relative step's day (dpd is then 0); null for the others
    "step": pl.String(),
    "channel": pl.String(),
    "template": pl.String(),
    "team": pl.String(),
    "audience": pl.String(),
    "priority": pl.Int32(),
    "tone": pl.String(),
    "third_party_safe": pl.Boolean(),
    "opt_out_notice": pl.Boolean(),
    "step_when": pl.String(),
    "step_order": pl.Int32(),
}


def _schema(schema: Mapping[str, pl.DataType] | None) -> Mapping[str, pl.DataType]:
    return {**contract_columns(), **(schema or {})}


def bucket_expr(strategy: Strategy, dpd: pl.Expr | None = None) -> pl.Expr:
    """The bucket name for `dpd` (String), null when no bucket holds it; first listed wins."""
    dpd = pl.col("dpd") if dpd is None else dpd
    branches = [
        (
            dpd >= b.lo if b.hi is None else dpd.is_between(b.lo, b.hi, closed="both"),
            pl.lit(b.name, dtype=pl.String),
        )
        for b in strategy.buckets
    ]
    return first_of(branches, otherwise=pl.lit(None, dtype=pl.String)).alias("bucket")


def segment_expr(strategy: Strategy, schema: Mapping[str, pl.DataType] | None = None) -> pl.Expr:
    """The id of the first segment whose `when` holds (null when none).

    Needs the `bucket` column (from `bucket_expr`) and the derived features it refers to.
    `schema` (the frame's) lets string literals be read as dates against date columns; the
    contract's types are assumed where it is silent.
    """
    full = _schema(schema)
    branches = [
        (
            pl.lit(True) if segment.when_ast is None else condition_expr(segment.when_ast, full),
            pl.lit(segment.id, dtype=pl.String),
        )
        for segment in strategy.segments
    ]
    return first_of(branches, otherwise=pl.lit(None, dtype=pl.String)).alias("segment")


def step_condition_exprs(
    strategy: Strategy, schema: Mapping[str, pl.DataType] | None = None
) -> dict[str, pl.Expr]:
    """By step id, the filter of each step that has its own `when` (null never matches)."""
    full = _schema(schema)
    return {
        step.id: condition_expr(step.when_ast, full).alias(step.id)
        for step in strategy.steps()
        if step.when_ast is not None
    }


def _apply(step: Step, overrides: Mapping[str, Any]) -> dict[str, Any] | None:
    """The step's fields in one arm, or None when the arm disables it."""
    fields: dict[str, Any] = {
        "channel": step.channel,
        "template": step.template,
        "team": step.team,
        "audience": step.audience,
        "priority": step.priority,
        "tone": step.tone,
        "third_party_safe": step.third_party_safe,
        "opt_out_notice": step.opt_out_notice,
        "days": step.days,
        "days_before_due": step.days_before_due,
    }
    for key, value in overrides.items():
        if key == "enabled":
            if not value:
                return None
            continue
        if key in DAY_FIELDS:  # an arm's days replace the step's, of either kind
            fields["days"] = fields["days_before_due"] = ()
            value = tuple(value)
        fields[key] = value
    return fields


def _keys(days: tuple[int, ...], before_due: tuple[int, ...]) -> list[tuple[int, int | None]]:
    """(dpd, days_to_due) of each day a step fires on, each once."""
    if before_due:
        return [(dpd, n) for dpd in DUE_DPD for n in sorted(set(before_due))]
    return [(day, None) for day in sorted(set(days))]


def steps_frame(strategy: Strategy) -> pl.DataFrame:
    """One row per (segment, arm, dpd, days_to_due, step), every arm's overrides applied.

    A step with `days` has a row per day past due and a null `days_to_due`; a due-relative
    step (`days_before_due`) has a row per day before due, with that day in `days_to_due` and
    dpd 0 (it fires only while the account is not overdue). A day listed twice in a step
    yields one row: a step fires at most once a day. Rows are ordered by segment (file order),
    arm, dpd, days to due (dpd steps first) and step order.
    """
    rows: list[tuple[tuple[int, int, int, int, int], dict[str, Any]]] = []
    arms = strategy.experiment.arms if strategy.experiment is not None else ()
    arm_overrides: list[tuple[str, Mapping[str, Mapping[str, Any]]]] = (
        [(arm.id, arm.overrides) for arm in arms] if arms else [("champion", {})]
    )
    for seg_index, segment in enumerate(strategy.segments):
        for arm_index, (arm_id, overrides) in enumerate(arm_overrides):
            for order, step in enumerate(segment.steps, start=1):
                fields = _apply(step, overrides.get(step.id, {}))
                if fields is None:
                    continue
                days, before_due = fields.pop("days"), fields.pop("days_before_due")
                for dpd, to_due in _keys(days, before_due):
                    key = (seg_index, arm_index, dpd, -1 if to_due is None else to_due, order)
                    rows.append(
                        (
                            key,
                            {
                                "segment": segment.id,
                                "arm": arm_id,
                                "dpd": dpd,
                                "days_to_due": to_due,
                                "step": step.id,
                                **fields,
                                "step_when": step.when,
                                "step_order": order,
                            },
                        )
                    )
    rows.sort(key=lambda pair: pair[0])
    return pl.DataFrame([row for _, row in rows], schema=STEPS_SCHEMA)
