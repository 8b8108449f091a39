"""What bounds a call list beyond the window: hourly limits per pool, and a step's send-by time.

A *pool* is what a contact's hour counts against: a human call its team's capacity (active
agents × calls per agent-hour), a robot call, IVR call, SMS or e-mail its channel's throughput
when the strategy's `dialing.per_hour` names one (an SMS gateway's, a robot dialer's). A
contact of no pool, or of a pool without a figure, is not limited. The scheduler's rounds fill
each pool's hours higher priority first and strike an over-full hour from the refused
contacts' lists.

A step's `send_by` (local "HH:MM") keeps only the slots of its contacts that start before that
time in the contact's zone, so a promise-day reminder leaves early enough to pay that day. A
window that opens later keeps every slot, and the reason says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import polars as pl

from arrears.compliance.windows import local_times
from arrears.contract.tables import VOICE_CHANNELS

BATCHED: tuple[str, ...] = ("robot_call", "ivr", "sms", "email")
"""The channels whose hourly throughput `dialing.per_hour` may bound."""

_HH_MM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def checked_per_hour(per_hour: Mapping[str, object]) -> dict[str, int]:
    """`per_hour` as channel → limit, or a ValueError naming the offending key."""
    out: dict[str, int] = {}
    for channel, limit in per_hour.items():
        if channel not in BATCHED:
            raise ValueError(
                f"dialing.per_hour.{channel}: not a message or robot channel (one of "
                f"{', '.join(BATCHED)}); human calls are bounded by team capacity "
                "(calls_per_agent_hour)"
            )
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(
                f"dialing.per_hour.{channel}: {limit!r} is not a positive whole number of "
                "contacts an hour"
            )
        out[channel] = limit
    return out


def checked_send_by(send_by: Mapping[str, str]) -> dict[str, str]:
    """`send_by` as step → "HH:MM", or a ValueError naming the step."""
    for step, at in send_by.items():
        if not isinstance(at, str) or _HH_MM.fullmatch(at) is None:
            raise ValueError(f"step '{step}': send_by {at!r} is not a local time HH:MM")
    return dict(send_by)


def pool_of(per_hour: Mapping[str, int]) -> pl.Expr:
    """`_pool`: `team:<id>` for a human call, `channel:<name>` for a limited channel, else null."""
    return (
        pl.when(pl.col("channel") == "human_call")
        .then(pl.format("team:{}", pl.col("team")))
        .when(pl.col("channel").is_in(list(per_hour)))
        .then(pl.format("channel:{}", pl.col("channel")))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("_pool")
    )


def pool_limits(capacity: Mapping[str, int], per_hour: Mapping[str, int]) -> pl.DataFrame:
    """`_pool` → `_cap`, contacts an hour: the teams' capacities and the channels' limits."""
    pools = [f"team:{t}" for t in capacity] + [f"channel:{c}" for c in per_hour]
    caps = [*capacity.values(), *per_hour.values()]
    return pl.DataFrame(
        {"_pool": pools, "_cap": caps}, schema={"_pool": pl.String, "_cap": pl.Int64}
    )


def hours_used(used: pl.DataFrame, accepted: pl.DataFrame) -> pl.DataFrame:
    """`used` (`_p`, `hour_start`, `_used`: contacts placed so far per pool and UTC hour) with
    the `accepted` proposals of a round added. Pools are numbered (`_p`, null: no pool)."""
    added = (
        accepted.filter(pl.col("_p").is_not_null())
        .group_by("_p", "hour_start")
        .agg(pl.len().cast(pl.UInt32).alias("_used"))
    )
    return pl.concat([used, added]).group_by("_p", "hour_start").agg(pl.col("_used").sum())


VALUE_ORDER = (["priority", "rpc_rate", "_a"], [True, True, False])
"""Who goes first for a pool's hour or a number: higher priority, then rate, then the action
(`_a` numbers the actions in `action_id` order)."""


def within_limits(proposals: pl.DataFrame, used: pl.DataFrame, caps: pl.DataFrame) -> pl.DataFrame:
    """The pooled proposals that fit their pool's hour (`VALUE_ORDER` first), given `used`
    (`hours_used`) and `caps` (`_p`, `_cap`: contacts an hour; a pool without one is not
    limited)."""
    return (
        proposals.join(caps, on="_p", how="left")
        .join(used, on=["_p", "hour_start"], how="left")
        .sort(VALUE_ORDER[0], descending=VALUE_ORDER[1])
        .with_columns(pl.int_range(1, pl.len() + 1).over("_p", "hour_start").alias("_n"))
        .filter(
            pl.col("_cap").is_null()
            | (pl.col("_n") + pl.col("_used").fill_null(0) <= pl.col("_cap"))
        )
        .select(proposals.columns)
    )


def over_capacity(refused: pl.DataFrame, used: pl.DataFrame, caps: pl.DataFrame) -> pl.Series:
    """`_a` of the refused pooled proposals whose pool hour is now full (their slot is struck)."""
    return (
        refused.join(caps, on="_p", how="left")
        .join(used, on=["_p", "hour_start"], how="left")
        .filter(pl.col("_cap").is_not_null() & (pl.col("_used").fill_null(0) >= pl.col("_cap")))
        .get_column("_a")
    )


def before_send_by(
    actions: pl.DataFrame, rated: pl.DataFrame, send_by: Mapping[str, str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rated, notes): the slots of actions whose step has a `send_by`, cut to those starting
    before it in the contact's zone (re-ranked, 1 = the best of them) unless none does; and per
    such action its `send_by` and whether any slot met it (`send_by_met`)."""
    notes_schema = {"action_id": pl.String, "send_by": pl.String, "send_by_met": pl.Boolean}
    if not send_by:
        return rated, pl.DataFrame(schema=notes_schema)
    steps = pl.DataFrame(
        {"step": list(send_by), "send_by": list(send_by.values())},
        schema={"step": pl.String, "send_by": pl.String},
    )
    facts = actions.join(steps, on="step").select(
        "action_id",
        "send_by",
        pl.col("timezone").str.split("|").list.first().alias("_zone"),
    )
    cut = facts.get_column("send_by").str.splitn(":", 2).struct
    cutoffs = facts.with_columns(
        (cut.field("field_0").cast(pl.Int32) * 60 + cut.field("field_1").cast(pl.Int32)).alias(
            "_cutoff"
        )
    )
    # One membership test over every slot; the joins then run on the few slots of these steps.
    cut_here = (
        rated.get_column("action_id")
        .is_in(cutoffs.get_column("action_id").implode())
        .fill_null(False)
    )
    own = rated.filter(cut_here).join(cutoffs, on="action_id")
    own = own.with_columns(
        (_local_minute(own) < pl.col("_cutoff")).fill_null(False).alias("_before")
    ).with_columns(pl.col("_before").any().over("action_id").alias("send_by_met"))
    notes = cutoffs.join(
        own.select("action_id", "send_by_met").unique("action_id"), on="action_id", how="left"
    ).select("action_id", "send_by", pl.col("send_by_met").fill_null(False))
    kept = (
        own.filter(pl.col("_before") | ~pl.col("send_by_met"))
        .sort("action_id", "slot_rank")
        .with_columns(
            (pl.int_range(pl.len()).over("action_id") + 1).cast(pl.Int32).alias("slot_rank")
        )
        .select(rated.columns)
    )
    rest = rated.filter(~cut_here)
    return pl.concat([rest, kept]), notes


