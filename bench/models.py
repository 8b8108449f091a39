"""Train on ~1 M snapshot rows and score 10 M accounts: wall time and peak memory.

    python bench/models.py                       # 40,000 accounts x 26 weekly snapshots, 10 M
    python bench/models.py --accounts 4000 --score-rows 1000000      # a quick look

Each measured step runs in a fresh process (`_measure.run_measured`: wall time and the
kernel's peak RSS of that process):

* `generate`: `arrears generate --history 182` (weekly snapshots): the training history.
* `train`: `arrears train --model pay` with each back end (scorecard, lightgbm).
* `score`: the planner's features of the run date for the book's accounts, tiled to
  `--score-rows` rows, scored by each saved model; the child times the features and the
  scoring apart. The baseline, in the same child and on the same rows: a plain logistic
  regression on the numeric features (no bins, no calibration), i.e. the least a scorer
  costs.

Figures are written to bench/out/models.json and printed as a table.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
AS_OF = date(2026, 11, 30)
sys.path.insert(0, str(ROOT / "bench"))


def child_score(hist: Path, models: Path, rows: int) -> None:
    """In a fresh process: features of the run date, tiled to `rows`, scored by each model."""
    import polars as pl
    from sklearn.linear_model import LogisticRegression

    from arrears.contract.load import load_portfolio
    from arrears.scoring.apply import load_models
    from arrears.scoring.training_set import features_at

    started = time.perf_counter()
    tables = load_portfolio(hist).tables
    feats = features_at(tables, tables["accounts"], AS_OF)
    repeat = -(-rows // feats.height)
    book = pl.concat([feats] * repeat).head(rows)
    features_s = time.perf_counter() - started
    model_set = load_models(models)
    timings: dict[str, float] = {}
    for target, (model, _card) in model_set.models.items():
        names = [str(n) for n in model.feature_names_in_]
        began = time.perf_counter()
        p = model.predict_proba(book.select(names))[:, 1]
        timings[f"{target}:{model.backend}"] = time.perf_counter() - began
        assert p.shape == (rows,)
    numeric = [c for c, t in book.schema.items() if t.is_numeric()]
    x = book.select(pl.col(numeric).fill_null(0).cast(pl.Float64)).to_numpy()
    y = (book.get_column("dpd").to_numpy() > 30).astype(int)
    baseline = LogisticRegression(max_iter=200).fit(x[:100_000], y[:100_000])
    began = time.perf_counter()
    baseline.predict_proba(x)
    timings["baseline:plain logistic"] = time.perf_counter() - began
    print(json.dumps({"rows": rows, "features_s": features_s, "score_s": timings,
                      "numeric_features": len(numeric)}))  # fmt: skip


def main() -> None:
    from _measure import run_measured

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=40_000)
    parser.add_argument("--days", type=int, default=182)
    parser.add_argument("--score-rows", type=int, default=10_000_000)
    parser.add_argument("--child-score", nargs=3, metavar=("HIST", "MODELS", "ROWS"))
    args = parser.parse_args()
    if args.child_score:
        hist, models, rows = args.child_score
        child_score(Path(hist), Path(models), int(rows))
        return
    hist = OUT / f"history-{args.accounts}"
    models = OUT / f"models-{args.accounts}"
    arrears = [sys.executable, "-m", "arrears"]
    steps: dict[str, object] = {}
    made = run_measured(
        [*arrears, "generate", "--accounts", str(args.accounts), "--seed", "11", "--country",
         "mixed", "--as-of", AS_OF.isoformat(), "--history", str(args.days), "--out", str(hist)],
        log=OUT / "logs" / "models-generate",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    steps["generate"] = made.as_dict()
    import polars as pl

    snapshot_rows = pl.scan_parquet(hist / "account_snapshots.parquet").select(pl.len()).collect()
    for backend in ("scorecard", "lightgbm"):
        target_dir = models if backend == "scorecard" else OUT / f"models-{args.accounts}-lgbm"
        trained = run_measured(
            [*arrears, "train", "--history", str(hist), "--model", "pay", "--out",
             str(target_dir), "--backend", backend, "--within-days", "14"],
            log=OUT / "logs" / f"models-train-{backend}",
        )  # fmt: skip
        assert trained.returncode == 0, trained.stderr
        card = json.loads((target_dir / "pay" / "card.json").read_text())
        steps[f"train:{backend}"] = {**trained.as_dict(), "rows": card["rows"],
                                     "test": card["metrics"]["test"]}  # fmt: skip
    scores = {}
    lgbm = OUT / f"models-{args.accounts}-lgbm"
    for backend, folder in (("scorecard", models), ("lightgbm", lgbm)):
        scored = run_measured(
            [sys.executable, __file__, "--child-score", str(hist), str(folder),
             str(args.score_rows)],
            log=OUT / "logs" / f"models-score-{backend}",
        )  # fmt: skip
        assert scored.returncode == 0, scored.stderr
        scores[backend] = {**scored.as_dict(), "child": json.loads(scored.stdout)}
    report = {"accounts": args.accounts, "snapshot_rows": int(snapshot_rows.item()),
              "steps": steps, "score": scores}  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "models.json").write_text(json.dumps(report, indent=2))
    print(f"history: {args.accounts:,} accounts, {snapshot_rows.item():,} snapshot rows")
    print("| step | wall s | peak RSS MB | notes |")
    print("|---|---:|---:|---|")
    for name, step in steps.items():
        assert isinstance(step, dict)
        note = ""
        if "rows" in step:
            note = (f"train {step['rows']['train']:,} / test {step['rows']['test']:,} rows; "
                    f"test AUC {step['test']['auc']:.3f}, KS {step['test']['ks']:.3f}")  # fmt: skip
        print(f"| {name} | {step['wall_s']:.1f} | {step['peak_rss_mb']:,.0f} | {note} |")
    for backend, s in scores.items():
        child = s["child"]
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in child["score_s"].items())
        head = f"| score {child['rows']:,} rows ({backend}) | {s['wall_s']:.1f} | "
        print(f"{head}{s['peak_rss_mb']:,.0f} | features {child['features_s']:.1f} s; {parts} |")


if __name__ == "__main__":
    main()
