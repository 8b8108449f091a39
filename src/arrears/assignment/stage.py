"""The assignment stage of the daily plan (分案): who holds each wanted case after today.

    wanted accounts → units (a customer's accounts) → keep / rotate / recall / release
                    → pool (抢案) or dispatch (派案: the optimizer) → assignments, unassigned

Capacities are in accounts. Kept cases are counted first; an owner over capacity keeps its most
valuable units and the rest are dispatched elsewhere. Pure: frames in, frames out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

from arrears.assignment.dispatch import build
from arrears.assignment.holdings import held_cases, steps_table, units_of, with_holders
from arrears.assignment.owners import owners_frame, with_time_limits
from arrears.assignment.problem import Solution
from arrears.assignment.queue import cents_sum, wanted
from arrears.assignment.reasons import dispatch_reasons, owner_load, release_reasons
from arrears.assignment.solvers import solve
from arrears.strategy.model import Strategy

ASSIGNMENT_COLUMNS: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "customer_id": pl.String(),
    "owner": pl.String(),
    "owner_kind": pl.String(),
    "team": pl.String(),
    "mode": pl.String(),  # keep, dispatch, rotate, pool, agency
    "value": pl.Float64(),  # the account's expected value
    "unit_value": pl.Float64(),  # the customer's (what the decision ranked)
    "rank": pl.Int64(),  # the customer's rank by value within its step (1 = highest)
    "assign_step": pl.String(),
    "previous_owner": pl.String(),
    "handoff": pl.String(),
    "reason": pl.String(),
}
UNASSIGNED_COLUMNS: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "customer_id": pl.String(),
    "previous_owner": pl.String(),
    "kind": pl.String(),  # release, recall, unplaced
    "assign_step": pl.String(),
    "value": pl.Float64(),
    "reason": pl.String(),
}


@dataclass
class AssignResult:
    assignments: pl.DataFrame
    unassigned: pl.DataFrame
    owners: pl.DataFrame  # per owner: capacity, held accounts, expected value
    solution: Solution | None
    stats: dict[str, float | int | str | None] = field(default_factory=dict)
    agencies: pl.DataFrame | None = None  # agency performance, once blocked contacts are known


def wanted_rows(accounts: pl.DataFrame, strategy: Strategy) -> pl.DataFrame:
    """Per account, what the assignment needs of it: row-local, so shards can compute it."""
    # `wanted` keeps the rows of `accounts` in their order: its facts sit beside them.
    facts = accounts.select("segment", "dpd", "days_since_rpc")
    return pl.concat([wanted(accounts, strategy), facts], how="horizontal")


def assign_cases(
    accounts: pl.DataFrame,
    strategy: Strategy,
    tables: Mapping[str, pl.DataFrame | None],
    run_date: date,
    solver: str = "flow",
) -> AssignResult | None:
    """None when the strategy assigns nothing."""
    if not strategy.assignments():
        return None
    return assign_wanted(wanted_rows(accounts, strategy), strategy, tables, run_date, solver)


def assign_wanted(
    want: pl.DataFrame,
    strategy: Strategy,
    tables: Mapping[str, pl.DataFrame | None],
    run_date: date,
    solver: str = "flow",
) -> AssignResult | None:
    """The assignment of every account of `want` (from `wanted_rows`, all shards together)."""
    steps = steps_table(strategy)
    if steps.is_empty():
        return None
    owners = (
        with_time_limits(
            owners_frame(tables.get("teams"), tables.get("agents")), minutes_by_team(strategy)
        )
        .with_row_index("owner_ix")
        .with_columns(pl.col("owner_ix").cast(pl.Int64))
    )
    # The held cases of known accounts, with what the strategy wants of them (one join).
    cases = held_cases(tables.get("cases"), owners, run_date)
    held_wanted = cases.join(want, on="account_id")
    held = held_wanted.select(cases.columns)
    releases = release_reasons(held_wanted.filter(pl.col("assign_step").is_null()))
    units = with_holders(units_of(want, steps), held, steps)
    units = units.with_columns(
        pl.col("unit_value")
        .rank("ordinal", descending=True)
        .over("assign_step")
        .cast(pl.Int64)
        .alias("rank"),
        pl.len().over("assign_step").alias("ranked"),
    ).join(owners.select(pl.col("owner_id").alias("holder"), pl.col("owner_ix").alias("holder_ix")),
           on="holder", how="left")  # fmt: skip

    capacity = owners.get_column("capacity").fill_null(int(units["weight"].sum()) + 1).to_numpy()
    kept, overflow = _keeps(units.filter(pl.col("fate") == "keep"), capacity)
    recalls = units.filter(pl.col("fate") == "recall")
    moving = pl.concat(
        [units.filter(pl.col("fate").is_in(["new", "ineligible", "rotate", "replace"])), overflow],
        how="vertical",
    )
    to_pool = (pl.col("mode") == "pool") | (
        (pl.col("mode") == "hybrid")
        & (pl.col("rank") > pl.col("dispatch_share") * pl.col("ranked"))
    )
    kept_load = owner_load(kept, owners.height)
    pooled, unpooled = _pool(moving.filter(to_pool), owners, capacity - kept_load)
    held = kept_load + owner_load(pooled, owners.height)
    room = capacity - held
    need = moving.filter(~to_pool).with_columns(
        pl.when(pl.col("fate") == "replace").then(pl.col("holder_team")).alias("excluded_team"),
        pl.when(pl.col("fate").is_in(["rotate", "overflow"]))
        .then(pl.col("holder_ix"))
        .alias("exclude_owner"),
    )
    solution = None
    dispatched = need.clear().with_columns(
        pl.lit(None, dtype=pl.Int64).alias("owner_ix"),
        *[pl.lit(None, dtype=pl.String).alias(c) for c in ("assign_mode", "reason", "kind")],
    )
    if need.height:
        built = build(need, owners, room, held, strategy)
        solution = solve(built.problem, solver)
        dispatched = dispatch_reasons(built, solution, owners)
    held_after = pl.concat([kept, pooled, dispatched.filter(pl.col("owner_ix").is_not_null())],
                           how="diagonal_relaxed")  # fmt: skip
    assignments = _per_account(held_after, owners, want)
    unplaced = pl.concat(
        [unpooled, dispatched.filter(pl.col("owner_ix").is_null()), _recalled(recalls)],
        how="diagonal_relaxed",
    )
    unassigned = (
        pl.concat([releases, _unplaced_accounts(unplaced, want)], how="diagonal_relaxed")
        .select([pl.col(c).cast(t) for c, t in UNASSIGNED_COLUMNS.items()])
        .sort("account_id")
    )
    load = _owner_table(assignments, owners)
    stats: dict[str, float | int | str | None] = {"solver": solver}
    if solution is not None:
        stats.update(
            objective=round(solution.objective(built.problem), 2),
            bound=None if solution.bound is None else round(solution.bound, 2),
            seconds=round(solution.seconds, 3),
            units=built.problem.units,
            classes=built.classes.height,
        )
    return AssignResult(assignments, unassigned, load, solution, stats)


def minutes_by_team(strategy: Strategy) -> dict[str, float]:
    """Per team, the most talk minutes a day a case of any step naming it takes."""
    out: dict[str, float] = {}
    for a in strategy.assignments():
        if a.minutes_per_case is not None:
            for team in a.teams:
                out[team] = max(out.get(team, 0.0), a.minutes_per_case)
    return out


def _keeps(keeps: pl.DataFrame, capacity: np.ndarray) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Kept units within their holder's capacity (most valuable first), and the overflow."""
    ordered = keeps.sort(
        ["holder_ix", "unit_value", "customer_id"], descending=[False, True, False]
    )
    with_cum = ordered.with_columns(pl.col("weight").cum_sum().over("holder_ix").alias("_cum"))
    fits = (
        with_cum.get_column("_cum").to_numpy()
        <= capacity[with_cum.get_column("holder_ix").to_numpy()]
    )
    kept = (
        with_cum.filter(pl.Series(fits))
        .drop("_cum")
        .with_columns(
            pl.col("holder_ix").alias("owner_ix"),
            pl.when((pl.col("holder") == pl.col("holder_team")) & (pl.col("to") == "team"))
            .then(pl.lit("pool"))
            .otherwise(pl.lit("keep"))
            .alias("assign_mode"),
            pl.format(
                "keep: held by {} since {} ({} days){}",
                pl.col("holder"),
                pl.col("held_since"),
                pl.col("days_held"),
                pl.when(pl.col("staying")).then(pl.lit(", stay running")).otherwise(pl.lit("")),
            ).alias("reason"),
        )
    )
    overflow = (
        with_cum.filter(~pl.Series(fits))
        .drop("_cum")
        .with_columns(pl.lit("overflow").alias("fate"))
    )
    return kept, overflow


