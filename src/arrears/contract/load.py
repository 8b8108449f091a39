"""Reading a folder of contract tables: structural checks that stop the run.

A structural error (missing table, missing required column, unreadable file) is the lender's
extract job being wrong, not one bad row: nothing can be planned safely, so the run stops with
one message naming the file and the column, and writes nothing. Row-level problems are left
to `validate`, which rejects the row and lets every other row go on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from arrears.contract.tables import LOAD_ORDER, TABLES, Table, empty_rejects
from arrears.contract.validate import TableCheck, validate_table


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


def read_raw(path: Path, table: Table) -> pl.DataFrame:
    """Read one file without judging its values; only an unreadable file raises."""
    try:
        if path.suffix == ".csv":
            # Every column as text: a bad value must reject its row, not the whole file.
            frame = pl.read_csv(path, infer_schema=False, null_values=[""])
            # Surrounding blanks are extract noise; a blank-only cell is an empty one.
            frame = frame.with_columns(
                pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c).str.strip_chars())
                for c in frame.columns
            )
        else:
            frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises several kinds; all mean "cannot read this file"
        raise _unreadable(path, exc) from exc
    _require_columns(path, table, frame.columns)
    return frame


def load_portfolio(data_dir: Path) -> Portfolio:
    """Load and validate every contract table present in `data_dir`.

    Tables are validated in dependency order so a row whose parent was rejected is rejected too
    (with a reason naming the missing parent) rather than planned against nothing.
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
    # Structural checks of every file first: a broken file must stop the run before any work.
    for name, path in paths.items():
        read_schema(path, TABLES[name])

    clean: dict[str, pl.DataFrame] = {}
    reject_parts: list[pl.DataFrame] = []
    rows_read: dict[str, int] = {}
    for name, path in paths.items():
        table = TABLES[name]
        raw = read_raw(path, table)
        parents = {fk.table: clean[fk.table] for fk in table.foreign_keys if fk.table in clean}
        check: TableCheck = validate_table(raw, table, parents=parents)
        rows_read[name] = raw.height
        del raw  # one raw table at a time keeps the peak low on large portfolios
        clean[name] = check.clean
        if check.rejects.height:
            reject_parts.append(check.rejects)
    files = {name: path.name for name, path in paths.items()}
    prints = {name: fingerprint(path) for name, path in paths.items()}
    rejects = pl.concat(reject_parts, how="vertical") if reject_parts else empty_rejects()
    return Portfolio(clean, rejects, files, prints, rows_read)
