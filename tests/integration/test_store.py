"""The system of record: migrations, import, export, append-only ledger, runs — on SQLite and
on PostgreSQL (a fresh database per module; it fails under CI and skips elsewhere when the
server is unreachable)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from arrears.cli.app import app
from arrears.contract.load import load_portfolio
from arrears.contract.tables import TABLES
from arrears.generate.portfolio import generate_portfolio, write_portfolio
from arrears.planning.run import run_plan
from arrears.store.db import ENV_VAR, database_url, engine, upgrade
from arrears.store.io import import_run, import_tables, read_tables
from arrears.store.models import Base
from arrears.store.repository import AuditRepository, LedgerRepository
from databases import BACKENDS, fresh_database

RUN_DATE = dt.date(2026, 11, 30)
STRATEGY = Path(__file__).parents[2] / "examples" / "strategies" / "mixed_example.yaml"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = generate_portfolio(accounts=2000, seed=3, country="mixed", as_of=RUN_DATE)
    out = tmp_path_factory.mktemp("portfolio")
    write_portfolio(tables, out)
    return out


@pytest.fixture(scope="module")
def original_run(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "run"
    run_plan(data=folder, strategy_path=STRATEGY, run_date=RUN_DATE, out=out)
    return out


@pytest.fixture(scope="module", params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database of each back end."""
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as address:
        yield address


@pytest.fixture(scope="module")
def loaded(url: str, folder: Path) -> str:
    """The database with the generated portfolio imported."""
    import_tables(url, load_portfolio(folder).tables)
    return url


def _counts(url: str) -> dict[str, int]:
    eng = engine(url)
    with eng.connect() as connection:
        counts = {
            name: int(connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)
            for name, table in Base.metadata.tables.items()
        }
    eng.dispose()
    return counts


def test_the_database_url_is_the_explicit_one_then_the_environment_then_a_local_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert database_url(None) == "sqlite:///arrears.db"
    monkeypatch.setenv(ENV_VAR, "postgresql://u@h/db")
    assert database_url(None) == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_the_ledger_and_audit_repositories_offer_no_update_or_delete() -> None:
    for repository in (LedgerRepository, AuditRepository):
        verbs = {name for name in dir(repository) if not name.startswith("_")}
        assert not {v for v in verbs if v.startswith(("update", "delete", "remove", "set"))}


def test_the_migration_creates_every_table(url: str) -> None:
    eng = engine(url)
    names = set(sa.inspect(eng).get_table_names())
    eng.dispose()
    assert set(Base.metadata.tables) | {"alembic_version"} <= names
    upgrade(url)  # a second upgrade is a no-op


def test_an_import_then_an_export_gives_back_the_original_tables(
    loaded: str, folder: Path, tmp_path: Path
) -> None:
    original = load_portfolio(folder)
    runner = CliRunner()
    result = runner.invoke(app, ["export", "--db", loaded, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    exported = load_portfolio(tmp_path / "out")
    assert exported.rejects.height == 0
    assert set(exported.tables) == set(original.tables)
    for name, frame in original.tables.items():
        key = TABLES[name].key
        assert_frame_equal(exported.tables[name].sort(key), frame.sort(key))
        assert pl.read_parquet_schema(tmp_path / "out" / f"{name}.parquet") == frame.schema


def test_importing_the_same_folder_again_adds_no_rows_and_updates_changed_ones(
    loaded: str, folder: Path
) -> None:
    tables = load_portfolio(folder).tables
    before = _counts(loaded)
    import_tables(loaded, tables)
    after = _counts(loaded)
    assert after["audit_log"] == before["audit_log"] + 1
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    first = tables["accounts"]["account_id"][0]
    changed = tables["accounts"].with_columns(
        pl.when(pl.col("account_id") == first)
        .then(pl.lit(12.34))
        .otherwise(pl.col("overdue_amount"))
        .alias("overdue_amount")
    )
    import_tables(loaded, {**tables, "accounts": changed})
    stored = read_tables(loaded, ["accounts"])["accounts"]
    assert stored.filter(pl.col("account_id") == first)["overdue_amount"].item() == 12.34
    import_tables(loaded, tables)  # back to the original for the other tests
    assert_frame_equal(
        read_tables(loaded, ["accounts"])["accounts"], tables["accounts"].sort("account_id")
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE attempts SET outcome = 'rpc'",
        "DELETE FROM attempts",
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
    ],
)
def test_the_ledger_and_the_audit_log_refuse_update_and_delete(loaded: str, statement: str) -> None:
    before = _counts(loaded)
    assert before["attempts"] and before["audit_log"]
    eng = engine(loaded)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), eng.begin() as connection:
        connection.execute(sa.text(statement))
    eng.dispose()
    assert _counts(loaded) == before


def test_import_run_stores_the_plan_and_its_actions_once(loaded: str, original_run: Path) -> None:
    plan_id = import_run(loaded, original_run)
    assert import_run(loaded, original_run) == plan_id
    actions = pl.read_parquet(original_run / "actions.parquet")
    eng = engine(loaded)
    with eng.connect() as connection:
        plans = connection.execute(sa.text("SELECT run_date, strategy_hash FROM plans")).all()
        stored = connection.execute(
            sa.text("SELECT action_id FROM plan_actions WHERE plan_id = :p"), {"p": plan_id}
        ).scalars()
        stored_ids = set(stored)
        versions = connection.execute(sa.text("SELECT content_hash FROM strategy_versions"))
        hashes = set(versions.scalars())
    eng.dispose()
    assert len(plans) == 1
    assert str(plans[0][0])[:10] == RUN_DATE.isoformat()
    assert plans[0][1] in hashes
    assert stored_ids == set(actions["action_id"])


def test_a_plan_on_the_exported_folder_gives_the_same_actions_as_on_the_original(
    loaded: str, original_run: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["export", "--db", loaded, "--out", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    run_plan(
        data=tmp_path / "data", strategy_path=STRATEGY, run_date=RUN_DATE, out=tmp_path / "run"
    )
    original = pl.read_parquet(original_run / "actions.parquet").sort("action_id")
    again = pl.read_parquet(tmp_path / "run" / "actions.parquet").sort("action_id")
    assert original.height > 0
    assert set(again["action_id"]) == set(original["action_id"])
    assert_frame_equal(again, original)


def test_the_import_command_migrates_loads_the_folder_and_records_the_run(
    folder: Path, original_run: Path, tmp_path: Path
) -> None:
    address = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    args = ["import", "--data", str(folder), "--run", str(original_run), "--db", address]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    counts = _counts(address)
    assert counts["accounts"] == 2000
    assert counts["plans"] == 1
