"""Best time to call from the contactability model: with the model in `--models`, every voice
call of the plan is rated by the model at each hour of its window and placed at the hour the
model rates best (team hours permitting); messages keep the ledger's rates."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from arrears.cli.models import read_snapshots
from arrears.contract.load import load_portfolio
from arrears.contract.tables import VOICE_CHANNELS
from arrears.dialing.schedule import candidate_slots
from arrears.generate.portfolio import write_portfolio
from arrears.generate.snapshots import generate_history
from arrears.planning.run import RunOutcome, run_plan
from arrears.scoring.contactability import contactability_frame, train_contactability
from arrears.scoring.model import CollectionModel
from arrears.scoring.store import load_model, save_model

RUN_DATE = date(2026, 11, 30)
EVERY_DAY = ", ".join(str(d) for d in range(1, 31))
LATER = ", ".join(str(d) for d in range(31, 61))
STRATEGY = f"""
name: reach
version: 1
jurisdiction: [CN, US, GB]
buckets:
  M1: [1, 30]
  M2: [31, 60]
segments:
  - id: m1
    when: bucket == 'M1'
    steps:
      - id: m1.call
        days: [{EVERY_DAY}]
        channel: human_call
        template: m1_call
        team: m1_collectors
      - id: m1.sms
        days: [{EVERY_DAY}]
        channel: sms
        template: m1_sms
        opt_out_notice: true
  - id: m2
    when: bucket == 'M2'
    steps:
      - id: m2.robot
        days: [{LATER}]
        channel: robot_call
        template: m2_robot
