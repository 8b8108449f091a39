"""Weight-of-evidence binning: the bins a risk team reads, and the numbers a scorecard is fitted on.

Sign convention, used everywhere in `arrears.scoring`:

    WoE(bin) = ln( share of the non-events in the bin / share of the events in the bin )
    IV(bin)  = (share of non-events − share of events) · WoE(bin)

so a bin with *fewer* events than the average has a *positive* WoE, and the IV of every bin is ≥ 0.
"Event" is the modelled outcome (the account pays, rolls, self-cures, is reached). A logistic
regression of the event on WoE features therefore has *negative* coefficients.

Laplace smoothing: with `smoothing = a`, the shares are (n_bin + a) / (N + a·k) over the k non-empty
bins, so a bin without events (or without non-events) still has a finite WoE. With a = 0 the
textbook formula is used and an empty class is an error, not an infinity.

Each feature has, after its own bins, reserved bins that may be empty: numeric → "Missing";
categorical → "Other" (rare and unseen categories) and "Missing". An empty bin has WoE 0 — the
population average — so a value never seen at fit neither raises nor lowers the score.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import polars as pl
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from arrears.scoring.inputs import (
    FrameLike,
    binary_target,
    category_values,
    check_choice,
    check_int,
    check_names,
    check_real,
    fitted_frame,
    is_categorical,
    is_none,
    numeric_values,
    to_polars,
)

MONOTONIC = ("auto", "ascending", "descending", "none")
OTHER = "Other"
MISSING = "Missing"


@dataclass(frozen=True)
class FeatureBins:
    """The fitted bins of one feature, in index order (reserved bins last)."""

    name: str
    kind: str  # "numeric" | "categorical"
    edges: np.ndarray  # numeric: interior cut points; bin i is [edges[i-1], edges[i])
    categories: tuple[str, ...]  # categorical: the categories with a bin of their own
    labels: tuple[str, ...]
    count: np.ndarray
    events: np.ndarray
    woe: np.ndarray
    iv: np.ndarray

    @property
    def total_iv(self) -> float:
        return float(self.iv.sum())

    def index(self, series: pl.Series) -> np.ndarray:
        """The bin of every value (vectorized: searchsorted, never a loop over rows)."""
        if self.kind == "numeric":
            x = numeric_values(series)
            idx = np.searchsorted(self.edges, x, side="right").astype(np.intp, copy=False)
            idx[np.isnan(x)] = len(self.edges) + 1
            return idx
        # categories by a hash lookup in Polars (no Python strings per row): a known category
        # gets its bin, any other value "Other" (len), a missing one the Missing bin (len + 1)
        text = (series.fill_nan(None) if series.dtype.is_float() else series).cast(pl.String)
        other = len(self.categories)
        lookup = {c: i for i, c in enumerate(self.categories)}
        known = text.replace_strict(lookup, default=other, return_dtype=pl.Int64)
        bins = pl.select(
            pl.when(text.is_null()).then(pl.lit(other + 1, pl.Int64)).otherwise(known)
        ).to_series()
        return bins.to_numpy().astype(np.intp, copy=False)

    def table(self) -> pl.DataFrame:
        """The bin table: one row per bin, reserved bins included."""
        count = self.count.astype(np.int64)
        events = self.events.astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(count > 0, events / np.maximum(count, 1), np.nan)
        total = max(int(count.sum()), 1)
        if self.kind == "numeric":
            lower = np.concatenate([[-np.inf], self.edges, [np.nan]])
            upper = np.concatenate([self.edges, [np.inf], [np.nan]])
        else:
            lower = upper = np.full(count.size, np.nan)
        return pl.DataFrame(
            {
                "feature": [self.name] * count.size,
                "bin": np.arange(count.size, dtype=np.int64),
                "label": list(self.labels),
                "lower": lower,
                "upper": upper,
                "count": count,
                "share": count / total,
                "events": events,
                "non_events": count - events,
                "event_rate": rate,
                "woe": self.woe,
                "iv": self.iv,
            }
        )


def woe_iv(
    count: np.ndarray, events: np.ndarray, smoothing: float
) -> tuple[np.ndarray, np.ndarray]:
    """WoE and IV per bin (see the module docstring for the sign and the smoothing)."""
    count = np.asarray(count, dtype=np.float64)
    events = np.asarray(events, dtype=np.float64)
    non_events = count - events
    live = count > 0
    k = int(live.sum())
    good = (non_events + smoothing) / (non_events[live].sum() + smoothing * k)
    bad = (events + smoothing) / (events[live].sum() + smoothing * k)
    if smoothing == 0 and ((good[live] == 0) | (bad[live] == 0)).any():
        raise ValueError(
            "a bin has no events or no non-events and smoothing=0: its WoE would be infinite; "
            "set smoothing > 0 (e.g. 0.5)"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        woe = np.where(live, np.log(good / bad), 0.0)
    iv = np.where(live, (good - bad) * woe, 0.0)
    return woe, iv


def _merge(count: np.ndarray, events: np.ndarray, edges: np.ndarray, a: int) -> tuple:
    """Bins a and a+1 become one (the edge between them goes)."""
    count = np.concatenate([count[:a], [count[a] + count[a + 1]], count[a + 2 :]])
    events = np.concatenate([events[:a], [events[a] + events[a + 1]], events[a + 2 :]])
    return count, events, np.delete(edges, a)


def _enforce_size(
    count: np.ndarray, events: np.ndarray, edges: np.ndarray, min_rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge the smallest offending bin into its smaller neighbour until every bin has at least
    `min_rows` rows and both classes (a loop over at most `max_bins` bins, not over rows)."""
    while count.size > 1:
        bad = (count < min_rows) | (events == 0) | (events == count)
        if not bad.any():
            break
        i = int(np.argmin(np.where(bad, count, np.inf)))
        if i == 0:
            a = 0
        elif i == count.size - 1:
            a = i - 1
        else:
            a = i - 1 if count[i - 1] <= count[i + 1] else i
        count, events, edges = _merge(count, events, edges, a)
    return count, events, edges


