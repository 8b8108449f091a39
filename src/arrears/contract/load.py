"""Reading a folder of contract tables: structural checks that stop the run.

A structural error (missing table, missing required column, unreadable file) is the lender's
extract job being wrong, not one bad row: nothing can be planned safely, so the run stops with
one message naming the file and the column, and writes nothing. Row-level problems are left
to `validate`, which rejects the row and lets every other row go on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from arrears.contract.tables import LOAD_ORDER, TABLES, Table, empty_rejects
from arrears.contract.validate import ROW, TableCheck, validate_table


class ContractError(Exception):
    """A structural problem with the input folder; the CLI turns it into exit code 2."""

    def __init__(self, file: Path | str, column: str | None, message: str) -> None:
        self.file = str(file)
        self.column = column
        where = f"{self.file}" + (f", column '{column}'" if column else "")
        super().__init__(f"{where}: {message}")


@dataclass
class Portfolio:
    """The validated input tables, the rejected rows and where they came from."""

    tables: dict[str, pl.DataFrame]
    rejects: pl.DataFrame
    files: dict[str, str] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)
    rows_read: dict[str, int] = field(default_factory=dict)

    def table(self, name: str) -> pl.DataFrame | None:
        return self.tables.get(name)


def find_table(data_dir: Path, name: str) -> Path | None:
    for suffix in (".parquet", ".csv"):
        path = data_dir / f"{name}{suffix}"
        if path.exists():
            return path
    return None


def fingerprint(path: Path) -> str:
    """sha256 of the file's bytes: the manifest records exactly which inputs made a plan."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _unreadable(path: Path, exc: Exception) -> ContractError:
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ContractError(path, None, f"cannot read the file ({first_line})")


def _require_columns(path: Path, table: Table, columns: list[str]) -> None:
    missing = [c for c in table.required_columns if c not in columns]
    if missing:
        raise ContractError(
            path, missing[0], f"required column '{missing[0]}' is missing from table {table.name}"
        )


def read_schema(path: Path, table: Table) -> None:
    """Check that a file opens and has the required columns, without reading its rows."""
    try:
        if path.suffix == ".csv":
            columns = pl.read_csv(path, n_rows=0, infer_schema=False).columns
        else:
            columns = list(pl.read_parquet_schema(path))
    except Exception as exc:
        raise _unreadable(path, exc) from exc
    _require_columns(path, table, columns)


def scan(path: Path) -> pl.LazyFrame:
    """The file as a lazy frame with its 1-based row number in `__row`, values unjudged.

    CSV columns are all read as text (a bad value must reject its row, not the whole file),
    with surrounding blanks removed and blank-only cells made empty.
    """
    if path.suffix == ".csv":
        lazy = pl.scan_csv(
            path, infer_schema=False, null_values=[""], row_index_name=ROW, row_index_offset=1
        )
        names = [c for c in lazy.collect_schema().names() if c != ROW]
        return lazy.with_columns(csv_cells(names))
    return pl.scan_parquet(path, row_index_name=ROW, row_index_offset=1)


def csv_cells(names: Iterable[str]) -> list[pl.Expr]:
    """CSV text cells as the planner reads them: surrounding blanks removed, blank-only cells
    empty (null). Used by `scan`, and by the Spark engine on the rows Spark's reader gives."""
    return [
        pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c).str.strip_chars()).alias(c)
        for c in names
    ]


def read_raw(path: Path, table: Table) -> pl.DataFrame:
    """Read one file without judging its values; only an unreadable file raises."""
    try:
        frame = scan(path).collect()
    except Exception as exc:  # polars raises several kinds; all mean "cannot read this file"
        raise _unreadable(path, exc) from exc
    _require_columns(path, table, frame.columns)
    # One chunk per column: an eager select on a frame whose columns are chunked unlike the
    # columns added to it later re-aligns the whole frame (seconds at millions of rows).
    return frame.rechunk()


def locate(data_dir: Path) -> dict[str, Path]:
    """The contract's tables present in `data_dir`, in load order; structurally checked.

    Every file is opened and its header checked before any row is read: a broken file must
    stop the run before any work is done.
    """
    if not data_dir.is_dir():
        raise ContractError(data_dir, None, "input folder does not exist")
    paths: dict[str, Path] = {}
    for name in LOAD_ORDER:
        path = find_table(data_dir, name)
        if path is not None:
            paths[name] = path
        elif TABLES[name].required:
            raise ContractError(
                data_dir / f"{name}.parquet|csv", None, f"required table '{name}' is missing"
            )
    for name, path in paths.items():
        read_schema(path, TABLES[name])
    return paths


def validate_all(
    raws: Iterable[tuple[str, pl.DataFrame]],
    *,
    duplicates: Mapping[str, pl.Series] | None = None,
    extra_types: Mapping[str, Mapping[str, pl.DataType]] | None = None,
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame, dict[str, int]]:
    """Validate tables in load order: (clean tables, rejects, rows read per table).

    Tables are validated in dependency order so a row whose parent was rejected is rejected too
    (with a reason naming the missing parent) rather than planned against nothing. `raws` is
    consumed one table at a time, so only one raw table is held at once.
    """
    clean: dict[str, pl.DataFrame] = {}
    reject_parts: list[pl.DataFrame] = []
    rows_read: dict[str, int] = {}
    for name, raw in raws:
        table = TABLES[name]
        parents = {fk.table: clean[fk.table] for fk in table.foreign_keys if fk.table in clean}
        check: TableCheck = validate_table(
            raw,
            table,
            parents=parents,
            duplicates=(duplicates or {}).get(name),
            extra_types=(extra_types or {}).get(name),
        )
        rows_read[name] = raw.height
        del raw
        clean[name] = check.clean
        if check.rejects.height:
            reject_parts.append(check.rejects)
    return clean, sort_rejects(reject_parts), rows_read


def sort_rejects(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """One rejects frame in a fixed order: by table (load order), row, column."""
    if not parts:
        return empty_rejects()
    rank = {name: i for i, name in enumerate(LOAD_ORDER)}
    return pl.concat(parts, how="vertical").sort(
        pl.col("table").replace_strict(rank, return_dtype=pl.Int32), "row", "column"
    )


def load_portfolio(
    data_dir: Path,
    paths: dict[str, Path] | None = None,
    only: tuple[str, ...] | None = None,
) -> Portfolio:
    """Load and validate the contract tables present in `data_dir` (found by `locate`);
    `only` limits it to some tables (their parents must be among them)."""
    paths = locate(data_dir) if paths is None else paths
    if only is not None:
        paths = {name: path for name, path in paths.items() if name in only}
    # The files' hashes are taken in a second thread while the tables are validated.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fingerprint") as pool:
        hashing = {name: pool.submit(fingerprint, path) for name, path in paths.items()}
        clean, rejects, rows_read = validate_all(read_ahead(paths))
        prints = {name: job.result() for name, job in hashing.items()}
    files = {name: path.name for name, path in paths.items()}
    return Portfolio(clean, rejects, files, prints, rows_read)


def read_ahead(paths: Mapping[str, Path]) -> Iterator[tuple[str, pl.DataFrame]]:
    """The raw tables in order, each read (in a second thread: reading and decoding release the
    GIL) while the one before it is validated. At most two raw tables are held at once."""
    items = list(paths.items())
    if not items:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as pool:
        pending = pool.submit(read_raw, items[0][1], TABLES[items[0][0]])
        for i, (name, _) in enumerate(items):
            raw = pending.result()
            if i + 1 < len(items):
                following, path = items[i + 1]
                pending = pool.submit(read_raw, path, TABLES[following])
            yield name, raw
            del raw
