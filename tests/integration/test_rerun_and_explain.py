"""Re-running a day reproduces the run; explain answers from the run folder; writes are atomic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arrears.cli.app import app
from arrears.planning import output
from arrears.planning.explain import ExplainError, explain
from arrears.planning.run import run_plan
from builders import RUN_DATE, PortfolioBuilder

SEED = Path(__file__).parents[2] / "examples" / "strategies" / "seed_example.yaml"
FILES = ("actions.parquet", "blocked.parquet", "accounts.parquet", "rejects.csv", "strategy.yaml")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    b = PortfolioBuilder()
    for n in range(1, 31):
        b.debtor(n, dpd=n)
    b.debtor(40, dpd=7, status="dispute")
    b.debtor(50, dpd=7, product="credit_card")
    b.point(2, "P00002b", "+8613900000002", relation="self", opt_out="sms")
    b.point(3, "P00003x", "+8613900000003", role="emergency", relation="parent")
    return b.write(tmp_path / "data")


def test_rerunning_the_same_day_reproduces_every_file_but_the_timings(data: Path, tmp_path: Path):
    first = run_plan(data=data, strategy_path=SEED, run_date=RUN_DATE, out=tmp_path / "a")
    second = run_plan(data=data, strategy_path=SEED, run_date=RUN_DATE, out=tmp_path / "b")
    for name in FILES:
        assert (first.out / name).read_bytes() == (second.out / name).read_bytes(), name
    m1 = json.loads((first.out / "manifest.json").read_text())
    m2 = json.loads((second.out / "manifest.json").read_text())
    assert m1.pop("timings").keys() == m2.pop("timings").keys()
    assert m1 == m2
    # Re-running into the same folder replaces it in place, with the same content.
    third = run_plan(data=data, strategy_path=SEED, run_date=RUN_DATE, out=tmp_path / "a")
    assert (third.out / "actions.parquet").read_bytes() == (
        second.out / "actions.parquet"
    ).read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "data"]


def test_a_run_killed_while_writing_leaves_the_previous_folder_and_no_partial_one(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    out = tmp_path / "run"
    run_plan(data=data, strategy_path=SEED, run_date=RUN_DATE, out=out)
    before = (out / "actions.parquet").read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(output, "manifest", crash)
    with pytest.raises(KeyboardInterrupt):
        run_plan(data=data, strategy_path=SEED, run_date=RUN_DATE, out=out)
    assert (out / "actions.parquet").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "run"]


def test_explain_gives_features_segment_steps_actions_and_blocked(data: Path, tmp_path: Path):
    outcome = run_plan(data=data, strategy_path=SEED, run_date=RUN_DATE, out=tmp_path / "run")
    answer = explain(outcome.out, "A00007")
    assert answer.features["dpd"] == 7
    assert answer.segment == "A"
    assert answer.arm == "champion"
    fired = {s.step: s.fired for s in answer.steps}
    assert fired == {"A.1": True, "A.2": False, "A.3": False}
    assert [a["channel"] for a in answer.actions] == ["sms"]
    assert answer.blocked == []

    held = explain(outcome.out, "A00040")
    assert held.segment == "A"
    assert [b["rule"] for b in held.blocked] == ["HOLD-DISPUTE"]
    assert held.actions == []

    not_a_step_day = explain(outcome.out, "A00008")
    assert all(not s.fired for s in not_a_step_day.steps)
    assert "dpd 8 is not a step day" in not_a_step_day.steps[0].why


def test_explain_shows_the_segment_conditions_that_did_not_hold(data: Path, tmp_path: Path):
    outcome = run_plan(data=data, strategy_path=SEED, run_date=RUN_DATE, out=tmp_path / "run")
    answer = explain(outcome.out, "A00030")  # dpd 30: still M1
    assert answer.segments == [("A", "bucket == 'M1' and product == 'cash_loan'", True)]
    card = explain(outcome.out, "A00050")  # a credit card: segment A's condition is false
    assert card.segments == [("A", "bucket == 'M1' and product == 'cash_loan'", False)]
    assert card.segment is None and card.steps == [] and card.actions == []
    assert card.features["bucket"] == "M1"
    with pytest.raises(ExplainError, match="not in run"):
        explain(outcome.out, "NOPE")


def test_the_explain_command_prints_the_rule_and_json(data: Path, tmp_path: Path):
    outcome = run_plan(data=data, strategy_path=SEED, run_date=RUN_DATE, out=tmp_path / "run")
    runner = CliRunner()
    result = runner.invoke(app, ["explain", "--run", str(outcome.out), "--account", "A00040"])
    assert result.exit_code == 0, result.output
    assert "HOLD-DISPUTE" in result.output
    as_json = runner.invoke(
        app, ["explain", "--run", str(outcome.out), "--account", "A00007", "--json"]
    )
    assert as_json.exit_code == 0, as_json.output
    parsed = json.loads(as_json.output)
    assert parsed["segment"] == "A"
    assert parsed["actions"][0]["channel"] == "sms"
