"""One contact ledger for every cap and rest, in the daily plan and in the pre-dial check.

The ledger is the `attempts` table joined to its contact points (whose customer, which
role). A check row asks about one contact: in the plan, every contact due today (and the
contacts planned before it today count towards the caps); in real time, one contact at an
instant `at` (only what the ledger holds before `at` counts). Both call the functions here.

Check rows carry: `_r` (row number), `_preset`, `account_id`, `customer_id`, `contact_id`,
`role`, `channel`, `zones`, `timezone`, `_day` (the local date checked), `_as_of` (null in
the plan, `at` in real time) and `_seq` (the order of today's planned contacts; the points
of one account and step are alternatives and share a place).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import polars as pl

from arrears.compliance.caps import Cap, Rest
from arrears.compliance.presets import Preset
from arrears.compliance.windows import day_spans
from arrears.contract.tables import CHANNELS, CONVERSATION_OUTCOMES, OUTCOMES, ROLES

UTC_TS = pl.Datetime("us", "UTC")

LEDGER_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "contact_id": pl.String(),
    "customer_id": pl.String(),
    "role": pl.String(),
    "channel": pl.String(),
    "outcome": pl.String(),
    "at": UTC_TS,
}

SCOPE_KEYS: dict[str, tuple[str, ...]] = {
    "debt_person": ("account_id", "_person"),
    "debtor": ("customer_id",),
    "customer": ("customer_id",),
    "account": ("account_id",),
    "number": ("contact_id",),
}


DEBTOR = pl.format("c:{}", pl.col("customer_id"))
POINT_PERSON = pl.format("p:{}", pl.col("contact_id"))


def person() -> pl.Expr:
    """Who a contact is placed to: the debtor's own points are one person (the customer);
    every other contact point is a person of its own."""
    return pl.when(pl.col("role") == "debtor").then(DEBTOR).otherwise(POINT_PERSON).alias("_person")


def talked_to() -> pl.Expr:
    """Who a conversation was with: the debtor (`rpc`, whichever number was called) or the
    person of the point called (`third_party`)."""
    return pl.when(pl.col("outcome") == "rpc").then(DEBTOR).otherwise(POINT_PERSON)


def ledger_of(
    attempts: pl.DataFrame | None, contacts: pl.DataFrame, keep: pl.Expr | None = None
) -> pl.DataFrame:
    """The attempts (those `keep` selects, all by default) with their point's customer and
    role, and the `_person` key. Joined once; every cap, rest and reachability query then
    filters this frame."""
    if attempts is None:
        return pl.DataFrame(schema=LEDGER_SCHEMA).with_columns(person(), *_enums())
    points = contacts.lazy().select("contact_id", "customer_id", "role")
    att = attempts.lazy().select("account_id", "contact_id", "channel", "outcome", "at")
    if keep is not None:
        att = att.filter(keep)
    return (
        att.join(points, on="contact_id", how="inner")
        .select(*LEDGER_SCHEMA)
        .with_columns(person(), *_enums())
        .collect()
    )


def _enums() -> list[pl.Expr]:
    """Channel, role and outcome as enums: every rule filters on them, ints compare fast."""
    return [
        pl.col("channel").cast(pl.Enum(CHANNELS)),
        pl.col("role").cast(pl.Enum(ROLES)),
        pl.col("outcome").cast(pl.Enum(OUTCOMES)),
    ]


def _since(ledger: pl.DataFrame, first: datetime | None) -> pl.DataFrame:
    """The events at or after `first`: a slice when the ledger is in time order."""
    if first is None:
        return ledger
    at = ledger.get_column("at")
    if at.flags["SORTED_ASC"]:
        return ledger.slice(int(at.search_sorted(first, side="left")))
    return ledger.filter(pl.col("at") >= first)


def needed(presets: Mapping[str, Preset], reach_days: int, as_of: datetime) -> pl.Expr:
    """The attempts any rule of `presets` can look at on a day starting at `as_of`: those of
    the longest short look-back (reachability, caps, rests) and, for long caps (a third
    party asked once a year), the kind of event they count. Two days of margin for zones."""
    caps = [c for p in presets.values() for c in p.caps]
    rests = [r for p in presets.values() for r in p.rests]
    short = max([reach_days, *(c.days for c in caps if c.days <= 31)])
    short_hours = max([24.0 * short, *(r.hours for r in rests)])
    keep = pl.col("at") >= as_of - timedelta(hours=short_hours + 48)
    for cap in caps:
        if cap.days > 31:
            kind = (
                pl.col("outcome").is_in(CONVERSATION_OUTCOMES)
                if cap.counts == "conversations"
                else pl.lit(True)
            )
            keep |= kind & (pl.col("at") >= as_of - timedelta(days=cap.days + 2))
    return keep


def _earliest(instants: pl.Series) -> datetime | None:
    """The earliest of `instants` (None when there are none)."""
    first = instants.min()
    return first if isinstance(first, datetime) else None


def _events(ledger: pl.DataFrame, cap: Cap, since: datetime | None) -> pl.DataFrame:
    """The ledger's events a cap counts (at or after `since`), keyed by its scope.

    Attempts count for the person they were placed to (their point's role must be one the
    cap covers); conversations for the person talked to: the debtor after `rpc`, the point's
    person after `third_party`.
    """
    ledger = _since(ledger, since)
    on_channel = pl.col("channel").is_in(cap.channels)
    if cap.counts == "attempts":
        wanted = on_channel & pl.col("role").is_in(cap.roles)
        if cap.not_counted:
            wanted &= ~pl.col("outcome").is_in(cap.not_counted)
        return ledger.filter(wanted).select(*SCOPE_KEYS[cap.scope], "at")
    debtor = "debtor" in cap.roles
    others = any(r != "debtor" for r in cap.roles)
    wanted = on_channel & (
        ((pl.col("outcome") == "rpc") & debtor)
        | ((pl.col("outcome") == "third_party") & others & pl.col("role").is_in(cap.roles))
    )
    return (
        ledger.filter(wanted)
        .with_columns(talked_to().alias("_person"))
        .select(*SCOPE_KEYS[cap.scope], "at")
    )


def cap_applies(cap: Cap, preset_id: str) -> pl.Expr:
    return (
        (pl.col("_preset") == preset_id)
        & pl.col("channel").is_in(cap.channels)
        & pl.col("role").is_in(cap.roles)
    )


def _hits(
    rows: pl.DataFrame, events: pl.DataFrame, keys: Sequence[str], row: str = "_r"
) -> pl.DataFrame:
    """(`row`, `_hits`): events of each row's scope inside its span and before its `_as_of`."""
    inside = (
        (pl.col("at") >= pl.col("span_from"))
        & (pl.col("at") < pl.col("span_to"))
        & (pl.col("_as_of").is_null() | (pl.col("at") < pl.col("_as_of")))
    )
    return (
        rows.join(events, on=list(keys), how="inner")
        .filter(inside)
        .group_by(row)
        .agg(pl.len().cast(pl.Int64).alias("_hits"))
    )


