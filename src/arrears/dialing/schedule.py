"""When, inside its window, each planned contact takes place: today's slots and call lists.

Slots are the UTC hours of the run (a slot is clipped to the action's window and starts after a
pause it falls in). Each action ranks its slots by the estimated chance of a right-party contact at
the slot's local hour and weekday: the contactability model's probability when the plan has one
(`arrears.scoring.contactability`; voice calls to points with a known zone), else the contact
point's own rate where the ledger has one (`contactability`), else its country's; a step's
`send_by` keeps only the slots before that local time (`limits`). Slots are then given out in
rounds, vectorized: every action not yet placed proposes its best remaining slot; a human call is
accepted while its team has capacity left in that hour (active agents × calls per agent-hour), a
robot call, IVR call, SMS or e-mail while its channel's hourly limit (`per_hour`) has room, higher
priority first, and no voice contact lands within `retry_gap` of another voice contact on the same
number. A refused proposal falls to the action's next slot in the next round; an action left with
none is listed unscheduled, with the reason. Letters and visits are not time-slotted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Any

import polars as pl

from arrears.compliance.windows import local_clock
from arrears.contract.tables import VOICE_CHANNELS
from arrears.dialing.contactability import COUNT_KEYS
from arrears.dialing.limits import (
    before_send_by,
    checked_per_hour,
    checked_send_by,
    over_capacity,
    pool_limits,
    pool_of,
    send_by_note,
    unslotted_reason,
    within_limits,
)

SLOTTED = ("human_call", "robot_call", "ivr", "sms", "email")
HOUR = timedelta(hours=1)


def _nothing() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Settings:
    calls_per_agent_hour: int = 12
    retry_gap: timedelta = timedelta(hours=2)
    per_hour: Mapping[str, int] = field(default_factory=_nothing)  # channel → contacts an hour
    send_by: Mapping[str, str] = field(default_factory=_nothing)  # step id → local "HH:MM"

    def __post_init__(self) -> None:  # a bad figure fails here, naming its key
        object.__setattr__(self, "per_hour", MappingProxyType(checked_per_hour(self.per_hour)))
        object.__setattr__(self, "send_by", MappingProxyType(checked_send_by(self.send_by)))


CALL_LIST_COLUMNS: dict[str, pl.DataType] = {
    "action_id": pl.String(),
    "account_id": pl.String(),
    "contact_id": pl.String(),
    "channel": pl.String(),
    "team": pl.String(),
    "owner": pl.String(),
    "priority": pl.Int32(),
    "slot_start": pl.Datetime("us", "UTC"),
    "slot_end": pl.Datetime("us", "UTC"),
    "local_hour": pl.Int8(),
    "weekday": pl.Int8(),
    "rpc_rate": pl.Float64(),
    "rate_source": pl.String(),  # model, point, country
    "slot_rank": pl.Int32(),  # 1 = the action's best slot
    "position": pl.Int32(),  # order in its team's list or channel's batch for the slot (1 = first)
    "send_by": pl.String(),  # the step's local send-by time, if any
    "reason": pl.String(),
}


def candidate_slots(actions: pl.DataFrame) -> pl.DataFrame:
    """Every (action, UTC hour) inside the action's window, clipped, after any pause."""
    slotted = actions.filter(
        pl.col("channel").is_in(SLOTTED) & pl.col("window_start").is_not_null()
    )
    first = pl.col("window_start").dt.truncate("1h")
    hours = (
        slotted.select(
            "action_id",
            "window_start",
            "window_end",
            first.alias("_first"),
            pl.int_ranges(
                0, ((pl.col("window_end") - first).dt.total_seconds() / 3600).ceil().cast(pl.Int64)
            ).alias("_k"),
        )
        .explode("_k")
        .with_columns((pl.col("_first") + pl.duration(hours=pl.col("_k"))).alias("hour_start"))
    )
    clipped = hours.select(
        "action_id",
        "hour_start",
        pl.max_horizontal("hour_start", "window_start").alias("slot_start"),
        pl.min_horizontal(pl.col("hour_start") + HOUR, "window_end").alias("slot_end"),
    )
    # A slot starting inside a pause starts when the pause ends.
    pauses = (
        slotted.select("action_id", "window_pauses")
        .explode("window_pauses")
        .unnest("window_pauses")
        .filter(pl.col("start").is_not_null())
    )
    paused = (
        clipped.select("action_id", "slot_start")
        .join(pauses, on="action_id")
        .filter((pl.col("start") <= pl.col("slot_start")) & (pl.col("slot_start") < pl.col("end")))
        .group_by("action_id", "slot_start")
        .agg(pl.col("end").max().alias("_after_pause"))
    )
    return (
        clipped.join(paused, on=["action_id", "slot_start"], how="left")
        .with_columns(pl.coalesce("_after_pause", "slot_start").alias("slot_start"))
        .filter(pl.col("slot_start") < pl.col("slot_end"))
        .select("action_id", "hour_start", "slot_start", "slot_end")
    )


