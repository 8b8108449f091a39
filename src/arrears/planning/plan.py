"""The daily plan: features → segment → treat → comply → emit frames. Pure: no files here.

Every stage is a vectorized Polars query; the stages are collected one by one only so the
manifest can say how long each took.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl

from arrears.assignment.agencies import agency_facts, agency_table
from arrears.assignment.stage import AssignResult, assign_cases, with_owners
from arrears.compliance.guard import guard
from arrears.compliance.hours import PAUSES
from arrears.compliance.ledger import ledger_of, needed
from arrears.compliance.presets import Reachability, presets_for, strictest_reach
from arrears.contract.load import Portfolio
from arrears.contract.tables import ACTION_COLUMNS, BLOCKED_EXTRA_COLUMNS, NOT_COLLECTED
from arrears.dialing.stage import call_lists, contact_model, counts_of, strategy_settings
from arrears.planning.features import (
    account_features,
    contact_features,
    history,
    run_start,
)
from arrears.planning.treat import candidate_contacts, choose, fired_steps
from arrears.strategy.experiment import assign_arms
from arrears.strategy.model import Strategy
from arrears.strategy.plan_exprs import (
    bucket_expr,
    segment_expr,
    step_condition_exprs,
    steps_frame,
)

if TYPE_CHECKING:
    from arrears.scoring.apply import ModelSet
    from arrears.templates.library import Library


@dataclass
class PlanResult:
    run_date: date
    strategy: Strategy
    accounts: pl.DataFrame  # one row per account: features, bucket, segment, arm
    actions: pl.DataFrame
    blocked: pl.DataFrame
    checked: int  # candidate contacts the guard looked at
    timings: dict[str, float] = field(default_factory=dict)
    assignment: AssignResult | None = None  # None when the strategy assigns nothing
    call_lists: pl.DataFrame | None = None  # None when the caller schedules (shards)
    scoring: Scoring | None = None  # None when no models were given


@dataclass
class Scoring:
    """The models a run scored with, and today's population drift against their training."""

    models: ModelSet
    drift: dict[str, dict[str, dict[str, Any]]]  # target -> feature -> {psi, flagged}
    shards: int = 1  # a sharded run reports each feature's largest shard PSI


class _Stopwatch:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.last = clock()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = self.clock()
        self.laps[name] = round(now - self.last, 4)
        self.last = now


def features(
    portfolio: Portfolio,
    run_date: date,
    reach: Reachability,
    point_history: pl.DataFrame,
    ledger: pl.DataFrame,
) -> pl.DataFrame:
    """Every account with its customer's columns and the derived features of the run date."""
    t = portfolio.tables
    return account_features(
        t["accounts"],
        t["customers"],
        t["contacts"],
        t.get("attempts"),
        t.get("payments"),
        t.get("promises"),
        run_date,
        reach,
        point_history,
        ledger,
    ).collect(engine="in-memory")  # measured faster than the streaming engine on this query


def segment_accounts(feats: pl.DataFrame, strategy: Strategy) -> pl.DataFrame:
    """Bucket, segment and experiment arm for every account."""
    with_bucket = feats.with_columns(bucket_expr(strategy).alias("bucket"))
    segmented = with_bucket.with_columns(
        pl.when(~pl.col("status").is_in(NOT_COLLECTED))
        .then(segment_expr(strategy, dict(with_bucket.schema)))
        .alias("segment")
    )
    return segmented.with_columns(
        assign_arms(segmented.get_column("account_id"), strategy.experiment).alias("arm")
    )