def cap_count(checks: pl.DataFrame, ledger: pl.DataFrame, cap: Cap, preset_id: str) -> pl.DataFrame:
    """(`_r`, `_count`, `_before`) for the check rows the cap applies to: the ledger's events
    in the cap's span plus, in the plan, the contacts of the scope planned before this one."""
    keys = SCOPE_KEYS[cap.scope]
    needed_cols = ["_r", *keys, "zones", "_day", "_as_of", "_seq", "_preset", "channel", "role"]
    rows = (
        checks.select(list(dict.fromkeys(needed_cols)))
        .filter(cap_applies(cap, preset_id))
        .select("_r", *keys, "zones", "_day", "_as_of", "_seq")
    )
    if rows.height == 0:
        return pl.DataFrame(schema={"_r": pl.UInt32, "_count": pl.Int64, "_before": pl.Int64})
    spans = day_spans(rows.get_column("zones"), rows.get_column("_day"), cap.days)
    rows = pl.concat([rows, spans], how="horizontal")
    before = (
        pl.when(pl.col("_as_of").is_null())
        .then(pl.col("_seq").rank("dense").over(list(keys)).cast(pl.Int64) - 1)
        .otherwise(0)
        if cap.planned
        else pl.lit(0, dtype=pl.Int64)
    )
    return (
        rows.with_columns(before.alias("_before"))
        .join(
            _hits(rows, _events(ledger, cap, _earliest(rows.get_column("span_from"))), keys),
            on="_r",
            how="left",
        )
        .select(
            "_r",
            (pl.col("_hits").fill_null(0) + pl.col("_before")).alias("_count"),
            "_before",
        )
    )