def _pool(
    units: pl.DataFrame, owners: pl.DataFrame, room: np.ndarray
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Units listed in their step's first team's claim pool, as far as the pool has room."""
    teams = owners.filter(pl.col("owner_kind") != "agent").select(
        pl.col("owner_id").alias("pool_team"), pl.col("owner_ix").alias("owner_ix")
    )
    ordered = (
        units.with_columns(pl.col("teams").list.first().alias("pool_team"))
        .join(teams, on="pool_team", how="left")
        .sort(["owner_ix", "unit_value", "customer_id"], descending=[False, True, False])
        .with_columns(pl.col("weight").cum_sum().over("owner_ix").alias("_cum"))
    )
    ix = ordered.get_column("owner_ix").fill_null(0).to_numpy()
    fits = ordered.get_column("owner_ix").is_not_null().to_numpy() & (
        ordered.get_column("_cum").to_numpy() <= room[ix]
    )
    pooled = ordered.filter(pl.Series(fits)).with_columns(
        pl.lit("pool").alias("assign_mode"),
        pl.format(
            "pool: value {} (rank {} of {} in {}), listed for claims in {}{}",
            pl.col("unit_value").round(2),
            pl.col("rank"),
            pl.col("ranked"),
            pl.col("assign_step"),
            pl.col("pool_team"),
            pl.when(pl.col("fate") == "rotate")
            .then(
                pl.format("; rotated from {} after {} days", pl.col("holder"), pl.col("days_held"))
            )
            .otherwise(pl.lit("")),
        ).alias("reason"),
    )
    unpooled = ordered.filter(~pl.Series(fits)).with_columns(
        pl.lit(None, dtype=pl.Int64).alias("owner_ix"),
        pl.lit("unplaced").alias("kind"),
        pl.when(pl.col("owner_ix").is_null())
        .then(pl.format("no pool: team {} is not in the teams table", pl.col("pool_team")))
        .otherwise(pl.format("the pool of {} is full (capacity)", pl.col("pool_team")))
        .alias("reason"),
    )
    return pooled.drop("_cum"), unpooled.drop("_cum")


def _recalled(recalls: pl.DataFrame) -> pl.DataFrame:
    return recalls.with_columns(
        pl.lit("recall").alias("kind"),
        pl.format(
            "recalled from agency {} after {} days (recall after {})",
            pl.col("holder"),
            pl.col("days_held"),
            pl.col("recall_after_days"),
        ).alias("reason"),
    )


def _per_account(held: pl.DataFrame, owners: pl.DataFrame, want: pl.DataFrame) -> pl.DataFrame:
    return (
        held.select(
            "customer_id",
            "account_id",
            "owner_ix",
            pl.col("assign_mode").alias("mode"),
            "unit_value",
            "rank",
            "assign_step",
            pl.col("holder").alias("previous_owner"),
            "handoff",
            "reason",
        )
        .explode("account_id")
        .join(
            owners.select(
                "owner_ix",
                pl.col("owner_id").alias("owner"),
                "owner_kind",
                pl.col("team_id").alias("team"),
                "team_kind",
            ),
            on="owner_ix",
        )
        .join(want.select("account_id", "value"), on="account_id", how="left")
        .with_columns(
            pl.when(pl.col("team_kind") == "robot").then(pl.col("handoff")).alias("handoff"),
        )
        .select([pl.col(c).cast(t) for c, t in ASSIGNMENT_COLUMNS.items()])
        .sort("account_id")
    )


def _unplaced_accounts(unplaced: pl.DataFrame, want: pl.DataFrame) -> pl.DataFrame:
    if unplaced.is_empty():
        return pl.DataFrame(schema=UNASSIGNED_COLUMNS)
    return (
        unplaced.select(
            "customer_id",
            "account_id",
            pl.col("holder").alias("previous_owner"),
            pl.col("kind").fill_null("unplaced"),
            "assign_step",
            "reason",
        )
        .explode("account_id")
        .join(want.select("account_id", "value"), on="account_id", how="left")
    )


def _owner_table(assignments: pl.DataFrame, owners: pl.DataFrame) -> pl.DataFrame:
    load = assignments.group_by("owner").agg(
        pl.len().alias("accounts"), cents_sum("value").alias("expected_value")
    )
    return (
        owners.select(
            pl.col("owner_id").alias("owner"),
            "owner_kind",
            pl.col("team_id").alias("team"),
            "capacity",
            "active",
        )
        .join(load, on="owner", how="left")
        .with_columns(pl.col("accounts").fill_null(0), pl.col("expected_value").fill_null(0.0))
    )


OWNED_CHANNELS: tuple[str, ...] = ("human_call", "visit")
"""Channels worked by the case's owner: their actions carry it."""


def with_owners(actions: pl.DataFrame, assignment: AssignResult | None) -> pl.DataFrame:
    """`actions` with `owner`: the case's owner on human calls and visits, else null."""
    if assignment is None or assignment.assignments.is_empty():
        return actions.with_columns(pl.lit(None, dtype=pl.String).alias("owner"))
    owners = assignment.assignments.select("account_id", pl.col("owner").alias("_owner"))
    return (
        actions.join(owners, on="account_id", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("channel").is_in(OWNED_CHANNELS)).then(pl.col("_owner")).alias("owner")
        )
        .drop("_owner")
    )
