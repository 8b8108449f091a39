"""The contact ledger in the data folder: the contract's `attempts` table, appended.

Each send becomes one attempt row whose `attempt_id` is the action's id (its idempotency
key): `sent` when the provider accepted it, `failed` when it refused it for good. The next
`arrears plan` over the folder reads them like any other attempt, so they count against caps.

Writing is idempotent: the send state marks a batch `writing` before it is appended and
`written` after; a batch found `writing` after a crash is appended again less the ids the
file already has. A CSV table is appended to (one `write` of whole lines), a Parquet table
rewritten (Parquet cannot be appended to) with the same types.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from arrears.channels.files import data_lock, read_table, table_file, write_atomic

ATTEMPT_COLUMNS: tuple[str, ...] = (
    "attempt_id",
    "account_id",
    "contact_id",
    "channel",
    "at",
    "outcome",
    "agent_id",
)
UTC_TS = pl.Datetime("us", "UTC")


def attempt_rows(rows: Sequence[Mapping[str, object]]) -> pl.DataFrame:
    """Attempts as a frame of the contract's columns (`at` a UTC timestamp)."""
    return pl.DataFrame(
        [{c: r.get(c) for c in ATTEMPT_COLUMNS} for r in rows],
        schema={c: (UTC_TS if c == "at" else pl.String()) for c in ATTEMPT_COLUMNS},
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return str(value)


def known_ids(data: Path, ids: Sequence[str] | None = None) -> set[str]:
    """The attempt ids the folder's ledger has (of `ids` when given)."""
    path = table_file(data, "attempts")
    if not path.exists():
        return set()
    if path.suffix == ".parquet":
        column = pl.read_parquet(path, columns=["attempt_id"]).get_column("attempt_id")
    else:
        column = pl.read_csv(path, columns=["attempt_id"], infer_schema=False).get_column(
            "attempt_id"
        )
    if ids is not None:
        column = column.filter(column.is_in(list(ids)))
    return set(column.drop_nulls().to_list())


def append(data: Path, attempts: pl.DataFrame, *, dedupe: bool = False) -> int:
    """Append `attempts` (ATTEMPT_COLUMNS) to the folder's ledger; with `dedupe`, leave out
    the ids it already has. Returns the rows written."""
    if attempts.height == 0:
        return 0
    with data_lock(data):
        path = table_file(data, "attempts")
        if not path.exists():
            write_atomic(_as_stored(attempts, path, None), path)
            return attempts.height
        if path.suffix == ".parquet":
            existing = pl.read_parquet(path)
            new = attempts.join(existing.select("attempt_id"), on="attempt_id", how="anti")
            if new.height:
                write_atomic(pl.concat([existing, _as_stored(new, path, existing.schema)]), path)
            return new.height
        if dedupe:
            have = known_ids(data, attempts.get_column("attempt_id").to_list())
            attempts = attempts.filter(~pl.col("attempt_id").is_in(list(have)))
        return _append_csv(path, attempts)


def _as_stored(
    attempts: pl.DataFrame, path: Path, schema: Mapping[str, pl.DataType] | None
) -> pl.DataFrame:
    """`attempts` in the stored table's columns and types (text for a CSV file)."""
    if path.suffix != ".parquet":
        return attempts.select(
            pl.col(c).dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ") if c == "at" else pl.col(c)
            for c in ATTEMPT_COLUMNS
        )
    if schema is None:
        return attempts
    return attempts.select(
        (pl.col(name).cast(dtype) if name in attempts.columns else pl.lit(None, dtype).alias(name))
        for name, dtype in schema.items()
    )


def _append_csv(path: Path, attempts: pl.DataFrame) -> int:
    if attempts.height == 0:
        return 0
    with open(path, "rb") as handle:
        header_line = handle.readline().decode("utf-8-sig")
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        ends_with_newline = True
        if size:
            handle.seek(size - 1)
            ends_with_newline = handle.read(1) == b"\n"
    header = next(csv.reader([header_line]))
    buffer = io.StringIO()
    if not ends_with_newline:
        buffer.write("\n")
    writer = csv.writer(buffer, lineterminator="\n")
    for row in attempts.iter_rows(named=True):
        writer.writerow([_text(row.get(column)) for column in header])
    payload = buffer.getvalue().encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, payload)  # one write: a killed process leaves all of it or none
        os.fsync(fd)
    finally:
        os.close(fd)
    return attempts.height


def set_outcomes(data: Path, outcomes: Mapping[str, str]) -> int:
    """Set the `outcome` of attempts by id (a delivery receipt turns `sent` into `delivered`
    or `failed`); returns how many rows changed. The table is rewritten in one rename."""
    if not outcomes:
        return 0
    with data_lock(data):
        path = table_file(data, "attempts")
        if not path.exists():
            return 0
        table = read_table(path)
        wanted = pl.DataFrame(
            {"attempt_id": list(outcomes), "_outcome": list(outcomes.values())},
            schema={"attempt_id": table.schema["attempt_id"], "_outcome": pl.String()},
        )
        joined = table.join(wanted, on="attempt_id", how="left", maintain_order="left")
        changed = joined.filter(
            pl.col("_outcome").is_not_null() & (pl.col("_outcome") != pl.col("outcome"))
        ).height
        if changed:
            updated = joined.with_columns(
                pl.coalesce("_outcome", "outcome").cast(table.schema["outcome"]).alias("outcome")
            ).drop("_outcome")
            write_atomic(updated.select(table.columns), path)
        return changed
