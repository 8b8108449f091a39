"""Today's units and what happens to the cases owners already hold.

A unit is a customer's wanted accounts; it follows the step of its worst account (highest dpd),
so one owner gets them all. Against the `cases` table (current ownership) each unit is kept,
rotated (重新分案: after N days with one owner, or no right-party contact in M days, unless a stay
停留 runs), recalled from an agency (after N days; re-placed with another agency when the step
says `replace`), or given out afresh. Held cases no step wants any more are released with the
exit that applies. Pure: frames in, frames out.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from arrears.assignment.queue import cents_sum
from arrears.strategy.model import Strategy

STEP_COLUMNS: dict[str, pl.DataType] = {
    "assign_step": pl.String(),
    "step_order": pl.Int32(),
    "to": pl.String(),
    "teams": pl.List(pl.String()),
    "mode": pl.String(),
    "dispatch_share": pl.Float64(),
    "rotate_after_days": pl.Int32(),
    "rotate_no_rpc_days": pl.Int32(),
    "recall_after_days": pl.Int32(),
    "replace": pl.Boolean(),
    "handoff": pl.String(),
}

OWNER_KIND_FOR: dict[str, tuple[str, str]] = {
    # step `to` → (team kind it draws on, owner kind that holds dispatched cases)
    "team": ("human", "agent"),
    "robot": ("robot", "team"),
    "agency": ("agency", "agency"),
}


def steps_table(strategy: Strategy) -> pl.DataFrame:
    rows = [
        {
            "assign_step": a.step,
            "step_order": i,
            "to": a.to,
            "teams": list(a.teams),
            "mode": a.mode if a.to == "team" else "dispatch",
            "dispatch_share": a.dispatch_share,
            "rotate_after_days": a.rotate_after_days,
            "rotate_no_rpc_days": a.rotate_no_rpc_days,
            "recall_after_days": a.recall_after_days,
            "replace": a.replace,
            "handoff": a.handoff,
        }
        for i, a in enumerate(strategy.assignments())
    ]
    return pl.DataFrame(rows, schema=STEP_COLUMNS)


def held_cases(cases: pl.DataFrame | None, owners: pl.DataFrame, run_date: date) -> pl.DataFrame:
    """One row per held account: its owner's facts and how long it has been held."""
    if cases is None:
        cases = pl.DataFrame(
            schema={
                "account_id": pl.String,
                "owner_id": pl.String,
                "owner_kind": pl.String,
                "assigned_at": pl.Datetime("us", "UTC"),
                "stay_until": pl.Date,
            }
        )
    return cases.select(
        "account_id",
        pl.col("owner_id").alias("holder"),
        pl.col("owner_kind").alias("holder_kind"),
        (pl.lit(run_date) - pl.col("assigned_at").dt.date())
        .dt.total_days()
        .cast(pl.Int32)
        .alias("days_held"),
        pl.col("assigned_at").dt.date().alias("held_since"),
        (pl.col("stay_until") >= pl.lit(run_date)).fill_null(False).alias("staying"),
    ).join(
        owners.select(
            pl.col("owner_id").alias("holder"),
            pl.col("team_id").alias("holder_team"),
            pl.col("skills").alias("holder_skills"),
            pl.col("languages").alias("holder_languages"),
            pl.col("active").alias("holder_active"),
        ),
        on="holder",
        how="left",
    )


def units_of(wanted: pl.DataFrame, steps: pl.DataFrame) -> pl.DataFrame:
    """Wanted accounts grouped by customer, under the step of the customer's worst account."""
    rows = wanted.filter(pl.col("assign_step").is_not_null()).join(
        steps.select("assign_step", "step_order"), on="assign_step"
    )
    return (
        rows.sort(
            ["customer_id", "dpd", "step_order", "account_id"],
            descending=[False, True, False, False],
        )
        .group_by("customer_id", maintain_order=True)
        .agg(
            pl.col("assign_step").first(),
            pl.col("account_id"),
            cents_sum("value").alias("unit_value"),
            pl.len().cast(pl.Int64).alias("weight"),
            pl.col("needs")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort()
            .alias("needs"),
            pl.col("language").drop_nulls().first().alias("language"),
            pl.col("days_since_rpc").min().alias("days_since_rpc"),
        )
        .with_columns(
            pl.col("needs").list.drop_nulls(),
        )
    )


def with_holders(units: pl.DataFrame, held: pl.DataFrame, steps: pl.DataFrame) -> pl.DataFrame:
    """Each unit with its current holder (the owner of most of its accounts) and its fate."""
    per_owner = (
        units.select("customer_id", "account_id")
        .explode("account_id")
        .join(held, on="account_id", how="inner")
        .group_by("customer_id", "holder")
        .agg(
            pl.len().alias("_n"),
            pl.col("held_since").min(),
            pl.col("days_held").max(),
            pl.col("staying").any(),
            pl.col("holder_kind").first(),
            pl.col("holder_team").first(),
            pl.col("holder_skills").first(),
            pl.col("holder_languages").first(),
            pl.col("holder_active").first(),
        )
        .sort(["customer_id", "_n", "held_since", "holder"], descending=[False, True, False, False])
        .group_by("customer_id", maintain_order=True)
        .first()
        .drop("_n")
    )
    frame = units.join(per_owner, on="customer_id", how="left").join(
        steps, on="assign_step", how="left"
    )
    skills_ok = pl.col("needs").list.set_difference(pl.col("holder_skills")).list.len() == 0
    language_ok = (
        pl.col("language").is_null()
        | (pl.col("holder_languages").list.len() == 0)
        | pl.col("holder_languages").list.contains(pl.col("language"))
    )
    in_teams = pl.col("teams").list.contains(pl.col("holder_team"))
    pooled = pl.col("holder") == pl.col("holder_team")
    kind_ok = (
        pl.when(pl.col("to") == "team")
        .then((pl.col("holder_kind") == "agent") | (pooled & (pl.col("mode") != "dispatch")))
        .when(pl.col("to") == "agency")
        .then(pl.col("holder_kind") == "agency")
        .otherwise(pl.col("holder_kind") == "team")
    )
    eligible = (
        pl.col("holder").is_not_null()
        & pl.col("holder_active").fill_null(False)
        & in_teams.fill_null(False)
        & kind_ok.fill_null(False)
        & skills_ok.fill_null(False)
        & language_ok.fill_null(False)
    )
    held_long = pl.col("days_held") >= pl.col("rotate_after_days")
    silent = (pl.col("days_held") >= pl.col("rotate_no_rpc_days")) & (
        pl.col("days_since_rpc").is_null()
        | (pl.col("days_since_rpc") >= pl.col("rotate_no_rpc_days"))
    )
    rotate = (
        (pl.col("to") != "agency")
        & ~pooled
        & ~pl.col("staying")
        & (held_long.fill_null(False) | silent.fill_null(False))
    )
    recall = (
        (pl.col("to") == "agency")
        & ~pl.col("staying")
        & (pl.col("days_held") >= pl.col("recall_after_days")).fill_null(False)
    )
    return frame.with_columns(
        pl.when(pl.col("holder").is_null())
        .then(pl.lit("new"))
        .when(~eligible)
        .then(pl.lit("ineligible"))
        .when(recall.fill_null(False))
        .then(pl.when(pl.col("replace")).then(pl.lit("replace")).otherwise(pl.lit("recall")))
        .when(rotate.fill_null(False))
        .then(pl.lit("rotate"))
        .otherwise(pl.lit("keep"))
        .alias("fate")
    )
