"""How each outside agency (委外) performs: recovery, cost, complaints and compliance blocks.

Per agency, over the placements it held when the run started (the `cases` table): the amount
recovered since each placement (payments on or after `assigned_at`), the recovery rate
(recovered / (recovered + still overdue)), the commission that cost, complaints received since
placement, and today's contacts the compliance guard blocked on its cases; plus today's moves
(placed, recalled). Facts are per account, so shards compute them apart and one table sums them.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from arrears.assignment.stage import AssignResult

FACT_COLUMNS = ("account_id", "agency", "overdue", "recovered", "complaints", "blocked")


def agency_facts(tables: Mapping[str, pl.DataFrame | None], blocked: pl.DataFrame) -> pl.DataFrame:
    """One row per account an agency held at the start of the run."""
    cases, teams = tables.get("cases"), tables.get("teams")
    schema = {
        "account_id": pl.String, "agency": pl.String, "overdue": pl.Float64,
        "recovered": pl.Float64, "complaints": pl.UInt32, "blocked": pl.UInt32,
    }  # fmt: skip
    if cases is None or teams is None:
        return pl.DataFrame(schema=schema)
    agencies = teams.filter(pl.col("kind") == "agency").select(pl.col("team_id").alias("agency"))
    placed = cases.select("account_id", pl.col("owner_id").alias("agency"), "assigned_at").join(
        agencies, on="agency"
    )
    accounts = tables["accounts"]
    assert accounts is not None
    facts = placed.join(
        accounts.select("account_id", pl.col("overdue_amount").alias("overdue")),
        on="account_id",
        how="left",
    )
    payments = tables.get("payments")
    if payments is not None:
        paid = (
            placed.join(payments.select("account_id", "paid_at", "amount"), on="account_id")
            .filter(pl.col("paid_at") >= pl.col("assigned_at"))
            .group_by("account_id")
            .agg(pl.col("amount").sum().alias("recovered"))
        )
        facts = facts.join(paid, on="account_id", how="left")
    else:
        facts = facts.with_columns(pl.lit(None, dtype=pl.Float64).alias("recovered"))
    complaints = tables.get("complaints")
    if complaints is not None:
        counted = (
            placed.join(complaints.select("account_id", "received_at"), on="account_id")
            .filter(pl.col("received_at") >= pl.col("assigned_at"))
            .group_by("account_id")
            .agg(pl.len().cast(pl.UInt32).alias("complaints"))
        )
        facts = facts.join(counted, on="account_id", how="left")
    else:
        facts = facts.with_columns(pl.lit(None, dtype=pl.UInt32).alias("complaints"))
    blocks = (
        blocked.filter(pl.col("rule") != "NO-CONTACT-POINT")
        .group_by("account_id")
        .agg(pl.len().cast(pl.UInt32).alias("blocked"))
    )
    return (
        facts.join(blocks, on="account_id", how="left")
        .select(FACT_COLUMNS)
        .with_columns(
            pl.col("overdue", "recovered").fill_null(0.0),
            pl.col("complaints", "blocked").fill_null(0),
        )
        .cast(schema)  # type: ignore[arg-type]
    )


def agency_table(
    facts: pl.DataFrame, teams: pl.DataFrame | None, assignment: AssignResult | None
) -> pl.DataFrame:
    """One row per agency of the teams table: its figures, best recovery rate first."""
    if teams is None:
        return pl.DataFrame()
    agencies = teams.filter(pl.col("kind") == "agency").select(
        pl.col("team_id").alias("agency"),
        pl.col("commission_rate").cast(pl.Float64).fill_null(0.0),
        pl.col("capacity_cases").alias("capacity"),
    )
    held = facts.group_by("agency").agg(
        pl.len().alias("placed"),
        pl.col("overdue").sum().alias("still_overdue"),
        pl.col("recovered").sum(),
        pl.col("complaints").sum(),
        pl.col("blocked").sum().alias("blocked_today"),
    )
    moves = _moves(assignment)
    out = (
        agencies.join(held, on="agency", how="left")
        .join(moves, on="agency", how="left")
        .with_columns(
            pl.col("placed", "complaints", "blocked_today", "placed_today", "recalled_today")
            .fill_null(0)
            .cast(pl.Int64),
            pl.col("still_overdue", "recovered").fill_null(0.0),
        )
    )
    total = pl.col("recovered") + pl.col("still_overdue")
    per_1000 = 1000 / pl.when(pl.col("placed") > 0).then(pl.col("placed"))
    return out.with_columns(
        (pl.col("recovered") / pl.when(total > 0).then(total)).round(4).alias("recovery_rate"),
        (pl.col("recovered") * pl.col("commission_rate")).round(2).alias("commission_cost"),
        (pl.col("recovered") * (1 - pl.col("commission_rate"))).round(2).alias("net_recovered"),
        (pl.col("complaints") * per_1000).round(2).alias("complaints_per_1000"),
        (pl.col("blocked_today") * per_1000).round(2).alias("blocked_per_1000"),
        pl.col("recovered", "still_overdue").round(2),
    ).sort(["recovery_rate", "agency"], descending=[True, False], nulls_last=True)


def _moves(assignment: AssignResult | None) -> pl.DataFrame:
    schema = {"agency": pl.String, "placed_today": pl.UInt32, "recalled_today": pl.UInt32}
    if assignment is None:
        return pl.DataFrame(schema=schema)
    placed = (
        assignment.assignments.filter(pl.col("mode") == "agency")
        .group_by(pl.col("owner").alias("agency"))
        .agg(pl.len().alias("placed_today"))
    )
    replaced = assignment.assignments.filter(
        (pl.col("mode") == "agency") & (pl.col("previous_owner") != pl.col("owner"))
    ).select("previous_owner")
    recalled = (
        pl.concat(
            [
                assignment.unassigned.filter(pl.col("kind") == "recall").select("previous_owner"),
                replaced,
            ]
        )
        .group_by(pl.col("previous_owner").alias("agency"))
        .agg(pl.len().alias("recalled_today"))
    )
    return placed.join(recalled, on="agency", how="full", coalesce=True).cast(schema)  # type: ignore[arg-type]
