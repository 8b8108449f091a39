"""From segmented accounts to candidate contacts: which steps fire today, to which points.

A step fires for an account when the account is in the step's segment and arm, today's dpd is
one of the step's days, and the step's own condition (if any) holds. Each fired step becomes
one candidate per contact point of the step's audience whose kind fits the channel (a phone
for calls and SMS, an e-mail address, a postal address); the guard then decides, and the
best allowed point per (account, step) is the one contacted.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from arrears.contract.tables import CHANNEL_POINT_KIND
from arrears.exprs import first_of

STEP_KEYS = ("segment", "arm", "dpd")


def fired_steps(
    accounts: pl.DataFrame, steps: pl.DataFrame, step_conditions: Mapping[str, pl.Expr]
) -> pl.DataFrame:
    """One row per (account, step) that fires today."""
    joined = accounts.join(steps, on=list(STEP_KEYS), how="inner")
    if step_conditions and joined.height:
        holds = first_of(
            [(pl.col("step") == step_id, cond) for step_id, cond in step_conditions.items()],
            otherwise=True,
        )
        joined = joined.filter(holds.fill_null(False))
    return joined.with_columns(
        pl.col("channel").replace_strict(CHANNEL_POINT_KIND, return_dtype=pl.String).alias("_kind")
    )


def candidate_contacts(
    fired: pl.DataFrame, contacts: pl.DataFrame, point_history: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(candidates, without_point): the fired steps joined to their possible contact points.

    Candidates are ranked within (account, step): the point with the most recent conversation
    first, then the least tried this week, then by id, so the choice is deterministic.
    """
    points = contacts.select(
        "customer_id",
        pl.col("role").alias("audience"),
        pl.col("kind").alias("_kind"),
        "contact_id",
        pl.col("role"),
        "kind",
        "value",
        "relation",
        pl.col("timezone").alias("contact_timezone"),
        "opt_out",
        "refused_at",
    )
    keys = ["customer_id", "audience", "_kind"]
    # Only the (role, kind) pairs some fired step needs: most contact points are not wanted today.
    points = points.join(fired.select("audience", "_kind").unique(), on=["audience", "_kind"])
    without_point = fired.join(points, on=keys, how="anti")
    candidates = (
        fired.join(points, on=keys, how="inner")
        .join(point_history, on="contact_id", how="left")
        .with_columns(
            pl.col("point_attempts_7d").fill_null(0),
            pl.col("point_attempts_1d").fill_null(0),
        )
        .sort(
            ["account_id", "step", "point_last_rpc_at", "point_attempts_7d", "contact_id"],
            descending=[False, False, True, False, False],
            nulls_last=True,
        )
        .with_columns(pl.int_range(pl.len()).over("account_id", "step").alias("point_rank"))
    )
    return candidates, without_point


def choose(checked: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(actions, blocked): the best allowed point per (account, step); else every refusal."""
    allowed = pl.col("rule").is_null()
    group = ["account_id", "step"]
    best = pl.col("point_rank").filter(allowed).min().over(group)
    marked = checked.with_columns(
        (allowed & (pl.col("point_rank") == best)).alias("_chosen"),
        allowed.any().over(group).alias("_any_allowed"),
    )
    actions = marked.filter(pl.col("_chosen")).drop("_chosen", "_any_allowed")
    blocked = marked.filter(~pl.col("_any_allowed")).drop("_chosen", "_any_allowed")
    return actions, blocked
