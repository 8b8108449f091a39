"""The one front every collection model is used through: pay, roll, self-cure, contactability.

`CollectionModel` follows scikit-learn's estimator contract the way optbinning does: `__init__`
only stores its parameters (so `clone`, `get_params` and grid searches work), `fit` checks every
one of them before touching the data and says which values are allowed, `fit` returns `self`, and
anything used before `fit` raises `NotFittedError`.

The back end is chosen by name (`backend="scorecard"` or `"lightgbm"`); its own parameters go in
`backend_params` (a dict, not `**kwargs`: scikit-learn's `clone` only carries what the signature
names). Probabilities are calibrated on a held-out, stratified, seeded share of the training rows:
the back end is fitted on the rest, then an isotonic or a sigmoid (Platt) map is fitted from its
probabilities to the held-out outcomes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from arrears.scoring.boosting import LightGBMClassifier
from arrears.scoring.inputs import (
    FrameLike,
    binary_target,
    check_choice,
    check_int,
    check_names,
    check_params,
    check_real,
    fitted_frame,
    select_features,
    to_polars,
)
from arrears.scoring.scorecard import ScorecardClassifier

TARGETS = ("pay", "roll", "self_cure", "contactability")
BACKENDS: dict[str, type[ScorecardClassifier] | type[LightGBMClassifier]] = {
    "scorecard": ScorecardClassifier,
    "lightgbm": LightGBMClassifier,
}
CALIBRATIONS = ("isotonic", "sigmoid", "none")
_CLIP = 1e-6


def stratified_split(
    y: np.ndarray, share: float, random_state: int
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (kept, held out): `share` of each class held out, seeded, sorted."""
    rng = np.random.default_rng(random_state)
    held: list[np.ndarray] = []
    for cls in (0, 1):
        rows = np.flatnonzero(y == cls)
        take = round(share * rows.size)
        held.append(rng.permutation(rows)[:take])
    out = np.sort(np.concatenate(held))
    keep = np.setdiff1d(np.arange(y.size), out, assume_unique=True)
    return keep, out


class CollectionModel(ClassifierMixin, BaseEstimator):
    """A calibrated probability of `target` from the named `backend`.

    Parameters
    ----------
    target: which question the model answers — one of TARGETS.
    backend: "scorecard" (WoE + logistic regression, points per bin) or "lightgbm".
    calibration: "sigmoid" (Platt, the default: two parameters, safe on few events),
        "isotonic" (any monotone shape, but a step function that ties scores and wants many
        held-out events) or "none" (the back end's own probabilities).
    features: the columns to use, in order; None uses every column of X at fit.
    calibration_share: share of the training rows held out to fit the calibration map.
    random_state: seed of the calibration split.
    backend_params: parameters of the back end (ScorecardClassifier / LightGBMClassifier).
    """

    def __init__(
        self,
        target: str = "pay",
        backend: str = "scorecard",
        calibration: str = "sigmoid",
        features: list[str] | None = None,
        calibration_share: float = 0.25,
        random_state: int = 0,
        backend_params: dict[str, Any] | None = None,
    ) -> None:
        self.target = target
        self.backend = backend
        self.calibration = calibration
        self.features = features
        self.calibration_share = calibration_share
        self.random_state = random_state
        self.backend_params = backend_params

    def _check_params(self) -> None:
        check_choice("target", self.target, TARGETS)
        check_choice("backend", self.backend, BACKENDS)
        check_choice("calibration", self.calibration, CALIBRATIONS)
        check_names("features", self.features)
        check_real("calibration_share", self.calibration_share, low=0.0, high=0.5, low_open=True)
        check_int("random_state", self.random_state, low=0)
        allowed = BACKENDS[self.backend]._get_param_names()
        check_params(f"backend_params (for backend {self.backend!r})", self.backend_params, allowed)
        # the back end's own values are checked now too, not halfway through fit
        BACKENDS[self.backend](**(self.backend_params or {}))._check_params()

    def fit(self, X: FrameLike, y: Any) -> CollectionModel:
        self._check_params()
        frame = to_polars(X)
        names = list(self.features) if self.features is not None else list(frame.columns)
        frame = select_features(frame, names)
        target = binary_target(y, frame.height)
        estimator = BACKENDS[self.backend](**(self.backend_params or {}))
        if self.calibration == "none":
            keep, held = np.arange(target.size), np.empty(0, dtype=np.int64)
        else:
            keep, held = stratified_split(target, self.calibration_share, self.random_state)
            for part, rows in (("fitting", keep), ("calibration", held)):
                if np.unique(target[rows]).size < 2:
                    raise ValueError(
                        f"the {part} part of the split has a single class; "
                        "more events are needed, or calibration='none'"
                    )
        estimator.fit(frame[keep], target[keep])
        calibrator: IsotonicRegression | LogisticRegression | None = None
        if self.calibration == "isotonic":
            raw = estimator.predict_proba(frame[held])[:, 1]
            calibrator = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
            calibrator.fit(raw, target[held])
        elif self.calibration == "sigmoid":
            raw = estimator.predict_proba(frame[held])[:, 1]
            calibrator = LogisticRegression(C=np.inf)
            calibrator.fit(logit(np.clip(raw, _CLIP, 1 - _CLIP))[:, None], target[held])
        self.estimator_ = estimator
        self.calibrator_ = calibrator
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.asarray(names, dtype=object)
        self.n_features_in_ = len(names)
        self.n_rows_ = {"fit": int(keep.size), "calibration": int(held.size)}
        self.event_rate_ = float(target.mean())
        self.version_ = self.fingerprint()
        return self

    def _frame(self, X: FrameLike) -> Any:
        return fitted_frame(self, X, "estimator_")

    def predict_proba(self, X: FrameLike) -> np.ndarray:
        """Calibrated probabilities, columns (non-event, event)."""
        frame = self._frame(X)  # raises NotFittedError first
        raw = self.estimator_.predict_proba(frame)[:, 1]
        if isinstance(self.calibrator_, IsotonicRegression):
            p = np.asarray(self.calibrator_.predict(raw), dtype=np.float64)
        elif isinstance(self.calibrator_, LogisticRegression):
            z = logit(np.clip(raw, _CLIP, 1 - _CLIP))
            p = expit(self.calibrator_.decision_function(z[:, None]))
        else:
            p = raw
        return np.column_stack([1.0 - p, p])

    def predict(self, X: FrameLike) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def feature_report(self) -> list[dict[str, Any]]:
        """The back end's per-feature description (bins and points, or gain importance)."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.feature_report()

    def fingerprint(self) -> str:
        """A content hash of the parameters and of what was fitted (the model's version)."""
        check_is_fitted(self, "estimator_")
        cal: dict[str, Any] = {}
        if isinstance(self.calibrator_, IsotonicRegression):
            cal = {
                "x": self.calibrator_.X_thresholds_.tolist(),
                "y": self.calibrator_.y_thresholds_.tolist(),
            }
        elif isinstance(self.calibrator_, LogisticRegression):
            cal = {
                "coef": self.calibrator_.coef_.ravel().tolist(),
                "intercept": self.calibrator_.intercept_.tolist(),
            }
        payload = {
            "params": self.get_params(deep=False),
            "features": [str(n) for n in self.feature_names_in_],
            "backend": self.estimator_.fitted_state(),
            "calibrator": cal,
        }
        text = json.dumps(payload, sort_keys=True, default=repr, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
