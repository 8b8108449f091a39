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
number: a call may be placed at any instant of its slot, so the gap runs from the end of one slot
to the start of the other (two full hour slots start at least `retry_gap` + 1 hour apart). A
refused proposal falls to the action's next slot in the next round; an action left with
none is listed unscheduled, with the reason. Letters and visits are not time-slotted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Any

import numpy as np
import polars as pl

from arrears.compliance.windows import local_clock
from arrears.contract.tables import VOICE_CHANNELS
from arrears.dialing.contactability import COUNT_KEYS
from arrears.dialing.limits import (
    VALUE_ORDER,
    before_send_by,
    checked_per_hour,
    checked_send_by,
    hours_used,
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


def rows_in(keys: pl.Series, table_keys: pl.Series) -> pl.Series:
    """For each of `keys`, the row of `table_keys` (unique values) that holds it, or null.

    The lookup runs once per run of equal neighbouring keys, so a long column grouped by key
    (the slots of each action, one after another) costs a join of its groups, not of its rows.
    """
    run = keys.rle_id()
    heads = keys.filter(run.diff().fill_null(1) != 0)
    found = (
        heads.to_frame("_k")
        .join(
            table_keys.alias("_k").to_frame().with_row_index("_row"),
            on="_k",
            how="left",
            maintain_order="left",
        )
        .get_column("_row")
    )
    if found.len() != heads.len():
        raise ValueError(f"rows_in: '{table_keys.name}' repeats a value")
    return found.gather(run).alias("_row")


def candidate_slots(actions: pl.DataFrame) -> pl.DataFrame:
    """Every (action, UTC hour) inside the action's window, clipped, after any pause.

    The slots of one action come one after another (`rated_slots` relies on it to look each
    action up once); the work runs on the action's row number `_a`, not its id."""
    slotted = actions.filter(
        pl.col("channel").is_in(SLOTTED) & pl.col("window_start").is_not_null()
    ).with_row_index("_a")
    first = pl.col("window_start").dt.truncate("1h")
    hours = (
        slotted.select(
            "_a",
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
        "_a",
        "hour_start",
        pl.max_horizontal("hour_start", "window_start").alias("slot_start"),
        pl.min_horizontal(pl.col("hour_start") + HOUR, "window_end").alias("slot_end"),
    )
    # A slot starting inside a pause starts when the pause ends.
    pauses = (
        slotted.select("_a", "window_pauses")
        .explode("window_pauses")
        .unnest("window_pauses")
        .filter(pl.col("start").is_not_null())
    )
    paused = (
        clipped.select("_a", "slot_start")
        .with_row_index("_s")
        .join(pauses, on="_a")
        .filter((pl.col("start") <= pl.col("slot_start")) & (pl.col("slot_start") < pl.col("end")))
        .group_by("_s")
        .agg(pl.col("end").max().alias("_after_pause"))
    )
    starts = clipped.get_column("slot_start")
    if paused.height:
        starts = starts.scatter(paused.get_column("_s"), paused.get_column("_after_pause"))
    slots = clipped.with_columns(starts.alias("slot_start")).filter(
        pl.col("slot_start") < pl.col("slot_end")
    )
    return slots.select(
        slotted.get_column("action_id").gather(slots.get_column("_a")),
        "hour_start",
        "slot_start",
        "slot_end",
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
    given; the other slots take the point's rate, else the country's.

    The slots run on small integer keys: `_f`, the action's row among the actions in `action_id`
    order (so ordering by `_f` orders by `action_id`), and codes for the contact point and the
    country, which the rate tables are translated to first (they are small)."""
    facts = (
        actions.select(
            "action_id",
            "contact_id",
            pl.col("timezone").str.split("|").list.first().cast(pl.Categorical).alias("_zone"),
        )
        .join(point_country, on="contact_id", how="left")
        .sort("action_id")
        .with_columns(
            pl.col("contact_id").rank("dense").alias("_c"),
            pl.col("country").rank("dense").alias("_k"),
        )
    )
    joined = [c for c in facts.columns if c not in ("action_id", "_zone", "_c", "_k")]
    found = slots.with_columns(
        rows_in(slots.get_column("action_id"), facts["action_id"]).alias("_f")
    ).filter(pl.col("_f").is_not_null())
    own_facts = facts.select("_zone", "_c", "_k", *joined)[found.get_column("_f")]
    with_zone = pl.concat([found, own_facts], how="horizontal")
    clock = local_clock(with_zone.get_column("_zone"), with_zone.get_column("slot_start"))
    with_clock = pl.concat(
        [with_zone.drop("_zone"), clock.select("hour", "weekday")], how="horizontal"
    )
    contacts = facts.select("contact_id", "_c").unique("_c").drop_nulls()
    countries = facts.select("country", "_k").unique("_k").drop_nulls()
    own = point_rates.join(contacts, on="contact_id").select(
        "_c", *COUNT_KEYS, pl.col("rate").alias("_point_rate")
    )
    country = country_rates.join(countries, on="country").select(
        "_k", *COUNT_KEYS, pl.col("rate").alias("_country_rate")
    )
    # Kept in slot order: the slots come by action, so the sort below has little to do.
    rated = with_clock.join(own, on=["_c", *COUNT_KEYS], how="left", maintain_order="left").join(
        country, on=["_k", *COUNT_KEYS], how="left", maintain_order="left"
    )
    if model_rates is not None and model_rates.height:
        by_model = model_rates.join(
            facts.select("action_id").with_row_index("_f"), on="action_id"
        ).select("_f", "slot_start", pl.col("rate").alias("_model_rate"))
        rated = rated.join(by_model, on=["_f", "slot_start"], how="left")
    else:
        rated = rated.with_columns(pl.lit(None, dtype=pl.Float64).alias("_model_rate"))
    rated = rated.with_columns(
        pl.coalesce("_model_rate", "_point_rate", "_country_rate").alias("rpc_rate"),
        pl.when(pl.col("_model_rate").is_not_null())
        .then(pl.lit("model"))
        .when(pl.col("_point_rate").is_not_null())
        .then(pl.lit("point"))
        .when(pl.col("_country_rate").is_not_null())
        .then(pl.lit("country"))
        .alias("rate_source"),
    ).sort(["_f", pl.col("rpc_rate").fill_null(0.0), "slot_start"], descending=[False, True, False])
    return (
        rated.with_columns(
            (pl.int_range(pl.len()).over("_f") + 1).cast(pl.Int32).alias("slot_rank")
        )
        .rename({"hour": "local_hour"})
        .select(
            *[c for c in slots.columns],
            *[c for c in joined if c != "country"],
            "local_hour",
            "weekday",
            "rpc_rate",
            "rate_source",
            "slot_rank",
        )
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
    # The slots of an action come one after another: its first row is enough.
    ids = rated.get_column("action_id")
    had_slots = (
        ids.filter(ids.rle_id().diff().fill_null(1) != 0)
        .unique()
        .to_frame()
        .with_columns(pl.lit(True).alias("_had_slots"))
    )
    facts = facts.join(send_notes, on="action_id", how="left").join(
        had_slots, on="action_id", how="left"
    )
    placed = _place(rated, facts, pool_limits(capacity, settings.per_hour), settings)
    return _lists(facts, placed, settings)


def _place(
    rated: pl.DataFrame, facts: pl.DataFrame, limits: pl.DataFrame, settings: Settings
) -> pl.DataFrame:
    """The rounds: each action's accepted slot (the `rated` row, with `hour_start`).

    The rounds run on small integer keys: `_a` numbers the actions in `action_id` order (so a
    tie broken by `_a` is broken by `action_id`), `_c` the numbers, `_p` the pools; `_r` is the
    slot's row in `rated`. Each action's slots are kept in `slot_rank` order, so its best
    remaining slot is its first row.
    """
    keys = (
        facts.select("action_id", "contact_id", "channel", "team", "priority")
        .sort("action_id")
        .with_row_index("_a")
        .with_columns(
            pool_of(settings.per_hour),
            pl.col("channel").is_in(VOICE_CHANNELS).alias("_voice"),
            pl.col("contact_id").rank("dense").alias("_c"),
        )
        .with_columns(
            pl.col("_pool").rank("dense").alias("_p"),
            pl.col("_pool").is_not_null().alias("_limited"),
        )
    )
    caps = (
        keys.filter(pl.col("_p").is_not_null())
        .select("_p", "_pool")
        .unique("_p")
        .join(limits, on="_pool", how="left")
        .select("_p", "_cap")
    )
    # The slots of an action come one after another (`rated_slots`): one lookup per action.
    # `cand` holds only what differs between an action's slots; the action's own facts are
    # gathered (by `_a`, its row in `keys`) for each round's proposals alone.
    found = rows_in(rated.get_column("action_id"), keys["action_id"])
    slots = (
        rated.select("slot_rank", "slot_start", "slot_end", "hour_start", "rpc_rate")
        .with_row_index("_r")
        .with_columns(found.alias("_a"))
        .filter(pl.col("_a").is_not_null())
    )
    # By action, then rank: a stable sort of one integer key, nearly sorted already.
    order = np.argsort(
        (slots.get_column("_a").to_numpy().astype(np.uint64) << np.uint64(32))
        | slots.get_column("slot_rank").to_numpy().astype(np.uint64),
        kind="stable",
    )
    cand = slots[pl.Series(order)]
    facts_of = keys.select("_c", "_p", "priority", "_voice", "_limited")
    # Each action's remaining slots are rows next[a] .. stop[a] - 1 of `cand`.
    codes = cand.get_column("_a").to_numpy()
    everyone = np.arange(keys.height)
    next_row = np.searchsorted(codes, everyone, side="left")
    stop = np.searchsorted(codes, everyone, side="right")
    placed: list[pl.DataFrame] = []
    voice_placed = pl.DataFrame(
        schema={"_c": facts_of.schema["_c"], "_other": cand.schema["slot_start"],
                "_other_end": cand.schema["slot_end"]}
    )  # fmt: skip
    used = pl.DataFrame(
        schema={"_p": facts_of.schema["_p"], "hour_start": cand.schema["hour_start"],
                "_used": pl.UInt32}
    )  # fmt: skip
    gap = settings.retry_gap
    while True:
        live = np.flatnonzero(next_row < stop)
        if live.size == 0:
            break
        best = cand[pl.Series(next_row[live])]
        best = pl.concat([best, facts_of[best.get_column("_a")]], how="horizontal")
        # The retry gap: no two voice contacts on one number closer than `gap`. A call may go
        # at any instant of its slot, so the slots themselves must lie `gap` apart (end to
        # start), not just their starts: 09:00-10:00 and 11:00-12:00 could hold calls at 09:50
        # and 11:10.
        near = (
            best.filter("_voice")
            .select("_a", "_c", "slot_start", "slot_end")
            .join(voice_placed, on="_c")
            .filter(
                (pl.col("slot_start") < pl.col("_other_end") + gap)
                & (pl.col("_other") < pl.col("slot_end") + gap)
            )
            .get_column("_a")
            .unique()
            .implode()
        )
        ok = best.filter(~pl.col("_a").is_in(near))
        # One voice proposal per number per round: the highest priority goes first.
        first_voice = (
            ok.filter("_voice")
            .sort(VALUE_ORDER[0], descending=VALUE_ORDER[1])
            .unique("_c", keep="first", maintain_order=True)
            .get_column("_a")
            .implode()
        )
        ok = ok.filter(~pl.col("_voice") | pl.col("_a").is_in(first_voice))
        # Each pool's hourly limit: a team's capacity for human calls, a channel's throughput.
        limited = within_limits(ok.filter("_limited"), used, caps)
        accepted = pl.concat([ok.filter(~pl.col("_limited")), limited])
        refused = best.filter(~pl.col("_a").is_in(accepted.get_column("_a").implode()))
        placed.append(accepted)
        voice_placed = pl.concat(
            [
                voice_placed,
                accepted.filter("_voice").select(
                    "_c",
                    pl.col("slot_start").alias("_other"),
                    pl.col("slot_end").alias("_other_end"),
                ),
            ]
        )
        used = hours_used(used, accepted)
        # Accepted actions are done; a refused proposal's slot is struck off its list. An
        # action held back only by another proposal on its number (not by the gap or the
        # limit) keeps the slot for the next round.
        struck = refused.filter(pl.col("_a").is_in(near)).get_column("_a")
        full = over_capacity(
            refused.filter(pl.col("_limited") & ~pl.col("_a").is_in(near)), used, caps
        )
        if accepted.is_empty() and struck.is_empty() and full.is_empty():
            break  # nothing moved: what is left cannot be placed
        done = accepted.get_column("_a").to_numpy()
        next_row[done] = stop[done]
        next_row[struck.to_numpy()] += 1
        next_row[full.to_numpy()] += 1
    rows = pl.concat(placed).get_column("_r") if placed else pl.Series("_r", [], pl.UInt32)
    return rated[rows.sort()]


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
