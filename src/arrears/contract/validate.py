"""Row-level validation of one contract table, vectorized.

Every check is a Polars expression that yields an error text or null per row; the rows with
any error go to `rejects` (one line per failing column, with the reason) and every other row
goes on with typed columns. Nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from arrears.contract.phones import phone_errors, timezone_errors
from arrears.contract.tables import Column, Table, empty_rejects
from arrears.exprs import first_of

UTC = "UTC"
TIMESTAMP = pl.Datetime("us", UTC)
_TRUE = ("true", "1", "yes", "y", "t")
_FALSE = ("false", "0", "no", "n", "f")
ROW = "__row"


@dataclass(frozen=True)
class TableCheck:
    clean: pl.DataFrame
    rejects: pl.DataFrame


def _text(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.String).str.strip_chars()


def _parse_timestamp(text: pl.Expr) -> pl.Expr:
    """ISO 8601 with `Z` or an offset; a timestamp without offset is taken as UTC (contract)."""
    with_offset = text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", time_zone=UTC, strict=False)
    naive_t = text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False)
    naive_space = text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False)
    naive = pl.coalesce(naive_t, naive_space).dt.replace_time_zone(UTC)
    return pl.coalesce(with_offset, naive).dt.cast_time_unit("us")


def _typed(col: Column, dtype: pl.DataType) -> pl.Expr:
    """The column converted to its contract type; null where it cannot be converted."""
    name = col.name
    if col.kind == "str":
        return pl.when(_text(name) == "").then(None).otherwise(_text(name))
    if col.kind == "decimal":
        if dtype.is_numeric():
            return pl.col(name).cast(pl.Float64)
        value = _text(name).cast(pl.Float64, strict=False)
        return pl.when(value.is_finite()).then(value)
    if col.kind == "int":
        if dtype.is_integer():
            return pl.col(name).cast(pl.Int64)
        return _text(name).cast(pl.Int64, strict=False)
    if col.kind == "bool":
        if dtype == pl.Boolean:
            return pl.col(name)
        low = _text(name).str.to_lowercase()
        return first_of([(low.is_in(_TRUE), True), (low.is_in(_FALSE), False)])
    if col.kind == "date":
        if dtype == pl.Date:
            return pl.col(name)
        if isinstance(dtype, pl.Datetime):
            return pl.col(name).dt.date()
        return _text(name).str.to_date("%Y-%m-%d", strict=False)
    if col.kind == "timestamp":
        if isinstance(dtype, pl.Datetime):
            tz = dtype.time_zone
            base = pl.col(name).dt.replace_time_zone(UTC) if tz is None else pl.col(name)
            return base.dt.convert_time_zone(UTC).dt.cast_time_unit("us")
        return _parse_timestamp(_text(name))
    raise ValueError(f"unknown column kind {col.kind}")


_KIND_TEXT = {
    "decimal": "not a number",
    "int": "not a whole number",
    "bool": "not true/false",
    "date": "not a date (YYYY-MM-DD)",
    "timestamp": "not a timestamp (ISO 8601, UTC)",
}


def _column_error(col: Column, dtype: pl.DataType, phone_err: pl.Expr | None) -> pl.Expr:
    """Error text for one column of each row, or null; the first failing check wins."""
    name = col.name
    raw_text = _text(name)
    present = pl.col(name).is_not_null() & (raw_text != "")
    typed = _typed(col, dtype)
    branches: list[tuple[pl.Expr, pl.Expr]] = []
    if not col.nullable:
        branches.append((~present, pl.lit("required value is empty")))
    if col.kind != "str":
        branches.append(
            (present & typed.is_null(), pl.format(f"{_KIND_TEXT[col.kind]}: '{{}}'", raw_text))
        )
    if col.non_negative:
        branches.append((typed < 0, pl.format("must not be negative: {}", typed)))
    if col.enum is not None:
        allowed = ", ".join(col.enum)
        if col.enum_list:
            items = raw_text.str.split(",").list.eval(pl.element().str.strip_chars())
            bad = items.list.eval(~pl.element().is_in(col.enum) & (pl.element() != "")).list.any()
            msg = pl.format(f"unknown value in '{{}}' (allowed: {allowed})", raw_text)
            branches.append((present & bad, msg))
        else:
            branches.append(
                (
                    present & ~raw_text.is_in(col.enum),
                    pl.format(f"unknown value '{{}}' (allowed: {allowed})", raw_text),
                )
            )
    if col.phone_when_kind and phone_err is not None:
        branches.append((present & phone_err.is_not_null(), phone_err))
    if col.timezone:
        branches.append((present, pl.col(f"__tz_{name}")))
    return first_of(branches, otherwise=pl.lit(None, dtype=pl.String)).cast(pl.String)


def _with_optional_columns(raw: pl.DataFrame, table: Table) -> pl.DataFrame:
    """Add absent optional columns as empty so the rest of the code sees one shape."""
    missing = [c for c in table.columns if c.name not in raw.columns]
    if not missing:
        return raw
    return raw.with_columns(pl.lit(None, dtype=pl.String).alias(c.name) for c in missing)


def validate_table(
    raw: pl.DataFrame, table: Table, *, parents: Mapping[str, pl.DataFrame]
) -> TableCheck:
    """Split `raw` into typed clean rows and rejects (`table, row, key, column, error`).

    `row` is the 1-based position of the data row in the file (a CSV's line number minus one).
    `parents` maps table names to their already-cleaned frames for the foreign-key checks.
    """
    frame = _with_optional_columns(raw, table).with_row_index(ROW, offset=1)
    schema = frame.schema
    # Per-column helpers that are not expressions (phone metadata, zone list) run once here.
    helpers: list[pl.Series] = []
    phone_err: pl.Expr | None = None
    for col in table.columns:
        if col.phone_when_kind:
            is_phone = frame.get_column("kind").cast(pl.String).str.strip_chars() == "phone"
            values = frame.get_column(col.name).cast(pl.String).str.strip_chars()
            errs = phone_errors(values.filter(is_phone))
            full = pl.Series(f"__phone_{col.name}", [None] * frame.height, dtype=pl.String)
            full = full.scatter(is_phone.arg_true(), errs) if errs.len() else full
            helpers.append(full)
            phone_err = pl.col(f"__phone_{col.name}")
        if col.timezone:
            helpers.append(
                timezone_errors(frame.get_column(col.name).cast(pl.String).str.strip_chars())
                .cast(pl.String)
                .alias(f"__tz_{col.name}")
            )
    if helpers:
        frame = frame.with_columns(helpers)

    # error column -> (the contract column it reports on, the expression)
    checks: dict[str, tuple[str, pl.Expr]] = {
        f"__err_{c.name}": (c.name, _column_error(c, schema[c.name], phone_err))
        for c in table.columns
    }
    key = table.key
    checks["__err__key"] = (
        key,
        # The first row with a key stands; a later one repeating it is the bad row.
        pl.when(pl.col(key).is_not_null() & ~pl.col(key).is_first_distinct())
        .then(pl.format("duplicate key '{}' (an earlier row has it)", pl.col(key).cast(pl.String)))
        .otherwise(None),
    )
    for fk in table.foreign_keys:
        parent = parents.get(fk.table)
        if parent is None:
            continue
        known = parent.get_column(fk.target)
        checks[f"__err__fk_{fk.column}"] = (
            fk.column,
            pl.when(pl.col(fk.column).is_not_null() & ~_text(fk.column).is_in(known.implode()))
            .then(pl.format(f"{fk.column} '{{}}' not found in {fk.table}", _text(fk.column)))
            .otherwise(None),
        )
    checked = frame.with_columns(**{name: expr for name, (_, expr) in checks.items()})
    any_error = pl.any_horizontal(pl.col(n).is_not_null() for n in checks)

    reject_parts = []
    for err_name, (column, _) in checks.items():
        bad = checked.filter(pl.col(err_name).is_not_null())
        if bad.height:
            reject_parts.append(
                bad.select(
                    pl.lit(table.name).alias("table"),
                    pl.col(ROW).cast(pl.Int64).alias("row"),
                    pl.col(key).cast(pl.String).alias("key"),
                    pl.lit(column).alias("column"),
                    pl.col(err_name).alias("error"),
                )
            )
    rejects = pl.concat(reject_parts).sort("row", "column") if reject_parts else empty_rejects()

    typed = [_typed(c, schema[c.name]).alias(c.name) for c in table.columns]
    defaults = [
        pl.col(c.name).fill_null(pl.lit(c.default)) for c in table.columns if c.default is not None
    ]
    extra = [c for c in raw.columns if c not in {col.name for col in table.columns}]
    clean = (
        checked.filter(~any_error)
        .select([*typed, *[pl.col(c) for c in extra]])
        .with_columns(defaults)
    )
    return TableCheck(clean=infer_extra_types(clean, extra), rejects=rejects)


def infer_extra_types(frame: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """Give a lender's own text columns (CSV) the narrowest type every value fits.

    A `score` column read from CSV is text; a strategy comparing `score > 600` expects a
    number. A column converts only when every non-empty value does, so nothing is lost.
    """
    casts = []
    for name in names:
        series = frame.get_column(name)
        if series.dtype != pl.String:
            continue
        text = series.str.strip_chars()
        text = text.set(text == "", None)
        present = int(text.is_not_null().sum())
        if present == 0:
            continue
        for candidate in (
            text.cast(pl.Int64, strict=False),
            text.cast(pl.Float64, strict=False),
            text.str.to_date("%Y-%m-%d", strict=False),
        ):
            if int(candidate.is_not_null().sum()) == present:
                casts.append(candidate.alias(name))
                break
        else:
            low = text.str.to_lowercase()
            if int(low.is_in(_TRUE + _FALSE).sum()) == present:
                casts.append(low.is_in(_TRUE).alias(name).set(low.is_null(), None))
    return frame.with_columns(casts) if casts else frame
