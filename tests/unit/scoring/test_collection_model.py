"""The common front: calibrated probabilities against a known truth, both back ends through the
same calls, the model card and PSI monitoring."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import numpy as np
import polars as pl
import pytest

from arrears.scoring import (
    CollectionModel,
    LightGBMClassifier,
    ScorecardClassifier,
    auc,
    build_card,
    calibration_table,
    monitor,
    render_html,
)
from arrears.scoring.model import stratified_split

WINDOW = (date(2026, 1, 1), date(2026, 6, 30))
SMALL_BOOST = {"n_estimators": 60, "min_child_samples": 20}


def _deciles(p: np.ndarray, y: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per decile of p: |mean predicted − observed rate| and |mean predicted − mean truth|."""
    table = calibration_table(y, p, n_bins=10)
    mean_p = table["mean_predicted"].to_numpy()
    order = np.argsort(p, kind="stable")  # the same equal-count groups, for the true p
    group = np.empty(p.size, dtype=np.int64)
    group[order] = (np.arange(p.size) * 10) // p.size
    mean_truth = np.bincount(group, weights=truth) / np.bincount(group)
    return np.abs(mean_p - table["observed_rate"].to_numpy()), np.abs(mean_p - mean_truth)


@pytest.mark.parametrize("calibration", ["isotonic", "sigmoid"])
def test_calibrated_deciles_are_close_to_the_observed_rates_of_a_known_logistic_truth(
    portfolio: Any, calibration: str
) -> None:
    frame, y, truth = portfolio(60_000, seed=21)
    train, test = slice(0, 40_000), slice(40_000, 60_000)
    # strong regularization squeezes the raw probabilities towards the mean
    squeezed = {"C": 0.0005}
    raw = CollectionModel(calibration="none", backend_params=squeezed)
    raw.fit(frame[train], y[train])
    fixed = CollectionModel(calibration=calibration, backend_params=squeezed, random_state=3)
    fixed.fit(frame[train], y[train])
    _, raw_vs_truth = _deciles(raw.predict_proba(frame[test])[:, 1], y[test], truth[test])
    vs_observed, vs_truth = _deciles(fixed.predict_proba(frame[test])[:, 1], y[test], truth[test])
    assert raw_vs_truth.mean() > 0.04  # the uncalibrated model is visibly off …
    # … the calibrated one is within sampling noise (2 000 rows a decile: sd ≤ 0.011) plus the
    # binned model's own approximation of a smooth truth
    assert vs_observed.max() < 0.05
    assert vs_truth.max() < 0.045
    assert vs_truth.mean() < 0.02


def test_the_calibration_split_is_stratified_seeded_and_disjoint() -> None:
    y = np.array([1] * 40 + [0] * 160)
    keep, held = stratified_split(y, 0.25, random_state=7)
    assert np.intersect1d(keep, held).size == 0
    assert keep.size + held.size == y.size
    assert y[held].sum() == 10 and held.size == 50
    again, _ = stratified_split(y, 0.25, random_state=7)
    np.testing.assert_array_equal(keep, again)
    other, _ = stratified_split(y, 0.25, random_state=8)
    assert not np.array_equal(keep, other)


def test_both_back_ends_fit_and_rank_through_the_same_front(portfolio: Any) -> None:
    frame, y, truth = portfolio(8000, seed=22)
    best = auc(y[6000:], truth[6000:])  # what the true probabilities achieve
    for backend, params, kind in [
        ("scorecard", None, ScorecardClassifier),
        ("lightgbm", SMALL_BOOST, LightGBMClassifier),
    ]:
        model = CollectionModel(target="roll", backend=backend, backend_params=params)
        model.fit(frame[:6000], y[:6000])
        assert isinstance(model.estimator_, kind)
        p = model.predict_proba(frame[6000:])
        assert p.shape == (2000, 2)
        np.testing.assert_allclose(p.sum(axis=1), 1.0)
        assert auc(y[6000:], p[:, 1]) > best - 0.03
        assert set(model.predict(frame[6000:])) <= {0, 1}


def test_the_version_is_a_content_hash_that_changes_with_the_data_or_the_params(
    portfolio: Any,
) -> None:
    frame, y, _ = portfolio(2000, seed=23)
    one = CollectionModel().fit(frame, y).version_
    assert CollectionModel().fit(frame, y).version_ == one
    assert CollectionModel(backend_params={"pdo": 40}).fit(frame, y).version_ != one
    assert CollectionModel().fit(frame[:1900], y[:1900]).version_ != one


def _card(
    backend: str, portfolio: Any
) -> tuple[CollectionModel, dict[str, Any], pl.DataFrame, np.ndarray]:
    frame, y, _ = portfolio(6000, seed=24)
    params = SMALL_BOOST if backend == "lightgbm" else None
    model = CollectionModel(target="pay", backend=backend, backend_params=params)
    model.fit(frame[:4000], y[:4000])
    card = build_card(
        model,
        train=(frame[:4000], y[:4000]),
        test=(frame[4000:], y[4000:]),
        window=WINDOW,
        created_at=datetime(2026, 7, 1, 6, 0),
    )
    return model, card, frame, y


@pytest.mark.parametrize("backend", ["scorecard", "lightgbm"])
def test_the_card_is_json_and_reports_the_held_out_figures(backend: str, portfolio: Any) -> None:
    model, card, frame, y = _card(backend, portfolio)
    text = json.dumps(card, allow_nan=False)
    assert json.loads(text) == card
    assert card["version"] == model.version_ and card["model_id"].endswith(model.version_)
    assert card["training_window"] == {"start": "2026-01-01", "end": "2026-06-30"}
    assert card["rows"]["train"] == 4000 and card["rows"]["test"] == 2000
    assert [f["name"] for f in card["features"]] == ["dpd", "balance", "channel"]
    p_test = model.predict_proba(frame[4000:])[:, 1]
    assert card["metrics"]["test"]["auc"] == pytest.approx(auc(y[4000:], p_test))
    m = card["metrics"]["test"]
    assert m["gini"] == pytest.approx(2 * m["auc"] - 1)
    assert len(card["calibration_table"]) == 10
    for feature in card["features"]:
        assert 0 <= feature["psi_test"] < 0.1  # train and test are the same population
        if backend == "scorecard":
            assert feature["bins"] and {"label", "woe", "points"} <= set(feature["bins"][0])
        else:
            assert feature["importance_gain"] >= 0


def test_the_html_card_is_self_contained(portfolio: Any) -> None:
    _, card, _, _ = _card("scorecard", portfolio)
    html = render_html(card)
    assert card["model_id"] in html and "<svg" in html and "Missing" in html
    for external in ("http://", "https://", "<script", "<link", "src="):
        assert external not in html


def test_monitoring_flags_a_feature_whose_population_moved(portfolio: Any) -> None:
    _, card, frame, _ = _card("scorecard", portfolio)
    today = frame[4000:].with_columns(pl.col("dpd") + 15.0)  # everyone 1.5 sd later
    report = monitor(card, today)
    assert set(report) == {"dpd", "balance", "channel"}
    assert report["dpd"]["flagged"] and report["dpd"]["psi"] > 0.25
    assert not report["balance"]["flagged"] and report["balance"]["psi"] < 0.1
    assert not report["channel"]["flagged"]
    only_sms = today.with_columns(pl.lit("sms").alias("channel"))
    assert monitor(card, only_sms)["channel"]["flagged"]
    assert not monitor(card, today, threshold=100.0)["dpd"]["flagged"]