"""


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("reach")
    data, models = base / "history", base / "models"
    tables = generate_history(accounts=3000, seed=4, country="mixed", as_of=RUN_DATE, days=120)
    write_portfolio(tables, data, fmt="parquet")
    trained = train_contactability(load_portfolio(data).tables, read_snapshots(data))
    save_model(trained.model, trained.card, models)
    strategy = base / "reach.yaml"
    strategy.write_text(STRATEGY, encoding="utf-8")
    whole = run_plan(
        data=data, strategy_path=strategy, run_date=RUN_DATE, out=base / "run", models=models
    )
    sharded = run_plan(
        data=data, strategy_path=strategy, run_date=RUN_DATE, out=base / "sharded",
        models=models, shards=2,
    )  # fmt: skip
    return {"data": data, "models": models, "whole": whole, "sharded": sharded, "base": base}


def _model_rates_by_training_path(
    actions: pl.DataFrame, data: Path, model: CollectionModel
) -> pl.DataFrame:
    """Every (voice action, candidate slot) rated the way training frames a call: a made-up
    call at the slot's start is added to the ledger and framed by `contactability_frame`.
    A point gets one instant per batch, so that no made-up call is history for another."""
    tables = load_portfolio(data).tables
    snapshots = read_snapshots(data)
    voice = actions.filter(pl.col("channel").is_in(list(VOICE_CHANNELS)))
    slots = candidate_slots(voice).join(
        voice.select("action_id", "account_id", "contact_id", "channel"), on="action_id"
    )
    slots = slots.with_columns(
        pl.col("slot_start").rank("dense").over("contact_id").alias("batch"),
        pl.format("~{}", pl.int_range(pl.len())).alias("attempt_id"),
    )
    parts = []
    for (batch,), made_up in slots.group_by("batch"):
        calls = made_up.select(
            "attempt_id", "account_id", "contact_id", "channel",
            pl.col("slot_start").alias("at"), pl.lit("no_answer").alias("outcome"),
        )  # fmt: skip
        ledger = pl.concat([tables["attempts"], calls], how="diagonal_relaxed")
        framed = contactability_frame({**tables, "attempts": ledger}, snapshots).frame
        framed = framed.join(calls.select("attempt_id"), on="attempt_id")
        assert framed.height == made_up.height, batch
        names = [str(n) for n in model.feature_names_in_]
        p = model.predict_proba(framed.select(names))[:, 1]
        parts.append(framed.select("attempt_id").with_columns(pl.Series("p", p)))
    rated = pl.concat(parts)
    return slots.join(rated, on="attempt_id").select("action_id", "slot_start", "p")


def test_voice_calls_are_rated_by_the_model_and_messages_by_the_ledger(
    planned: dict[str, object],
) -> None:
    outcome = planned["whole"]
    assert isinstance(outcome, RunOutcome) and outcome.result is not None
    lists = outcome.result.call_lists
    assert lists is not None
    slotted = lists.filter(pl.col("slot_start").is_not_null())
    voice = slotted.filter(pl.col("channel").is_in(list(VOICE_CHANNELS)))
    assert voice.height > 100
    assert set(voice["channel"]) == {"human_call", "robot_call"}
    assert (voice["rate_source"] == "model").all()
    messages = slotted.filter(pl.col("channel") == "sms")
    assert messages.height > 0 and set(messages["rate_source"]) <= {"point", "country"}
    assert voice["reason"].str.contains("from the model").all()
    manifest = json.loads((outcome.out / "manifest.json").read_text())
    assert manifest["dialing"]["rate_source"]["model"] == voice.height
    _, card = load_model(planned["models"], "contactability")  # type: ignore[arg-type]
    assert manifest["models"]["versions"] == {"contactability": card["version"]}
    assert "contactability" not in manifest["models"]["drift"]  # no account is scored with it


def test_each_call_takes_the_hour_the_model_rates_best_in_its_window(
    planned: dict[str, object],
) -> None:
    outcome = planned["whole"]
    assert isinstance(outcome, RunOutcome) and outcome.result is not None
    lists = outcome.result.call_lists
    assert lists is not None
    model, _ = load_model(planned["models"], "contactability")  # type: ignore[arg-type]
    rates = _model_rates_by_training_path(
        outcome.result.actions,
        planned["data"],
        model,  # type: ignore[arg-type]
    )
    placed = lists.filter(pl.col("rate_source") == "model").select(
        "action_id", pl.col("slot_start").alias("chosen"), "rpc_rate", "slot_rank"
    )
    chosen = pl.col("p").filter(pl.col("slot_start") == pl.col("chosen")).first()
    check = (
        rates.join(placed, on="action_id")
        .with_columns(chosen.over("action_id").alias("p_chosen"))
        .group_by("action_id")
        .agg(
            pl.col("p_chosen").first(),
            pl.col("p").max().alias("p_best"),
            pl.col("rpc_rate").first(),
            pl.col("slot_rank").first(),
            pl.len().alias("hours"),
            # the rank the model's own numbers give the chosen slot (a tie: the earlier first)
            (
                1
                + (pl.col("p") > pl.col("p_chosen")).sum()
                + (
                    (pl.col("p") == pl.col("p_chosen")) & (pl.col("slot_start") < pl.col("chosen"))
                ).sum()
            ).alias("expected_rank"),
        )
    )
    assert check.height == placed.height and check["hours"].median() >= 10  # type: ignore[operator]
    assert (check["rpc_rate"] - check["p_chosen"]).abs().max() < 1e-9  # type: ignore[operator]
    assert (check["slot_rank"] == check["expected_rank"]).all()
    best = check.filter(pl.col("slot_rank") == 1)
    assert (best["p_chosen"] == best["p_best"]).all()
    assert best.height >= 0.8 * check.height  # the team's hours push only a few later


def test_a_sharded_plan_gives_the_same_call_lists(planned: dict[str, object]) -> None:
    whole, sharded = planned["whole"], planned["sharded"]
    assert isinstance(whole, RunOutcome) and isinstance(sharded, RunOutcome)
    assert sharded.shards == 2
    one = pl.read_parquet(whole.out / "call_lists.parquet").sort("action_id")
    two = pl.read_parquet(sharded.out / "call_lists.parquet").sort("action_id")
    assert (two["rate_source"] == "model").sum() > 100
    assert one.equals(two)
