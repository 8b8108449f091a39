"""Who can hold cases: agents of human teams, and robot and agency teams that hold them whole.

One frame, one row per owner, from the contract's `teams` and `agents` tables. A human team is
also an owner of its own: its claim pool (抢案). Skills are tags; an agent has its team's skills
and its own. Languages are primary subtags (`zh-CN` → `zh`); an empty list speaks any language.
"""

from __future__ import annotations

import polars as pl

OWNER_COLUMNS: dict[str, pl.DataType] = {
    "owner_id": pl.String(),
    "owner_kind": pl.String(),  # agent, team, agency (as in the contract's `cases`)
    "team_id": pl.String(),
    "team_kind": pl.String(),  # human, robot, agency
    "skills": pl.List(pl.String()),
    "languages": pl.List(pl.String()),
    "capacity": pl.Int64(),  # accounts; null = no limit
    "minutes": pl.Int64(),  # talk minutes a day (agents); null = not limited by time
    "active": pl.Boolean(),
    "cost_per_contact": pl.Float64(),
    "commission_rate": pl.Float64(),
}


def tags(column: str) -> pl.Expr:
    """A comma-separated tag column as a list of trimmed, non-empty tags."""
    return (
        pl.col(column)
        .fill_null("")
        .str.split(",")
        .list.eval(pl.element().str.strip_chars())
        .list.eval(pl.element().filter(pl.element() != ""))
    )


def primary_language(expr: pl.Expr) -> pl.Expr:
    """`zh-CN` → `zh`, `en` → `en` (lower case)."""
    return expr.str.split("-").list.first().str.to_lowercase()


def owners_frame(teams: pl.DataFrame | None, agents: pl.DataFrame | None) -> pl.DataFrame:
    if teams is None or teams.is_empty():
        return pl.DataFrame(schema=OWNER_COLUMNS)
    team = teams.select(
        "team_id",
        pl.col("kind").alias("team_kind"),
        tags("skills").alias("team_skills"),
        pl.col("capacity_cases").cast(pl.Int64).alias("team_capacity"),
        pl.col("cost_per_contact").cast(pl.Float64).fill_null(0.0),
        pl.col("commission_rate").cast(pl.Float64).fill_null(0.0),
    )
    as_owner = team.select(
        pl.col("team_id").alias("owner_id"),
        pl.when(pl.col("team_kind") == "agency")
        .then(pl.lit("agency"))
        .otherwise(pl.lit("team"))
        .alias("owner_kind"),
        "team_id",
        "team_kind",
        pl.col("team_skills").alias("skills"),
        pl.lit([], dtype=pl.List(pl.String)).alias("languages"),
        pl.col("team_capacity").alias("capacity"),
        pl.lit(None, dtype=pl.Int64).alias("minutes"),
        pl.lit(True).alias("active"),
        "cost_per_contact",
        "commission_rate",
    )
    if agents is None or agents.is_empty():
        return _typed(as_owner)
    agent_rows = (
        agents.join(team, on="team_id", how="inner")
        .filter(pl.col("team_kind") == "human")
        .select(
            pl.col("agent_id").alias("owner_id"),
            pl.lit("agent").alias("owner_kind"),
            "team_id",
            "team_kind",
            pl.concat_list("team_skills", tags("skills")).list.unique().list.sort().alias("skills"),
            tags("languages")
            .list.eval(primary_language(pl.element()))
            .list.unique()
            .list.sort()
            .alias("languages"),
            pl.col("capacity_cases").cast(pl.Int64).alias("capacity"),
            (
                pl.col("capacity_minutes").cast(pl.Int64)
                if "capacity_minutes" in agents.columns
                else pl.lit(None, dtype=pl.Int64)
            ).alias("minutes"),
            pl.col("active").fill_null(True),
            "cost_per_contact",
            "commission_rate",
        )
    )
    return _typed(pl.concat([_typed(as_owner), _typed(agent_rows)], how="vertical"))


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select([pl.col(c).cast(t) for c, t in OWNER_COLUMNS.items()])


def with_time_limits(owners: pl.DataFrame, minutes_per_case: dict[str, float]) -> pl.DataFrame:
    """Agents' capacity bounded by their talk minutes: at most minutes / minutes_per_case
    cases, with `minutes_per_case` by team (the most any step naming the team asks)."""
    if not minutes_per_case:
        return owners
    per_team = pl.DataFrame(
        {"team_id": list(minutes_per_case), "_per_case": list(minutes_per_case.values())},
        schema={"team_id": pl.String, "_per_case": pl.Float64},
    )
    by_time = (pl.col("minutes") / pl.col("_per_case")).floor().cast(pl.Int64)
    return (
        owners.join(per_team, on="team_id", how="left", maintain_order="left")
        .with_columns(
            pl.when((pl.col("owner_kind") == "agent") & by_time.is_not_null())
            .then(pl.min_horizontal(pl.col("capacity"), by_time))
            .otherwise(pl.col("capacity"))
            .alias("capacity")
        )
        .drop("_per_case")
    )
