"""Contact windows: when a debtor may be contacted, in UTC, from local calling hours.

Calling-hour rules (US 8 a.m.–9 p.m., CN 8:00–21:00 …) are written in the *debtor's* local time.
When we do not know exactly where the debtor is, every candidate zone must agree: the window is
the intersection of the allowed hours over the zone set (fail closed). This module turns local
hours into UTC instants exactly, with ``zoneinfo``, once per distinct zone set.

One rule, one place: :func:`window_for_one` is the rule; :func:`daily_windows` calls it once per
distinct zone set of a column and maps the answers back to the rows. The plan and the pre-dial
check both reach it through `compliance.hours`, which also finds next allowed times.

Conventions
-----------
* A window is half-open, ``[window_start, window_end)``: a contact may begin at the start and
  must begin before the end. ``start < end`` is required (no windows across local midnight).
* "The window on ``day``" uses the same calendar date ``day`` in every zone of the set. For zones
  on opposite sides of the date line (``Pacific/Guam`` with ``America/New_York``) the real
  overlap falls on different local dates and is not found: the set gets no window, which is the
  fail-closed side.
* A local start that does not exist (spring-forward gap) begins at the first instant after the
  gap; a local end in the gap ends at the same instant. A local time that occurs twice (fall
  back) is read so that the window can only shrink: the later instant for a start, the earlier
  one for an end. Every instant of the window is then within the hours on the local clock.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import polars as pl

__all__ = [
    "daily_windows",
    "day_span_for_one",
    "day_spans",
    "local_dates",
    "local_instant",
    "window_for_one",
]

UTC_DATETIME = pl.Datetime("us", "UTC")

Window = tuple[datetime, datetime]

_RESOLUTION = timedelta(microseconds=1)


@functools.cache
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        # Unknown zones are rejected when the contacts are loaded; reaching here is a bug
        # upstream, and guessing a zone could only widen what is allowed.
        raise ValueError(f"unknown time zone {name!r}") from exc


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def local_instant(day: date, at: time, zone: str, *, later: bool) -> datetime:
    """The UTC instant at which the local clock in ``zone`` shows ``at`` on ``day``.

    ``later`` picks between the two instants of a repeated (fall-back) local time: ``True`` for a
    window start, ``False`` for a window end, so the window never covers a wrong local time. A
    local time inside a spring-forward gap maps to the end of the gap (the transition instant).
    """
    tz = _zone(zone)
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first == second:
        return first
    low, high = min(first, second), max(first, second)
    if _wall(first, tz) == naive and _wall(second, tz) == naive:  # repeated local time
        return high if later else low
    # In a gap: the local clock jumps over ``naive`` somewhere in [low, high]; find the first
    # instant whose local time is at or after it (the transition), to the microsecond.
    # Invariant: the local time at ``lo`` is before ``naive``, at ``hi`` at or after it.
    lo, hi = low, high
    while hi - lo > _RESOLUTION:
        mid = lo + (hi - lo) // 2
        if _wall(mid, tz) >= naive:
            hi = mid
        else:
            lo = mid
    return hi


def window_for_one(zones: Sequence[str], day: date, start: time, end: time) -> Window | None:
    """The UTC window in which local time is in ``[start, end)`` on ``day`` in every zone.

    ``None`` when there are no zones (nothing known: the caller blocks) or the hours of the
    zones do not overlap on that date.
    """
    _check_hours(start, end)
    if not zones:
        return None
    opens = max(local_instant(day, start, z, later=True) for z in zones)
    closes = min(local_instant(day, end, z, later=False) for z in zones)
    return (opens, closes) if opens < closes else None


def _check_hours(start: time, end: time) -> None:
    if start.tzinfo is not None or end.tzinfo is not None:
        raise ValueError("calling hours are local wall-clock times: pass naive times")
    if not start < end:
        raise ValueError(f"calling hours must satisfy start < end, got {start} – {end}")


def _set_keys(zone_sets: pl.Series) -> tuple[pl.Series, list[str]]:
    """A string key per row (zones joined by ',') and the distinct keys (null rows excluded)."""
    keys = zone_sets.cast(pl.List(pl.String)).list.join(",", ignore_nulls=True)
    distinct = keys.drop_nulls().unique().sort().to_list()
    return keys, distinct


def _zones_of(key: str) -> list[str]:
    return key.split(",") if key else []


def _map_back(keys: pl.Series, distinct: list[str], values: list[datetime | None]) -> pl.Series:
    if not distinct:
        return pl.Series(dtype=UTC_DATETIME).extend_constant(None, len(keys))
    index = keys.replace_strict(distinct, list(range(len(distinct))), return_dtype=pl.UInt32)
    return pl.Series(values, dtype=UTC_DATETIME).gather(index)


def daily_windows(zone_sets: pl.Series, day: date, start: time, end: time) -> pl.DataFrame:
    """``window_start`` and ``window_end`` (UTC) of each row's zone set on ``day``.

    Computed once per distinct zone set with :func:`window_for_one`; rows with an empty or null
    set, or whose zones do not overlap, get nulls (the caller blocks them).
    """
    _check_hours(start, end)
    keys, distinct = _set_keys(zone_sets)
    windows = [window_for_one(_zones_of(k), day, start, end) for k in distinct]
    return pl.DataFrame(
        [
            _map_back(keys, distinct, [w[0] if w else None for w in windows]).alias("window_start"),
            _map_back(keys, distinct, [w[1] if w else None for w in windows]).alias("window_end"),
        ]
    )


def day_span_for_one(zones: Sequence[str], day: date, days: int) -> Window | None:
    """The UTC instants from the first local midnight of ``day - (days - 1)`` to the last local
    midnight ending ``day``, over every zone of the set.

    An event counts in "the last ``days`` days" (today included) when it falls in this span:
    it was on one of those local dates in at least one zone of the set — the side that counts
    more events, so a cap can never be passed by an uncertain zone.
    """
    if not zones or days < 1:
        return None
    first = day - timedelta(days=days - 1)
    after = day + timedelta(days=1)
    return (
        min(local_instant(first, time(0), z, later=False) for z in zones),
        max(local_instant(after, time(0), z, later=True) for z in zones),
    )


def day_spans(zone_sets: pl.Series, days_of: pl.Series, days: int) -> pl.DataFrame:
    """``span_from`` and ``span_to`` (UTC) of :func:`day_span_for_one` for each row's zone set
    and date, computed once per distinct (set, date)."""
    keys, _ = _set_keys(zone_sets)
    pairs = pl.DataFrame({"k": keys, "d": days_of.cast(pl.Date)})
    distinct = pairs.unique(maintain_order=True).drop_nulls()
    spans = [
        day_span_for_one(_zones_of(k), d, days)
        for k, d in zip(distinct["k"].to_list(), distinct["d"].to_list(), strict=True)
    ]
    table = distinct.with_columns(
        pl.Series("span_from", [s[0] if s else None for s in spans], dtype=UTC_DATETIME),
        pl.Series("span_to", [s[1] if s else None for s in spans], dtype=UTC_DATETIME),
    )
    return pairs.join(table, on=["k", "d"], how="left", maintain_order="left").select(
        "span_from", "span_to"
    )


def local_times(zone_sets: pl.Series, instants: pl.Series) -> pl.Series:
    """Each instant as a naive local timestamp in the first zone of its set, or in its zone when
    given one zone name per row (null when there is none); one conversion per distinct zone.

    Each zone's rows are converted apart and written back in place (no join or sort back into
    row order); a column of one zone is converted whole."""
    if zone_sets.dtype == pl.String or isinstance(zone_sets.dtype, pl.Categorical | pl.Enum):
        first = zone_sets  # a categorical column is partitioned by its codes, not its text
    else:
        first = zone_sets.cast(pl.List(pl.String)).list.first()
    at = instants.cast(UTC_DATETIME)
    if first.dtype == pl.String and len(first) and not first.has_nulls():
        lowest = first.min()
        if lowest == first.max():  # one zone (a one-country book): no partition to find
            return at.dt.convert_time_zone(str(lowest)).dt.replace_time_zone(None).alias("local")
    frame = pl.DataFrame({"z": first, "at": at}).with_row_index("_i")
    parts = frame.filter(pl.col("z").is_not_null()).partition_by(
        "z", as_dict=True, include_key=False
    )
    if len(parts) == 1 and first.null_count() == 0:
        ((zone,),) = parts
        return at.dt.convert_time_zone(str(zone)).dt.replace_time_zone(None).alias("local")
    missing = np.iinfo(np.int64).min
    naive = np.full(len(at), missing, dtype=np.int64)
    for (zone,), part in parts.items():
        converted = part.get_column("at").dt.convert_time_zone(str(zone))
        naive[part.get_column("_i").to_numpy()] = (
            converted.dt.replace_time_zone(None).to_physical().to_numpy()
        )
    return (
        pl.Series("local", naive)
        .to_frame()
        .select(pl.when(pl.col("local") != missing).then(pl.col("local")).cast(pl.Datetime("us")))
        .to_series()
    )


def local_clock(zone_sets: pl.Series, instants: pl.Series) -> pl.DataFrame:
    """The local `local_date`, `hour` (0-23) and `weekday` (1 = Monday) of each instant in the
    first zone of its set, or in its zone when given one zone name per row (nulls when there is
    none); one conversion per distinct zone."""
    return (
        local_times(zone_sets, instants)
        .to_frame("local")
        .select(
            pl.col("local").dt.date().alias("local_date"),
            pl.col("local").dt.hour().cast(pl.Int8).alias("hour"),
            pl.col("local").dt.weekday().cast(pl.Int8).alias("weekday"),
        )
    )


def local_dates(zone_sets: pl.Series, instants: pl.Series) -> pl.Series:
    """The local calendar date of each instant in the first zone of its set (null when the set
    is empty). The windows of that date are the ones a contact at that instant falls in."""
    return local_clock(zone_sets, instants).get_column("local_date")
