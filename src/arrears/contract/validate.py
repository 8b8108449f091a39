"""Row-level validation of one contract table, vectorized.

Every check is a Polars condition over the whole column; the rows failing any check go to
`rejects` (one line per failing column, with the reason) and every other row goes on with typed
columns. Nothing is dropped silently. The conditions run over every row as small integer codes;
the readable messages are formatted only for the few failing rows, which keeps a 40-million-row
contacts table cheap to check.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from arrears.contract.phones import phone_errors, timezone_errors
from arrears.contract.tables import Column, ForeignKey, Table, empty_rejects
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
    """The raw value as text, for messages and parsing (CSV cells arrive already stripped)."""
    return pl.col(name).cast(pl.String)


def _value(name: str) -> pl.Expr:
    """The typed value, computed once per column by `validate_table`."""
    return pl.col(f"__v_{name}")


def parse_timestamp(text: pl.Expr) -> pl.Expr:
    """ISO 8601 with `Z` or an offset; a timestamp without offset is taken as UTC (contract)."""
    with_offset = text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", time_zone=UTC, strict=False)
    naive_t = text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False)
    naive_space = text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False)
    naive = pl.coalesce(naive_t, naive_space).dt.replace_time_zone(UTC)
    return pl.coalesce(with_offset, naive).dt.cast_time_unit("us")


def _has_empty(frame: pl.DataFrame, names: list[str]) -> dict[str, bool]:
    """Whether each text column holds an empty string: one pass over all of them."""
    if not names:
        return {}
    found = frame.select((pl.col(name) == "").any().alias(name) for name in names).row(0)
    return {name: bool(value) for name, value in zip(names, found, strict=True)}


def _typed_columns(frame: pl.DataFrame, table: Table) -> list[pl.Expr]:
    """`_typed` of every column of `table`, but a text column without empty strings is used as
    it is (no copy); the text columns are looked at in one pass."""
    schema = frame.schema
    text = [c.name for c in table.columns if c.kind == "str" and schema[c.name] == pl.String]
    empty = _has_empty(frame, text)
    return [
        (pl.col(c.name) if c.name in empty and not empty[c.name] else _typed(c, schema[c.name]))
        for c in table.columns
    ]


def _typed(col: Column, dtype: pl.DataType) -> pl.Expr:
    """The column converted to its contract type; null where it cannot be converted."""
    name = col.name
    if col.kind == "str":
        return pl.when(_text(name) == "").then(None).otherwise(_text(name))
    if col.kind == "decimal":
        value = (
            pl.col(name).cast(pl.Float64)
            if dtype.is_numeric()
            else _text(name).cast(pl.Float64, strict=False)
        )
        return pl.when(value.is_finite()).then(value)  # NaN and infinities are not amounts
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
        return parse_timestamp(_text(name))
    raise ValueError(f"unknown column kind {col.kind}")


_KIND_TEXT = {
    "decimal": "not a number",
    "int": "not a whole number",
    "bool": "not true/false",
    "date": "not a date (YYYY-MM-DD)",
    "timestamp": "not a timestamp (ISO 8601, UTC)",
}


Check = tuple[pl.Expr, pl.Expr]  # (failing condition, message)


def _column_checks(col: Column, dtype: pl.DataType, phone_err: pl.Expr | None) -> list[Check]:
    """The checks of one column, in the order they are reported (the first failing wins)."""
    name = col.name
    raw_text = _text(name)
    present = pl.col(name).is_not_null()
    if dtype == pl.String:
        present = present & (pl.col(name) != "")
    typed = _value(name)
    checks: list[Check] = []
    if not col.nullable:
        checks.append((~present, pl.lit("required value is empty")))
    if col.kind != "str":
        checks.append(
            (present & typed.is_null(), pl.format(f"{_KIND_TEXT[col.kind]}: '{{}}'", raw_text))
        )
    if col.non_negative:
        checks.append((typed < 0, pl.format("must not be negative: {}", typed)))
    if col.enum is not None:
        allowed = ", ".join(col.enum)
        if col.enum_list:
            items = raw_text.str.split(",").list.eval(pl.element().str.strip_chars())
            bad = items.list.eval(~pl.element().is_in(col.enum) & (pl.element() != "")).list.any()
            msg = pl.format(f"unknown value in '{{}}' (allowed: {allowed})", raw_text)
            checks.append((present & bad, msg))
        else:
            msg = pl.format(f"unknown value '{{}}' (allowed: {allowed})", raw_text)
            checks.append((present & ~raw_text.is_in(col.enum), msg))
    if col.phone_when_kind and phone_err is not None:
        checks.append((present & phone_err.is_not_null(), phone_err))
    if col.timezone:
        tz_err = pl.col(f"__tz_{name}")
        checks.append((present & tz_err.is_not_null(), tz_err))
    if col.hours is not None:
        checks.append(
            (present & ~_hours_ok(raw_text, several=col.hours == "list"), _hours_msg(col))
        )
    return checks


_HHMM = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"
_SPAN = re.compile(rf"^{_HHMM}-{_HHMM}$")


def _hours_ok(text: pl.Expr, *, several: bool) -> pl.Expr:
    """Each item is "HH:MM-HH:MM" with the start before the end."""
    items = text.str.split(",") if several else text.str.split("\x00")
    return items.list.eval(
        pl.element().str.strip_chars().str.contains(_SPAN.pattern)
        & (
            pl.element().str.strip_chars().str.slice(0, 5)
            < pl.element().str.strip_chars().str.slice(6, 5)
        )
    ).list.all()


def _hours_msg(col: Column) -> pl.Expr:
    what = "comma-separated HH:MM-HH:MM" if col.hours == "list" else "HH:MM-HH:MM"
    return pl.format(f"not local hours ({what}, start before end): '{{}}'", _text(col.name))


def later_repeats(keys: pl.Series) -> pl.Series:
    """True for each non-null key that an earlier row already has (the first one stands).

    Exact, but fast on tens of millions of keys: the keys' 64-bit hashes are sorted to find
    the few hashes that repeat, and only the rows carrying those are compared as text.
    """
    present = keys.is_not_null()
    hashes = keys.hash(seed=0)
    ordered = np.sort((hashes if keys.null_count() == 0 else hashes.filter(present)).to_numpy())
    repeats = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    if repeats.size == 0:
        return pl.repeat(False, keys.len(), eager=True)
    suspect = (hashes.is_in(pl.Series(repeats, dtype=pl.UInt64).implode()) & present).alias("s")
    frame = pl.DataFrame({"key": keys, "suspect": suspect}).with_row_index("i")
    later = frame.filter("suspect").filter(~pl.col("key").is_first_distinct()).get_column("i")
    mask = np.zeros(keys.len(), dtype=bool)
    mask[later.to_numpy()] = True
    return pl.Series(keys.name, mask)


def _key_checks(
    frame: pl.DataFrame,
    table: Table,
    parents: Mapping[str, pl.DataFrame],
    duplicates: pl.Series | None,
) -> list[tuple[str, Check]]:
    """(column, check) for the duplicate key and every foreign key with a loaded parent.

    A foreign key is checked with an anti-join (far cheaper than a membership test against
    millions of parent keys); the few dangling rows are then marked by their row number.
    """
    key = table.key
    # The first row with a key stands; a later one repeating it is the bad row. A part of a
    # table (one shard) gets the duplicate rows found over the whole file.
    if duplicates is None:
        duplicates = frame.get_column(ROW).filter(later_repeats(frame.get_column(key)))
    repeated = pl.col(ROW).is_in(duplicates.implode())
    out = [
        (
            key,
            (
                repeated,
                pl.format("duplicate key '{}' (an earlier row has it)", _text(key)),
            ),
        )
    ]
    for fk in table.foreign_keys:
        parent = parents.get(fk.table)
        if parent is None:
            continue
        dangling, message = _dangling(frame, fk, parent, parents.get("accounts"))
        out.append((fk.column, (pl.col(ROW).is_in(dangling.implode()), message)))
    return out


def _dangling(
    frame: pl.DataFrame,
    fk: ForeignKey,
    parent: pl.DataFrame,
    accounts: pl.DataFrame | None,
) -> tuple[pl.Series, pl.Expr]:
    """Row numbers whose key has no parent (an anti-join), and the message for them.

    With `same_customer_as`, the parent must also belong to the customer of the row's account:
    a contact point of somebody else is as wrong as a missing one, and the answer is the same
    whether the file is checked whole or by customer shards.
    """
    targets = parent.select(pl.col(fk.target).cast(pl.String).alias(fk.column))
    on = [fk.column]
    message = pl.format(f"{fk.column} '{{}}' not found in {fk.table}", _text(fk.column))
    if fk.same_customer_as is not None and accounts is not None:
        via = fk.same_customer_as
        owners = accounts.select(pl.col(via).cast(pl.String), "customer_id")
        keys = (
            _present(
                frame.select(ROW, pl.col(fk.column).cast(pl.String), pl.col(via).cast(pl.String)),
                fk.column,
            )
            .join(owners, on=via, how="left")
            .drop(via)
        )
        targets = parent.select(pl.col(fk.target).cast(pl.String).alias(fk.column), "customer_id")
        on = [fk.column, "customer_id"]
        message = pl.format(
            f"{fk.column} '{{}}' is not a contact point of the customer of {via} '{{}}'",
            _text(fk.column),
            _text(via),
        )
    else:
        keys = _present(frame.select(ROW, pl.col(fk.column).cast(pl.String)), fk.column)
    dangling = keys.join(targets, on=on, how="anti", nulls_equal=False).get_column(ROW)
    return dangling, message


def _present(keys: pl.DataFrame, column: str) -> pl.DataFrame:
    """The rows with a `column` value (an empty key is not dangling); no copy when all have."""
    if keys.get_column(column).null_count() == 0:
        return keys
    return keys.filter(pl.col(column).is_not_null())


def _helpers(frame: pl.DataFrame, table: Table) -> tuple[list[pl.Series], pl.Expr | None]:
    """Checks that are Series functions rather than expressions (phone metadata, zone names)."""
    helpers: list[pl.Series] = []
    phone_err: pl.Expr | None = None
    for col in table.columns:
        if col.phone_when_kind:
            is_phone = frame.get_column("kind").cast(pl.String) == "phone"
            values = frame.get_column(col.name).cast(pl.String)
            errs = phone_errors(values.filter(is_phone))
            full = pl.repeat(None, frame.height, dtype=pl.String, eager=True).alias(
                f"__phone_{col.name}"
            )
            full = full.scatter(is_phone.arg_true(), errs) if errs.len() else full
            helpers.append(full)
            phone_err = pl.col(f"__phone_{col.name}")
        if col.timezone:
            values = frame.get_column(col.name).cast(pl.String)
            helpers.append(timezone_errors(values).cast(pl.String).alias(f"__tz_{col.name}"))
    return helpers, phone_err


def _with_optional_columns(raw: pl.DataFrame, table: Table) -> pl.DataFrame:
    """Add absent optional columns as empty so the rest of the code sees one shape."""
    missing = [c for c in table.columns if c.name not in raw.columns]
    if not missing:
        return raw
    return raw.with_columns(pl.lit(None, dtype=pl.String).alias(c.name) for c in missing)


def validate_table(
    raw: pl.DataFrame,
    table: Table,
    *,
    parents: Mapping[str, pl.DataFrame],
    duplicates: pl.Series | None = None,
    extra_types: Mapping[str, pl.DataType] | None = None,
) -> TableCheck:
    """Split `raw` into typed clean rows and rejects (`table, row, key, column, error`).

    `row` is the 1-based position of the data row in the file (a CSV's line number minus one);
    a `__row` column in `raw` gives it when `raw` is only a part of the file.
    `parents` maps table names to their already-cleaned frames for the foreign-key checks.
    `duplicates` (row numbers) and `extra_types` replace what is found in `raw` itself when
    `raw` is a part of the file and the answer must hold for the whole file.
    """
    frame = _with_optional_columns(raw, table)
    if ROW not in frame.columns:
        frame = frame.with_row_index(ROW, offset=1)
    schema = frame.schema
    helpers, phone_err = _helpers(frame, table)
    frame = frame.with_columns(
        *helpers,
        *[
            typed.alias(f"__v_{c.name}")
            for c, typed in zip(table.columns, _typed_columns(frame, table), strict=True)
        ],
    )
    checks: list[tuple[str, list[Check]]] = [
        (c.name, _column_checks(c, schema[c.name], phone_err)) for c in table.columns
    ]
    checks += [
        (column, [check]) for column, check in _key_checks(frame, table, parents, duplicates)
    ]
    checks = [(column, branches) for column, branches in checks if branches]
    codes = [f"__c{i}" for i in range(len(checks))]
    frame = frame.with_columns(
        first_of(
            [(cond, pl.lit(k + 1, dtype=pl.UInt8)) for k, (cond, _) in enumerate(branches)],
            otherwise=pl.lit(0, dtype=pl.UInt8),
        ).alias(code)
        for code, (_, branches) in zip(codes, checks, strict=True)
    )
    failing = pl.any_horizontal(pl.col(c) > 0 for c in codes)
    bad = frame.filter(failing)

    reject_parts = []
    for code, (column, branches) in zip(codes, checks, strict=True):
        rows = bad.filter(pl.col(code) > 0)
        if rows.height == 0:
            continue
        message = first_of([(pl.col(code) == k + 1, msg) for k, (_, msg) in enumerate(branches)])
        reject_parts.append(
            rows.select(
                pl.lit(table.name).alias("table"),
                pl.col(ROW).cast(pl.Int64).alias("row"),
                _text(table.key).alias("key"),
                pl.lit(column).alias("column"),
                message.cast(pl.String).alias("error"),
            )
        )
    rejects = pl.concat(reject_parts).sort("row", "column") if reject_parts else empty_rejects()

    defaults = [
        pl.col(c.name).fill_null(pl.lit(c.default)) for c in table.columns if c.default is not None
    ]
    extra = [c for c in raw.columns if c not in {col.name for col in table.columns} | {ROW}]
    # With no failing row, no filter: selecting existing columns shares their memory.
    kept = frame.filter(~failing) if bad.height else frame
    clean = kept.select(
        *[_value(c.name).alias(c.name) for c in table.columns], *extra
    ).with_columns(defaults)
    # Types come from every row of the file (as for a file planned by shards), not only the
    # clean ones, so a rejected row cannot change how a condition reads a column.
    types = extra_column_types(raw, extra) if extra_types is None else extra_types
    return TableCheck(clean=cast_extra(clean, types), rejects=rejects)


def _blank_to_null(text: pl.Series) -> pl.Series:
    text = text.str.strip_chars()
    return text.set(text == "", None)


def _convert(text: pl.Series, dtype: pl.DataType) -> pl.Series:
    """Text to `dtype`, null where a value does not convert."""
    if dtype == pl.Boolean:
        low = text.str.to_lowercase()
        return low.is_in(_TRUE).set(~low.is_in(_TRUE + _FALSE), None)
    if dtype == pl.Date:
        return text.str.to_date("%Y-%m-%d", strict=False)
    return text.cast(dtype, strict=False)


EXTRA_TYPES: tuple[pl.DataType, ...] = (pl.Int64(), pl.Float64(), pl.Date(), pl.Boolean())
"""The types a lender's own text column may get, narrowest first (`extra_column_types`)."""


def extra_type_fits(frame: pl.DataFrame, names: list[str]) -> dict[str, list[bool]]:
    """For a part of a file: for each text column with a non-empty value, whether every such
    value converts to each of EXTRA_TYPES. The whole file's type (`extra_column_types`) is
    the first of EXTRA_TYPES that fits in every part (`combine_type_fits`)."""
    fits: dict[str, list[bool]] = {}
    for name in names:
        series = frame.get_column(name)
        if series.dtype != pl.String:
            continue
        text = _blank_to_null(series)
        present = int(text.is_not_null().sum())
        if present:
            fits[name] = [
                int(_convert(text, dtype).is_not_null().sum()) == present for dtype in EXTRA_TYPES
            ]
    return fits


def combine_type_fits(parts: list[dict[str, list[bool]]]) -> dict[str, pl.DataType]:
    """`extra_column_types` of a whole file from `extra_type_fits` of its parts."""
    every: dict[str, list[bool]] = {}
    for part in parts:
        for name, fits in part.items():
            every[name] = [a and b for a, b in zip(every.get(name, fits), fits, strict=True)]
    return {
        name: next(t for t, ok in zip(EXTRA_TYPES, fits, strict=True) if ok)
        for name, fits in every.items()
        if any(fits)
    }


def extra_column_types(frame: pl.DataFrame, names: list[str]) -> dict[str, pl.DataType]:
    """The narrowest type every non-empty value of a lender's own text column fits.

    A `score` column read from CSV is text; a strategy comparing `score > 600` expects a
    number. A column gets a type only when every non-empty value converts, so nothing is lost.
    """
    types: dict[str, pl.DataType] = {}
    for name in names:
        series = frame.get_column(name)
        if series.dtype != pl.String:
            continue
        text = _blank_to_null(series)
        present = int(text.is_not_null().sum())
        if present == 0:
            continue
        for dtype in EXTRA_TYPES:
            if int(_convert(text, dtype).is_not_null().sum()) == present:
                types[name] = dtype
                break
    return types


def cast_extra(frame: pl.DataFrame, types: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Convert the extra text columns to the types `extra_column_types` chose."""
    casts = [
        _convert(_blank_to_null(frame.get_column(name)), dtype).alias(name)
        for name, dtype in types.items()
        if name in frame.columns and frame.schema[name] == pl.String
    ]
    return frame.with_columns(casts) if casts else frame
