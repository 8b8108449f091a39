"""Moving the contract's tables in and out of the system of record.

`import_tables` loads validated frames (what `load_portfolio` returns); `import_run` records a
planner run folder (its manifest and actions); `read_tables` / `export_tables` give the
contract's tables back, with the contract's column order and dtypes, so the next day's plan
reads the ledger from the database exactly as it would read a folder.

Re-importing is idempotent, by key:
- state tables (customers, accounts, contacts, promises, teams, agents, cases) are *upserted*:
  a row whose key exists is updated to the imported values (balances, statuses and owners
  change from day to day); a row missing from the import is kept, never deleted;
- event tables (attempts, payments, complaints) are *insert-or-skip*: an existing key is left
  as it is (the ledger is append-only, and an event does not change after the fact).

An attempt's outcome is read through its delivery receipts (`outcome_as_read`): a `sent` SMS
whose gateway later reported it `delivered` or `failed` reads so, while the ledger row stays
as appended.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Float, Table, func, select, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from arrears.contract.tables import ACTION_COLUMNS, LOAD_ORDER, TABLES, Kind
from arrears.store.db import engine
from arrears.store.models import CONTRACT_MODELS, Delivery, Plan, PlanAction, StrategyVersion
from arrears.store.repository import record_audit

CHUNK_ROWS = 5_000
EVENT_TABLES: tuple[str, ...] = ("attempts", "payments", "complaints")
"""Imported insert-or-skip; every other contract table is upserted."""

POLARS_TYPES: dict[Kind, pl.DataType] = {
    "str": pl.String(),
    "decimal": pl.Float64(),
    "date": pl.Date(),
    "timestamp": pl.Datetime("us", "UTC"),
    "int": pl.Int64(),
    "bool": pl.Boolean(),
}


def contract_schema(name: str) -> pl.Schema:
    """The contract table's columns, in order, with the dtypes `load_portfolio` gives them."""
    return pl.Schema({c.name: POLARS_TYPES[c.kind] for c in TABLES[name].columns})


def _chunks(rows: Sequence[dict[str, Any]], size: int = CHUNK_ROWS) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _scale(table: Table, column: str) -> int:
    return int(getattr(table.c[column].type, "scale", 2) or 0)


def _rows(frame: pl.DataFrame, table: Table, name: str) -> list[dict[str, Any]]:
    """The frame's contract columns as row dicts; decimals as exact `Decimal` at the column's
    scale (the contract's amounts are decimals; Polars carries them as Float64)."""
    columns = [c.name for c in TABLES[name].columns if c.name in frame.columns]
    decimals = [c for c in columns if TABLES[name].column(c).kind == "decimal"]
    rows = frame.select(columns).to_dicts()
    for column in decimals:
        scale = _scale(table, column)
        for row in rows:
            value = row[column]
            if value is not None:
                row[column] = Decimal(f"{value:.{scale}f}")
    return rows


