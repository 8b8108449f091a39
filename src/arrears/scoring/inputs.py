"""What every scoring estimator accepts, and how it says no.

The estimators take a Polars frame, a pandas frame (what scikit-learn tools hand around) or a 2-D
NumPy array, and a binary target. All three are brought to one Polars frame here, once, so the
binning, the scorecard and the boosting back end each see the same columns with the same missing
values (Polars null; NaN in a float column counts as missing too).

Parameter checks live here as well, so that every estimator says no the same way: the name of the
parameter, what was given, and the values that are allowed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import polars as pl

FrameLike = Any
"""A Polars DataFrame, a pandas DataFrame or a 2-D NumPy array."""


def to_polars(X: FrameLike, names: Sequence[str] | None = None) -> pl.DataFrame:
    """`X` as a Polars frame; a NumPy array's columns are named `names` (or x0, x1, …)."""
    if isinstance(X, pl.DataFrame):
        return X
    if type(X).__module__.split(".")[0] == "pandas" and hasattr(X, "columns"):
        frame = pl.from_pandas(X)
        return frame.rename({c: str(c) for c in frame.columns})
    if isinstance(X, pl.Series):
        return X.to_frame()
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise ValueError(f"X must be a 2-D table (a DataFrame or a 2-D array), got {arr.ndim} dims")
    cols = list(names) if names is not None else [f"x{j}" for j in range(arr.shape[1])]
    if len(cols) != arr.shape[1]:
        raise ValueError(f"X has {arr.shape[1]} columns, expected {len(cols)} ({', '.join(cols)})")
    if arr.dtype.kind in "biuf":
        return pl.DataFrame({c: arr[:, j].astype(np.float64) for j, c in enumerate(cols)})
    return pl.DataFrame(
        {c: pl.Series(c, arr[:, j].tolist(), strict=False) for j, c in enumerate(cols)}
    )


def select_features(frame: pl.DataFrame, features: Sequence[str]) -> pl.DataFrame:
    """The `features` columns of `frame`, in order; an error names any that are absent."""
    present = set(frame.columns)
    missing = [f for f in features if f not in present]
    if missing:
        raise ValueError(
            f"missing feature column(s): {', '.join(missing)} "
            f"(the model was fitted on: {', '.join(features)})"
        )
    return frame.select(list(features))


def fitted_frame(estimator: Any, X: Any, fitted: str) -> pl.DataFrame:
    """`X` as a frame of the columns `estimator` was fitted on, in fit order (refused, with
    scikit-learn's NotFittedError, before `fit` has set `fitted`)."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, fitted)
    names = [str(n) for n in estimator.feature_names_in_]
    return select_features(to_polars(X, names), names)


def is_categorical(dtype: pl.DataType) -> bool:
    """Strings, categoricals, enums and booleans are binned by category, not by interval."""
    return not dtype.is_numeric()


def numeric_values(series: pl.Series) -> np.ndarray:
    """A float array, missing as NaN."""
    return series.cast(pl.Float64).to_numpy().astype(np.float64, copy=False)


def category_values(series: pl.Series) -> np.ndarray:
    """An object array of str, missing as None (NaN in a float column counts as missing)."""
    if series.dtype.is_float():
        series = series.fill_nan(None)
    return series.cast(pl.String).to_numpy().astype(object, copy=False)


def is_none(values: np.ndarray) -> np.ndarray:
    """Where an object array holds None (vectorized; NumPy's stubs do not admit None here)."""
    return np.asarray(np.equal(values, None), dtype=bool)  # type: ignore[call-overload]


def binary_target(y: Any, n_rows: int | None = None) -> np.ndarray:
    """`y` as an int8 array of 0/1; anything else (strings, three classes, nulls) is refused."""
    if isinstance(y, pl.DataFrame | pl.Series):
        if isinstance(y, pl.DataFrame):
            if y.width != 1:
                raise ValueError(f"y must be one column, got {y.width}")
            y = y.to_series()
        if y.null_count():
            raise ValueError(f"y has {y.null_count()} missing value(s); the target must be 0/1")
        arr = y.to_numpy()
    else:
        arr = np.asarray(y)
    arr = arr.ravel()
    if n_rows is not None and arr.shape[0] != n_rows:
        raise ValueError(f"y has {arr.shape[0]} rows but X has {n_rows}")
    if arr.dtype.kind == "b":
        out = arr.astype(np.int8)
    elif arr.dtype.kind in "iuf":
        if arr.dtype.kind == "f" and np.isnan(arr).any():
            raise ValueError("y has missing values; the target must be 0/1")
        values = np.unique(arr)
        if not np.isin(values, [0, 1]).all():
            shown = ", ".join(str(v) for v in values[:5])
            raise ValueError(f"y must be binary, 0/1 or False/True (got values: {shown})")
        out = arr.astype(np.int8)
    else:
        raise ValueError(f"y must be binary, 0/1 or False/True (got dtype {arr.dtype})")
    if out.size and (out.min() == out.max()):
        raise ValueError("y has a single class; both events and non-events are needed to fit")
    return out


def check_choice(name: str, value: Any, allowed: Iterable[str]) -> None:
    """`value` is one of `allowed`, or a ValueError that lists them."""
    options = tuple(allowed)
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of: {', '.join(options)} (got {value!r})")


def check_int(name: str, value: Any, *, low: int, high: int | None = None) -> None:
    """An integer in [low, high]; booleans are not integers here."""
    ok = isinstance(value, Integral) and not isinstance(value, bool)
    ok = ok and value >= low and (high is None or value <= high)
    if not ok:
        span = f"{low} ≤ n" + (f" ≤ {high}" if high is not None else "")
        raise ValueError(f"{name} must be an integer with {span} (got {value!r})")


def check_real(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """A finite real number in the given interval (open or closed at each end)."""
    ok = isinstance(value, Real) and not isinstance(value, bool) and np.isfinite(float(value))
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        left = ("(" if low_open else "[") + (f"{low:g}" if low is not None else "-inf")
        right = f"{high:g}" + (")" if high_open else "]") if high is not None else "inf)"
        raise ValueError(f"{name} must be a finite number in {left}, {right} (got {value!r})")


def check_names(name: str, value: Any) -> None:
    """None, or a list of distinct non-empty column names."""
    if value is None:
        return
    ok = isinstance(value, list | tuple) and all(isinstance(v, str) and v for v in value)
    if not ok:
        raise ValueError(f"{name} must be None or a list of column names (got {value!r})")
    dupes = sorted({v for v in value if list(value).count(v) > 1})
    if dupes:
        raise ValueError(f"{name} lists a column more than once: {', '.join(dupes)}")


def check_params(name: str, value: Any, allowed: Iterable[str]) -> None:
    """None, or a dict whose keys are among `allowed` (listed in the message otherwise)."""
    if value is None:
        return
    options = sorted(allowed)
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be None or a dict with keys among: {', '.join(options)}")
    unknown = sorted(k for k in value if k not in options)
    if unknown:
        raise ValueError(
            f"{name} has unknown key(s) {', '.join(map(str, unknown))}; "
            f"allowed: {', '.join(options)}"
        )
