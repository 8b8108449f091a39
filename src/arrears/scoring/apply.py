"""Scores in the daily plan: the saved models score every account into `score_<target>`.

The features are the planner's own (the same function trained them, `training_set`). Each
model's card carries its training population's bins, so the plan also measures how far today's
population has drifted: the PSI of each feature, flagged above the card's threshold (0.25).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from arrears.contract.tables import NOT_COLLECTED
from arrears.scoring.card import monitor
from arrears.scoring.model import CollectionModel
from arrears.scoring.store import CARD_FILE, load_model

SCORE_PREFIX = "score_"


def score_column(target: str) -> str:
    return f"{SCORE_PREFIX}{target}"


@dataclass(frozen=True)
class ModelSet:
    """The models a plan scores with, by target (each with its card)."""

    root: Path
    models: Mapping[str, tuple[CollectionModel, dict[str, Any]]]

    @property
    def versions(self) -> dict[str, str]:
        return {target: str(card["version"]) for target, (_, card) in self.models.items()}

    def tag(self) -> str:
        """`pay@<version>,roll@<version>`: what each action records."""
        return ",".join(f"{t}@{v}" for t, v in sorted(self.versions.items()))

    def score_columns(self) -> list[str]:
        return [score_column(t) for t in sorted(self.models) if t not in PER_CALL]


# Targets whose labels exist only for overdue accounts (`labels`: not-overdue rows are dropped).
OVERDUE_ONLY: tuple[str, ...] = ("pay", "self_cure")
# Targets of one row per call, not per account: no account score; the dialing stage uses them
# (`arrears.scoring.contactability.slot_rates`).
PER_CALL: tuple[str, ...] = ("contactability",)


def scored_population(columns: Sequence[str], target: str) -> pl.Expr:
    """The accounts like those the target's model was trained on (still collected; overdue,
    for pay and self-cure): the population whose drift is measured. Every account is scored
    all the same."""
    mask = pl.lit(True)
    if target in OVERDUE_ONLY and "dpd" in columns:
        mask = mask & (pl.col("dpd") > 0).fill_null(False)
    if "status" in columns:
        mask = mask & (~pl.col("status").is_in(NOT_COLLECTED)).fill_null(False)
    return mask


def load_models(root: Path) -> ModelSet:
    """Every model saved under `root` (one folder per target, as `arrears train` writes)."""
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such models folder")
    targets = sorted(p.name for p in root.iterdir() if (p / CARD_FILE).is_file())
    if not targets:
        raise FileNotFoundError(f"{root}: no saved model (a <target>/card.json) in it")
    return ModelSet(root, {t: load_model(root, t) for t in targets})


def score_accounts(
    feats: pl.DataFrame, models: ModelSet
) -> tuple[pl.DataFrame, dict[str, dict[str, Any]]]:
    """`feats` with a `score_<target>` column per model (the calibrated probability), and the
    drift of today's population per model: `{target: {feature: {psi, flagged}}}`. Per-call
    models (`PER_CALL`) score no account."""
    columns, drift = [], {}
    for target, (model, card) in sorted(models.models.items()):
        if target in PER_CALL:
            continue
        names = [str(n) for n in model.feature_names_in_]
        missing = [n for n in names if n not in feats.columns]
        if missing:
            raise ValueError(
                f"the {target!r} model ({models.root / target}) needs columns the plan does "
                f"not have: {', '.join(missing)}"
            )
        rows = feats.select(names)
        probability = model.predict_proba(rows)[:, 1]
        columns.append(pl.Series(score_column(target), probability, dtype=pl.Float64))
        population = feats.filter(scored_population(feats.columns, target)).select(names)
        drift[target] = monitor(card, population)
    return feats.with_columns(columns), drift


def drift_summary(drift: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """For the manifest: per model, the features whose PSI is above the threshold, and the
    largest PSI."""
    out: dict[str, Any] = {}
    for target, features in drift.items():
        flagged = sorted(f for f, d in features.items() if d["flagged"])
        worst = max((float(d["psi"]) for d in features.values()), default=0.0)
        out[target] = {
            "psi": {f: round(float(d["psi"]), 4) for f, d in sorted(features.items())},
            "max_psi": round(worst, 4),
            "flagged": flagged,
        }
    return out


def merge_drift(
    parts: list[dict[str, dict[str, dict[str, Any]]]],
) -> dict[str, dict[str, dict[str, Any]]]:
    """The drift of a sharded run: each feature's largest PSI over the shards (each shard is a
    sample of the book, so its PSI is the book's plus sampling noise)."""
    merged: dict[str, dict[str, dict[str, Any]]] = {}
    for part in parts:
        for target, features in part.items():
            into = merged.setdefault(target, {})
            for name, d in features.items():
                if name not in into or float(d["psi"]) > float(into[name]["psi"]):
                    into[name] = dict(d)
    return merged
