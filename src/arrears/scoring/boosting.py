"""The second back end: gradient-boosted trees (LightGBM) behind the same front as the scorecard.

It trades the scorecard's readability for interactions and non-monotone shapes; the card reports
its gain importance instead of points. Categorical columns are coded against the categories seen
at fit (an unseen or missing category is LightGBM's "missing"); numeric columns go in as they are,
NaN and null as missing. Deterministic by default (one thread, fixed seed, `deterministic=True`),
so the same data gives the same trees and the same model version.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from arrears.scoring.inputs import (
    FrameLike,
    binary_target,
    category_values,
    check_int,
    check_names,
    check_real,
    fitted_frame,
    is_categorical,
    is_none,
    numeric_values,
    to_polars,
)


def _categories(series: pl.Series) -> np.ndarray:
    values = category_values(series)
    return np.unique(values[~is_none(values)].astype(str))


class LightGBMClassifier(ClassifierMixin, BaseEstimator):
    """LightGBM binary classifier on Polars / pandas / NumPy input, with categorical columns."""

    def __init__(
        self,
        n_estimators: int = 200,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        max_depth: int = -1,
        min_child_samples: int = 50,
        subsample: float = 1.0,
        colsample_bytree: float = 1.0,
        reg_lambda: float = 0.0,
        categorical_features: list[str] | None = None,
        random_state: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.categorical_features = categorical_features
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _check_params(self) -> None:
        check_int("n_estimators", self.n_estimators, low=1)
        check_real("learning_rate", self.learning_rate, low=0.0, high=1.0, low_open=True)
        check_int("num_leaves", self.num_leaves, low=2, high=131072)
        check_int("max_depth", self.max_depth, low=-1)
        check_int("min_child_samples", self.min_child_samples, low=1)
        check_real("subsample", self.subsample, low=0.0, high=1.0, low_open=True)
        check_real("colsample_bytree", self.colsample_bytree, low=0.0, high=1.0, low_open=True)
        check_real("reg_lambda", self.reg_lambda, low=0.0)
        check_names("categorical_features", self.categorical_features)
        check_int("random_state", self.random_state, low=0)
        check_int("n_jobs", self.n_jobs, low=1)

    def _matrix(self, frame: pl.DataFrame) -> np.ndarray:
        """Numeric columns as they are, categorical ones as codes (NaN: missing or unseen)."""
        out = np.empty((frame.height, frame.width), dtype=np.float64)
        for j, name in enumerate(frame.columns):
            s = frame.get_column(name)
            cats = self.categories_.get(name)
            if cats is None:
                out[:, j] = numeric_values(s)
                continue
            values = category_values(s)
            known = ~is_none(values)
            present = values[known].astype(str)
            col = np.full(frame.height, np.nan)
            if cats.size:
                pos = np.searchsorted(cats, present).clip(0, cats.size - 1)
                hit = cats[pos] == present
                col[np.flatnonzero(known)[hit]] = pos[hit]
            out[:, j] = col
        return out

    def fit(self, X: FrameLike, y: Any) -> LightGBMClassifier:
        self._check_params()
        frame = to_polars(X)
        target = binary_target(y, frame.height)
        forced = set(self.categorical_features or ())
        absent = sorted(forced - set(frame.columns))
        if absent:
            raise ValueError(f"categorical_features not in X: {', '.join(absent)}")
        self.categories_ = {
            name: _categories(frame.get_column(name))
            for name in frame.columns
            if name in forced or is_categorical(frame.schema[name])
        }
        cat_idx = [j for j, name in enumerate(frame.columns) if name in self.categories_]
        import lightgbm as lgb  # here, not at the top: importing it costs a second and a half

        booster = lgb.LGBMClassifier(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            max_depth=self.max_depth,
            min_child_samples=self.min_child_samples,
            subsample=self.subsample,
            subsample_freq=1 if self.subsample < 1.0 else 0,
            colsample_bytree=self.colsample_bytree,
            reg_lambda=self.reg_lambda,
            random_state=self.random_state,
            n_jobs=self.n_jobs,
            deterministic=True,
            force_row_wise=True,
            verbose=-1,
        )
        # a bare matrix: LightGBM names the columns Column_0 … and is not picky about ours
        booster.fit(self._matrix(frame), target, categorical_feature=cat_idx or "auto")
        self.booster_ = booster
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = frame.width
        return self

    def _frame(self, X: FrameLike) -> pl.DataFrame:
        return fitted_frame(self, X, "booster_")

    def predict_proba(self, X: FrameLike) -> np.ndarray:
        frame = self._frame(X)
        return np.asarray(self.booster_.predict_proba(self._matrix(frame)))

    def predict(self, X: FrameLike) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def importance(self) -> pl.DataFrame:
        """Total gain and split count per feature, largest gain first."""
        check_is_fitted(self, "booster_")
        b = self.booster_.booster_
        return pl.DataFrame(
            {
                "feature": [str(n) for n in self.feature_names_in_],
                "gain": b.feature_importance(importance_type="gain").astype(np.float64),
                "splits": b.feature_importance(importance_type="split").astype(np.int64),
            }
        ).sort("gain", descending=True)

    def feature_report(self) -> list[dict[str, Any]]:
        """Per feature: kind and gain importance (for the card)."""
        imp = {r["feature"]: r for r in self.importance().to_dicts()}
        return [
            {
                "name": str(name),
                "kind": "categorical" if name in self.categories_ else "numeric",
                "importance_gain": float(imp[name]["gain"]),
                "importance_splits": int(imp[name]["splits"]),
            }
            for name in self.feature_names_in_
        ]

    def fitted_state(self) -> dict[str, Any]:
        """What the fitted model is, as plain JSON values (for its content hash)."""
        check_is_fitted(self, "booster_")
        return {
            "trees": self.booster_.booster_.model_to_string(),
            "categories": {k: v.tolist() for k, v in self.categories_.items()},
        }
