"""Models in the daily plan: trained on a history, they score every account into columns the
strategy's conditions use; each action records the versions; the manifest flags drift."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from arrears.cli.models import read_snapshots
from arrears.contract.load import load_portfolio
from arrears.generate.portfolio import write_portfolio
from arrears.generate.snapshots import generate_history
from arrears.planning.run import run_plan
from arrears.scoring.metrics import auc
from arrears.scoring.store import load_model, save_model
from arrears.scoring.train import train_model
from arrears.scoring.training_set import training_frame
from arrears.strategy.load import StrategyError

RUN_DATE = date(2026, 11, 30)
SCORED = """
name: scored
version: 1
jurisdiction: [CN, US, GB]
buckets:
  M1: [1, 30]
  M2+: [31, null]
segments:
  - id: likely_payers
    when: bucket == 'M1' and score_pay >= 0.3
    steps:
      - id: lp.sms
        days: [1, 5, 10, 20]
        channel: sms
        template: gentle
        opt_out_notice: true
  - id: m1_rest
    when: bucket == 'M1'
    steps:
      - id: m1.sms
        days: [1, 5, 10, 20]
        channel: sms
        template: firm
        opt_out_notice: true
"""


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("models")
    data = base / "history"
    tables = generate_history(accounts=3000, seed=4, country="mixed", as_of=RUN_DATE, days=98)
    write_portfolio(tables, data, fmt="parquet")
    history = load_portfolio(data).tables
    snapshots = read_snapshots(data)
    models = base / "models"
    for target, backend in (("pay", "scorecard"), ("roll", "lightgbm")):
        result = train_model(history, snapshots, target, backend=backend, within_days=14)
        save_model(result.model, result.card, models)
    strategy = base / "scored.yaml"
    strategy.write_text(SCORED, encoding="utf-8")
    return {"data": data, "models": models, "strategy": strategy, "base": base}


def test_the_cards_measure_out_of_time_and_rank_better_than_chance(
    trained: dict[str, Path],
) -> None:
    for target in ("pay", "roll"):
        _, card = load_model(trained["models"], target)
        test_from = date.fromisoformat(card["label"]["test_from"])
        assert date.fromisoformat(card["training_window"]["end"]) < test_from
        assert card["metrics"]["test"]["auc"] > 0.7, card["metrics"]
        assert "bucket" not in {f["name"] for f in card["features"]}


def test_scores_drive_the_segments_and_every_action_names_the_model_versions(
    trained: dict[str, Path],
) -> None:
    out = trained["base"] / "run"
    run_plan(
        data=trained["data"], strategy_path=trained["strategy"], run_date=RUN_DATE, out=out,
        models=trained["models"],
    )  # fmt: skip
    accounts = pl.read_parquet(out / "accounts.parquet")
    scores = accounts.select("score_pay", "score_roll")
    assert scores.null_count().sum_horizontal().item() == 0
    assert scores.min().min_horizontal().item() >= 0.0
    assert scores.max().max_horizontal().item() <= 1.0
    m1 = accounts.filter(pl.col("bucket") == "M1")
    likely = m1.filter(pl.col("score_pay") >= 0.3)
    assert 0 < likely.height < m1.height  # the case under test: both segments are used
    assert (likely.get_column("segment") == "likely_payers").all()
    rest = m1.filter(pl.col("score_pay") < 0.3)
    assert (rest.get_column("segment") == "m1_rest").all()
    manifest = json.loads((out / "manifest.json").read_text())
    versions = manifest["models"]["versions"]
    for target in ("pay", "roll"):
        _, card = load_model(trained["models"], target)
        assert versions[target] == card["version"]
    actions = pl.read_parquet(out / "actions.parquet")
    tag = f"pay@{versions['pay']},roll@{versions['roll']}"
    assert actions.height > 0 and actions.get_column("models").unique().to_list() == [tag]
    drift = manifest["models"]["drift"]["pay"]
    flagged = {f for f, d in drift["psi"].items() if d > 0.25}
    assert set(drift["flagged"]) == flagged


def test_the_saved_model_ranks_who_paid_on_days_it_never_saw(trained: dict[str, Path]) -> None:
    model, card = load_model(trained["models"], "pay")
    history = load_portfolio(trained["data"]).tables
    frame = training_frame(history, read_snapshots(trained["data"]), "pay", within_days=14).frame
    test = frame.filter(pl.col("as_of") >= date.fromisoformat(card["label"]["test_from"]))
    p = model.predict_proba(test.select([str(n) for n in model.feature_names_in_]))[:, 1]
    assert test.height > 100 and auc(test.get_column("pay").to_numpy(), p) > 0.7


def test_a_strategy_using_a_score_without_its_model_is_refused(trained: dict[str, Path]) -> None:
    with pytest.raises(StrategyError, match="plan with --models holding a 'pay' model"):
        run_plan(
            data=trained["data"], strategy_path=trained["strategy"], run_date=RUN_DATE,
            out=trained["base"] / "unscored",
        )  # fmt: skip
