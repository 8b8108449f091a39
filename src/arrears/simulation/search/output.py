"""What `arrears optimize` writes: the winning strategy, its diff against the base, the trials
and the held-out comparison."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import polars as pl

from arrears.simulation.search.optimize import TARGET_LIFT, SearchResult, dump, strategy_of


def winning_document(result: SearchResult) -> dict[str, Any]:
    """The best candidate, named as the base with a version one higher (when it changed)."""
    doc = dict(result.best)
    if result.best_picked:
        doc["version"] = int(result.base.get("version", 0) or 0) + 1
        note = ", ".join(f"{k}={v}" for k, v in result.best_picked.items())
        doc["description"] = (
            f"found by arrears optimize from version {result.base.get('version')}: {note}"
        )
    return doc


def write_search(result: SearchResult, out: Path, base_name: str) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "strategy": out / "best.yaml",
        "diff": out / "best.diff",
        "trials": out / "trials.parquet",
        "summary": out / "search.json",
    }
    doc = winning_document(result)
    text = dump(doc)
    strategy_of(doc, str(files["strategy"]))  # refuses to write a file that does not load
    files["strategy"].write_text(text, encoding="utf-8")
    diff = difflib.unified_diff(
        dump(result.base).splitlines(keepends=True), text.splitlines(keepends=True),
        fromfile=base_name, tofile="best.yaml",
    )  # fmt: skip
    files["diff"].write_text("".join(diff), encoding="utf-8")
    trials_frame(result).write_parquet(files["trials"])
    files["summary"].write_text(
        json.dumps(summary_doc(result), indent=2, default=str, ensure_ascii=False),
        encoding="utf-8",
    )
    return files


def trials_frame(result: SearchResult) -> pl.DataFrame:
    rows = [
        {
            "trial": t.number,
            **t.picked,
            "recovered": t.recovered,
            "cost": t.cost,
            "recovered_per_cost": t.per_cost,
            "contacts": t.contacts,
            "complaints": t.complaints,
            "feasible": t.feasible,
            "error": t.error,
        }
        for t in result.trials
    ]
    return pl.DataFrame(rows, infer_schema_length=None)


def summary_doc(result: SearchResult) -> dict[str, Any]:
    base = result.base_train
    return {
        "settings": result.settings,
        "cost_cap": result.cap,
        "base_on_training": {"recovered": base.recovered, "cost": base.cost},
        "best_choices": result.best_picked,
        "trials": len(result.trials),
        "feasible_trials": sum(t.feasible and t.error is None for t in result.trials),
        "held_out": {
            "kpis": result.held_out_kpis,
            "differences": [d.as_dict() for d in result.held_out],
            "target": f"recovered +{TARGET_LIFT:.0%} or more, CI above 0, cost not higher",
            "target_met": result.target_met,
        },
    }
