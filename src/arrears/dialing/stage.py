"""The scheduling stage of the daily plan: contact counts from the ledger, then call lists.

Counts come per shard (they add up); the lists are made once over every action, since a team's
hours are shared by all its cases. With a contactability model (`arrears plan --models`), each
shard also keeps its points' call history for the model (`CallHistory`; points do not span
shards), and the model rates the voice slots (`arrears.scoring.contactability.slot_rates`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import polars as pl

from arrears.compliance.caps import Rest
from arrears.compliance.presets import presets_for
from arrears.contract.tables import VOICE_CHANNELS
from arrears.dialing.contactability import (
    COUNT_KEYS,
    call_counts,
    country_rates,
    merge_counts,
    point_rates,
)
from arrears.dialing.schedule import (
    Settings,
    candidate_slots,
    rated_slots,
    schedule,
    team_capacity,
)
from arrears.exprs import counts_by
from arrears.planning.features import history

if TYPE_CHECKING:
    from arrears.scoring.apply import ModelSet
    from arrears.scoring.contactability import CallHistory
    from arrears.scoring.model import CollectionModel
    from arrears.strategy.model import Step, Strategy


@dataclass
class Counts:
    points: pl.DataFrame  # contact_id, hour, weekday, calls, rpc
    countries: pl.DataFrame  # country, hour, weekday, calls, rpc
    point_country: pl.DataFrame  # contact_id, country
    history: CallHistory | None = None  # for the contactability model, when there is one

    @staticmethod
    def merge(parts: list[Counts]) -> Counts:
        histories = [p.history for p in parts if p.history is not None]
        history = None
        if histories:
            from arrears.scoring.contactability import CallHistory

            history = CallHistory.merge(histories)
        return Counts(
            pl.concat([p.points for p in parts]),
            merge_counts([p.countries for p in parts], ("country", *COUNT_KEYS)),
            pl.concat([p.point_country for p in parts]),
            history,
        )


def strategy_settings(strategy: Strategy) -> Settings:
    """`settings_of` the strategy's dialing block, steps and the rests of its presets under
    its house policy."""
    presets = presets_for(strategy.jurisdiction, strategy.house)
    rests = [rest for preset in presets.values() for rest in preset.rests]
    return settings_of(strategy.dialing, strategy.steps(), rests)


def settings_of(
    dialing: Mapping[str, Any], steps: Iterable[Step] = (), rests: Iterable[Rest] = ()
) -> Settings:
    """The strategy's `dialing` block (defaults where silent) and its steps' `send_by` times,
    by step id: the actions carry their step, so the scheduler joins this small table.

    The retry gap is at least the longest of `rests` (the presets' and the house's) that
    follows any voice attempt on a number with no waiver: call lists the guard's rest would
    refuse at dial time are call lists no dialer can work."""
    default = Settings()
    gap = timedelta(
        minutes=float(dialing.get("retry_gap_minutes", default.retry_gap.total_seconds() / 60))
    )
    voice = set(VOICE_CHANNELS)
    longest = max(
        (r.hours for r in rests if not r.after and r.waived_by is None and voice & set(r.channels)),
        default=0.0,
    )
    return Settings(
        calls_per_agent_hour=int(dialing.get("calls_per_agent_hour", default.calls_per_agent_hour)),
        retry_gap=max(gap, timedelta(hours=longest)),
        per_hour=dict(dialing.get("per_hour") or {}),
        send_by={step.id: step.send_by for step in steps if step.send_by is not None},
    )


def contact_model(models: ModelSet | None) -> CollectionModel | None:
    """The contactability model of the plan's models (None: no models, or not that one)."""
    found = models.models.get("contactability") if models is not None else None
    return None if found is None else found[0]


def counts_of(
    tables: Mapping[str, pl.DataFrame | None],
    run_date: date,
    model: CollectionModel | None = None,
    points: pl.Series | None = None,
) -> Counts:
    """The ledger's counts before `run_date`; with a contactability `model`, the points' call
    history it rates slots from too. `points` (contact ids), when given, keeps only those
    points' own counts and countries (today's actions': `call_lists` looks up no other); the
    country counts are over every call either way."""
    contacts, customers = tables["contacts"], tables["customers"]
    assert contacts is not None and customers is not None
    history_lf = history(tables.get("attempts"), run_date)
    # Only the columns the counts read (every column when the model's history needs them).
    if model is None:
        history_lf = history_lf.select("contact_id", "channel", "outcome", "at")
    before = history_lf.collect()
    counted, countries = call_counts(before, contacts, customers, points)
    wanted = contacts.select("contact_id", "customer_id")
    if points is not None:
        wanted = wanted.filter(pl.col("contact_id").is_in(points.implode()))
    point_country = wanted.join(customers.select("customer_id", "country"), on="customer_id")
    calls = None
    if model is not None:
        from arrears.scoring.contactability import call_history

        calls = call_history(before, contacts, customers)
    return Counts(counted, countries, point_country.drop("customer_id"), calls)


def call_lists(
    actions: pl.DataFrame,
    counts: Counts,
    agents: pl.DataFrame | None,
    settings: Settings,
    model: CollectionModel | None = None,
) -> pl.DataFrame:
    """Today's call lists and message batches, one row per time-slotted action. With a
    contactability `model` (and `counts` made with it), the model rates the voice slots."""
    country = country_rates(counts.countries)
    today = actions.select("contact_id").unique()  # only today's numbers need their own rates
    points = point_rates(
        counts.points.join(today, on="contact_id"),
        country,
        counts.point_country.join(today, on="contact_id"),
    )
    slots = candidate_slots(actions)
    by_model = None
    if model is not None:
        if counts.history is None:
            raise ValueError("a contactability model needs the counts made with it (counts_of)")
        from arrears.scoring.contactability import slot_rates

        by_model = slot_rates(actions, slots, model, counts.history)
    rated = rated_slots(actions, slots, points, country, counts.point_country, by_model)
    agent_teams = agents.select("agent_id", "team_id") if agents is not None else None
    return schedule(actions, rated, team_capacity(agents, settings), settings, agent_teams)


def lists_summary(lists: pl.DataFrame, settings: Settings | None = None) -> dict[str, Any]:
    """For the manifest: slotted and unslotted actions by channel, the rates' sources, and the
    batches of each message and robot channel: hour slots used, the largest one, its limit."""
    slotted = lists.filter(pl.col("slot_start").is_not_null())
    per_hour = settings.per_hour if settings is not None else {}
    batches = (
        slotted.filter(pl.col("channel") != "human_call")
        .group_by("channel", pl.col("slot_start").dt.truncate("1h"))
        .len()
        .group_by("channel")
        .agg(pl.len().alias("slots"), pl.col("len").max().alias("largest"))
        .sort("channel")
    )
    unslotted = lists.filter(pl.col("slot_start").is_null())
    return {
        "slotted": slotted.height,
        "slotted_by_channel": counts_by(slotted, "channel"),
        "unslotted": unslotted.height,
        "unslotted_by_channel": counts_by(unslotted, "channel"),
        "rate_source": counts_by(
            slotted.with_columns(pl.col("rate_source").fill_null("none")), "rate_source"
        ),
        "batches": {
            channel: {"slots": slots, "largest": largest, "per_hour": per_hour.get(channel)}
            for channel, slots, largest in batches.iter_rows()
        },
    }
