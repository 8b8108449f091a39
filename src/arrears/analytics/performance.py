"""Agent and team performance: calls, connections, right-party contacts, promises, cases held
and what those cases repaid while in arrears.

- Calls are the voice attempts an agent placed (`attempts.agent_id`); a team's are its
  agents' calls plus the attempts without an agent on the accounts it holds (robot calls of
  a robot team's cases).
- A promise is credited to the agent of the last right-party contact on the account at or
  before the promise was made (an as-of join), and to that agent's team.
- Cases and recovery follow today's ownership (`cases`); recovery is the payments made while
  in arrears (`kpis.recovered_payments`), one `recovered_<currency>` column per currency.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from arrears.analytics.episodes import Episodes
from arrears.analytics.kpis import (
    CONNECTED_OUTCOMES,
    promises_with_payments,
    ratio,
    recovered_payments,
)
from arrears.contract.tables import VOICE_CHANNELS


def credited_promises(
    promises: pl.DataFrame, payments: pl.DataFrame | None, attempts: pl.DataFrame, as_of: date
) -> pl.DataFrame:
    """The promises (with status and paid amount) and `agent_id`: who had the conversation."""
    pr = promises_with_payments(promises, payments, as_of).sort("made_at")
    talks = (
        attempts.filter((pl.col("outcome") == "rpc") & pl.col("agent_id").is_not_null())
        .select("account_id", pl.col("at").alias("made_at"), "agent_id")
        .sort("made_at")
    )
    return pr.join_asof(
        talks, on="made_at", by="account_id", strategy="backward", check_sortedness=False
    )


def _recovered_by_owner(
    episodes: Episodes, accounts: pl.DataFrame, owners: pl.DataFrame, key: str
) -> pl.DataFrame:
    """`key, recovered_<currency>…` from the payments in arrears of the accounts each holds."""
    rec = (
        recovered_payments(episodes)
        .join(owners.select("account_id", key), on="account_id", how="inner")
        .join(accounts.select("account_id", "currency"), on="account_id", how="inner")
        .group_by(key, "currency")
        .agg(pl.col("amount").sum())
    )
    if rec.height == 0:
        return pl.DataFrame(schema={key: pl.String})
    wide = rec.pivot(on="currency", index=key, values="amount", sort_columns=True)
    return wide.rename({c: f"recovered_{c}" for c in wide.columns if c != key})


def _call_stats(calls: pl.DataFrame, key: str) -> pl.DataFrame:
    return calls.group_by(key).agg(
        pl.len().cast(pl.Int64).alias("calls"),
        pl.col("outcome").is_in(CONNECTED_OUTCOMES).sum().cast(pl.Int64).alias("connected"),
        (pl.col("outcome") == "rpc").sum().cast(pl.Int64).alias("rpc"),
    )


def _promise_stats(credited: pl.DataFrame, key: str) -> pl.DataFrame:
    status = pl.col("status")
    return (
        credited.filter(pl.col(key).is_not_null())
        .group_by(key)
        .agg(
            pl.len().cast(pl.Int64).alias("promises"),
            (status == "kept").sum().cast(pl.Int64).alias("kept"),
            (status == "broken").sum().cast(pl.Int64).alias("broken"),
        )
    )


def _finish(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    counts = ("calls", "connected", "rpc", "promises", "kept", "broken", "cases")
    recovered = sorted(c for c in frame.columns if c.startswith("recovered_"))
    frame = frame.with_columns(pl.col(c).fill_null(0) for c in counts).with_columns(
        pl.col(c).fill_null(0.0) for c in recovered
    )
    return frame.with_columns(
        ratio(pl.col("connected"), pl.col("calls")).alias("connect_rate"),
        ratio(pl.col("rpc"), pl.col("calls")).alias("rpc_per_call"),
        ratio(pl.col("kept"), pl.col("kept") + pl.col("broken")).alias("kept_rate"),
    ).sort(key)


def agent_performance(
    attempts: pl.DataFrame,
    promises: pl.DataFrame | None,
    payments: pl.DataFrame | None,
    agents: pl.DataFrame,
    cases: pl.DataFrame | None,
    episodes: Episodes,
    accounts: pl.DataFrame,
    as_of: date,
) -> pl.DataFrame:
    """One row per agent: `agent_id, team_id, name, calls, connected, rpc, promises, kept,
    broken, cases, recovered_<currency>…, connect_rate, rpc_per_call, kept_rate`."""
    base = agents.select(
        "agent_id",
        "team_id",
        pl.col("name") if "name" in agents.columns else pl.lit(None, dtype=pl.String).alias("name"),
    )
    calls = attempts.filter(
        pl.col("channel").is_in(VOICE_CHANNELS) & pl.col("agent_id").is_not_null()
    )
    out = base.join(_call_stats(calls, "agent_id"), on="agent_id", how="left")
    if promises is not None:
        credited = credited_promises(promises, payments, attempts, as_of)
        out = out.join(_promise_stats(credited, "agent_id"), on="agent_id", how="left")
    else:
        out = out.with_columns(pl.lit(0).alias(c) for c in ("promises", "kept", "broken"))
    if cases is not None:
        held = cases.filter(pl.col("owner_kind") == "agent").rename({"owner_id": "agent_id"})
        out = out.join(
            held.group_by("agent_id").agg(pl.len().cast(pl.Int64).alias("cases")),
            on="agent_id",
            how="left",
        ).join(_recovered_by_owner(episodes, accounts, held, "agent_id"), on="agent_id", how="left")
    else:
        out = out.with_columns(pl.lit(0).alias("cases"))
    return _finish(out, "agent_id")


def case_teams(cases: pl.DataFrame | None, agents: pl.DataFrame | None) -> pl.DataFrame:
    """`account_id, team_id`: the team that holds each case (an agent's team, or the team or
    agency that owns it)."""
    if cases is None:
        return pl.DataFrame(schema={"account_id": pl.String, "team_id": pl.String})
    own = cases.select("account_id", "owner_id", "owner_kind")
    if agents is not None:
        own = own.join(
            agents.select(pl.col("agent_id").alias("owner_id"), pl.col("team_id").alias("_t")),
            on="owner_id",
            how="left",
        )
    else:
        own = own.with_columns(pl.lit(None, dtype=pl.String).alias("_t"))
    team = pl.when(pl.col("owner_kind") == "agent").then(pl.col("_t")).otherwise("owner_id")
    return own.select("account_id", team.alias("team_id")).filter(pl.col("team_id").is_not_null())


def team_performance(
    attempts: pl.DataFrame,
    promises: pl.DataFrame | None,
    payments: pl.DataFrame | None,
    teams: pl.DataFrame,
    agents: pl.DataFrame | None,
    cases: pl.DataFrame | None,
    episodes: Episodes,
    accounts: pl.DataFrame,
    as_of: date,
) -> pl.DataFrame:
    """One row per team (human, robot, agency): `team_id, kind, name, agents, calls,
    connected, rpc, promises, kept, broken, cases, recovered_<currency>…, connect_rate,
    rpc_per_call, kept_rate`."""
    held = case_teams(cases, agents)
    agent_team = (
        agents.select("agent_id", "team_id")
        if agents is not None
        else pl.DataFrame(schema={"agent_id": pl.String, "team_id": pl.String})
    )
    voice = attempts.filter(pl.col("channel").is_in(VOICE_CHANNELS))
    by_agent = voice.join(agent_team, on="agent_id", how="inner")
    unmanned = voice.filter(pl.col("agent_id").is_null()).join(held, on="account_id", how="inner")
    calls = pl.concat(
        [by_agent.select("team_id", "outcome"), unmanned.select("team_id", "outcome")]
    )
    base = teams.select(
        "team_id",
        "kind",
        pl.col("name") if "name" in teams.columns else pl.lit(None, dtype=pl.String).alias("name"),
    ).join(
        agent_team.group_by("team_id").agg(pl.len().cast(pl.Int64).alias("agents")),
        on="team_id",
        how="left",
    )
    out = base.join(_call_stats(calls, "team_id"), on="team_id", how="left")
    if promises is not None:
        credited = credited_promises(promises, payments, attempts, as_of).join(
            agent_team, on="agent_id", how="left"
        )
        out = out.join(_promise_stats(credited, "team_id"), on="team_id", how="left")
    else:
        out = out.with_columns(pl.lit(0).alias(c) for c in ("promises", "kept", "broken"))
    out = out.join(
        held.group_by("team_id").agg(pl.len().cast(pl.Int64).alias("cases")),
        on="team_id",
        how="left",
    ).join(_recovered_by_owner(episodes, accounts, held, "team_id"), on="team_id", how="left")
    return _finish(out.with_columns(pl.col("agents").fill_null(0)), "team_id")
