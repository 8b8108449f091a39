"""The scorecard: a logistic regression on WoE-binned features, turned into points per bin.

A risk team reads a scorecard as a table — feature, bin, points — and a customer's score is the
sum of the points of the bins they fall in. The scale is the usual one:

    score  = offset + factor · ln(odds)
    factor = pdo / ln 2
    offset = base_score − factor · ln(base_odds)

with **odds = P(event) / P(non-event)**: the score rises with the chance of the modelled event
(paying, rolling, self-curing, being reached), `pdo` points double the odds, and `base_score`
points mean odds of `base_odds`. Since ln(odds) = b0 + Σ b_j·WoE_j, the points of bin i of feature
j are factor·b_j·WoE_ji + (offset + factor·b0) / m over the m features, rounded to whole points.

The integer score is the sum of the rounded points, so it matches the points table exactly and
the unrounded log-odds to within m/2 points.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from arrears.scoring.inputs import FrameLike, binary_target, check_int, check_real, to_polars
from arrears.scoring.woe import WoEBinner


class ScorecardClassifier(ClassifierMixin, BaseEstimator):
    """WoE binning → logistic regression → points per bin.

    The binning parameters are those of `WoEBinner`; `C` is the inverse L2 strength of the
    regression; `pdo`, `base_score` and `base_odds` set the points scale (module docstring).
    """

    def __init__(
        self,
        max_bins: int = 10,
        min_bin_share: float = 0.05,
        monotonic: str = "auto",
        smoothing: float = 0.5,
        categorical_features: list[str] | None = None,
        C: float = 1.0,
        pdo: float = 20.0,
        base_score: float = 600.0,
        base_odds: float = 50.0,
        max_iter: int = 1000,
    ) -> None:
        self.max_bins = max_bins
        self.min_bin_share = min_bin_share
        self.monotonic = monotonic
        self.smoothing = smoothing
        self.categorical_features = categorical_features
        self.C = C
        self.pdo = pdo
        self.base_score = base_score
        self.base_odds = base_odds
        self.max_iter = max_iter

    def _binner(self) -> WoEBinner:
        return WoEBinner(
            max_bins=self.max_bins,
            min_bin_share=self.min_bin_share,
            monotonic=self.monotonic,
            smoothing=self.smoothing,
            categorical_features=self.categorical_features,
        )

    def _check_params(self) -> None:
        self._binner()._check_params()
        check_real("C", self.C, low=0.0, low_open=True)
        check_real("pdo", self.pdo, low=0.0, low_open=True)
        check_real("base_score", self.base_score)
        check_real("base_odds", self.base_odds, low=0.0, low_open=True)
        check_int("max_iter", self.max_iter, low=1)

    def fit(self, X: FrameLike, y: Any) -> ScorecardClassifier:
        self._check_params()
        frame = to_polars(X)
        target = binary_target(y, frame.height)
        binner = self._binner().fit(frame, target)
        woe = binner.transform(frame)
        regression = LogisticRegression(C=self.C, max_iter=self.max_iter)
        regression.fit(woe, target)
        self.binner_ = binner
        self.regression_ = regression
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = binner.feature_names_in_
        self.n_features_in_ = binner.n_features_in_
        self.points_ = self._points()
        return self

    @property
    def factor(self) -> float:
        """Points per unit of ln(odds)."""
        return float(self.pdo) / math.log(2.0)

    @property
    def offset(self) -> float:
        """The score at ln(odds) = 0."""
        return float(self.base_score) - self.factor * math.log(float(self.base_odds))

    def _points(self) -> dict[str, np.ndarray]:
        """Whole points for every bin of every feature, in the binner's bin order."""
        coef = self.regression_.coef_[0]
        m = len(coef)
        share = (self.offset + self.factor * float(self.regression_.intercept_[0])) / m
        return {
            str(name): np.rint(self.factor * coef[j] * self.binner_.bins_[name].woe + share).astype(
                np.int64
            )
            for j, name in enumerate(self.feature_names_in_)
        }

    def decision_function(self, X: FrameLike) -> np.ndarray:
        """ln(odds) of the event."""
        check_is_fitted(self, "regression_")
        return np.asarray(self.regression_.decision_function(self.binner_.transform(X)))

    def predict_proba(self, X: FrameLike) -> np.ndarray:
        check_is_fitted(self, "regression_")
        return np.asarray(self.regression_.predict_proba(self.binner_.transform(X)))

    def predict(self, X: FrameLike) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def score_points(self, X: FrameLike) -> np.ndarray:
        """The integer score of every row: the sum of the points of its bins.

        (Not `score`: scikit-learn's `score(X, y)` is the accuracy every tool that
        cross-validates a classifier relies on, and it is kept.)
        """
        check_is_fitted(self, "points_")
        idx = self.binner_.bin_index(X)
        total = np.zeros(idx.shape[0], dtype=np.int64)
        for j, name in enumerate(self.feature_names_in_):
            total += self.points_[str(name)][idx[:, j]]
        return total

    def points_table(self) -> pl.DataFrame:
        """Feature, bin, label, rows, event rate, WoE, coefficient and points of every bin."""
        check_is_fitted(self, "points_")
        frames = []
        for j, name in enumerate(self.feature_names_in_):
            table = self.binner_.bins_[name].table()
            frames.append(
                table.select("feature", "bin", "label", "count", "event_rate", "woe").with_columns(
                    pl.lit(float(self.regression_.coef_[0][j])).alias("coefficient"),
                    pl.Series("points", self.points_[str(name)]),
                )
            )
        return pl.concat(frames)

    def feature_report(self) -> list[dict[str, Any]]:
        """Per feature: kind, IV, coefficient and the bins with their points (for the card)."""
        check_is_fitted(self, "points_")
        points = self.points_table()
        out = []
        for j, name in enumerate(self.feature_names_in_):
            bins = self.binner_.bins_[name]
            rows = points.filter(pl.col("feature") == name).drop("feature", "coefficient")
            rows = rows.with_columns(pl.col("event_rate").fill_nan(None))
            out.append(
                {
                    "name": str(name),
                    "kind": bins.kind,
                    "iv": bins.total_iv,
                    "coefficient": float(self.regression_.coef_[0][j]),
                    "bins": rows.to_dicts(),
                }
            )
        return out

    def fitted_state(self) -> dict[str, Any]:
        """What the fitted model is, as plain JSON values (for its content hash)."""
        check_is_fitted(self, "points_")
        return {
            "bins": {
                name: {
                    "kind": b.kind,
                    "edges": b.edges.tolist(),
                    "categories": list(b.categories),
                    "woe": b.woe.tolist(),
                }
                for name, b in self.binner_.bins_.items()
            },
            "coef": self.regression_.coef_[0].tolist(),
            "intercept": float(self.regression_.intercept_[0]),
            "points": {k: v.tolist() for k, v in self.points_.items()},
        }
