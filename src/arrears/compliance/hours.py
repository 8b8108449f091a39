"""The allowed hours of a day for each check row: windows, rest days and pauses.

A row's day is open from the preset's start to its end hour in every candidate zone (the
intersection, `compliance.windows`), except on a day the policy keeps free of collection
contact (public holidays, rest days, Sundays … per the calendar of the customer's country and
region, with CN make-up workdays counting as workdays), and minus the pauses (a lunch break)
in the local time of every zone. Each distinct (zone set, hours, policy, place, day) is worked
out once, so a plan with millions of rows computes a few hundred days.

The key columns a row carries: `timezone`, `zones`, `_start_min`, `_end_min`, `_no_contact`
(comma-joined policy words), `_pauses` ("HH:MM-HH:MM;…"), `customer_country`,
`customer_region` and the day.
"""

from __future__ import annotations

from datetime import date, datetime, time

import polars as pl

from arrears.compliance.calendar import day_kinds
from arrears.compliance.windows import daily_windows, local_instant

UTC_TS = pl.Datetime("us", "UTC")
PAUSES = pl.List(pl.Struct({"start": UTC_TS, "end": UTC_TS}))
HOURS_KEY = ["timezone", "_start_min", "_end_min", "_no_contact", "_pauses", "_place", "_region"]
NO_CONTACT_DAYS = ("holidays", "rest_days", "saturdays", "sundays")
"""Words a policy may list in `no_contact_on`: public holidays; rest days (weekends and
holidays, make-up workdays excepted); Saturdays or Sundays (except make-up workdays)."""


