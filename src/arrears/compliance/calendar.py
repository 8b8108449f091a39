"""Which days are workdays, weekends, public holidays or make-up workdays, per place.

The compliance guard asks, for a country (ISO 3166-1 alpha-2) and an optional region
(ISO 3166-2, e.g. ``US-CA``, ``GB-SCT``, ``CN-BJ``), what kind of day a date is. Public holidays
come from the ``holidays`` package; China's make-up workdays (调休, a Saturday or Sunday that is
an official workday) come from its ``weekend_workdays``. A lender's override table is applied
last. The weekend is Saturday and Sunday for every country in this release.
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

import holidays
import polars as pl

__all__ = ["DAY_KINDS", "CalendarError", "day_kinds", "load_overrides"]

DAY_KINDS = ("workday", "weekend", "holiday", "makeup_workday")

_OUT = {"country": pl.String, "region": pl.String, "day": pl.Date, "kind": pl.String}


class CalendarError(ValueError):
    """Bad calendar input: places, overrides or an override file."""


@functools.lru_cache(maxsize=256)
def _calendar(country: str, region: str | None, years: range) -> holidays.HolidayBase | None:
    """The holidays of a place; an unknown subdivision falls back to the national calendar.
    Cached: a plan asks about the same few places many times (the run day, next days)."""
    subdiv = region.split("-", 1)[-1].strip() if region else ""
    if subdiv:
        try:
            return holidays.country_holidays(country.upper(), subdiv=subdiv.upper(), years=years)
        except NotImplementedError:
            pass
    try:
        return holidays.country_holidays(country.upper(), years=years)
    except NotImplementedError:
        return None


def _optional(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A String column of ``frame``, or nulls when it is absent."""
    found = pl.col(column) if column in frame.columns else pl.lit(None)
    return found.cast(pl.String).alias(column)


def _check_overrides(overrides: pl.DataFrame) -> pl.DataFrame:
    """Overrides with the canonical columns and types; a later row wins for the same key."""
    missing = [c for c in ("country", "date", "kind") if c not in overrides.columns]
    if missing:
        raise CalendarError(f"overrides: missing column {missing[0]!r}")
    frame = overrides.select(
        pl.col("country").cast(pl.String),
        _optional(overrides, "region"),
        pl.col("date").cast(pl.Date).alias("day"),
        pl.col("kind").cast(pl.String),
        _optional(overrides, "name"),
    )
    bad = frame.filter(~pl.col("kind").is_in(DAY_KINDS) | pl.col("kind").is_null())
    if bad.height:
        raise CalendarError(f"overrides: column 'kind': unknown kind {bad['kind'][0]!r}")
    if frame.filter(pl.col("country").is_null() | pl.col("day").is_null()).height:
        raise CalendarError("overrides: columns 'country' and 'date' must not be null")
    return frame.unique(["country", "region", "day"], keep="last", maintain_order=True)


