"""How good a score is, and how far today's population has moved from the training one.

All vectorized NumPy: a sort and a few cumulative sums, never a loop over rows.

* `auc`   — the probability that a random event scores above a random non-event (ties count ½).
* `ks`    — the largest distance between the cumulative score distributions of the events and of
            the non-events (the two-sample Kolmogorov–Smirnov statistic). It does not care which way
            the score points; for a score that ranks events higher it equals max(TPR − FPR).
* `gini`  — 2·AUC − 1.
* `psi`   — Σ (actual − expected) · ln(actual / expected) over the bins of the *expected*
            (training) population; shares below `eps` are raised to `eps` so an empty bin counts
            as rare, not as infinitely far. 0.1 is a shift worth a look, 0.25 a shift to act on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from scipy.stats import rankdata

from arrears.scoring.inputs import is_none

PSI_EPS = 1e-4
PSI_ALERT = 0.25
MAX_CATEGORIES = 50


def _pair(y_true: Any, score: Any) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true).ravel().astype(np.int8)
    s = np.asarray(score, dtype=np.float64).ravel()
    if y.shape != s.shape:
        raise ValueError(f"y_true has {y.size} values but score has {s.size}")
    if not np.isin(y, (0, 1)).all() or y.min() == y.max():
        raise ValueError("y_true must be 0/1 with both classes present")
    if np.isnan(s).any():
        raise ValueError("score has NaN values")
    return y, s


def auc(y_true: Any, score: Any) -> float:
    """Area under the ROC curve, by the rank-sum (Mann–Whitney) identity."""
    y, s = _pair(y_true, score)
    ranks = rankdata(s)  # average ranks: a tie between an event and a non-event counts ½
    n1 = int(y.sum())
    n0 = y.size - n1
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def ks(y_true: Any, score: Any) -> float:
    """Kolmogorov–Smirnov distance between the scores of events and of non-events."""
    y, s = _pair(y_true, score)
    order = np.argsort(s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    cum_events = np.cumsum(y_sorted) / y_sorted.sum()
    cum_non = np.cumsum(1 - y_sorted) / (y_sorted.size - y_sorted.sum())
    # only where the score changes: inside a tie the two curves have not both moved yet
    last_of_tie = np.append(s_sorted[1:] != s_sorted[:-1], True)
    return float(np.abs(cum_events - cum_non)[last_of_tie].max())


def gini(y_true: Any, score: Any) -> float:
    """Gini coefficient (accuracy ratio), 2·AUC − 1."""
    return 2.0 * auc(y_true, score) - 1.0


def _is_numeric(values: np.ndarray) -> bool:
    return values.dtype.kind in "biuf"


def reference_bins(expected: Any, bins: int | Any = 10) -> dict[str, Any]:
    """The bins of the expected population and its share in each, as a JSON-ready dict.

    Numeric values: `bins` equal-frequency bins (or, if `bins` is a sequence, those interior cut
    points), bin i = [edges[i-1], edges[i]), plus a bin for missing values. Anything else: one bin
    per category (the `MAX_CATEGORIES` most frequent), one for "other" and one for missing.
    """
    values = np.asarray(expected)
    if _is_numeric(values):
        x = values.astype(np.float64)
        present = x[~np.isnan(x)]
        if np.ndim(bins) == 0:
            if not isinstance(bins, int | np.integer) or bins < 1:
                raise ValueError(f"bins must be a positive integer or a list of cut points: {bins}")
            probs = np.linspace(0, 1, int(bins) + 1)[1:-1]
            edges = np.unique(np.quantile(present, probs)) if present.size else np.empty(0)
            if present.size:
                edges = edges[edges > present.min()]
        else:
            edges = np.unique(np.asarray(bins, dtype=np.float64))
        ref: dict[str, Any] = {"kind": "numeric", "edges": edges.tolist()}
    else:
        cats, counts = np.unique(_as_str(values)[~_missing(values)], return_counts=True)
        top = np.sort(cats[np.argsort(-counts, kind="stable")[:MAX_CATEGORIES]])
        ref = {"kind": "categorical", "categories": top.tolist()}
    ref["shares"] = _shares(ref, values).tolist()
    return ref


def _missing(values: np.ndarray) -> np.ndarray:
    if _is_numeric(values):
        return np.isnan(values.astype(np.float64))
    # None, or NaN (the one value unequal to itself) in an object column
    return is_none(values) | (values != values)


def _as_str(values: np.ndarray) -> np.ndarray:
    return np.where(_missing(values), "", values).astype(str)


def _bin_index(ref: dict[str, Any], values: np.ndarray) -> np.ndarray:
    """The bin of each value under `ref` (reserved bins last: [other,] missing)."""
    if ref["kind"] == "numeric":
        edges = np.asarray(ref["edges"], dtype=np.float64)
        x = np.asarray(values, dtype=np.float64)
        idx = np.searchsorted(edges, x, side="right")
        idx[np.isnan(x)] = edges.size + 1
        return idx
    cats = np.asarray(ref["categories"], dtype=str)
    missing = _missing(values)
    v = _as_str(values)
    idx = np.full(v.size, cats.size, dtype=np.intp)
    if cats.size:
        pos = np.searchsorted(cats, v).clip(0, cats.size - 1)
        hit = (cats[pos] == v) & ~missing
        idx[hit] = pos[hit]
    idx[missing] = cats.size + 1
    return idx


def _shares(ref: dict[str, Any], values: np.ndarray) -> np.ndarray:
    n_bins = len(ref["edges"]) + 2 if ref["kind"] == "numeric" else len(ref["categories"]) + 2
    counts = np.bincount(_bin_index(ref, values), minlength=n_bins).astype(np.float64)
    return counts / max(counts.sum(), 1.0)


def psi_from_shares(expected: Any, actual: Any, eps: float = PSI_EPS) -> float:
    """PSI of two share vectors over the same bins."""
    e = np.maximum(np.asarray(expected, dtype=np.float64), eps)
    a = np.maximum(np.asarray(actual, dtype=np.float64), eps)
    if e.shape != a.shape:
        raise ValueError(f"share vectors differ in length: {e.size} vs {a.size}")
    return float(np.sum((a - e) * np.log(a / e)))


def psi_against(reference: dict[str, Any], actual: Any, eps: float = PSI_EPS) -> float:
    """PSI of `actual` against bins and shares stored by `reference_bins`."""
    values = np.asarray(actual)
    if reference["kind"] == "numeric" and not _is_numeric(values):
        values = values.astype(np.float64)
    return psi_from_shares(reference["shares"], _shares(reference, values), eps)


def psi(expected: Any, actual: Any, bins: int | Any = 10, eps: float = PSI_EPS) -> float:
    """Population stability index of `actual` against `expected`, on the expected's bins."""
    return psi_against(reference_bins(expected, bins), actual, eps)


def calibration_table(y_true: Any, proba: Any, n_bins: int = 10) -> pl.DataFrame:
    """Equal-count groups by predicted probability: mean predicted vs observed event rate."""
    y, p = _pair(y_true, proba)
    if not isinstance(n_bins, int) or not 1 <= n_bins <= y.size:
        raise ValueError(f"n_bins must be an integer in [1, {y.size}] (got {n_bins!r})")
    order = np.argsort(p, kind="stable")
    group = np.empty(y.size, dtype=np.intp)
    group[order] = (np.arange(y.size) * n_bins) // y.size
    count = np.bincount(group, minlength=n_bins)
    mean_p = np.bincount(group, weights=p, minlength=n_bins) / count
    observed = np.bincount(group, weights=y, minlength=n_bins) / count
    return pl.DataFrame(
        {
            "bin": np.arange(1, n_bins + 1, dtype=np.int64),
            "count": count.astype(np.int64),
            "mean_predicted": mean_p,
            "observed_rate": observed,
        }
    )