def _hhmm(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def _rest_day(no_contact: pl.Expr) -> pl.Expr:
    """Why the day is closed under the policy words, or null."""
    kind, weekday = pl.col("_kind"), pl.col("_day").dt.weekday()
    workday = kind == "makeup_workday"
    holiday = pl.format("a public holiday ({})", pl.col("_holiday").fill_null("override"))
    return (
        pl.when(no_contact.str.contains("holidays|rest_days") & (kind == "holiday"))
        .then(holiday)
        .when(no_contact.str.contains("rest_days") & (kind == "weekend"))
        .then(pl.lit("a weekend rest day"))
        .when(no_contact.str.contains("saturdays") & (weekday == 6) & ~workday)
        .then(pl.lit("a Saturday"))
        .when(no_contact.str.contains("sundays") & (weekday == 7) & ~workday)
        .then(pl.lit("a Sunday"))
    )


def _pauses_of(zones: list[str], day: date, spec: str, opens: datetime, closes: datetime) -> list:
    """The pauses of `spec` in every zone on `day`, inside [opens, closes), merged."""
    spans = []
    for part in filter(None, spec.split(";")):
        start, end = (time.fromisoformat(t) for t in part.split("-"))
        for zone in zones:
            lo = max(local_instant(day, start, zone, later=False), opens)
            hi = min(local_instant(day, end, zone, later=True), closes)
            if lo < hi:
                spans.append((lo, hi))
    merged: list[list[datetime]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [{"start": lo, "end": hi} for lo, hi in merged]


def day_table(keys: pl.DataFrame, overrides: pl.DataFrame | None = None) -> pl.DataFrame:
    """For distinct (HOURS_KEY, `_day`) of `keys` (which also carry `zones`): the window,
    its pauses and, on a closed day, `_rest_day` (the window is then null)."""
    distinct = keys.unique(subset=[*HOURS_KEY, "_day"], maintain_order=True)
    closed = distinct.filter(pl.col("_no_contact").fill_null("") != "")
    if closed.height:
        places = closed.select(
            pl.col("_place").alias("country"), pl.col("_region").alias("region")
        ).unique()
        first, last = closed.get_column("_day").min(), closed.get_column("_day").max()
        assert isinstance(first, date) and isinstance(last, date)
        kinds = day_kinds(places.drop_nulls("country"), first, last, overrides)
        distinct = distinct.join(
            kinds.select(
                pl.col("country").alias("_place"),
                pl.col("region").alias("_region"),
                pl.col("day").alias("_day"),
                pl.col("kind").alias("_kind"),
                pl.col("holiday").alias("_holiday"),
            ),
            on=["_place", "_region", "_day"],
            how="left",
            nulls_equal=True,
        )
    else:
        distinct = distinct.with_columns(
            pl.lit(None, dtype=pl.String).alias("_kind"),
            pl.lit(None, dtype=pl.String).alias("_holiday"),
        )
    distinct = distinct.with_columns(
        _rest_day(pl.col("_no_contact").fill_null("")).alias("_rest_day")
    )
    parts = []
    for (start_min, end_min, day), group in distinct.group_by(["_start_min", "_end_min", "_day"]):
        if start_min is None or end_min is None or day is None:
            continue
        windows = daily_windows(group.get_column("zones"), day, _hhmm(start_min), _hhmm(end_min))
        parts.append(pl.concat([group, windows], how="horizontal"))
    if not parts:
        return pl.DataFrame(schema={**{c: keys.schema[c] for c in HOURS_KEY}, **_TABLE_EXTRA})
    table = pl.concat(parts).with_columns(
        pl.when(pl.col("_rest_day").is_null()).then(pl.col(c)).alias(c)
        for c in ("window_start", "window_end")
    )
    return _with_pauses(table).select(*HOURS_KEY, *_TABLE_EXTRA)


_TABLE_EXTRA: dict[str, pl.DataType] = {
    "_day": pl.Date(),
    "window_start": UTC_TS,
    "window_end": UTC_TS,
    "window_pauses": PAUSES,
    "_rest_day": pl.String(),
}


def _with_pauses(table: pl.DataFrame) -> pl.DataFrame:
    paused = (pl.col("_pauses").fill_null("") != "") & pl.col("window_start").is_not_null()
    rows = table.with_row_index("_t").filter(paused)
    values = [
        _pauses_of(list(zones), day, spec, opens, closes)
        for zones, day, spec, opens, closes in rows.select(
            "zones", "_day", "_pauses", "window_start", "window_end"
        ).iter_rows()
    ]
    found = rows.select("_t").with_columns(pl.Series("window_pauses", values, dtype=PAUSES))
    return (
        table.with_row_index("_t")
        .join(found, on="_t", how="left")
        .with_columns(pl.col("window_pauses").fill_null(pl.lit([], dtype=PAUSES)))
        .drop("_t")
    )


def hours_keys(checks: pl.DataFrame) -> pl.DataFrame:
    """`_place`/`_region`: the customer's country and region, only where a policy needs the
    calendar (fewer distinct keys elsewhere)."""
    needs = pl.col("_no_contact").fill_null("") != ""
    return checks.with_columns(
        pl.when(needs).then(pl.col("customer_country")).alias("_place"),
        pl.when(needs).then(pl.col("customer_region")).alias("_region"),
    )


def with_windows(checks: pl.DataFrame, overrides: pl.DataFrame | None) -> pl.DataFrame:
    """Add `window_start`, `window_end`, `window_pauses` and `_rest_day` for each row's
    `_day` (rows need `hours_keys` first)."""
    table = day_table(checks.select(*HOURS_KEY, "zones", "_day"), overrides)
    return checks.join(
        table, on=[*HOURS_KEY, "_day"], how="left", nulls_equal=True, maintain_order="left"
    )


def first_open(
    rows: pl.DataFrame, overrides: pl.DataFrame | None, *, horizon: int = 21
) -> pl.DataFrame:
    """(`_q`, `_opens`): for each row (`_q`, HOURS_KEY, `zones`, `_after` instant or null,
    `_from` day) the first instant at or after `_after`, on a day from `_from` on, inside
    that day's window and outside its pauses; rows with none within `horizon` days are left
    out. Days are tried a few at a time, since most rows find one on the first."""
    found: list[pl.DataFrame] = []
    pending = rows
    for lo, hi in ((0, 2), (2, 8), (8, horizon + 1)):
        if pending.height == 0:
            break
        tries = (
            pending.with_columns(pl.int_ranges(lo, hi, dtype=pl.Int32).alias("_k"))
            .explode("_k")
            .with_columns((pl.col("_from") + pl.duration(days=pl.col("_k"))).alias("_day"))
        )
        days = day_table(tries.select(*HOURS_KEY, "zones", "_day"), overrides)
        opens = (
            tries.join(days, on=[*HOURS_KEY, "_day"], how="inner", nulls_equal=True)
            .filter(pl.col("window_start").is_not_null())
            .with_columns(pl.max_horizontal("window_start", "_after").alias("_at"))
            .with_row_index("_c")
        )
        # A start inside a pause moves to the pause's end (pauses are merged and sorted).
        answered = (
            opens.join(pause_ends(opens, "_c", "_at"), on="_c", how="left")
            .with_columns(pl.coalesce("_pause_end", "_at").alias("_at"))
            .filter(pl.col("_at") < pl.col("window_end"))
            .group_by("_q")
            .agg(pl.col("_at").min().alias("_opens"))
        )
        found.append(answered)
        pending = pending.join(answered, on="_q", how="anti")
    if not found:
        return pl.DataFrame(schema={"_q": pl.UInt32, "_opens": UTC_TS})
    return pl.concat(found)


def with_next_allowed(checked: pl.DataFrame, overrides: pl.DataFrame | None) -> pl.DataFrame:
    """Set `next_allowed_at` from a rule's `next_allowed_day` (the first open instant from
    that day on) or `_open_after` (the first open instant at or after it)."""
    wanted = checked.with_row_index("_q").filter(
        pl.col("next_allowed_day").is_not_null() | pl.col("_open_after").is_not_null()
    )
    if wanted.height == 0:
        return checked.drop("next_allowed_day", "_open_after")
    rows = wanted.select(
        "_q",
        *HOURS_KEY,
        "zones",
        pl.col("_open_after").alias("_after"),
        pl.coalesce(
            "next_allowed_day", pl.col("_open_after").dt.date() - pl.duration(days=1)
        ).alias("_from"),
    )
    opens = first_open(rows, overrides)
    return (
        checked.with_row_index("_q")
        .join(opens, on="_q", how="left", maintain_order="left")
        .with_columns(pl.coalesce("_opens", "next_allowed_at").alias("next_allowed_at"))
        .drop("_q", "_opens", "next_allowed_day", "_open_after")
    )


def pause_ends(frame: pl.DataFrame, key: str, instant: str) -> pl.DataFrame:
    """(`key`, `_pause_end`): for rows whose `instant` falls inside one of their
    `window_pauses`, the end of that pause."""
    pause = pl.col("window_pauses")
    return (
        frame.select(key, instant, "window_pauses")
        .explode("window_pauses")
        .filter(
            (pause.struct.field("start") <= pl.col(instant))
            & (pl.col(instant) < pause.struct.field("end"))
        )
        .select(key, pause.struct.field("end").alias("_pause_end"))
    )


def with_pause_ends(checks: pl.DataFrame) -> pl.DataFrame:
    """Add `_pause_until`: in real time, the end of the pause `_as_of` falls in (else null)."""
    asked = checks.filter(pl.col("_as_of").is_not_null())
    inside = pause_ends(asked, "_r", "_as_of").rename({"_pause_end": "_pause_until"})
    return checks.join(inside, on="_r", how="left", maintain_order="left")
