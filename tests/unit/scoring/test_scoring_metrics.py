"""AUC, KS and Gini against scikit-learn and SciPy; PSI against hand arithmetic; the calibration
table's groups."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.stats import ks_2samp
from sklearn.metrics import roc_auc_score, roc_curve

from arrears.scoring.metrics import (
    PSI_EPS,
    auc,
    calibration_table,
    gini,
    ks,
    psi,
    psi_against,
    reference_bins,
)

labelled_scores = st.lists(
    st.tuples(st.booleans(), st.integers(0, 20) | st.floats(-5, 5, allow_nan=False)),
    min_size=2,
    max_size=200,
)


def _split(pairs: list[tuple[bool, float]]) -> tuple[np.ndarray, np.ndarray]:
    y = np.array([int(b) for b, _ in pairs])
    s = np.array([float(v) for _, v in pairs])
    assume(0 < y.sum() < y.size)
    return y, s


@settings(max_examples=200, deadline=None)
@given(labelled_scores)
def test_auc_and_gini_match_scikit_learn_ties_included(pairs: list[tuple[bool, float]]) -> None:
    y, s = _split(pairs)
    assert auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert gini(y, s) == pytest.approx(2 * roc_auc_score(y, s) - 1, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(labelled_scores)
def test_ks_is_the_largest_gap_between_tpr_and_fpr_and_the_two_sample_statistic(
    pairs: list[tuple[bool, float]],
) -> None:
    y, s = _split(pairs)
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
    assert ks(y, s) == pytest.approx(np.max(np.abs(tpr - fpr)), abs=1e-12)
    with warnings.catch_warnings():  # only its p-value complains on tiny samples
        warnings.simplefilter("ignore", RuntimeWarning)
        two_sample = ks_2samp(s[y == 1], s[y == 0], method="asymp").statistic
    assert ks(y, s) == pytest.approx(two_sample, abs=1e-12)
    assert ks(y, s) == pytest.approx(ks(y, -s), abs=1e-12)  # direction-free


def test_for_a_score_that_ranks_events_higher_ks_is_max_tpr_minus_fpr() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 3000)
    s = y + rng.normal(size=3000)
    fpr, tpr, _ = roc_curve(y, s)
    assert ks(y, s) == pytest.approx(np.max(tpr - fpr), abs=1e-12)


def test_a_perfect_score_has_auc_one_and_ks_one_and_a_constant_one_half_and_zero() -> None:
    y = np.array([0, 0, 1, 1])
    assert auc(y, [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert ks(y, [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert auc(y, [0.5] * 4) == 0.5
    assert ks(y, [0.5] * 4) == 0.0


def test_psi_of_a_population_against_itself_is_zero() -> None:
    rng = np.random.default_rng(0)
    x = rng.lognormal(size=5000)
    x[::17] = np.nan
    assert psi(x, x) == 0.0
    cats = np.array(["call", "sms", None, "app"] * 50, dtype=object)
    assert psi(cats, cats) == 0.0


def test_psi_of_a_known_shift_matches_the_hand_computed_value() -> None:
    expected = np.array([0.0, 0.0, 1.0, 1.0])  # 50 % / 50 % either side of the cut at 0.5
    actual = np.array([0.0] * 7 + [1.0] * 3)  # 70 % / 30 %
    by_hand = (0.7 - 0.5) * math.log(0.7 / 0.5) + (0.3 - 0.5) * math.log(0.3 / 0.5)
    assert psi(expected, actual, bins=[0.5]) == pytest.approx(by_hand, rel=1e-12)


def test_psi_floors_an_empty_bin_at_epsilon() -> None:
    expected = np.array(["call"] * 10, dtype=object)  # bins: call, other, missing
    actual = np.array(["call"] * 5 + ["sms"] * 5, dtype=object)  # half of today is new
    by_hand = (0.5 - 1.0) * math.log(0.5 / 1.0) + (0.5 - PSI_EPS) * math.log(0.5 / PSI_EPS)
    assert psi(expected, actual) == pytest.approx(by_hand, rel=1e-12)


def test_psi_of_a_shifted_normal_is_close_to_the_square_of_the_shift() -> None:
    # For N(0,1) vs N(d,1) the continuous PSI (symmetric KL divergence) is d²; ten training
    # deciles lose a little of it, sampling noise adds a little.
    rng = np.random.default_rng(1)
    train = rng.normal(size=20000)
    ref = reference_bins(train, 10)
    assert len(ref["edges"]) == 9
    np.testing.assert_allclose(ref["shares"][:10], 0.1, atol=1e-3)
    assert psi_against(ref, rng.normal(size=20000)) < 0.005
    for shift in (0.2, 0.4, 0.8):
        value = psi_against(ref, rng.normal(loc=shift, size=20000))
        assert value == pytest.approx(shift**2, rel=0.15)


def test_the_calibration_table_has_equal_groups_by_predicted_probability() -> None:
    p = np.linspace(0.01, 0.99, 1000)
    y = (np.arange(1000) % 2 == 0).astype(int)
    table = calibration_table(y, p, n_bins=10)
    assert table["count"].to_list() == [100] * 10
    np.testing.assert_allclose(table["mean_predicted"].to_numpy(), p.reshape(10, 100).mean(1))
    np.testing.assert_allclose(table["observed_rate"].to_numpy(), 0.5)
