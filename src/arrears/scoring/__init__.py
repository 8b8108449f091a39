"""Collection models: pay propensity, roll, self-cure and contactability.

A scorecard (WoE bins → logistic regression → points per bin) or LightGBM behind one
scikit-learn front (`CollectionModel`), calibrated probabilities, a model card (JSON and HTML),
PSI monitoring, and a folder store. See docs/models.md.

The names below are loaded on first use, so that importing one module of this package (the
labels, say) does not pull in scikit-learn, LightGBM and Jinja2.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arrears.scoring.boosting import LightGBMClassifier
    from arrears.scoring.card import build_card, monitor, render_html
    from arrears.scoring.metrics import auc, calibration_table, gini, ks, psi
    from arrears.scoring.model import BACKENDS, CALIBRATIONS, TARGETS, CollectionModel
    from arrears.scoring.scorecard import ScorecardClassifier
    from arrears.scoring.store import load_model, save_model
    from arrears.scoring.woe import WoEBinner

_WHERE = {
    "LightGBMClassifier": "boosting",
    "build_card": "card",
    "monitor": "card",
    "render_html": "card",
    "auc": "metrics",
    "calibration_table": "metrics",
    "gini": "metrics",
    "ks": "metrics",
    "psi": "metrics",
    "BACKENDS": "model",
    "CALIBRATIONS": "model",
    "TARGETS": "model",
    "CollectionModel": "model",
    "ScorecardClassifier": "scorecard",
    "load_model": "store",
    "save_model": "store",
    "WoEBinner": "woe",
}

__all__ = [
    "BACKENDS",
    "CALIBRATIONS",
    "TARGETS",
    "CollectionModel",
    "LightGBMClassifier",
    "ScorecardClassifier",
    "WoEBinner",
    "auc",
    "build_card",
    "calibration_table",
    "gini",
    "ks",
    "load_model",
    "monitor",
    "psi",
    "render_html",
    "save_model",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"arrears.scoring.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'arrears.scoring' has no attribute {name!r}")