def _local_minute(slots: pl.DataFrame) -> pl.Series:
    """Minutes after local midnight of each `slot_start` in its `_zone` (one conversion per zone;
    null without a zone)."""
    local = local_times(slots.get_column("_zone"), slots.get_column("slot_start"))
    return (
        local.to_frame("local")
        .select(
            (
                pl.col("local").dt.hour().cast(pl.Int32) * 60
                + pl.col("local").dt.minute().cast(pl.Int32)
            ).alias("_minute")
        )
        .to_series()
    )


def unslotted_reason(per_hour: Mapping[str, int]) -> pl.Expr:
    """Why an action found no slot: a window all pauses, its pool's hours, the number's other
    calls; and its send_by. Reads `channel`, `_had_slots`, `send_by` and `send_by_met`."""
    limit = pl.col("channel").replace_strict(
        {c: str(n) for c, n in per_hour.items()}, default=None, return_dtype=pl.String
    )
    voice = pl.col("channel").is_in(VOICE_CHANNELS)
    at_limit = pl.format(
        "every hour left was at the {} limit of {} an hour (dialing.per_hour)",
        pl.col("channel"),
        limit,
    )
    why = (
        pl.when(pl.col("_had_slots").is_null())
        .then(pl.lit("the window has no slot outside its pauses"))
        .when(pl.col("channel") == "human_call")
        .then(pl.lit("the team's hours were full or the number's calls too close"))
        .when(limit.is_not_null() & voice)
        .then(pl.format("{} or the number's calls too close", at_limit))
        .when(limit.is_not_null())
        .then(at_limit)
        .otherwise(pl.lit("the number's calls too close"))
    )
    return pl.format("no slot left: {}", why) + send_by_note(placed=False)


def send_by_note(*, placed: bool) -> pl.Expr:
    """The send_by clause of a reason ("" for a step without one)."""
    if placed:
        note = (
            pl.when(pl.col("send_by_met"))
            .then(pl.format("; before send_by {} local", pl.col("send_by")))
            .otherwise(
                pl.format(
                    "; no slot of the window starts before send_by {} local: the whole window "
                    "was used",
                    pl.col("send_by"),
                )
            )
        )
    else:
        note = (
            pl.when(pl.col("send_by_met"))
            .then(pl.format(" (only slots before send_by {} local)", pl.col("send_by")))
            .otherwise(pl.format(" (none starts before send_by {} local)", pl.col("send_by")))
        )
    return pl.when(pl.col("send_by").is_null()).then(pl.lit("")).otherwise(note)