def cap_free_day(
    refused: pl.DataFrame, ledger: pl.DataFrame, cap: Cap, *, horizon: int = 400
) -> pl.DataFrame:
    """(`_r`, `_free_day`): for rows refused by `cap`, the first later local day on which the
    cap's count is below its max again, or null when not within `horizon` days.

    After the checked day no new events come in, so the count only falls: when an event
    leaves the span (its local date + `days`, tried a day either side of its UTC date) or
    when today's planned contacts leave it (day + `days`). Only those days are tried.
    """
    keys = SCOPE_KEYS[cap.scope]
    rows = refused.select("_r", *keys, "zones", "_day", "_as_of", "_before")
    if rows.height == 0:
        return pl.DataFrame(schema={"_r": pl.UInt32, "_free_day": pl.Date})
    # Only events that can still be in a span of the checked day count (earlier ones never).
    spans = day_spans(rows.get_column("zones"), rows.get_column("_day"), cap.days)
    events = _events(ledger, cap, _earliest(spans.get_column("span_from")))
    leave = (
        rows.join(events, on=list(keys), how="inner")
        .filter(pl.col("_as_of").is_null() | (pl.col("at") < pl.col("_as_of")))
        .select(
            "_r",
            pl.concat_list(
                [
                    pl.col("at").dt.date() + pl.duration(days=cap.days + shift)
                    for shift in (-1, 0, 1)
                ]
            ).alias("_x"),
        )
        .explode("_x")
    )
    fixed = rows.select(
        "_r",
        pl.concat_list(
            pl.col("_day") + pl.duration(days=1), pl.col("_day") + pl.duration(days=cap.days)
        ).alias("_x"),
    ).explode("_x")
    tries = (
        pl.concat([fixed, leave])
        .unique()
        .join(rows, on="_r")
        .filter(
            (pl.col("_x") > pl.col("_day"))
            & (pl.col("_x") <= pl.col("_day") + pl.duration(days=horizon))
        )
        .with_row_index("_t")
    )
    spans = day_spans(tries.get_column("zones"), tries.get_column("_x"), cap.days)
    tries = pl.concat([tries, spans], how="horizontal")
    hits = _hits(tries, events, keys, row="_t")
    planned_left = pl.col("_x") >= pl.col("_day") + pl.duration(days=cap.days)
    return (
        tries.join(hits, on="_t", how="left")
        .with_columns(
            (
                pl.col("_hits").fill_null(0)
                + pl.when(planned_left).then(0).otherwise(pl.col("_before"))
            ).alias("_count")
        )
        .filter(pl.col("_count") < cap.max)
        .group_by("_r")
        .agg(pl.col("_x").min().alias("_free_day"))
    )


def rest_end(
    checks: pl.DataFrame, ledger: pl.DataFrame, rest: Rest, preset_id: str
) -> pl.DataFrame:
    """(`_r`, `_rest_until`): the end of the rest that the point's last matching event began,
    for check rows the rest applies to (events before `_as_of` only, in real time)."""
    applies = (pl.col("_preset") == preset_id) & pl.col("channel").is_in(rest.channels)
    if rest.waived_by:
        applies &= ~pl.col(rest.waived_by).fill_null(False)
    columns = ["_r", "contact_id", "_as_of", "zones", "_day", "_preset", "channel"]
    if rest.waived_by:
        columns.append(rest.waived_by)
    rows = (
        checks.select(columns).filter(applies).select("_r", "contact_id", "_as_of", "zones", "_day")
    )
    wanted = pl.col("channel").is_in(rest.channels)
    if rest.after:
        wanted &= pl.col("outcome").is_in(rest.after)
    if rows.height == 0:
        return pl.DataFrame(schema={"_r": pl.UInt32, "_rest_until": UTC_TS})
    # An event more than the rest (and a day for the zones) before the checked day's
    # earliest local start cannot reach into it.
    spans = day_spans(rows.get_column("zones"), rows.get_column("_day"), 1)
    since = _earliest(spans.get_column("span_from") - timedelta(hours=rest.hours))
    events = _since(ledger, since).filter(wanted).select("contact_id", "at")
    return (
        rows.join(events, on="contact_id", how="inner")
        .filter(pl.col("_as_of").is_null() | (pl.col("at") < pl.col("_as_of")))
        .group_by("_r")
        .agg((pl.col("at").max() + timedelta(hours=rest.hours)).alias("_rest_until"))
    )
