"""The scorecard's points: they add up to the score, sit on the stated scale, and rank like the
probabilities."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
from scipy.stats import spearmanr

from arrears.scoring import ScorecardClassifier


def test_the_score_is_the_sum_of_the_points_of_each_rows_bins(portfolio: Any) -> None:
    frame, y, _ = portfolio(3000, seed=11)
    card = ScorecardClassifier().fit(frame, y)
    table = card.points_table()
    assert table.columns == [
        "feature", "bin", "label", "count", "event_rate", "woe", "coefficient", "points"
    ]  # fmt: skip
    idx = card.binner_.bin_index(frame)
    total = np.zeros(frame.height, dtype=np.int64)
    for j, feature in enumerate(["dpd", "balance", "channel"]):
        rows = table.filter(pl.col("feature") == feature).sort("bin")
        total += rows["points"].to_numpy()[idx[:, j]]
    np.testing.assert_array_equal(card.score_points(frame), total)


def test_the_score_sits_on_the_pdo_scale_of_the_event_odds(portfolio: Any) -> None:
    frame, y, _ = portfolio(3000, seed=12)
    card = ScorecardClassifier(pdo=20, base_score=600, base_odds=50).fit(frame, y)
    p = card.predict_proba(frame)[:, 1]
    factor = 20 / math.log(2)
    offset = 600 - factor * math.log(50)
    exact = offset + factor * np.log(p / (1 - p))
    # three features, each rounded to whole points: at most 1.5 points off
    assert np.max(np.abs(card.score_points(frame) - exact)) <= 1.5


def test_a_higher_score_means_a_higher_probability(portfolio: Any) -> None:
    frame, y, _ = portfolio(3000, seed=13)
    card = ScorecardClassifier().fit(frame, y)
    score = card.score_points(frame)
    p = card.predict_proba(frame)[:, 1]
    assert spearmanr(score, p).statistic > 0.999
    # beyond the rounding slack, the order is exact
    order = np.argsort(score)
    s, q = score[order], p[order]
    far = s[None, :] - s[:, None] > 3
    assert (q[None, :] > q[:, None])[far].all()


def test_coefficients_on_woe_are_negative_under_the_sign_convention(portfolio: Any) -> None:
    frame, y, _ = portfolio(3000, seed=14)
    card = ScorecardClassifier().fit(frame, y)
    assert (card.regression_.coef_[0] < 0).all()
    # and within a feature, a bin with a higher event rate earns more points
    table = card.points_table().filter(pl.col("count") > 0)
    for feature in ("dpd", "balance"):
        rows = table.filter(pl.col("feature") == feature).sort("event_rate")
        assert (np.diff(rows["points"].to_numpy()) >= 0).all()


def test_empty_reserved_bins_score_the_neutral_share_of_the_intercept(portfolio: Any) -> None:
    frame, y, _ = portfolio(2000, seed=15)
    card = ScorecardClassifier().fit(frame.select("dpd", "channel"), y)
    factor = 20 / math.log(2)
    neutral = (600 - factor * math.log(50) + factor * card.regression_.intercept_[0]) / 2
    table = card.points_table()
    missing = table.filter((pl.col("feature") == "channel") & (pl.col("label") == "Missing"))
    assert missing["count"][0] == 0
    assert missing["points"][0] == round(neutral)
