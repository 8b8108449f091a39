"""Bad input: a broken file stops the run with exit 2; a bad row is rejected, the rest planned."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from arrears.cli.app import app
from arrears.planning.run import run_plan
from builders import RUN_DATE, PortfolioBuilder, cn_phone

SEED = Path(__file__).parents[2] / "examples" / "strategies" / "seed_example.yaml"
runner = CliRunner()


def plan_cli(data: Path, out: Path):
    return runner.invoke(
        app,
        [
            "plan",
            "--data",
            str(data),
            "--strategy",
            str(SEED),
            "--date",
            RUN_DATE.isoformat(),
            "--out",
            str(out),
        ],
    )


def good_portfolio() -> PortfolioBuilder:
    b = PortfolioBuilder()
    for n, dpd in enumerate((1, 7, 15), start=1):
        b.debtor(n, dpd=dpd)
    return b


def drop_column(path: Path, column: str) -> None:
    frame = pl.read_csv(path, infer_schema=False)
    frame.drop(column).write_csv(path)


@pytest.mark.parametrize(
    ("table", "column"),
    [("accounts", "overdue_amount"), ("customers", "country"), ("contacts", "value")],
)
def test_a_missing_required_column_exits_2_naming_file_and_column_and_writes_nothing(
    tmp_path: Path, table: str, column: str
):
    data = good_portfolio().write(tmp_path / "data")
    drop_column(data / f"{table}.csv", column)
    result = plan_cli(data, tmp_path / "run")
    assert result.exit_code == 2
    assert f"{table}.csv" in result.output
    assert f"'{column}'" in result.output
    assert not (tmp_path / "run").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


def test_a_missing_required_table_exits_2_naming_the_table(tmp_path: Path):
    data = good_portfolio().write(tmp_path / "data")
    (data / "contacts.csv").unlink()
    result = plan_cli(data, tmp_path / "run")
    assert result.exit_code == 2
    assert "contacts" in result.output
    assert not (tmp_path / "run").exists()


def test_an_unreadable_file_exits_2_naming_the_file(tmp_path: Path):
    data = good_portfolio().write(tmp_path / "data")
    (data / "accounts.csv").unlink()
    (data / "accounts.parquet").write_bytes(b"this is not parquet at all")
    result = plan_cli(data, tmp_path / "run")
    assert result.exit_code == 2
    assert "accounts.parquet" in result.output
    assert not (tmp_path / "run").exists()


BAD_ROWS = [
    # (table, row overrides for the bad customer 9's row, column, error fragment)
    ("accounts", {"account_id": "A00001"}, "account_id", "duplicate key"),
    ("accounts", {"overdue_amount": "-5"}, "overdue_amount", "must not be negative"),
    ("accounts", {"due_date": "2026-02-30"}, "due_date", "not a date"),
    ("accounts", {"overdue_amount": "abc"}, "overdue_amount", "not a number"),
    ("accounts", {"status": "sleeping"}, "status", "unknown value 'sleeping'"),
    ("accounts", {"customer_id": "C404"}, "customer_id", "not found in customers"),
    ("contacts", {"value": "+86123"}, "value", "valid"),
    ("contacts", {"value": "13800138000"}, "value", "E.164"),
    ("contacts", {"role": "boss"}, "role", "unknown value 'boss'"),
    ("contacts", {"opt_out": "sms,pigeon"}, "opt_out", "unknown value"),
    ("contacts", {"timezone": "Mars/Olympus"}, "timezone", "Mars/Olympus"),
    ("customers", {"timezone": "Europe/Atlantis"}, "timezone", "Europe/Atlantis"),
    ("customers", {"contact_hours": "20:00-19:00"}, "contact_hours", "start before end"),
    ("customers", {"do_not_call": "12:00-13:00,25:00-26:00"}, "do_not_call", "HH:MM-HH:MM"),
]


@pytest.mark.parametrize(("table", "override", "column", "fragment"), BAD_ROWS)
def test_a_bad_row_is_rejected_with_its_reason_and_every_other_row_is_planned(
    tmp_path: Path, table: str, override: dict, column: str, fragment: str
):
    builder = good_portfolio()
    builder.debtor(9, dpd=21)
    rows = builder.tables[table]
    index = next(i for i, r in enumerate(rows) if r["customer_id"] == "C00009")
    rows[index] = {**rows[index], **override}
    data = builder.write(tmp_path / "data")
    outcome = run_plan(data=data, strategy_path=SEED, run_date=RUN_DATE, out=tmp_path / "run")

    with (tmp_path / "run" / "rejects.csv").open(encoding="utf-8") as fh:
        rejects = list(csv.DictReader(fh))
    assert list(rejects[0]) == ["table", "row", "key", "column", "error"]
    mine = [r for r in rejects if r["table"] == table and r["column"] == column]
    assert mine, rejects
    assert fragment in mine[0]["error"]
    # The good debtors 1–3 (dpd 1, 7, 15) are all planned.
    planned = set(outcome.result.actions.get_column("account_id").to_list())
    assert {"A00001", "A00002", "A00003"} <= planned
    # The bad row's account (or the account of the bad contact) is not planned with bad data.
    if table == "accounts" and column != "account_id":
        assert "A00009" not in set(outcome.result.accounts.get_column("account_id"))
    manifest = (tmp_path / "run" / "manifest.json").read_text()
    assert '"reject_lines": ' + str(len(rejects)) in manifest


def test_a_rejected_customer_takes_its_accounts_and_contacts_along_with_reasons(tmp_path: Path):
    builder = good_portfolio()
    builder.debtor(9, dpd=21, country="")
    data = builder.write(tmp_path / "data")
    outcome = run_plan(data=data, strategy_path=SEED, run_date=RUN_DATE, out=tmp_path / "run")
    rejects = outcome.portfolio.rejects
    assert rejects.filter(pl.col("table") == "customers").get_column("error").to_list() == [
        "required value is empty"
    ]
    cascade = rejects.filter(pl.col("table") != "customers")
    assert sorted(cascade.get_column("table").to_list()) == ["accounts", "contacts"]
    assert all("C00009' not found in customers" in e for e in cascade.get_column("error"))


def test_a_valid_phone_of_another_country_is_accepted(tmp_path: Path):
    builder = good_portfolio()
    builder.debtor(9, dpd=7, phone="+12125550123".replace("555", "736"))
    data = builder.write(tmp_path / "data")
    outcome = run_plan(data=data, strategy_path=SEED, run_date=RUN_DATE, out=tmp_path / "run")
    assert outcome.portfolio.rejects.height == 0
    assert cn_phone(1) in set(outcome.portfolio.tables["contacts"].get_column("value"))


def test_an_attempt_through_another_customers_contact_point_is_rejected(tmp_path: Path):
    builder = good_portfolio()
    builder.attempt("T1", "2026-11-20T03:00:00Z", "sent", contact="P00002", channel="sms")
    builder.attempt("T2", "2026-11-21T03:00:00Z", "sent", channel="sms")
    data = builder.write(tmp_path / "data")
    outcome = run_plan(data=data, strategy_path=SEED, run_date=RUN_DATE, out=tmp_path / "run")
    rejects = outcome.portfolio.rejects.to_dicts()
    assert rejects == [
        {
            "table": "attempts",
            "row": 1,
            "key": "T1",
            "column": "contact_id",
            "error": "contact_id 'P00002' is not a contact point of the customer of account_id "
            "'A00001'",
        }
    ]
    assert outcome.portfolio.tables["attempts"].get_column("attempt_id").to_list() == ["T2"]
