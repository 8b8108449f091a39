"""`arrears dial-sim` as a user runs it: the table, --json, and an unknown scenario."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from arrears.cli.app import app

runner = CliRunner()


def test_dial_sim_prints_the_table_and_json() -> None:
    args = ["dial-sim", "--scenario", "n10-p30-h120", "--seeds", "1", "--hours", "0.5"]
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    for name in ("progressive", "vicidial", "predictive", "ratio"):
        assert name in out.output
    js = runner.invoke(app, [*args, "--json"])
    assert js.exit_code == 0, js.output
    rows = json.loads(js.stdout)["rows"]
    assert len(rows) == 6 and {"occupancy", "abandon_rate", "worst_window"} <= set(rows[0])


def test_unknown_scenario_exits_2_with_the_names() -> None:
    out = runner.invoke(app, ["dial-sim", "--scenario", "nope"])
    assert out.exit_code == 2
    assert "n20-p15-h120" in out.output and "day" in out.output
