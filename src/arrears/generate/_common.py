"""Small shared helpers of the generator: id formatting, contract dtypes, time zone offsets.

Everything here works on whole columns at once: the generator must produce 10 M accounts, so
no helper ever loops over rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from arrears.contract.tables import TABLES

US_PER_DAY = 86_400_000_000
US_PER_SECOND = 1_000_000
EPOCH = dt.date(1970, 1, 1)

_DTYPES: dict[str, pl.DataType] = {
    "str": pl.String(),
    "decimal": pl.Float64(),
    "date": pl.Date(),
    "timestamp": pl.Datetime("us", "UTC"),
    "int": pl.Int64(),
    "bool": pl.Boolean(),
}


def contract_schema(table: str) -> dict[str, pl.DataType]:
    """The polars dtype of every contract column of `table`, in contract order.

    Derived from `contract.tables.TABLES` so the generator can never drift from the contract.
    """
    return {c.name: _DTYPES[c.kind] for c in TABLES[table].columns}


def to_contract(
    table: str, columns: Mapping[str, pl.Series | np.ndarray | Sequence[object]]
) -> pl.DataFrame:
    """Build a table with exactly the contract's columns, order and dtypes.

    Amounts are rounded to cents here, once, so every table obeys the same rule.
    """
    schema = contract_schema(table)
    series: list[pl.Series] = []
    for name, dtype in schema.items():
        value = columns[name]
        s = value if isinstance(value, pl.Series) else pl.Series(name, value)
        s = s.alias(name)
        if dtype == pl.Float64():
            s = s.cast(pl.Float64).round(2)
        elif s.dtype != dtype:
            s = s.cast(dtype)
        series.append(s)
    return pl.DataFrame(series)


def ids(prefix: str, n: int, width: int, start: int = 1) -> pl.Series:
    """Stable-format ids `prefix` + zero-padded counter (`A00000001`), numbered from `start`.

    Built as `10**width + i` sliced after its leading 1: one int->str cast in a lazy query,
    measurably cheaper than cast + zfill on millions of rows.
    """
    counter = pl.int_range(start, start + n, dtype=pl.Int64) + 10**width
    expr = pl.concat_str(pl.lit(prefix), counter.cast(pl.String).str.slice(1))
    return pl.select(expr.alias("id")).to_series()


def date_series(name: str, days: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    """A pl.Date column from day numbers; rows where `valid` is False become null."""
    s = pl.Series(name, days.astype(np.int32)).cast(pl.Date)
    if valid is not None:
        s = pl.select(pl.when(pl.Series(valid)).then(s).otherwise(None)).to_series().alias(name)
    return s


def utc_series(name: str, micros: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    """A Datetime('us', 'UTC') column from int64 microseconds since the epoch."""
    s = pl.Series(name, micros.astype(np.int64)).cast(pl.Datetime("us", "UTC"))
    if valid is not None:
        s = pl.select(pl.when(pl.Series(valid)).then(s).otherwise(None)).to_series().alias(name)
    return s


@lru_cache(maxsize=64)
def _offsets(zones: tuple[str, ...], first_day: int, days: int) -> np.ndarray:
    out = np.empty((len(zones), days), dtype=np.int64)
    for z, zone in enumerate(zones):
        tz = ZoneInfo(zone)
        for d in range(days):
            noon = dt.datetime.combine(EPOCH + dt.timedelta(days=first_day + d), dt.time(12))
            offset = noon.replace(tzinfo=tz).utcoffset()
            assert offset is not None
            out[z, d] = int(offset.total_seconds()) * US_PER_SECOND
    return out


def local_to_utc(
    zone_idx: np.ndarray,
    day: np.ndarray,
    seconds: np.ndarray,
    zones: tuple[str, ...],
) -> np.ndarray:
    """UTC microseconds of local wall-clock `seconds` after midnight of `day` in each zone.

    The offset is taken at local noon of that day: collection hours (08:00-21:00) never straddle
    a DST switch (those happen at night), so noon's offset is the right one for every contact
    hour. The table is (zones x days), built once with zoneinfo: no per-row tz arithmetic.
    """
    first = int(day.min()) if day.size else 0
    span = int(day.max()) - first + 1 if day.size else 1
    table = _offsets(zones, first, span)
    local = day.astype(np.int64) * US_PER_DAY + seconds.astype(np.int64) * US_PER_SECOND
    return local - table[zone_idx, day - first]


def pick(rng: np.random.Generator, n: int, p: np.ndarray | list[float]) -> np.ndarray:
    """n category indexes drawn with probabilities `p` (normalised), as int64."""
    probs = np.asarray(p, dtype=np.float64)
    cdf = np.cumsum(probs / probs.sum())
    idx = np.searchsorted(cdf, rng.random(n), side="right")
    return np.minimum(idx, len(probs) - 1)


def pick_rows(rng: np.random.Generator, table: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Per-row categorical draw where row i uses probability row `rows[i]` of `table`.

    `table` is (groups x categories), rows need not be normalised. The per-group CDFs are laid
    end to end as g + cdf (strictly increasing across groups), so one searchsorted of
    `rows + u` resolves every row at once without masks or an (n x categories) temporary.
    """
    probs = np.asarray(table, dtype=np.float64)
    cdf = np.cumsum(probs, axis=1)
    cdf = cdf / cdf[:, -1:]
    cdf[:, -1] = 1.0
    groups, cats = cdf.shape
    flat = (np.arange(groups)[:, None] + cdf).ravel()
    x = rows + rng.random(rows.size)
    idx = np.searchsorted(flat, x, side="right") - rows * cats
    return np.clip(idx, 0, cats - 1)


def gather(values: Sequence[str | None], idx: np.ndarray, name: str = "") -> pl.Series:
    """Strings from a small vocabulary by index: the vectorized way to build enum columns.

    A `None` in the vocabulary yields nulls, which is cheaper than a when/then afterwards.
    Indexes go in as a polars Series: polars gathers ~5x faster from that than from NumPy.
    """
    vocab = pl.Series(name, list(values), dtype=pl.String)
    return vocab.gather(pl.Series(_index(idx))).alias(name)


def _index(idx: np.ndarray) -> np.ndarray:
    """Indexes as given when already a NumPy integer array (no widening copy), else int64."""
    arr = np.asarray(idx)
    return arr if arr.dtype.kind in "iu" else arr.astype(np.int64)


def by_country(
    country: np.ndarray, builders: dict[int, Callable[[np.ndarray], pl.DataFrame]]
) -> pl.DataFrame:
    """Build rows per country with that country's builder, returned in the original row order.

    String assembly is the costly part of the generator; building each country's strings only
    for its own rows (rather than every format for every row, then choosing) saves most of it.
    """
    parts: list[pl.DataFrame] = []
    rows: list[np.ndarray] = []
    for c, build in builders.items():
        idx = np.flatnonzero(country == c)
        if idx.size:
            parts.append(build(idx))
            rows.append(idx)
    if len(parts) == 1:
        return parts[0]
    inv = np.empty(country.size, dtype=np.int64)
    inv[np.concatenate(rows)] = np.arange(country.size)
    return pl.concat(parts).select(pl.all().gather(pl.Series(inv)))


def take(series: pl.Series, idx: np.ndarray) -> pl.Series:
    """`series.gather(idx)` with the index passed as a polars Series (much faster)."""
    return series.gather(pl.Series(_index(idx)))
