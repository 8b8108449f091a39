"""The assignment in figures: for the manifest, the demo and the bench.

Counts by mode, owner kind and reason kind; the optimizer's objective against the LP bound;
and load balance between the agents of each team (expected value per agent: mean, spread).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from arrears.assignment.stage import AssignResult
from arrears.exprs import counts_by


def fairness(owners: pl.DataFrame) -> dict[str, dict[str, float]]:
    """Per human team, the expected value its active agents hold: mean, min, max and the
    coefficient of variation (std / mean; 0 is perfectly even)."""
    agents = owners.filter((pl.col("owner_kind") == "agent") & pl.col("active"))
    if agents.is_empty():
        return {}
    table = (
        agents.group_by("team")
        .agg(
            pl.len().alias("agents"),
            pl.col("accounts").sum().alias("accounts"),
            pl.col("expected_value").mean().alias("mean"),
            pl.col("expected_value").min().alias("min"),
            pl.col("expected_value").max().alias("max"),
            (pl.col("expected_value").std(ddof=0) / pl.col("expected_value").mean()).alias("cv"),
        )
        .sort("team")
    )
    return {
        row["team"]: {
            "agents": int(row["agents"]),
            "accounts": int(row["accounts"]),
            "value_per_agent_mean": round(float(row["mean"] or 0.0), 2),
            "value_per_agent_min": round(float(row["min"] or 0.0), 2),
            "value_per_agent_max": round(float(row["max"] or 0.0), 2),
            "value_per_agent_cv": round(float(row["cv"] or 0.0), 4),
        }
        for row in table.iter_rows(named=True)
    }


def assignment_summary(result: AssignResult) -> dict[str, Any]:
    a, u = result.assignments, result.unassigned
    stats = {k: v for k, v in result.stats.items() if k != "seconds"}
    objective, bound = stats.get("objective"), stats.get("bound")
    if isinstance(objective, float) and isinstance(bound, float) and bound > 0:
        stats["objective_of_bound"] = round(objective / bound, 6)
    full = result.owners.filter(
        pl.col("capacity").is_not_null() & (pl.col("accounts") >= pl.col("capacity"))
    )
    return {
        "accounts_held": a.height,
        "customers_held": a.get_column("customer_id").n_unique(),
        "expected_value_held": round(float(a.get_column("value").sum() or 0.0), 2),
        "by_mode": counts_by(a, "mode"),
        "by_owner_kind": counts_by(a, "owner_kind"),
        "by_team": counts_by(a, "team"),
        "unassigned": u.height,
        "unassigned_by_kind": counts_by(u, "kind"),
        "owners_full": full.height,
        "optimizer": stats,
        "fairness": fairness(result.owners),
        "agencies": [] if result.agencies is None else result.agencies.to_dicts(),
    }