def plan_day(
    portfolio: Portfolio,
    strategy: Strategy,
    run_date: date,
    *,
    clock: Callable[[], float] = _time.perf_counter,
    solver: str = "flow",
    assign: bool = True,
    models: ModelSet | None = None,
    templates: Library | None = None,
) -> PlanResult:
    """The plan of `run_date`. `assign=False` leaves assignment to the caller (shards: owners'
    capacities span the whole book, so the sharded run assigns once over all shards).
    `templates` gives every contact its approved template (NO-TEMPLATE when none fits);
    without it template ids pass through as the strategy writes them."""
    watch = _Stopwatch(clock)
    presets = presets_for(strategy.jurisdiction, strategy.house)
    reach = strictest_reach(presets)
    # The compliance ledger (attempts joined to their points) for the look-back the rules
    # need; features (reachability) and the guard (caps, rests) both read it.
    ledger = ledger_of(
        portfolio.tables.get("attempts"),
        portfolio.tables["contacts"],
        needed(presets, reach.days, run_start(run_date)),
    )
    watch.lap("ledger")
    point_history = contact_features(
        history(portfolio.tables.get("attempts"), run_date), run_date
    ).collect()
    feats = features(portfolio, run_date, reach, point_history, ledger)
    watch.lap("features")
    scoring = None
    if models is not None:
        from arrears.scoring.apply import score_accounts

        feats, drift = score_accounts(feats, models)
        scoring = Scoring(models, drift)
        watch.lap("score")
    accounts = segment_accounts(feats, strategy)
    del feats
    watch.lap("segment")

    fired = fired_steps(  # accounts without a segment match no step (null keys never join)
        accounts,
        steps_frame(strategy),
        step_condition_exprs(strategy, dict(accounts.schema)),
    )
    watch.lap("steps")
    contacts = portfolio.tables["contacts"]
    candidates, without_point = candidate_contacts(fired, contacts, point_history)
    watch.lap("contacts")
    if templates is not None:  # before the guard: the template's flags are what it checks
        from arrears.templates.resolve import with_templates

        candidates = with_templates(candidates, templates)
        watch.lap("templates")

    checked = guard(
        candidates,
        run_date=run_date,
        presets=presets,
        ledger=ledger,
    )
    if templates is not None:
        from arrears.templates.resolve import refuse_unresolved

        checked = refuse_unresolved(checked)
    actions, refused = choose(checked)
    watch.lap("comply")

    assignment = (
        assign_cases(accounts, strategy, portfolio.tables, run_date, solver) if assign else None
    )
    watch.lap("assign")

    actions = _emit_actions(actions, strategy, run_date)
    if models is not None:  # which model versions the segmentation saw
        actions = actions.with_columns(pl.lit(models.tag()).alias("models"))
    if assign:
        actions = with_owners(actions, assignment)
    blocked = pl.concat(
        [_emit_blocked(refused, strategy, run_date), _no_point(without_point, strategy, run_date)],
        how="vertical",
    ).sort("action_id")
    if assignment is not None:
        facts = agency_facts(portfolio.tables, blocked)
        assignment.agencies = agency_table(facts, portfolio.tables.get("teams"), assignment)
    watch.lap("emit")
    lists = None
    if assign:  # time slots share each team's hours over the whole book: shards do it later
        reach_model = contact_model(models)  # rates the voice slots when trained
        lists = call_lists(
            actions,
            counts_of(portfolio.tables, run_date, reach_model, actions.get_column("contact_id")),
            portfolio.tables.get("agents"),
            strategy_settings(strategy),
            reach_model,
        )
        watch.lap("schedule")
    return PlanResult(
        run_date=run_date,
        strategy=strategy,
        accounts=accounts,
        actions=actions,
        blocked=blocked,
        checked=checked.height,
        timings=watch.laps,
        assignment=assignment,
        call_lists=lists,
        scoring=scoring,
    )


def action_id(run_date: date, account: pl.Expr, step: pl.Expr, contact: pl.Expr) -> pl.Expr:
    """`<yyyymmdd>-<account>-<step>-<contact>`, readable and never shared by two actions.

    Ids may contain '-' themselves, so '%' and '-' inside each part are escaped ('%25', '%2D'):
    the id then splits back into exactly its parts. A step without a contact point ends in '-'.
    Sending exactly once keys on this id, so two actions must never share one.
    """

    def part(expr: pl.Expr) -> pl.Expr:
        return (
            expr.cast(pl.String)
            .str.replace_all("%", "%25", literal=True)
            .str.replace_all("-", "%2D", literal=True)
        )

    return pl.format(
        "{}-{}-{}-{}",
        pl.lit(run_date.strftime("%Y%m%d")),
        part(account),
        part(step),
        part(contact).fill_null(""),
    )


