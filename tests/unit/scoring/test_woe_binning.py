"""WoE binning against tables computed by hand, and the shape of the bins it builds."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.scoring import WoEBinner


def _hand_numeric_frame() -> tuple[pl.DataFrame, np.ndarray]:
    """Values 1..15 in three equal-frequency bins of five, then three missing values.

    bin [1..5]:   1 event, 4 non-events
    bin [6..10]:  2 events, 3 non-events
    bin [11..15]: 4 events, 1 non-event
    missing:      1 event, 2 non-events       totals: 8 events, 10 non-events
    """
    values = [*range(1, 16), None, None, None]
    y = [*(1, 0, 0, 0, 0), *(1, 1, 0, 0, 0), *(1, 1, 1, 1, 0), *(1, 0, 0)]
    return pl.DataFrame({"dpd": values}, schema={"dpd": pl.Float64}), np.array(y)


def test_numeric_bins_counts_woe_and_iv_match_the_hand_computed_table() -> None:
    frame, y = _hand_numeric_frame()
    binner = WoEBinner(max_bins=3, min_bin_share=0.01, monotonic="none", smoothing=0.0)
    table = binner.fit(frame, y).binning_table("dpd")

    assert table["count"].to_list() == [5, 5, 5, 3]
    assert table["events"].to_list() == [1, 2, 4, 1]
    assert table["non_events"].to_list() == [4, 3, 1, 2]
    assert table["label"][-1] == "Missing"
    # WoE = ln(share of non-events / share of events), shares over 10 non-events and 8 events
    woe = [
        math.log((4 / 10) / (1 / 8)),  # ln 3.2
        math.log((3 / 10) / (2 / 8)),  # ln 1.2
        math.log((1 / 10) / (4 / 8)),  # ln 0.2
        math.log((2 / 10) / (1 / 8)),  # ln 1.6
    ]
    iv = [
        (4 / 10 - 1 / 8) * woe[0],
        (3 / 10 - 2 / 8) * woe[1],
        (1 / 10 - 4 / 8) * woe[2],
        (2 / 10 - 1 / 8) * woe[3],
    ]
    np.testing.assert_allclose(table["woe"].to_numpy(), woe, rtol=1e-12)
    np.testing.assert_allclose(table["iv"].to_numpy(), iv, rtol=1e-12)
    assert binner.bins_["dpd"].total_iv == pytest.approx(sum(iv), rel=1e-12)
    np.testing.assert_allclose(table["event_rate"].to_numpy(), [0.2, 0.4, 0.8, 1 / 3])
    # the cut points fall between the groups of five
    lower = table["lower"].to_list()
    assert lower[0] == -math.inf
    assert 5 < lower[1] <= 6
    assert 10 < lower[2] <= 11


def test_transform_replaces_each_value_by_its_bins_woe_missing_included() -> None:
    frame, y = _hand_numeric_frame()
    binner = WoEBinner(max_bins=3, min_bin_share=0.01, monotonic="none", smoothing=0.0)
    woe = binner.fit(frame, y).transform(pl.DataFrame({"dpd": [1.0, 7.0, 15.0, None, 1e9]}))
    expected = [math.log(3.2), math.log(1.2), math.log(0.2), math.log(1.6), math.log(0.2)]
    np.testing.assert_allclose(woe[:, 0], expected, rtol=1e-12)


def test_a_monotone_option_keeps_a_table_that_is_already_monotone() -> None:
    frame, y = _hand_numeric_frame()
    for monotonic in ("auto", "ascending"):
        binner = WoEBinner(max_bins=3, min_bin_share=0.01, monotonic=monotonic, smoothing=0.0)
        assert binner.fit(frame, y).binning_table("dpd")["count"].to_list() == [5, 5, 5, 3]
    # asked to fall while it rises, the three bins collapse into one
    falling = WoEBinner(max_bins=3, min_bin_share=0.01, monotonic="descending", smoothing=0.0)
    assert falling.fit(frame, y).binning_table("dpd")["count"].to_list() == [15, 3]


def test_categorical_bins_pool_rare_categories_and_smooth_empty_classes_by_hand() -> None:
    # a: 4 non-events; b: 2 and 2; c: one event (rare: under 20 % of 9 rows → "Other")
    frame = pl.DataFrame({"channel": ["a"] * 4 + ["b"] * 4 + ["c"]})
    y = np.array([0, 0, 0, 0, 1, 1, 0, 0, 1])
    binner = WoEBinner(min_bin_share=0.2, smoothing=0.5).fit(frame, y)
    table = binner.binning_table("channel")
    assert table["label"].to_list() == ["a", "b", "Other", "Missing"]
    assert table["count"].to_list() == [4, 4, 1, 0]
    # Laplace: shares (n + 0.5) / (N + 0.5·k), k = 3 non-empty bins; N = 6 non-events, 3 events
    good = [(4 + 0.5) / 7.5, (2 + 0.5) / 7.5, (0 + 0.5) / 7.5]
    bad = [(0 + 0.5) / 4.5, (2 + 0.5) / 4.5, (1 + 0.5) / 4.5]
    woe = [math.log(g / b) for g, b in zip(good, bad, strict=True)]
    np.testing.assert_allclose(table["woe"].to_numpy(), [*woe, 0.0], rtol=1e-12)
    iv = [(g - b) * w for g, b, w in zip(good, bad, woe, strict=True)]
    np.testing.assert_allclose(table["iv"].to_numpy(), [*iv, 0.0], rtol=1e-12)
    # unseen categories go to "Other"; missing to the (empty, neutral) missing bin
    out = binner.transform(pl.DataFrame({"channel": ["a", "zzz", None, "c"]}))[:, 0]
    np.testing.assert_allclose(out, [woe[0], woe[2], 0.0, woe[2]], rtol=1e-12)


def test_without_smoothing_an_empty_class_is_an_error_not_an_infinity() -> None:
    frame = pl.DataFrame({"channel": ["a"] * 4 + ["b"] * 4})
    y = np.array([0, 0, 0, 0, 1, 1, 0, 0])
    with pytest.raises(ValueError, match="smoothing"):
        WoEBinner(min_bin_share=0.1, smoothing=0.0).fit(frame, y)


def test_numeric_columns_can_be_binned_as_categories_when_named() -> None:
    frame = pl.DataFrame({"product": [1, 1, 2, 2, 3, 3] * 5})
    y = np.array([0, 1, 0, 0, 1, 1] * 5)
    binner = WoEBinner(categorical_features=["product"], min_bin_share=0.1).fit(frame, y)
    assert binner.binning_table("product")["label"].to_list() == ["1", "2", "3", "Other", "Missing"]


def test_the_iv_table_orders_features_from_the_strongest() -> None:
    rng = np.random.default_rng(3)
    signal = rng.normal(size=2000)
    y = (rng.random(2000) < 1 / (1 + np.exp(-2 * signal))).astype(int)
    frame = pl.DataFrame({"noise": rng.normal(size=2000), "signal": signal})
    ivs = WoEBinner().fit(frame, y).iv_table()
    assert ivs["feature"].to_list() == ["signal", "noise"]
    assert ivs["iv"][0] > 0.5 > 0.05 > ivs["iv"][1]


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(-50, 50), st.booleans()), min_size=10, max_size=300),
    monotonic=st.sampled_from(["ascending", "descending", "auto"]),
    max_bins=st.integers(2, 12),
    min_share=st.sampled_from([0.01, 0.05, 0.1, 0.2]),
)
def test_monotone_merging_gives_strictly_monotone_event_rates_and_valid_bins(
    data: list[tuple[int, bool]], monotonic: str, max_bins: int, min_share: float
) -> None:
    x = np.array([v for v, _ in data], dtype=float)
    y = np.array([int(b) for _, b in data])
    if y.min() == y.max():
        y[0] = 1 - y[0]
    binner = WoEBinner(max_bins=max_bins, min_bin_share=min_share, monotonic=monotonic)
    table = binner.fit(pl.DataFrame({"x": x}), y).binning_table("x")
    bins = table.filter(pl.col("label") != "Missing")
    assert int(bins["count"].sum()) == x.size  # every row in exactly one bin
    assert len(bins) <= max_bins
    rates = bins["event_rate"].to_numpy()
    steps = np.diff(rates)
    if monotonic == "ascending":
        assert (steps > 0).all()
    elif monotonic == "descending":
        assert (steps < 0).all()
    else:
        assert (steps > 0).all() or (steps < 0).all()
    if len(bins) > 1:  # a split is kept only when each side is big enough and has both classes
        assert (bins["count"].to_numpy() >= math.ceil(min_share * x.size)).all()
        assert ((bins["events"] > 0) & (bins["non_events"] > 0)).all()


def test_polars_pandas_and_numpy_inputs_give_the_same_woe() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(500, 2))
    y = (rng.random(500) < 0.3).astype(int)
    frame = pl.DataFrame({"x0": x[:, 0], "x1": x[:, 1]})
    expected = WoEBinner().fit(frame, y).transform(frame)
    np.testing.assert_array_equal(WoEBinner().fit(x, y).transform(x), expected)
    pdf = frame.to_pandas()
    np.testing.assert_array_equal(WoEBinner().fit(pdf, y).transform(pdf), expected)
