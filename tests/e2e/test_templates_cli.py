"""`arrears render`, `check-templates` and `plan --templates` as a user runs them."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from arrears.cli.app import app
from arrears.generate.portfolio import generate_portfolio, write_portfolio
from arrears.templates.library import Library

REPO = Path(__file__).parents[2]
LIBRARY = REPO / "examples" / "templates"
STRATEGIES = REPO / "examples" / "strategies"
DAY = "2026-11-30"
runner = CliRunner()


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "data"
    tables = generate_portfolio(accounts=1500, seed=9, country="mixed", as_of=dt.date(2026, 11, 30))
    write_portfolio(tables, folder)
    return folder


def an_account(data: Path, language: str, lo: int, hi: int) -> dict[str, object]:
    accounts = pl.read_parquet(data / "accounts.parquet").join(
        pl.read_parquet(data / "customers.parquet"), on="customer_id"
    )
    dpd = (pl.lit(dt.date(2026, 11, 30)) - pl.col("due_date")).dt.total_days()
    return (
        accounts.filter((pl.col("language") == language) & dpd.is_between(lo, hi))
        .sort("account_id")
        .row(0, named=True)
    )


def test_render_prints_the_text_for_the_account_and_its_sms_segments(data: Path) -> None:
    row = an_account(data, "zh-CN", 1, 30)
    result = runner.invoke(
        app,
        [
            "render",
            "--templates",
            str(LIBRARY),
            "--id",
            "m1_reminder_sms",
            "--data",
            str(data),
            "--account",
            str(row["account_id"]),
            "--date",
            DAY,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "m1_reminder_sms v2 (zh-CN, sms, reminder, for the debtor)" in result.output
    assert f"{row['name']}您好" in result.output
    assert "SMS: UCS-2, " in result.output and " segments (67 each)" in result.output


def test_render_as_json_gives_the_text_and_sms_info(data: Path) -> None:
    row = an_account(data, "en-US", 31, 60)
    result = runner.invoke(
        app,
        [
            "render",
            "--templates",
            str(LIBRARY),
            "--id",
            "m2_pressure_sms",
            "--data",
            str(data),
            "--account",
            str(row["account_id"]),
            "--date",
            DAY,
            "--lender",
            "Acme Credit",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["template"], out["version"], out["language"], out["state"]) == (
        "m2_pressure_sms",
        1,
        "en",
        "approved",
    )
    assert out["text"].startswith(f"Acme Credit: Hi {row['name']}, $")
    assert out["sms"]["encoding"] == "GSM-7"
    assert out["sms"]["segments"] == 2 and out["sms"]["unit"] == "septets"


def test_render_refuses_an_unknown_id_and_a_library_with_an_escape(
    data: Path, tmp_path: Path
) -> None:
    row = an_account(data, "en-GB", 1, 30)
    args = ["--data", str(data), "--account", str(row["account_id"]), "--date", DAY]
    missing = runner.invoke(app, ["render", "--templates", str(LIBRARY), "--id", "nope", *args])
    assert missing.exit_code == 2
    assert "no version of 'nope' for en-GB" in missing.output
    evil = tmp_path / "lib" / "en" / "evil.j2"
    evil.parent.mkdir(parents=True)
    evil.write_text(
        "---\nid: evil\nversion: 1\ntone: reminder\nstage: {buckets: [M1]}\nchannel: sms\n"
        "audience: debtor\nlanguage: en\nstate: draft\n---\n"
        "Hi {{ name }}\n{{ cycler.__init__.__globals__.os.popen('id').read() }}\n",
        encoding="utf-8",
    )
    refused = runner.invoke(
        app, ["render", "--templates", str(evil.parents[1]), "--id", "evil", *args]
    )
    assert refused.exit_code == 2
    assert f"{evil}:12:1: error: '__globals__' reaches Python internals" in refused.output


def test_check_templates_loads_the_library_and_checks_a_strategy_against_it(
    data: Path, tmp_path: Path
) -> None:
    ok = runner.invoke(
        app,
        [
            "check-templates",
            "--templates",
            str(LIBRARY),
            "--strategy",
            str(STRATEGIES / "mixed_example.yaml"),
            "--data",
            str(data),
        ],
    )
    assert ok.exit_code == 0, ok.output
    approved = sum(t.language == "en" for t in Library.load(LIBRARY).approved())
    assert f"en: {approved} approved" in ok.output
    assert "every step's template is approved" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (STRATEGIES / "seed_example.yaml")
        .read_text(encoding="utf-8")
        .replace("template: notice_b", "template: notice_z"),
        encoding="utf-8",
    )
    failed = runner.invoke(
        app, ["check-templates", "--templates", str(LIBRARY), "--strategy", str(bad)]
    )
    assert failed.exit_code == 1
    assert "template 'notice_z' is not in the template library" in failed.output
    assert f"{bad}:" in failed.output


def test_validate_checks_a_strategys_steps_against_its_library(tmp_path: Path) -> None:
    ok = runner.invoke(
        app, ["validate", "--strategy", str(STRATEGIES / "mixed_with_templates.yaml")]
    )
    assert ok.exit_code == 0, ok.output
    folder = tmp_path / "strategies"
    shutil.copytree(STRATEGIES, folder)
    shutil.copytree(LIBRARY, tmp_path / "templates")
    bad = folder / "mixed_with_templates.yaml"
    text = bad.read_text(encoding="utf-8")
    assert "tone: pressure" in text
    bad.write_text(text.replace("tone: pressure", "template: no_such_words", 1), encoding="utf-8")
    failed = runner.invoke(app, ["validate", "--strategy", str(bad)])
    assert failed.exit_code == 1
    assert "template 'no_such_words' is not in the template library" in failed.output


def test_plan_with_templates_records_each_actions_template_version(
    data: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        [
            "plan",
            "--data",
            str(data),
            "--strategy",
            str(STRATEGIES / "seed_example.yaml"),
            "--date",
            DAY,
            "--out",
            str(tmp_path / "run"),
            "--templates",
            str(LIBRARY),
        ],
    )
    assert result.exit_code == 0, result.output
    actions = pl.read_parquet(tmp_path / "run" / "actions.parquet")
    assert actions.height > 0
    assert set(actions.get_column("template")) <= {"reminder_1", "notice_b", "m1_reminder_call"}
    assert actions.get_column("template_version").null_count() == 0
    assert set(actions.get_column("template_language")) <= {"zh-CN", "en"}


def test_plan_of_a_strategy_whose_library_is_missing_stops_with_exit_2(
    data: Path, tmp_path: Path
) -> None:
    strategy = tmp_path / "s.yaml"
    strategy.write_text(
        (STRATEGIES / "mixed_with_templates.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    result = runner.invoke(
        app,
        [
            "plan",
            "--data",
            str(data),
            "--strategy",
            str(strategy),
            "--date",
            DAY,
            "--out",
            str(tmp_path / "run"),
        ],
    )
    assert result.exit_code == 2
    assert f"{strategy}:10:12: error: templates: no template library at" in result.output
    assert not (tmp_path / "run").exists()
