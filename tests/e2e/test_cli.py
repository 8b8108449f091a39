"""The `arrears` command as a user runs it: generate, validate, plan, demo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from arrears.cli.app import app

EXAMPLES = Path(__file__).parents[2] / "examples" / "strategies"
runner = CliRunner()


def plan_args(data: Path, out: Path, *extra: str) -> list[str]:
    return [
        "plan",
        "--data",
        str(data),
        "--strategy",
        str(EXAMPLES / "mixed_example.yaml"),
        "--date",
        "2026-11-30",
        "--out",
        str(out),
        *extra,
    ]


def test_generate_then_validate_then_plan_on_csv(tmp_path: Path):
    data = tmp_path / "data"
    gen = runner.invoke(
        app,
        [
            "generate",
            "--accounts",
            "3000",
            "--seed",
            "3",
            "--country",
            "mixed",
            "--as-of",
            "2026-11-30",
            "--out",
            str(data),
            "--format",
            "csv",
        ],
    )
    assert gen.exit_code == 0, gen.output
    assert (data / "accounts.csv").exists() and (data / "attempts.csv").exists()

    ok = runner.invoke(
        app, ["validate", "--strategy", str(EXAMPLES / "mixed_example.yaml"), "--data", str(data)]
    )
    assert ok.exit_code == 0, ok.output
    assert "ok" in ok.output

    out = tmp_path / "run"
    planned = runner.invoke(app, plan_args(data, out))
    assert planned.exit_code == 0, planned.output
    manifest = json.loads((out / "manifest.json").read_text())
    actions = pl.read_parquet(out / "actions.parquet")
    assert manifest["counts"]["actions"] == actions.height > 0
    assert manifest["counts"]["accounts"] == 3000
    assert manifest["counts"]["reject_lines"] == 0
    assert manifest["compliance"]["quiet_hour_violations"] == 0
    assert set(actions.get_column("arm")) == {"champion", "challenger"}
    assert set(manifest["timings"]) >= {
        "load_validate",
        "ledger",
        "features",
        "segment",
        "steps",
        "contacts",
        "comply",
        "emit",
        "write",
        "total",
    }

    sharded = runner.invoke(app, plan_args(data, tmp_path / "sharded", "--shards", "2"))
    assert sharded.exit_code == 0, sharded.output
    assert "2 shards" in sharded.output
    assert pl.read_parquet(tmp_path / "sharded" / "actions.parquet").equals(actions)


def test_validate_reports_file_line_and_column_and_exits_1(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (EXAMPLES / "seed_example.yaml")
        .read_text()
        .replace("product == 'cash_loan'", "product == 'cash_loan' and __class__ > 1")
        .replace("channel: sms\n", "channel: pigeon\n", 1),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", "--strategy", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:" in result.output
    assert "pigeon" in result.output or "__class__" in result.output


def test_plan_with_a_broken_strategy_exits_2_and_writes_nothing(tmp_path: Path):
    data = tmp_path / "data"
    assert runner.invoke(app, ["generate", "--accounts", "200", "--out", str(data)]).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\nversion: 1\njurisdiction: CN\nbuckets: {M1: [1, 30]}\n"
        'segments:\n  - id: A\n    when: "dpd >> 3"\n    steps: []\n'
    )
    result = runner.invoke(
        app,
        [
            "plan",
            "--data",
            str(data),
            "--strategy",
            str(bad),
            "--date",
            "2026-11-30",
            "--out",
            str(tmp_path / "run"),
        ],
    )
    assert result.exit_code == 2
    assert f"{bad}:7:" in result.output
    assert not (tmp_path / "run").exists()


def test_the_demo_runs_from_the_installed_command(tmp_path: Path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "arrears",
            "demo",
            "--accounts",
            "5000",
            "--dir",
            str(tmp_path / "d"),
            "--date",
            "2026-11-30",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "where to look next" in proc.stdout
    assert "actions per channel" in proc.stdout
    for name in ("mixed", "seed"):
        run = tmp_path / "d" / "runs" / f"2026-11-30-{name}"
        assert (run / "actions.parquet").exists() and (run / "manifest.json").exists()
    assert "assignment: accounts held per team and mode" in proc.stdout
    assert "optimizer flow" in proc.stdout and "LP bound" in proc.stdout
    assert "load balance per team" in proc.stdout
    assert "call lists per hour slot (UTC)" in proc.stdout
    mixed = tmp_path / "d" / "runs" / "2026-11-30-mixed"
    assert pl.read_parquet(mixed / "assignments.parquet").height > 0
    assert not (tmp_path / "d" / "runs" / "2026-11-30-seed" / "assignments.parquet").exists()
    lists = pl.read_parquet(mixed / "call_lists.parquet")
    assert lists.get_column("slot_start").is_not_null().sum() > 0
