"""The knee of a cure curve: found where a synthetic curve was built to turn down."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.analytics.knee import detect_knee, knee_of

HORIZON = 45


def cohort(
    rng: np.random.Generator,
    knee: int,
    n: int,
    *,
    after: float = 0.1,
    jitter: float = 0.0,
    ramp: int = 0,
    cured_total: float = 0.6,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A cohort entering arrears on dpd 1 whose daily cure share is flat (after an optional
    ramp) up to `knee`, then `after` times that level: (first, last, cured) per episode."""
    days = np.arange(1, HORIZON + 1)
    level = np.where(days <= knee, 1.0, after)
    if ramp:
        level = level * np.minimum(1.0, 0.5 + 0.5 * days / ramp)
    level = level * np.exp(jitter * rng.standard_normal(HORIZON))
    density = level / level.sum() * cured_total
    cure_day = rng.choice(HORIZON + 1, size=n, p=np.r_[density, 1.0 - density.sum()]) + 1
    cured = cure_day <= HORIZON
    return np.ones(n, dtype=np.int64), np.where(cured, cure_day, HORIZON), cured


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    knee=st.integers(min_value=3, max_value=35),
    n=st.integers(min_value=2_000, max_value=20_000),
    jitter=st.floats(min_value=0.0, max_value=0.12),
    after=st.floats(min_value=0.0, max_value=0.15),
    ramp=st.integers(min_value=0, max_value=3),
)
def test_the_band_covers_the_true_knee_in_most_seeds(knee, n, jitter, after, ramp):
    covered = 0
    seeds = 10
    for seed in range(seeds):
        rng = np.random.default_rng([seed, knee, n])
        first, last, cured = cohort(rng, knee, n, after=after, jitter=jitter, ramp=ramp)
        found = detect_knee(first, last, cured, rng=rng, horizon=HORIZON, resamples=100)
        covered += found.covers(knee)
    assert covered >= 8, f"band covered the knee at {knee} in {covered} of {seeds} seeds"


def test_the_point_estimate_is_the_knee_on_a_clean_curve():
    rate = np.r_[np.full(12, 0.02), np.full(20, 0.001)]
    assert knee_of(rate, 0.5) == 12


def test_the_share_of_peak_chooses_which_fall_is_the_knee():
    # Full rate to dpd 8, 60 % of it to dpd 16, then almost nothing.
    rate = np.r_[np.full(8, 0.02), np.full(8, 0.012), np.full(20, 0.0005)]
    assert knee_of(rate, 0.5) == 16
    assert knee_of(rate, 0.7) == 8


def test_a_rate_that_never_falls_has_no_knee():
    first, last, cured = cohort(np.random.default_rng(3), HORIZON, 5_000)
    found = detect_knee(first, last, cured, rng=np.random.default_rng(3), horizon=HORIZON)
    assert found.dpd is None


def test_a_one_day_dip_does_not_make_a_knee():
    rate = np.r_[np.full(5, 0.02), [0.002], np.full(6, 0.02), np.full(20, 0.0)]
    assert knee_of(rate, 0.5) == 12


def test_the_same_seed_gives_the_same_band_and_another_seed_may_not():
    first, last, cured = cohort(np.random.default_rng(0), 20, 1_500, jitter=0.2)
    a = detect_knee(first, last, cured, rng=np.random.default_rng(11), horizon=HORIZON)
    b = detect_knee(first, last, cured, rng=np.random.default_rng(11), horizon=HORIZON)
    assert (a.low, a.high, a.dpd) == (b.low, b.high, b.dpd)
    assert a.low is not None and a.high is not None and a.low <= a.high


def test_days_with_too_few_episodes_at_risk_are_not_read():
    # 40 episodes, all censored at dpd 10: after dpd 10 nobody is at risk.
    first = np.ones(40, dtype=np.int64)
    last = np.full(40, 10)
    found = detect_knee(
        first,
        last,
        np.zeros(40, bool),
        rng=np.random.default_rng(0),
        horizon=HORIZON,
        min_at_risk=30,
    )
    assert found.horizon == 10


def test_a_share_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="share"):
        detect_knee(
            np.ones(3, int),
            np.ones(3, int),
            np.ones(3, bool),
            rng=np.random.default_rng(0),
            share=1.5,
        )
