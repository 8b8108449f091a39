"""Today's work queue from a planner run: the customers the run gives to a human team, with who
holds them, in which mode and when to call.

`queue_units` is pure (frames in, a frame out). `load_queue` writes it into `work_units` when a
run is imported: units of the run are opened afresh (claims of the day before are dropped),
units of an earlier run that this run no longer lists are marked `gone`, and the contract's
`cases` table is brought up to the run's owners so the next day's plan reads them back.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Table, update

from arrears.store.io import insert_statement, read_table
from arrears.store.models import Case
from arrears.store.work import WorkUnit

UNIT_COLUMNS = (
    "customer_id", "owner_id", "owner_kind", "team_id", "mode", "unit_value", "rank",
    "priority", "window_start", "window_end",
)  # fmt: skip


def queue_units(
    assignments: pl.DataFrame, actions: pl.DataFrame, teams: pl.DataFrame
) -> pl.DataFrame:
    """One row per customer held by a human team or one of its agents.

    A customer dispatched to an agent is that agent's (`dispatch`); one held by the team
    itself is the team's pool, for any of its agents to grab (`pool`). `priority` and the
    window are those of the customer's human calls in the run's actions (null when the run
    plans none today)."""
    human = teams.filter(pl.col("kind") == "human").get_column("team_id")
    held = assignments.filter(
        pl.col("owner_kind").is_in(["agent", "team"]) & pl.col("team").is_in(human.implode())
    )
    units = held.group_by("customer_id").agg(
        pl.col("owner").first().alias("owner_id"),
        pl.col("owner_kind").first(),
        pl.col("team").first().alias("team_id"),
        pl.col("unit_value").max(),
        pl.col("rank").min(),
    )
    calls = (
        actions.filter(pl.col("channel") == "human_call")
        .group_by("customer_id")
        .agg(
            pl.col("priority").min(),
            pl.col("window_start").min(),
            pl.col("window_end").max(),
        )
    )
    return (
        units.join(calls, on="customer_id", how="left")
        .with_columns(
            pl.when(pl.col("owner_kind") == "agent")
            .then(pl.lit("dispatch"))
            .otherwise(pl.lit("pool"))
            .alias("mode"),
            pl.col("priority").cast(pl.Int64),
            pl.col("rank").cast(pl.Int64),
        )
        .select(UNIT_COLUMNS)
        .sort("customer_id")
    )


def load_queue(connection: Connection, plan_id: int, run_folder: Path, at: dt.datetime) -> int:
    """Write the run's queue into `work_units` and its owners into `cases`; returns the units.
    A run with no `assignments.parquet` (a strategy with no assign step) leaves both alone."""
    path = run_folder / "assignments.parquet"
    if not path.exists():
        return 0
    assignments = pl.read_parquet(path)
    actions = pl.read_parquet(run_folder / "actions.parquet")
    units = queue_units(assignments, actions, read_table(connection, "teams"))
    table = WorkUnit.__table__
    assert isinstance(table, Table)
    connection.execute(
        update(WorkUnit).where(WorkUnit.state == "open").values(state="gone", claimed_by=None)
    )
    rows = units.with_columns(
        pl.lit(plan_id).alias("plan_id"),
        pl.lit("open").alias("state"),
        pl.lit(None, pl.String).alias("claimed_by"),
        pl.lit(None, pl.Datetime("us", "UTC")).alias("claimed_until"),
        pl.lit(None, pl.Datetime("us", "UTC")).alias("worked_at"),
    ).to_dicts()
    statement = insert_statement(connection, table, ["customer_id"], upsert=True)
    for start in range(0, len(rows), 5_000):
        connection.execute(statement, rows[start : start + 5_000])
    _update_cases(connection, assignments, at)
    return len(rows)


def _update_cases(connection: Connection, assignments: pl.DataFrame, at: dt.datetime) -> None:
    """The contract's `cases` follow the run: a changed owner is the new owner from `at`;
    an unchanged one keeps its `assigned_at` and `stay_until`."""
    held = read_table(connection, "cases").select(
        "account_id", pl.col("owner_id").alias("_was"), "assigned_at", "stay_until"
    )
    now = assignments.select("account_id", pl.col("owner").alias("owner_id"), "owner_kind").join(
        held, on="account_id", how="left"
    )
    changed = now.filter(pl.col("_was").is_null() | (pl.col("_was") != pl.col("owner_id")))
    rows = changed.select(
        "account_id",
        "owner_id",
        "owner_kind",
        pl.lit(at).dt.cast_time_unit("us").alias("assigned_at"),
        pl.lit(None, pl.Date).alias("stay_until"),
    ).to_dicts()
    table = Case.__table__
    assert isinstance(table, Table)
    statement = insert_statement(connection, table, ["account_id"], upsert=True)
    for start in range(0, len(rows), 5_000):
        connection.execute(statement, rows[start : start + 5_000])
