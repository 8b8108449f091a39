"""Why each case went where it went, or stayed unassigned: value, rank and what bound.

A dispatched case says its value, its rank in its step, its owner and whether that owner's
capacity binds (full: the lowest value it took) or not. An unplaced case says which of three
things stopped it: no eligible owner (team, kind, skills, language), no net value at any eligible
team (cost or commission above the expected recovery), or capacity (every eligible owner full).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from arrears.assignment.dispatch import Built
from arrears.assignment.problem import NONE, Solution


def owner_load(frame: pl.DataFrame, owners: int) -> np.ndarray:
    """Accounts held per owner index by the units of `frame` (owner_ix, weight)."""
    if frame.is_empty():
        return np.zeros(owners, dtype=np.int64)
    ix = frame.get_column("owner_ix").to_numpy()
    weight = frame.get_column("weight").to_numpy()
    return np.bincount(ix, weights=weight, minlength=owners).astype(np.int64)


def release_reasons(released: pl.DataFrame) -> pl.DataFrame:
    """Held accounts no step wants any more: the exit that applies, or the step that ended."""
    return released.select(
        "account_id",
        "customer_id",
        pl.col("holder").alias("previous_owner"),
        pl.lit("release").alias("kind"),
        pl.lit(None, dtype=pl.String).alias("assign_step"),
        pl.lit(None, dtype=pl.Float64).alias("value"),
        pl.when(pl.col("exit").is_not_null())
        .then(pl.format("released from {}: {}", pl.col("holder"), pl.col("exit")))
        .otherwise(
            pl.format(
                "released from {}: no assign step wants it (segment {}, dpd {})",
                pl.col("holder"),
                pl.col("segment").fill_null("none"),
                pl.col("dpd"),
            )
        )
        .alias("reason"),
    )


def dispatch_reasons(built: Built, solution: Solution, owners: pl.DataFrame) -> pl.DataFrame:
    """The built units with `owner_ix` (null when unplaced), `assign_mode` and `reason`."""
    problem = built.problem
    owner = solution.owner
    held = owner != NONE
    load = problem.load(owner)
    lowest = np.full(problem.owners, np.inf)
    np.minimum.at(lowest, owner[held], problem.value[held])
    full = load >= problem.capacity
    best_net = _best_net(built)
    per_owner = owners.select(
        "owner_ix",
        pl.col("owner_id").alias("_owner"),
        pl.col("team_id").alias("_team"),
        pl.Series("_full", full),
        pl.Series("_lowest", np.where(np.isfinite(lowest), lowest, 0.0)).round(2),
    )
    units = built.units.with_columns(
        pl.Series("owner_ix", np.where(held, owner, 0)).cast(pl.Int64),
        pl.Series("_held", held),
        pl.Series("_best_net", best_net),
    ).join(built.classes.select("class_ix", "eligible_owners"), on="class_ix", how="left")
    units = units.join(per_owner, on="owner_ix", how="left")
    mode = (
        pl.when(pl.col("fate") == "rotate")
        .then(pl.lit("rotate"))
        .when(pl.col("to") == "agency")
        .then(pl.lit("agency"))
        .otherwise(pl.lit("dispatch"))
    )
    why_moving = (
        pl.when(pl.col("fate") == "rotate")
        .then(pl.format("; rotated from {} after {} days", pl.col("holder"), pl.col("days_held")))
        .when(pl.col("fate") == "replace")
        .then(pl.format("; re-placed from {} after {} days", pl.col("holder"), pl.col("days_held")))
        .when(pl.col("fate") == "overflow")
        .then(pl.format("; {} is over capacity", pl.col("holder")))
        .when(pl.col("fate") == "ineligible")
        .then(pl.format("; {} may no longer hold it", pl.col("holder")))
        .otherwise(pl.lit(""))
    )
    binding = (
        pl.when(pl.col("_full"))
        .then(
            pl.format(
                "{} is full (capacity binds: lowest value taken {})",
                pl.col("_owner"),
                pl.col("_lowest"),
            )
        )
        .otherwise(pl.format("{} has room", pl.col("_owner")))
    )
    placed = pl.format(
        "{}: value {} (rank {} of {} in {}) to {} of {} by {}; {}{}",
        mode,
        pl.col("unit_value").round(2),
        pl.col("rank"),
        pl.col("ranked"),
        pl.col("assign_step"),
        pl.col("_owner"),
        pl.col("_team"),
        pl.lit(solution.solver),
        binding,
        why_moving,
    )
    needs = pl.col("needs").list.join(",")
    unplaced = (
        pl.when(pl.col("eligible_owners") == 0)
        .then(
            pl.format(
                "no eligible owner: no active {} owner in {} with skills [{}]{}",
                pl.col("to"),
                pl.col("teams").list.join(","),
                needs,
                pl.when(pl.col("language").is_not_null())
                .then(pl.format(" speaking {}", pl.col("language")))
                .otherwise(pl.lit("")),
            )
        )
        .when(pl.col("_best_net") <= 0)
        .then(
            pl.format(
                "not worth working: value {} is below the cost at every eligible team",
                pl.col("unit_value").round(2),
            )
        )
        .otherwise(
            pl.format(
                "capacity: all {} eligible owners are full (value {}, rank {} of {} in {})",
                pl.col("eligible_owners"),
                pl.col("unit_value").round(2),
                pl.col("rank"),
                pl.col("ranked"),
                pl.col("assign_step"),
            )
        )
    )
    return units.with_columns(
        pl.when(pl.col("_held")).then(pl.col("owner_ix")).alias("owner_ix"),
        mode.alias("assign_mode"),
        pl.when(pl.col("_held")).then(placed).otherwise(unplaced).alias("reason"),
        pl.when(pl.col("_held"))
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.lit("unplaced"))
        .alias("kind"),
    ).drop("_owner", "_team", "_full", "_lowest", "_held", "_best_net")


def _best_net(built: Built) -> np.ndarray:
    """Per unit, the best net value over the teams that have an owner eligible for its class."""
    p = built.problem
    pair_class, pair_team = p.eligible_pairs()
    best = np.full(p.units, -np.inf)
    if pair_class.size == 0:
        return best
    pairs = pl.DataFrame({"class_ix": pair_class, "team": pair_team})
    units = pl.DataFrame({"unit": np.arange(p.units), "class_ix": p.unit_class})
    joined = units.join(pairs, on="class_ix")
    u = joined.get_column("unit").to_numpy()
    c, t = joined.get_column("class_ix").to_numpy(), joined.get_column("team").to_numpy()
    net = p.value[u] * p.keep[c, t] - p.weight[u] * p.cost[c, t]
    np.maximum.at(best, u, net)
    return best