def _pool_adjacent(
    count: np.ndarray, events: np.ndarray, edges: np.ndarray, ascending: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pool adjacent violators until the event rate is strictly monotone in the bin order."""
    blocks: list[list[int]] = []  # [count, events, index of the block's last pre-bin]
    for i in range(count.size):
        blocks.append([int(count[i]), int(events[i]), i])
        while len(blocks) >= 2:
            (n1, e1, _), (n2, e2, _) = blocks[-2], blocks[-1]
            # rate1 vs rate2 by cross-multiplication (exact on integers)
            violates = e1 * n2 >= e2 * n1 if ascending else e1 * n2 <= e2 * n1
            if not violates:
                break
            n2_, e2_, last = blocks.pop()
            blocks[-1] = [blocks[-1][0] + n2_, blocks[-1][1] + e2_, last]
    kept = [b[2] for b in blocks[:-1]]
    return (
        np.array([b[0] for b in blocks], dtype=np.int64),
        np.array([b[1] for b in blocks], dtype=np.int64),
        edges[kept],
    )


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _numeric_bins(
    name: str, x: np.ndarray, y: np.ndarray, p: dict[str, Any], min_rows: int
) -> FeatureBins:
    missing = np.isnan(x)
    xv, yv = x[~missing], y[~missing]
    if xv.size:
        quantiles = np.quantile(xv, np.linspace(0.0, 1.0, p["max_bins"] + 1)[1:-1])
        edges = np.unique(quantiles)
        edges = edges[edges > xv.min()]  # a cut at the minimum would leave bin 0 empty
    else:
        edges = np.empty(0)
    idx = np.searchsorted(edges, xv, side="right")
    count = np.bincount(idx, minlength=edges.size + 1).astype(np.int64)
    events = np.bincount(idx, weights=yv, minlength=edges.size + 1).round().astype(np.int64)
    count, events, edges = _enforce_size(count, events, edges, min_rows)
    if p["monotonic"] != "none" and count.size > 1:
        directions = {"ascending": (True,), "descending": (False,), "auto": (True, False)}
        candidates = [
            _pool_adjacent(count, events, edges, ascending)
            for ascending in directions[p["monotonic"]]
        ]
        # "auto": the direction whose bins keep more information (ties: ascending). Every bin
        # has both classes here, so the IV is finite whatever the smoothing.
        ivs = [woe_iv(c, e, p["smoothing"])[1].sum() for c, e, _ in candidates]
        count, events, edges = candidates[int(np.argmax(ivs))]
    count = np.append(count, int(missing.sum()))
    events = np.append(events, int(y[missing].sum()))
    woe, iv = woe_iv(count, events, p["smoothing"])
    bounds = [-np.inf, *edges.tolist(), np.inf]
    labels = [
        ("(-inf" if lo == -np.inf else f"[{_fmt(lo)}")
        + ", "
        + ("inf)" if hi == np.inf else f"{_fmt(hi)})")
        for lo, hi in pairwise(bounds)
    ]
    return FeatureBins(name, "numeric", edges, (), (*labels, MISSING), count, events, woe, iv)


def _categorical_bins(
    name: str, values: np.ndarray, y: np.ndarray, p: dict[str, Any], min_rows: int
) -> FeatureBins:
    missing = is_none(values)
    cats, inv = np.unique(values[~missing].astype(str), return_inverse=True)
    ym = y[~missing]
    count = np.bincount(inv, minlength=cats.size).astype(np.int64)
    events = np.bincount(inv, weights=ym, minlength=cats.size).round().astype(np.int64)
    keep = count >= min_rows
    kept = tuple(str(c) for c in cats[keep])
    count = np.concatenate([count[keep], [count[~keep].sum()], [missing.sum()]])
    events = np.concatenate([events[keep], [events[~keep].sum()], [y[missing].sum()]])
    woe, iv = woe_iv(count, events, p["smoothing"])
    return FeatureBins(
        name,
        "categorical",
        np.empty(0),
        kept,
        (*kept, OTHER, MISSING),
        count.astype(np.int64),
        events.astype(np.int64),
        woe,
        iv,
    )


class WoEBinner(TransformerMixin, BaseEstimator):
    """Bins each feature and replaces every value by the WoE of its bin.

    Numeric features: equal-frequency pre-bins (at most `max_bins`), merged until every bin holds
    at least `min_bin_share` of the rows and both classes, then — unless `monotonic="none"` — merged
    until the event rate rises ("ascending") or falls ("descending") strictly with the value;
    "auto" keeps whichever direction has the larger IV. Categorical features (strings, booleans,
    or the columns named in `categorical_features`): one bin per category holding at least
    `min_bin_share` of the rows, the rest pooled into "Other". Missing values have their own bin.
    """

    def __init__(
        self,
        max_bins: int = 10,
        min_bin_share: float = 0.05,
        monotonic: str = "auto",
        smoothing: float = 0.5,
        categorical_features: list[str] | None = None,
    ) -> None:
        self.max_bins = max_bins
        self.min_bin_share = min_bin_share
        self.monotonic = monotonic
        self.smoothing = smoothing
        self.categorical_features = categorical_features

    def _check_params(self) -> None:
        check_int("max_bins", self.max_bins, low=2, high=100)
        check_real("min_bin_share", self.min_bin_share, low=0.0, high=0.5, low_open=True)
        check_choice("monotonic", self.monotonic, MONOTONIC)
        check_real("smoothing", self.smoothing, low=0.0)
        check_names("categorical_features", self.categorical_features)

    def fit(self, X: FrameLike, y: Any) -> WoEBinner:
        self._check_params()
        frame = to_polars(X)
        target = binary_target(y, frame.height)
        forced = set(self.categorical_features or ())
        absent = sorted(forced - set(frame.columns))
        if absent:
            raise ValueError(f"categorical_features not in X: {', '.join(absent)}")
        min_rows = max(1, int(np.ceil(self.min_bin_share * frame.height)))
        p = {"max_bins": self.max_bins, "monotonic": self.monotonic, "smoothing": self.smoothing}
        bins: dict[str, FeatureBins] = {}
        for name in frame.columns:
            s = frame.get_column(name)
            if name in forced or is_categorical(s.dtype):
                bins[name] = _categorical_bins(name, category_values(s), target, p, min_rows)
            else:
                bins[name] = _numeric_bins(name, numeric_values(s), target, p, min_rows)
        self.bins_ = bins
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = frame.width
        return self

    def _frame(self, X: FrameLike) -> pl.DataFrame:
        return fitted_frame(self, X, "bins_")

    def bin_index(self, X: FrameLike) -> np.ndarray:
        """The bin index of every value, shape (rows, features)."""
        frame = self._frame(X)
        cols = [self.bins_[n].index(frame.get_column(n)) for n in frame.columns]
        return np.column_stack(cols) if cols else np.empty((frame.height, 0), np.intp)

    def transform(self, X: FrameLike) -> np.ndarray:
        """The WoE matrix, shape (rows, features), features in fit order."""
        frame = self._frame(X)
        # column by column into a column-major matrix: each write is contiguous
        out = np.empty((frame.height, frame.width), dtype=np.float64, order="F")
        for j, name in enumerate(frame.columns):
            bins = self.bins_[name]
            out[:, j] = bins.woe[bins.index(frame.get_column(name))]
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "bins_")
        return np.asarray(self.feature_names_in_, dtype=object)

    def binning_table(self, feature: str) -> pl.DataFrame:
        """The bin table of one feature (see FeatureBins.table)."""
        check_is_fitted(self, "bins_")
        if feature not in self.bins_:
            raise ValueError(
                f"unknown feature {feature!r}; fitted features: {', '.join(self.bins_)}"
            )
        return self.bins_[feature].table()

    def iv_table(self) -> pl.DataFrame:
        """Total IV per feature, strongest first."""
        check_is_fitted(self, "bins_")
        return pl.DataFrame(
            {"feature": list(self.bins_), "iv": [b.total_iv for b in self.bins_.values()]}
        ).sort("iv", descending=True)