def day_kinds(
    places: pl.DataFrame, start: date, end: date, overrides: pl.DataFrame | None = None
) -> pl.DataFrame:
    """One row per distinct place (``country``, ``region``) and day in ``start..end`` inclusive.

    Columns: country, region (null kept), day, kind (one of DAY_KINDS), holiday (name or null).
    The weekend is Saturday and Sunday for every country in this release. A region maps to the
    ``holidays`` subdivision after the dash (``US-CA`` -> ``CA``); an unknown subdivision uses the
    national calendar, an unknown country gets weekends only. A public holiday wins over a
    weekend; a make-up workday is a Saturday/Sunday the country declares a workday.

    ``overrides`` (as returned by :func:`load_overrides`: country, region, date, kind, name) are
    applied last: a row with a region beats a country-wide row (null region) for that region. The
    override's name becomes ``holiday``; without a name, a computed holiday name is kept only if
    the day stays a holiday.
    """
    if start > end:
        raise CalendarError(f"start {start} is after end {end}")
    if "country" not in places.columns:
        raise CalendarError("places: missing column 'country'")
    places = (
        places.select(pl.col("country").cast(pl.String), _optional(places, "region"))
        .unique(maintain_order=True)
        .with_row_index("_pid")
    )
    if places["country"].null_count():
        raise CalendarError("places: column 'country' must not be null")

    years = range(start.year - 1, end.year + 2)  # observed days can cross a year boundary
    pid: list[int] = []
    hday: list[date] = []
    hname: list[str | None] = []
    makeup: list[tuple[int, date]] = []
    for index, country, place_region in places.iter_rows():
        cal = _calendar(country, place_region, years)
        if cal is None:
            continue
        for day, name in cal.items():
            if start <= day <= end:
                pid.append(index)
                hday.append(day)
                hname.append(name)
        workdays = getattr(cal, "weekend_workdays", ())
        makeup += [(index, d) for d in workdays if start <= d <= end and d.isoweekday() >= 6]
    found = pl.DataFrame(
        {"_pid": pid, "day": hday, "holiday": hname},
        schema={"_pid": pl.UInt32, "day": pl.Date, "holiday": pl.String},
    )
    extra = pl.DataFrame(
        makeup, schema={"_pid": pl.UInt32, "day": pl.Date}, orient="row"
    ).with_columns(pl.lit(True).alias("_makeup"))

    days = pl.DataFrame({"day": pl.date_range(start, end, "1d", eager=True)})
    grid = (
        places.join(days, how="cross")
        .join(found, on=["_pid", "day"], how="left")
        .join(extra, on=["_pid", "day"], how="left")
        .with_columns(
            pl.when(pl.col("holiday").is_not_null())
            .then(pl.lit("holiday"))
            .when(pl.col("_makeup").fill_null(False))
            .then(pl.lit("makeup_workday"))
            .when(pl.col("day").dt.weekday() >= 6)
            .then(pl.lit("weekend"))
            .otherwise(pl.lit("workday"))
            .alias("kind")
        )
    )
    if overrides is not None:
        grid = _apply(grid, _check_overrides(overrides))
    return grid.select(*_OUT, "holiday").sort(["country", "region", "day"], nulls_last=False)


def _apply(grid: pl.DataFrame, overrides: pl.DataFrame) -> pl.DataFrame:
    """Region-specific overrides, then country-wide ones, then the computed calendar."""
    local = overrides.filter(pl.col("region").is_not_null())
    wide = overrides.filter(pl.col("region").is_null()).drop("region")
    grid = grid.join(
        local.rename({"kind": "_rk", "name": "_rn"}), on=["country", "region", "day"], how="left"
    ).join(wide.rename({"kind": "_ck", "name": "_cn"}), on=["country", "day"], how="left")
    chosen = pl.coalesce("_rk", "_ck")
    name = pl.when(pl.col("_rk").is_not_null()).then(pl.col("_rn")).otherwise(pl.col("_cn"))
    kept = pl.when(chosen == "holiday").then(pl.col("holiday"))
    return grid.with_columns(
        pl.coalesce(chosen, pl.col("kind")).alias("kind"),
        pl.when(chosen.is_null())
        .then(pl.col("holiday"))
        .otherwise(pl.coalesce(name, kept))
        .alias("holiday"),
    )


def load_overrides(path: Path) -> pl.DataFrame:
    """Read an override CSV: country, date (YYYY-MM-DD), kind, and optional region, name.

    Returns columns country, region, date, kind, name (blank region/name read as null).
    Raises CalendarError naming the file, the column and the 1-based data row on bad input.
    """
    try:
        raw = pl.read_csv(path, infer_schema=False)
    except pl.exceptions.NoDataError as exc:
        raise CalendarError(f"{path}: empty file, missing column 'country'") from exc
    for column in ("country", "date", "kind"):
        if column not in raw.columns:
            raise CalendarError(f"{path}: missing column {column!r}")

    def text(column: str) -> pl.Expr:
        if column not in raw.columns:
            return pl.lit(None, pl.String).alias(column)
        value = pl.col(column).str.strip_chars()
        return pl.when(value.str.len_bytes() > 0).then(value).alias(column)

    frame = raw.select(
        text("country").str.to_uppercase(),
        text("region").str.to_uppercase(),
        text("date").str.to_date("%Y-%m-%d", strict=False),
        text("kind"),
        text("name"),
    )
    checks = (
        ("country", pl.col("country").is_null(), "is empty"),
        ("date", pl.col("date").is_null(), "is not a YYYY-MM-DD date"),
        ("kind", ~pl.col("kind").is_in(DAY_KINDS).fill_null(False), f"is not in {DAY_KINDS}"),
    )
    numbered = frame.with_row_index("_row", offset=1)
    for column, failed, problem in checks:
        bad = numbered.filter(failed)["_row"]
        if bad.len():
            row = int(bad[0])
            value = raw[column][row - 1]
            raise CalendarError(f"{path}: column {column!r}, row {row}: {value!r} {problem}")
    return frame
