"""`arrears simulate` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from arrears.cli.app import app

from .conftest import ROOT

SEED = str(ROOT / "examples/strategies/seed_example.yaml")
MIXED = str(ROOT / "examples/strategies/mixed_example.yaml")


def test_simulate_writes_the_comparison_and_prints_it(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--strategy",
            SEED,
            "--vs",
            MIXED,
            "--out",
            str(out),
            "--accounts",
            "1500",
            "--days",
            "3",
            "--seed",
            "4",
            "--start",
            "2026-11-02",
        ],
    )
    assert result.exit_code == 0, result.output
    for name in (
        "summary.json",
        "daily.parquet",
        "buckets.parquet",
        "hours.parquet",
        "report.html",
    ):
        assert (out / name).stat().st_size > 0, name
    doc = json.loads((out / "summary.json").read_text())
    assert [a["strategy"] for a in doc["arms"]] == ["small-loan-early", "mixed-portfolio"]
    assert {d["metric"] for d in doc["differences"]} >= {"recovered", "cost", "complaints"}
    assert "challenger − champion" in result.output
    assert "violations" in result.output


def test_a_bad_strategy_stops_with_its_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(SEED).read_text().replace("bucket == 'M1'", "bucket === 'M1'"))
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--strategy",
            SEED,
            "--vs",
            str(bad),
            "--out",
            str(tmp_path / "o"),
            "--accounts",
            "500",
            "--days",
            "1",
        ],
    )
    assert result.exit_code == 2
    assert "bad.yaml" in result.output
    assert not (tmp_path / "o").exists()


def test_a_strategy_reading_a_column_the_book_lacks_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "column.yaml"
    bad.write_text(Path(SEED).read_text().replace("product == 'cash_loan'", "income_band == 'low'"))
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--strategy",
            str(bad),
            "--out",
            str(tmp_path / "o"),
            "--accounts",
            "500",
            "--days",
            "1",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "column.yaml:11:" in result.output and "income_band" in result.output


def test_a_bad_knob_stops_naming_it(tmp_path: Path) -> None:
    knobs = tmp_path / "k.yaml"
    knobs.write_text("rpc_scale: -2\n")
    result = CliRunner().invoke(
        app,
        ["simulate", "--strategy", SEED, "--out", str(tmp_path / "o"), "--knobs", str(knobs)],
    )
    assert result.exit_code == 2
    assert "rpc_scale" in result.output and "k.yaml" in result.output


def test_the_dialer_floor_is_chosen_on_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    args = ["simulate", "--strategy", MIXED, "--out", str(out), "--accounts", "1500",
            "--days", "1", "--seed", "4", "--start", "2026-11-02"]  # fmt: skip
    result = CliRunner().invoke(app, [*args, "--dialer", "progressive"])
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "summary.json").read_text())
    assert doc["settings"]["knobs"]["dialer"] == "progressive"
    kpis = doc["arms"][0]["kpis"]
    assert kpis["floor_listed"] > 0 and kpis["abandoned"] == 0
    assert "abandoned" in result.output
    bad = CliRunner().invoke(app, [*args, "--dialer", "telepathic"])
    assert bad.exit_code == 2
    assert "dialer" in bad.output and "progressive" in bad.output