def _identity(strategy: Strategy, run_date: date) -> list[pl.Expr]:
    return [
        action_id(run_date, pl.col("account_id"), pl.col("step"), pl.col("contact_id")).alias(
            "action_id"
        ),
        pl.lit(run_date).alias("run_date"),
        pl.lit(strategy.name).alias("strategy"),
        pl.lit(strategy.content_hash).alias("strategy_version"),
    ]


def _before_due() -> pl.Expr:
    """`, 3 days before due` (`, due today`) for a due-relative step, else nothing."""
    days = pl.col("days_to_due")
    return (
        pl.when(~pl.col("_before_due"))
        .then(pl.lit(""))
        .when(days == 0)
        .then(pl.lit(", due today"))
        .when(days == 1)
        .then(pl.lit(", 1 day before due"))
        .otherwise(pl.format(", {} days before due", days))
    )


def _reason() -> pl.Expr:
    return pl.format(
        "segment {} (bucket {}, dpd {}{}), arm {}, step {}: {} to {} {}",
        pl.col("segment"),
        pl.col("bucket").fill_null("-"),
        pl.col("dpd"),
        _before_due(),
        pl.col("arm"),
        pl.col("step"),
        pl.col("channel"),
        pl.col("audience"),
        pl.col("contact_id").fill_null("(no contact point)"),
    )


EXTRA_COLUMNS = ("dpd", "bucket", "jurisdiction", "zone_sources", "window_pauses")


def _emit_actions(actions: pl.DataFrame, strategy: Strategy, run_date: date) -> pl.DataFrame:
    return (
        actions.with_columns(
            *_identity(strategy, run_date),
            pl.format(
                "{}; window {} to {} UTC in {} (from {}; {} hours)",
                _reason(),
                pl.col("window_start").dt.strftime("%H:%M"),
                pl.col("window_end").dt.strftime("%H:%M"),
                pl.col("timezone"),
                pl.col("zone_sources"),
                pl.col("_preset"),
            ).alias("reason"),
            pl.col("_preset").alias("jurisdiction"),
        )
        .select(
            *ACTION_COLUMNS,
            *EXTRA_COLUMNS,
            *[c for c in ("template_version", "template_language") if c in actions.columns],
        )
        .sort("action_id")
    )


def _emit_blocked(refused: pl.DataFrame, strategy: Strategy, run_date: date) -> pl.DataFrame:
    return refused.with_columns(
        *_identity(strategy, run_date),
        _reason().alias("reason"),
        pl.col("_preset").alias("jurisdiction"),
    ).select(*ACTION_COLUMNS, *EXTRA_COLUMNS, *BLOCKED_EXTRA_COLUMNS)


def _no_point(without: pl.DataFrame, strategy: Strategy, run_date: date) -> pl.DataFrame:
    ts = pl.Datetime("us", "UTC")
    return (
        without.with_columns(
            pl.lit(None, dtype=pl.String).alias("contact_id"),
            pl.col("audience").alias("role"),
            pl.lit(None, dtype=ts).alias("window_start"),
            pl.lit(None, dtype=ts).alias("window_end"),
            pl.lit(None, dtype=pl.String).alias("timezone"),
            pl.lit(None, dtype=pl.String).alias("zone_sources"),
            pl.lit(None, dtype=PAUSES).alias("window_pauses"),
        )
        .with_columns(
            *_identity(strategy, run_date),
            _reason().alias("reason"),
            pl.lit(None, dtype=pl.String).alias("jurisdiction"),
            pl.lit("NO-CONTACT-POINT").alias("rule"),
            pl.format("no {} on file for the {}", pl.col("_kind"), pl.col("audience")).alias(
                "detail"
            ),
            pl.lit(None, dtype=ts).alias("next_allowed_at"),
        )
        .select(*ACTION_COLUMNS, *EXTRA_COLUMNS, *BLOCKED_EXTRA_COLUMNS)
    )