def insert_statement(connection: Connection, table: Table, key: Sequence[str], upsert: bool) -> Any:
    """INSERT … ON CONFLICT: update the row (`upsert`) or leave it (insert-or-skip)."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:
        raise NotImplementedError(f"import into {dialect}")
    if not upsert:
        return statement.on_conflict_do_nothing(index_elements=list(key))
    changes = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in key}
    return statement.on_conflict_do_update(index_elements=list(key), set_=changes)


def import_tables(
    url: str | None, tables: dict[str, pl.DataFrame], *, actor: str = "arrears import"
) -> dict[str, int]:
    """Write validated contract tables into the database (in load order, one transaction);
    returns the rows sent per table. Columns outside the contract are not stored."""
    eng = engine(url)
    sent: dict[str, int] = {}
    try:
        with eng.begin() as connection:
            for name in LOAD_ORDER:
                frame = tables.get(name)
                if frame is None:
                    continue
                table = CONTRACT_MODELS[name].__table__
                assert isinstance(table, Table)
                rows = _rows(frame, table, name)
                statement = insert_statement(
                    connection, table, [TABLES[name].key], name not in EVENT_TABLES
                )
                for chunk in _chunks(rows):
                    connection.execute(statement, chunk)
                sent[name] = len(rows)
            extra = {
                name: sorted(set(frame.columns) - set(contract_schema(name).names()))
                for name, frame in tables.items()
                if name in TABLES
            }
            record_audit(
                connection, actor=actor, action="import", entity="portfolio",
                after={"rows": sent, "columns_not_stored": {k: v for k, v in extra.items() if v}},
            )  # fmt: skip
    finally:
        eng.dispose()
    return sent


def run_key(manifest: dict[str, Any]) -> str:
    """What identifies a run: its date, strategy content and input files. The planner is
    deterministic, so the same key means the same actions."""
    inputs = {k: v.get("sha256") for k, v in sorted(manifest.get("inputs", {}).items())}
    basis = [manifest.get("run_date"), manifest.get("strategy", {}).get("content_hash"), inputs]
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()


def import_run(
    url: str | None,
    run_folder: Path,
    *,
    actor: str = "arrears import",
    at: dt.datetime | None = None,
) -> int:
    """Record a run folder: its manifest as a `plans` row (and its strategy version), its
    `actions.parquet` as `plan_actions`, its assignments as today's work queue and the owners
    of `cases` (`work_queue.load_queue`, from `at`, default now). Returns the plan's id; a run
    already recorded (same `run_key`) is not recorded again."""
    from arrears.store.work_queue import load_queue

    manifest: dict[str, Any] = json.loads((run_folder / "manifest.json").read_text("utf-8"))
    key = run_key(manifest)
    strategy = manifest.get("strategy", {})
    content_hash = str(strategy.get("content_hash", ""))
    strategy_file = run_folder / "strategy.yaml"
    eng = engine(url)
    try:
        with eng.begin() as connection:
            existing = connection.scalar(select(Plan.id).where(Plan.run_key == key))
            if existing is not None:
                return int(existing)
            known = connection.scalar(
                select(StrategyVersion.id).where(StrategyVersion.content_hash == content_hash)
            )
            if known is None:
                connection.execute(
                    StrategyVersion.__table__.insert(),  # type: ignore[attr-defined]
                    {
                        "name": str(strategy.get("name", "")),
                        "version": str(strategy.get("version", "")),
                        "content_hash": content_hash,
                        "body": strategy_file.read_text("utf-8")
                        if strategy_file.exists()
                        else None,
                    },
                )
            plan_id = connection.execute(
                Plan.__table__.insert().returning(Plan.id),  # type: ignore[attr-defined]
                {
                    "run_key": key,
                    "run_date": dt.date.fromisoformat(manifest["run_date"]),
                    "strategy_name": str(strategy.get("name", "")),
                    "strategy_version": str(strategy.get("version", "")),
                    "strategy_hash": content_hash,
                    "manifest": manifest,
                },
            ).scalar_one()
            actions = pl.read_parquet(run_folder / "actions.parquet")
            present = [c for c in ACTION_COLUMNS if c in actions.columns]
            rows = actions.select(present).with_columns(pl.lit(plan_id).alias("plan_id"))
            if "strategy_version" in rows.columns:
                rows = rows.with_columns(pl.col("strategy_version").cast(pl.String))
            dicts = rows.to_dicts()
            for chunk in _chunks(dicts):
                connection.execute(PlanAction.__table__.insert(), chunk)  # type: ignore[attr-defined]
            units = load_queue(connection, plan_id, run_folder, at or dt.datetime.now(dt.UTC))
            record_audit(
                connection, actor=actor, action="import_run", entity="plans",
                entity_id=str(plan_id),
                after={"run_key": key, "actions": len(dicts), "work_units": units},
            )  # fmt: skip
    finally:
        eng.dispose()
    return int(plan_id)


def _column(table: Table, name: str, kind: Kind, dialect: str) -> ColumnElement[Any]:
    column = table.c[name]
    if kind == "decimal" and dialect == "sqlite":
        return type_coerce(column, Float())  # SQLite stores REAL: no Decimal round trip
    return column


def outcome_as_read(attempts: Table) -> ColumnElement[Any]:
    """An attempt's outcome as the planner and the guard read it: its latest delivery
    receipt's (`deliveries`, append-only like the ledger), else the one it was appended with."""
    receipts = Delivery.__table__.c
    latest = (
        select(receipts.outcome)
        .where(receipts.attempt_id == attempts.c.attempt_id)
        .order_by(receipts.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    outcome = attempts.c.outcome
    return func.coalesce(latest, outcome, type_=outcome.type).label("outcome")


def read_table(
    connection: Connection, name: str, where: ColumnElement[bool] | None = None
) -> pl.DataFrame:
    """One contract table as the database holds it (the rows `where` selects, or all), sorted
    by key, with the contract's column order and dtypes."""
    spec = TABLES[name]
    table = CONTRACT_MODELS[name].__table__
    assert isinstance(table, Table)
    dialect = connection.dialect.name
    columns = [_column(table, c.name, c.kind, dialect) for c in spec.columns]
    if name == "attempts":
        columns = [outcome_as_read(table) if c.name == "outcome" else c for c in columns]
    query = select(*columns).order_by(table.c[spec.key])
    if where is not None:
        query = query.where(where)
    values = list(zip(*connection.execute(query).all(), strict=False)) or [() for _ in spec.columns]
    series = []
    for column, data in zip(spec.columns, values, strict=True):
        cells = list(data)
        if column.kind == "decimal":
            cells = [None if v is None else float(v) for v in cells]
        series.append(pl.Series(column.name, cells, dtype=POLARS_TYPES[column.kind]))
    return pl.DataFrame(series, schema=contract_schema(name))


def read_tables(url: str | None, names: Sequence[str] = LOAD_ORDER) -> dict[str, pl.DataFrame]:
    """The contract's tables as the database holds them, sorted by key, with the contract's
    column order and dtypes."""
    eng = engine(url)
    try:
        with eng.connect() as connection:
            return {name: read_table(connection, name) for name in names}
    finally:
        eng.dispose()


def customer_tables(connection: Connection, customer_id: str) -> dict[str, pl.DataFrame]:
    """One customer's rows of every contract table (all of their accounts, contact points,
    ledger, promises, payments, cases, complaints; the staff tables whole): what the
    planner's stages, the pre-dial check and the offer engine need to judge that customer."""
    accounts = CONTRACT_MODELS["accounts"].__table__.c
    own = select(accounts.account_id).where(accounts.customer_id == customer_id)
    out: dict[str, pl.DataFrame] = {}
    for name in LOAD_ORDER:
        columns = CONTRACT_MODELS[name].__table__.c
        if "customer_id" in columns:
            out[name] = read_table(connection, name, columns.customer_id == customer_id)
        elif "account_id" in columns:
            out[name] = read_table(connection, name, columns.account_id.in_(own))
        else:
            out[name] = read_table(connection, name)
    return out


def export_tables(url: str | None, out_dir: Path) -> dict[str, Path]:
    """Write the contract's tables as Parquet into `out_dir` (a contract input folder).
    Required tables are always written; an optional table only when it has rows."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, frame in read_tables(url).items():
        if frame.height == 0 and not TABLES[name].required:
            continue
        path = out_dir / f"{name}.parquet"
        frame.write_parquet(path)
        written[name] = path
    return written


__all__ = [
    "EVENT_TABLES",
    "contract_schema",
    "customer_tables",
    "export_tables",
    "import_run",
    "import_tables",
    "read_table",
    "read_tables",
    "run_key",
]
