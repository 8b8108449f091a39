"""Train one model on a history folder: the training frame, an out-of-time split, the card.

The rows of the latest snapshot dates (a quarter of the dates by default, at least one) are
held out as the test set: a model is judged on days it never saw, as it will be used. The
planner's `bucket` is left out of the features, since it depends on each strategy's buckets;
`dpd` carries the same information. `fit_out_of_time` (the split, the fit, the card) is shared
with the per-call contactability model (`contactability.train_contactability`), split by call
date.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl

from arrears.scoring.card import build_card
from arrears.scoring.model import CollectionModel
from arrears.scoring.training_set import TrainingSet, training_frame

LEFT_OUT: tuple[str, ...] = ("bucket",)


@dataclass(frozen=True)
class Trained:
    model: CollectionModel
    card: dict[str, Any]
    training: TrainingSet
    test_from: date  # the first held-out snapshot date


def out_of_time_split(frame: pl.DataFrame, test_share: float, column: str = "as_of") -> date:
    """The first date of the test set: the latest `test_share` of the dates in `column`."""
    if not 0.0 < test_share < 1.0:
        raise ValueError(f"test_share must be in (0, 1), got {test_share!r}")
    dates = frame.get_column(column).unique().sort().to_list()
    if len(dates) < 2:
        raise ValueError(
            f"the history has {len(dates)} labelled date(s) ({column}); at least 2 are needed "
            "to hold the latest out for testing (a longer --history, or a shorter label window)"
        )
    held = min(len(dates) - 1, max(1, math.ceil(len(dates) * test_share)))
    first: date = dates[-held]
    return first


def fit_out_of_time(
    training: TrainingSet,
    target: str,
    *,
    date_column: str = "as_of",
    left_out: tuple[str, ...] = LEFT_OUT,
    backend: str = "scorecard",
    calibration: str = "sigmoid",
    test_share: float = 0.25,
    created_at: datetime | None = None,
    random_state: int = 0,
    backend_params: dict[str, Any] | None = None,
) -> tuple[CollectionModel, dict[str, Any], date]:
    """Fit `target` on the rows before the latest `test_share` of the dates in `date_column`,
    and build its card measured on those latest rows: (model, card, first test date)."""
    frame = training.frame
    if frame.height == 0:
        raise ValueError(f"no labelled rows for {target!r}: {dict(training.dropped)}")
    first_test = out_of_time_split(frame, test_share, date_column)
    features = [f for f in training.features if f not in left_out]
    train = frame.filter(pl.col(date_column) < first_test)
    test = frame.filter(pl.col(date_column) >= first_test)
    for part, rows in (("training", train), ("test", test)):
        if rows.get_column(training.label).n_unique() < 2:
            raise ValueError(f"the {part} rows of {target!r} hold a single class")
    model = CollectionModel(
        target=target, backend=backend, calibration=calibration, features=features,
        random_state=random_state, backend_params=backend_params,
    )  # fmt: skip
    model.fit(train.select(features), train.get_column(training.label))
    window = (train.get_column(date_column).min(), train.get_column(date_column).max())
    card = build_card(
        model,
        train=(train.select(features), train.get_column(training.label)),
        test=(test.select(features), test.get_column(training.label)),
        window=window,  # type: ignore[arg-type]
        created_at=created_at,
    )
    return model, card, first_test


def train_model(
    tables: Mapping[str, pl.DataFrame],
    snapshots: pl.DataFrame,
    target: str,
    *,
    backend: str = "scorecard",
    calibration: str = "sigmoid",
    within_days: int = 30,
    share: float = 1.0,
    test_share: float = 0.25,
    created_at: datetime | None = None,
    random_state: int = 0,
) -> Trained:
    """Fit `target` on the history and describe it in a card measured out of time."""
    training = training_frame(tables, snapshots, target, within_days=within_days, share=share)
    model, card, first_test = fit_out_of_time(
        training, target, backend=backend, calibration=calibration, test_share=test_share,
        created_at=created_at, random_state=random_state,
    )  # fmt: skip
    card["label"] = {
        "within_days": within_days,
        "share": share,
        "dropped": dict(training.dropped),
        "test_from": first_test.isoformat(),
    }
    return Trained(model, card, training, first_test)
