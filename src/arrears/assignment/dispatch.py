"""From units that need an owner to the arrays of `Problem`, and back.

Classes are the distinct (step, excluded agency, skills needed, language) of the units; an owner
is eligible for a class when it is an active owner of the kind the step draws on, in one of the
step's teams (but not the agency a recalled case leaves), has every skill needed and speaks the
language. Eligibility is one cross join of classes (hundreds) with owners (thousands).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from arrears.assignment.holdings import OWNER_KIND_FOR
from arrears.assignment.problem import NONE, Problem
from arrears.strategy.model import Strategy

CLASS_KEY = ("assign_step", "excluded_team", "needs", "language")


@dataclass(frozen=True)
class Built:
    problem: Problem
    units: pl.DataFrame  # the units in problem order, with `unit_ix` and `class_ix`
    classes: pl.DataFrame  # one row per class with its eligible owner count
    teams: list[str]  # team id of each team index


def build(
    units: pl.DataFrame,
    owners: pl.DataFrame,
    room: np.ndarray,
    held: np.ndarray,
    strategy: Strategy,
) -> Built:
    """`units` need: customer_id, assign_step, unit_value, weight, needs, language, to, teams,
    excluded_team (null), exclude_owner (owner_ix or null). `owners` carry `owner_ix`; `room`
    and `held` are each owner's free and used capacity in accounts."""
    units = units.sort("assign_step", "customer_id").with_row_index("unit_ix")
    classes = (
        units.select(*CLASS_KEY, "to", "teams")
        .unique(subset=list(CLASS_KEY), maintain_order=True)
        .with_row_index("class_ix")
    )
    units = units.join(classes.select(*CLASS_KEY, "class_ix"), on=list(CLASS_KEY), nulls_equal=True)
    units = units.sort("unit_ix")
    kinds = pl.DataFrame(
        {
            "to": list(OWNER_KIND_FOR),
            "team_kind_needed": [k[0] for k in OWNER_KIND_FOR.values()],
            "owner_kind_needed": [k[1] for k in OWNER_KIND_FOR.values()],
        }
    )
    arcs = (
        classes.join(kinds, on="to")
        .join(owners, how="cross")
        .filter(
            pl.col("active")
            & (pl.col("team_kind") == pl.col("team_kind_needed"))
            & (pl.col("owner_kind") == pl.col("owner_kind_needed"))
            & pl.col("teams").list.contains(pl.col("team_id"))
            & (pl.col("excluded_team").is_null() | (pl.col("team_id") != pl.col("excluded_team")))
            & (pl.col("needs").list.set_difference(pl.col("skills")).list.len() == 0)
            & (
                pl.col("language").is_null()
                | (pl.col("languages").list.len() == 0)
                | pl.col("languages").list.contains(pl.col("language"))
            )
        )
        .select("class_ix", "owner_ix", "assign_step", "team_id")
    )
    team_ids = sorted(owners.get_column("team_id").unique().to_list())
    team_ix = {t: i for i, t in enumerate(team_ids)}
    team_rows = owners.filter(pl.col("owner_kind") != "agent").unique("team_id")
    commission = dict(zip(team_rows["team_id"], team_rows["commission_rate"], strict=True))
    per_contact = dict(zip(team_rows["team_id"], team_rows["cost_per_contact"], strict=True))
    by_step = {a.step: a for a in strategy.assignments()}
    n_classes = classes.height
    keep = np.zeros((n_classes, len(team_ids)))
    cost = np.zeros((n_classes, len(team_ids)))
    for c, step in enumerate(classes.get_column("assign_step").to_list()):
        a = by_step[step]
        for t, i in team_ix.items():
            keep[c, i] = a.lift.get(t, 1.0) * (1.0 - float(commission.get(t) or 0.0))
            cost[c, i] = float(per_contact.get(t) or 0.0) * a.contacts_per_case
    exclude = units.get_column("exclude_owner").fill_null(NONE).to_numpy().astype(np.int64)
    owner_team = np.array(
        [team_ix[t] for t in owners.sort("owner_ix").get_column("team_id").to_list()],
        dtype=np.int64,
    )
    problem = Problem(
        value=units.get_column("unit_value").to_numpy().astype(np.float64),
        weight=units.get_column("weight").to_numpy().astype(np.int64),
        unit_class=units.get_column("class_ix").to_numpy().astype(np.int64),
        exclude=exclude,
        arc_class=arcs.get_column("class_ix").to_numpy().astype(np.int64),
        arc_owner=arcs.get_column("owner_ix").to_numpy().astype(np.int64),
        owner_team=owner_team,
        capacity=room.astype(np.int64),
        held=held.astype(np.int64),
        keep=keep,
        cost=cost,
    )
    eligible = arcs.group_by("class_ix").agg(pl.len().alias("eligible_owners"))
    classes = classes.join(eligible, on="class_ix", how="left").with_columns(
        pl.col("eligible_owners").fill_null(0)
    )
    return Built(problem, units, classes, team_ids)
