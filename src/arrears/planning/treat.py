"""From segmented accounts to candidate contacts: which steps fire today, to which points.

A step fires for an account when the account is in the step's segment and arm, today's dpd is
one of the step's days (for a due-relative step: the account is not overdue and its
`days_to_due` is one of the step's days before due), and the step's own condition (if any)
holds. Each fired step becomes one candidate per contact point of the step's audience whose
kind fits the channel (a phone for calls and SMS, an e-mail address, a postal address); the
guard then decides, and the best allowed point per (account, step) is the one contacted.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl

from arrears.contract.tables import CHANNEL_POINT_KIND
from arrears.exprs import first_of

STEP_KEYS = ("segment", "arm", "dpd")
DUE_KEY = "days_to_due"  # the further key of due-relative steps (their dpd is 0)


def _pairs(accounts: pl.DataFrame, steps: pl.DataFrame) -> pl.DataFrame:
    """(`_i` the account's row, the step's columns) for every step whose keys match: steps
    by days past due on (segment, arm, dpd), due-relative ones on (segment, arm, dpd,
    days_to_due). `_before_due` tells them apart."""
    keys = list(STEP_KEYS)
    by_due = pl.col(DUE_KEY).is_not_null()
    left = accounts.select(keys).with_row_index("_i")
    pairs = left.join(steps.filter(~by_due).drop(DUE_KEY), on=keys, how="inner")
    due_steps = steps.filter(by_due)
    if due_steps.height == 0:  # a strategy without due-relative steps: one join, as before
        return pairs.with_columns(pl.lit(False).alias("_before_due"))
    due_pairs = (
        accounts.select(*keys, DUE_KEY)
        .with_row_index("_i")
        .join(due_steps, on=[*keys, DUE_KEY], how="inner")
        .drop(DUE_KEY)
    )
    return pl.concat(
        [
            pairs.with_columns(pl.lit(False).alias("_before_due")),
            due_pairs.with_columns(pl.lit(True).alias("_before_due")),
        ],
        how="vertical",
    )


def fired_steps(
    accounts: pl.DataFrame, steps: pl.DataFrame, step_conditions: Mapping[str, pl.Expr]
) -> pl.DataFrame:
    """One row per (account, step) that fires today; `_before_due` marks due-relative steps.

    The join runs on the keys alone; the columns a step condition reads are fetched for the
    matched rows, and the account's whole row only for the steps that fire."""
    keys = [*STEP_KEYS, DUE_KEY]
    pairs = _pairs(accounts, steps)
    if step_conditions and pairs.height:
        holds = first_of(
            [(pl.col("step") == step_id, cond) for step_id, cond in step_conditions.items()],
            otherwise=True,
        )
        read = {name for cond in step_conditions.values() for name in cond.meta.root_names()}
        fetched = [c for c in accounts.columns if c in read and c not in pairs.columns]
        pairs = (
            pairs.hstack(accounts.select(fetched)[pairs.get_column("_i")].get_columns())
            .filter(holds.fill_null(False))
            .drop(fetched)
        )
    joined = pl.concat(
        [
            accounts[pairs.get_column("_i")],
            pairs.select(*(c for c in steps.columns if c not in keys), "_before_due"),
        ],
        how="horizontal",
    )
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
    # Only the points of the customers some step fired for, of the (role, kind) pairs some fired
    # step needs: one filter, far cheaper than carrying every point into the joins below.
    customers = fired.get_column("customer_id").unique().implode()
    needed = fired.select("audience", "_kind").unique().drop_nulls().rows()
    wanted = pl.any_horizontal(
        pl.lit(False),
        *[(pl.col("role") == role) & (pl.col("kind") == kind) for role, kind in needed],
    )
    points = contacts.filter(pl.col("customer_id").is_in(customers) & wanted).select(
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
    without_point = fired.join(points, on=keys, how="anti")
    # The pairs are found, looked up and ordered on row numbers (`_f` in `fired`, `_p` in
    # `points`, `_h` in `point_history`); the wide rows are gathered once, in their final order.
    pairs = (
        fired.select(keys)
        .with_row_index("_f")
        .join(points.select(keys).with_row_index("_p"), on=keys, how="inner")
        .select("_f", "_p")
    )
    point_ids = points.get_column("contact_id").gather(pairs.get_column("_p"))
    history_row = (
        point_ids.to_frame()
        .join(
            point_history.select("contact_id").with_row_index("_h"),
            on="contact_id",
            how="left",
            maintain_order="left",
        )
        .get_column("_h")
    )
    history = point_history.drop("contact_id")[history_row].with_columns(
        pl.col("point_attempts_7d").fill_null(0),
        pl.col("point_attempts_1d").fill_null(0),
    )
    # (account, step) in their order, then the point's own order: the most recent
    # conversation first, the least tried this week, then by id.
    fired_order = fired.select(pl.struct("account_id", "step").rank("dense")).to_series()
    order = pl.DataFrame(
        {
            "_o": fired_order.gather(pairs.get_column("_f")),
            "_rpc": history.get_column("point_last_rpc_at"),
            "_tries": history.get_column("point_attempts_7d"),
            "_id": point_ids.rank("dense"),
        }
    ).select(
        pl.arg_sort_by(
            ["_o", "_rpc", "_tries", "_id"],
            descending=[False, True, False, False],
            nulls_last=True,
        )
    )
    perm = order.to_series()
    ordered = pairs[perm]
    # The point's rank within its (account, step): the rows are grouped by it now.
    group = fired_order.gather(ordered.get_column("_f")).to_numpy()
    rows = np.arange(group.size)
    first = np.ones(group.size, dtype=bool)
    first[1:] = group[1:] != group[:-1]
    starts = np.maximum.accumulate(np.where(first, rows, 0)) if group.size else rows
    candidates = pl.concat(
        [
            fired[ordered.get_column("_f")],
            points.drop(keys)[ordered.get_column("_p")],
            history[perm],
            pl.DataFrame({"point_rank": rows - starts}, schema={"point_rank": pl.Int64}),
        ],
        how="horizontal",
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
