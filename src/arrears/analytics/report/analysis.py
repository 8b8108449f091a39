"""Every frame the report shows, computed once from one set of inputs (`analyse`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from arrears.analytics import kpis, performance
from arrears.analytics.curves import cure_curves, curve_summary, labelled_episodes
from arrears.analytics.episodes import Episodes, episodes_of
from arrears.analytics.inputs import Inputs, account_groups, holdout_cells
from arrears.analytics.migration import Migration, migration, states_order
from arrears.analytics.timing import segment_knees

EMPTY_ATTEMPTS: dict[str, pl.DataType] = {
    "attempt_id": pl.String(),
    "account_id": pl.String(),
    "contact_id": pl.String(),
    "channel": pl.String(),
    "at": pl.Datetime("us", "UTC"),
    "outcome": pl.String(),
    "agent_id": pl.String(),
}


@dataclass
class Analysis:
    data: Path
    as_of: date
    accounts: int
    episodes: Episodes
    segments_from: str
    share: float
    curves: pl.DataFrame
    curve_summary: pl.DataFrame
    knees: list[dict[str, Any]]
    migration: Migration
    states: list[str]
    recovery_bucket: pl.DataFrame
    recovery_vintage: pl.DataFrame
    connect: pl.DataFrame
    connect_channel: pl.DataFrame
    rpc: pl.DataFrame
    promises_total: pl.DataFrame | None
    promises: pl.DataFrame | None
    cost: pl.DataFrame
    teams: pl.DataFrame | None
    agents: pl.DataFrame | None
    runs: int
    compliance_runs: pl.DataFrame | None = None
    compliance_rules: pl.DataFrame | None = None


def analyse(inputs: Inputs, data: Path, *, share: float = 0.5, seed: int = 7) -> Analysis:
    """Every frame the report shows, from one set of inputs."""
    t = inputs.tables
    accounts = t["accounts"]
    attempts = t.get("attempts")
    if attempts is None:
        attempts = pl.DataFrame(schema=EMPTY_ATTEMPTS)
    payments, promises = t.get("payments"), t.get("promises")
    teams, agents, cases = t.get("teams"), t.get("agents"), t.get("cases")
    ep = episodes_of(accounts, payments, t.get("attempts"), inputs.as_of, inputs.snapshots)
    groups, segments_from = account_groups(inputs)
    holdout = holdout_cells(inputs)
    frame, _ = labelled_episodes(ep, groups, holdout)
    knees = segment_knees(ep, groups, holdout, share=share, rng=np.random.default_rng(seed))
    buckets = inputs.buckets
    by_run = by_rule = None
    if inputs.runs:
        by_run, by_rule = kpis.compliance_summary(inputs.runs)
    return Analysis(
        data=data,
        as_of=inputs.as_of,
        accounts=accounts.height,
        episodes=ep,
        segments_from=segments_from,
        share=share,
        curves=cure_curves(ep, groups, holdout),
        curve_summary=curve_summary(frame),
        knees=knees,
        migration=migration(accounts, inputs.as_of, buckets, inputs.snapshots),
        states=states_order(buckets),
        recovery_bucket=kpis.recovery_rate(ep, accounts, buckets, by=("bucket",)),
        recovery_vintage=kpis.recovery_rate(ep, accounts, buckets, by=("vintage",)),
        connect=kpis.connect_rate(attempts),
        connect_channel=kpis.connect_rate(attempts, by=("channel",)),
        rpc=kpis.rpc_rate(attempts, accounts),
        promises_total=None
        if promises is None
        else kpis.promise_kpis(promises, payments, attempts, accounts, inputs.as_of, by=()),
        promises=None
        if promises is None
        else kpis.promise_kpis(promises, payments, attempts, accounts, inputs.as_of),
        cost=kpis.cost_per_recovered(attempts, ep, accounts, teams, agents, cases),
        teams=None
        if teams is None
        else performance.team_performance(
            attempts, promises, payments, teams, agents, cases, ep, accounts, inputs.as_of
        ),
        agents=None
        if agents is None
        else performance.agent_performance(
            attempts, promises, payments, agents, cases, ep, accounts, inputs.as_of
        ),
        runs=len(inputs.runs),
        compliance_runs=by_run,
        compliance_rules=by_rule,
    )
