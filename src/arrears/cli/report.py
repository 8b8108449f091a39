"""`arrears report` and `arrears suggest-timing`: the analytics as the command line runs them.

Both raise `arrears.contract.load.ContractError` for a broken input folder (the CLI turns it
into exit code 2), `FileNotFoundError` for a `--runs` folder without runs and `ValueError`
for a bad option value.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from arrears.analytics.inputs import load_inputs
from arrears.analytics.report import build_report
from arrears.analytics.report.i18n import LANGS
from arrears.analytics.timing import suggest_timing


def run_report(console: Console, data: Path, runs: Path | None, out: Path, lang: str) -> Path:
    """Build the HTML report of `data` (and the run folders under `runs`) into `out`."""
    if lang not in LANGS:
        raise ValueError(f"--lang {lang}: one of {', '.join(LANGS)}")
    started = time.perf_counter()
    path = build_report(data, runs, out, lang)
    size = path.stat().st_size / 1e6
    console.print(
        f"report: {path} ({size:.1f} MB, {lang}, {time.perf_counter() - started:.1f} s)",
        highlight=False,
    )
    return path


def run_suggest_timing(
    console: Console,
    data: Path,
    out: Path | None,
    share: float,
    seed: int,
    runs: Path | None = None,
) -> dict[str, Any]:
    """Knee-based start days per segment (`docs/analytics.md`); written to `out` as JSON when
    given, shown as a table either way. `runs` (optional) gives the strategy's segments,
    arms and holdout arms; without it segments are the product lines."""
    if not 0.0 < share < 1.0:
        raise ValueError(f"--share {share}: must be between 0 and 1 (exclusive)")
    inputs = load_inputs(data, runs)
    doc = suggest_timing(inputs, data, share=share, seed=seed)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(out)
    _show(console, doc, out)
    return doc


def _show(console: Console, doc: dict[str, Any], out: Path | None) -> None:
    table = Table(title=f"timing suggestions ({doc['source']}, as of {doc['as_of']})")
    for name in ("segment", "basis", "knee dpd", "band", "from_dpd", "bucket", "episodes"):
        table.add_column(name, justify="left" if name in ("segment", "basis") else "right")
    for s in doc["suggestions"]:
        low, high = s["band"]
        table.add_row(
            str(s["segment"]),
            str(s["basis"]),
            "—" if s["knee_dpd"] is None else str(s["knee_dpd"]),
            "—" if low is None else f"{low}–{high}",
            "—" if s["from_dpd"] is None else str(s["from_dpd"]),
            str(s["bucket"] or "—"),
            f"{s['episodes']:,}",
        )
    console.print(table)
    if out is not None:
        console.print(f"suggestions: {out}", highlight=False)
