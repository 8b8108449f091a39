"""The scikit-learn contract of every scoring estimator: unfitted use raises, bad parameters are
refused before any data is read with a message that lists what is allowed, clone works, fit
returns self."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from arrears.scoring import (
    CollectionModel,
    LightGBMClassifier,
    ScorecardClassifier,
    WoEBinner,
)

SMALL_BOOST = {"n_estimators": 20, "min_child_samples": 5}


def _estimators() -> list[Any]:
    return [
        WoEBinner(),
        ScorecardClassifier(),
        LightGBMClassifier(**SMALL_BOOST),
        CollectionModel(),
        CollectionModel(backend="lightgbm", calibration="sigmoid", backend_params=SMALL_BOOST),
    ]


@pytest.mark.parametrize("estimator", _estimators(), ids=lambda e: type(e).__name__)
def test_using_an_unfitted_estimator_raises_not_fitted(estimator: Any, portfolio: Any) -> None:
    frame, _, _ = portfolio(50)
    method = estimator.transform if isinstance(estimator, WoEBinner) else estimator.predict_proba
    with pytest.raises(NotFittedError):
        method(frame)


@pytest.mark.parametrize("estimator", _estimators(), ids=lambda e: type(e).__name__)
def test_fit_returns_self_and_a_clone_is_unfitted_with_the_same_params(
    estimator: Any, portfolio: Any
) -> None:
    frame, y, _ = portfolio(600)
    assert estimator.fit(frame, y) is estimator
    twin = clone(estimator)
    assert twin is not estimator
    assert twin.get_params() == estimator.get_params()
    method = twin.transform if isinstance(twin, WoEBinner) else twin.predict_proba
    with pytest.raises(NotFittedError):
        method(frame)


@pytest.mark.parametrize(
    ("estimator", "listed"),
    [
        (CollectionModel(target="loss"), ["pay", "roll", "self_cure", "contactability"]),
        (CollectionModel(backend="xgboost"), ["scorecard", "lightgbm"]),
        (CollectionModel(calibration="platt"), ["isotonic", "sigmoid", "none"]),
        (CollectionModel(calibration_share=0.9), ["calibration_share", "(0, 0.5]"]),
        (CollectionModel(calibration_share=0.0), ["calibration_share", "(0, 0.5]"]),
        (CollectionModel(random_state=-1), ["random_state", "0 ≤ n"]),
        (CollectionModel(features="dpd"), ["features", "list of column names"]),  # type: ignore[arg-type]
        (CollectionModel(features=["dpd", "dpd"]), ["more than once", "dpd"]),
        (CollectionModel(backend_params={"trees": 3}), ["trees", "C", "pdo", "monotonic"]),
        (
            CollectionModel(backend="lightgbm", backend_params={"pdo": 20}),
            ["pdo", "n_estimators", "num_leaves"],
        ),
        (CollectionModel(backend_params={"monotonic": "up"}), ["auto, ascending, descending"]),
        (WoEBinner(monotonic="increasing"), ["auto, ascending, descending, none"]),
        (WoEBinner(max_bins=1), ["max_bins", "2 ≤ n ≤ 100"]),
        (WoEBinner(max_bins=2.5), ["max_bins", "integer"]),  # type: ignore[arg-type]
        (WoEBinner(min_bin_share=0.0), ["min_bin_share", "(0, 0.5]"]),
        (WoEBinner(smoothing=-1.0), ["smoothing", "[0, inf)"]),
        (WoEBinner(categorical_features="channel"), ["categorical_features"]),  # type: ignore[arg-type]
        (ScorecardClassifier(C=0.0), ["C", "(0, inf)"]),
        (ScorecardClassifier(pdo=-20.0), ["pdo", "(0, inf)"]),
        (ScorecardClassifier(base_odds=0.0), ["base_odds", "(0, inf)"]),
        (ScorecardClassifier(base_score=float("nan")), ["base_score", "finite"]),
        (LightGBMClassifier(learning_rate=2.0), ["learning_rate", "(0, 1]"]),
        (LightGBMClassifier(n_estimators=0), ["n_estimators", "1 ≤ n"]),
        (LightGBMClassifier(num_leaves=1), ["num_leaves", "2 ≤ n"]),
    ],
    ids=lambda v: repr(v)[:60] if not isinstance(v, list) else "",
)
def test_a_bad_parameter_is_refused_before_the_data_is_read_and_the_message_lists_the_allowed(
    estimator: Any, listed: list[str]
) -> None:
    # X is not even a table: the parameter check must come first
    with pytest.raises(ValueError) as caught:
        estimator.fit(None, None)
    for text in listed:
        assert text in str(caught.value)


def test_a_missing_feature_column_at_predict_is_named(portfolio: Any) -> None:
    frame, y, _ = portfolio(600)
    model = CollectionModel(features=["dpd", "balance", "channel"]).fit(frame, y)
    with pytest.raises(ValueError, match=r"missing feature column\(s\): balance, channel"):
        model.predict_proba(frame.select("dpd"))


def test_the_feature_names_are_recorded_at_fit_and_extra_columns_are_ignored(
    portfolio: Any,
) -> None:
    frame, y, _ = portfolio(600)
    model = CollectionModel(features=["balance", "dpd"]).fit(frame, y)
    assert list(model.feature_names_in_) == ["balance", "dpd"]
    shuffled = frame.select("channel", "dpd", "balance").with_columns(pl.lit(1).alias("extra"))
    np.testing.assert_array_equal(model.predict_proba(shuffled), model.predict_proba(frame))


def test_a_target_that_is_not_binary_is_refused(portfolio: Any) -> None:
    frame, y, _ = portfolio(100)
    with pytest.raises(ValueError, match="binary"):
        CollectionModel().fit(frame, y * 2)
    with pytest.raises(ValueError, match="single class"):
        CollectionModel().fit(frame, np.zeros(100, dtype=int))


def test_pandas_polars_and_numpy_inputs_give_the_same_probabilities(portfolio: Any) -> None:
    frame, y, _ = portfolio(800)
    numeric = frame.select("dpd", "balance")
    model = CollectionModel(calibration="none").fit(numeric, y)
    from_polars = model.predict_proba(numeric)
    np.testing.assert_allclose(model.predict_proba(numeric.to_pandas()), from_polars)
    np.testing.assert_allclose(model.predict_proba(numeric.to_numpy()), from_polars)