def rated_slots(
    actions: pl.DataFrame,
    slots: pl.DataFrame,
    point_rates: pl.DataFrame,
    country_rates: pl.DataFrame,
    point_country: pl.DataFrame,
    model_rates: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Slots with the local hour and weekday of their start and the estimated rpc rate.

    `model_rates` (action_id, slot_start, rate), the contactability model's, come first where
    given; the other slots take the point's rate, else the country's."""
    facts = actions.select(
        "action_id", "contact_id", pl.col("timezone").str.split("|").list.first().alias("_zone")
    ).join(point_country, on="contact_id", how="left")
    with_zone = slots.join(facts, on="action_id")
    clock = local_clock(with_zone.get_column("_zone"), with_zone.get_column("slot_start"))
    with_clock = pl.concat(
        [with_zone.drop("_zone"), clock.select("hour", "weekday")], how="horizontal"
    )
    own = point_rates.rename({"rate": "_point_rate"})
    country = country_rates.rename({"rate": "_country_rate"})
    if model_rates is None:
        model_rates = pl.DataFrame(
            schema={"action_id": pl.String, "slot_start": pl.Datetime("us", "UTC"),
                    "rate": pl.Float64}
        )  # fmt: skip
    by_model = model_rates.rename({"rate": "_model_rate"})
    rated = (
        with_clock.join(own, on=["contact_id", *COUNT_KEYS], how="left")
        .join(country, on=["country", *COUNT_KEYS], how="left")
        .join(by_model, on=["action_id", "slot_start"], how="left")
        .with_columns(
            pl.coalesce("_model_rate", "_point_rate", "_country_rate").alias("rpc_rate"),
            pl.when(pl.col("_model_rate").is_not_null())
            .then(pl.lit("model"))
            .when(pl.col("_point_rate").is_not_null())
            .then(pl.lit("point"))
            .when(pl.col("_country_rate").is_not_null())
            .then(pl.lit("country"))
            .alias("rate_source"),
        )
        .sort(
            ["action_id", pl.col("rpc_rate").fill_null(0.0), "slot_start"],
            descending=[False, True, False],
        )
    )
    return (
        rated.with_columns(
            (pl.int_range(pl.len()).over("action_id") + 1).cast(pl.Int32).alias("slot_rank")
        )
        .rename({"hour": "local_hour"})
        .drop("_model_rate", "_point_rate", "_country_rate", "country")
    )


def team_capacity(agents: pl.DataFrame | None, settings: Settings) -> dict[str, int]:
    """Calls per hour each human team can place: active agents × calls per agent-hour."""
    if agents is None or agents.is_empty():
        return {}
    active = agents.filter(pl.col("active").fill_null(True)).group_by("team_id").len()
    return {str(t): int(n) * settings.calls_per_agent_hour for t, n in active.iter_rows()}


def schedule(
    actions: pl.DataFrame,
    rated: pl.DataFrame,
    capacity: Mapping[str, int],
    settings: Settings,
    agent_teams: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The call lists: one row per slotted action (its slot, or null and why not).

    A call owned by an agent counts against the agent's team (`agent_teams`: agent_id,
    team_id); otherwise against the step's team. With `settings.send_by`, `actions` needs the
    `step` column."""
    facts = actions.filter(pl.col("channel").is_in(SLOTTED)).select(
        "action_id", "account_id", "contact_id", "channel", "team", "owner", "priority"
    )
    if agent_teams is not None:
        facts = (
            facts.join(
                agent_teams.select(
                    pl.col("agent_id").alias("owner"), pl.col("team_id").alias("_ot")
                ),
                on="owner",
                how="left",
            )
            .with_columns(pl.coalesce("_ot", "team").alias("team"))
            .drop("_ot")
        )
    rated, send_notes = before_send_by(actions, rated, settings.send_by)
    had_slots = rated.select("action_id").unique().with_columns(pl.lit(True).alias("_had_slots"))
    facts = facts.join(send_notes, on="action_id", how="left").join(
        had_slots, on="action_id", how="left"
    )
    limits = pool_limits(capacity, settings.per_hour)
    cand = rated.join(
        facts.select("action_id", "channel", "team", "priority"), on="action_id"
    ).with_columns(
        pool_of(settings.per_hour),
        pl.col("channel").is_in(VOICE_CHANNELS).alias("_voice"),
    )
    cand = cand.with_columns(pl.col("_pool").is_not_null().alias("_limited"))
    placed = cand.clear()
    gap = settings.retry_gap
    while cand.height:
        best = cand.sort("slot_rank").group_by("action_id", maintain_order=True).first()
        # The retry gap: no two voice contacts on one number closer than `gap`.
        near = (
            best.filter("_voice")
            .join(
                placed.filter("_voice").select("contact_id", pl.col("slot_start").alias("_other")),
                on="contact_id",
            )
            .filter((pl.col("slot_start") - pl.col("_other")).abs() < gap)
            .select("action_id", "slot_start")
            .unique()
        )
        ok = best.join(near, on=["action_id", "slot_start"], how="anti")
        # One voice proposal per number per round: the highest priority goes first.
        first_voice = (
            ok.filter("_voice")
            .sort(["priority", "rpc_rate", "action_id"], descending=[True, True, False])
            .group_by("contact_id", maintain_order=True)
            .first()
            .select("action_id")
        )
        ok = pl.concat([ok.filter(~pl.col("_voice")), ok.join(first_voice, on="action_id")])
        # Each pool's hourly limit: a team's capacity for human calls, a channel's throughput.
        limited = within_limits(ok.filter("_limited"), placed, limits)
        accepted = pl.concat([ok.filter(~pl.col("_limited")), limited])
        refused = best.join(accepted, on="action_id", how="anti")
        placed = pl.concat([placed, accepted])
        # Accepted actions are done; a refused proposal's slot is struck off its list. An
        # action held back only by another proposal on its number (not by the gap or the
        # limit) keeps the slot for the next round.
        struck = refused.join(near, on=["action_id", "slot_start"], how="semi")
        full = refused.filter("_limited").join(struck, on="action_id", how="anti")
        drop = pl.concat(
            [struck.select("action_id", "slot_start"), over_capacity(full, placed, limits)]
        )
        cand = cand.join(accepted.select("action_id"), on="action_id", how="anti").join(
            drop, on=["action_id", "slot_start"], how="anti"
        )
        if accepted.is_empty() and drop.is_empty():
            break  # nothing moved: what is left cannot be placed
    return _lists(facts, placed, settings)


def _lists(facts: pl.DataFrame, placed: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    slots = placed.select(
        "action_id", "slot_start", "slot_end", "local_hour", "weekday", "rpc_rate",
        "rate_source", "slot_rank", "hour_start",
    )  # fmt: skip
    lists = facts.join(slots, on="action_id", how="left")
    position = (
        pl.col("priority")
        .rank("ordinal", descending=True)
        .over("team", "channel", "hour_start", order_by=["action_id"])
        .cast(pl.Int32)
    )
    return (
        lists.with_columns(
            pl.when(pl.col("slot_start").is_not_null()).then(position).alias("position"),
            pl.when(pl.col("slot_start").is_null())
            .then(unslotted_reason(settings.per_hour))
            .otherwise(
                pl.format(
                    "slot {} local {}:00 (rank {} of the window by rpc rate {} from the {}){}",
                    pl.col("slot_start").dt.strftime("%H:%M UTC"),
                    pl.col("local_hour"),
                    pl.col("slot_rank"),
                    pl.col("rpc_rate").round(3),
                    pl.col("rate_source").fill_null("(no history)"),
                    send_by_note(placed=True),
                )
            )
            .alias("reason"),
        )
        .select([pl.col(c).cast(t) for c, t in CALL_LIST_COLUMNS.items()])
        .sort("slot_start", "team", "position", "action_id", nulls_last=True)
    )
