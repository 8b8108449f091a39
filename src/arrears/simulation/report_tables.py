"""The simulation report's tables and its verdict line: the KPIs per arm, the differences
with their 95 % CIs, the per-day and per-bucket frames (through the report's `table`, so the
numbers read as on `arrears report`: thousands separators, percentages, "—" for none), the
knobs and the seconds per stage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from arrears.analytics.report.tables import fmt, table
from arrears.simulation.report_text import arm_name, column_header, sim_text

COUNTED = ("contacts", "complaints")  # differences shown without decimals


def kpi_table(kpis: dict[str, dict[str, Any]], lang: str) -> dict[str, Any]:
    """KPIs down, arms across."""
    keys = list(dict.fromkeys(key for k in kpis.values() for key in k))
    rows = [
        [column_header(key, lang)] + [fmt(k.get(key), key) for k in kpis.values()] for key in keys
    ]
    headers = [sim_text("metric", lang), *(arm_name(a, lang) for a in kpis)]
    return {"headers": headers, "rows": rows, "left": 1, "caption": None}


def frame_table(
    frame: pl.DataFrame, columns: tuple[str, ...], named: dict[str, str], lang: str
) -> dict[str, Any]:
    """`table` of the report, with the arms' names and the simulation's headers."""
    shown = frame.with_columns(pl.col("arm").replace(named)) if "arm" in frame.columns else frame
    out = table(shown, columns, lang, left=2)
    out["headers"] = [column_header(c, lang) for c in columns if c in frame.columns]
    return out


def _signed(value: float, metric: str) -> str:
    return f"{value:+,.0f}" if metric in COUNTED or abs(value) >= 100 else f"{value:+,.2f}"


def _plain(value: float, metric: str) -> str:
    return f"{value:,.0f}" if metric in COUNTED else f"{value:,.2f}"


def differences_table(differences: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    keys = (
        "metric",
        "champion",
        "challenger",
        "difference",
        "relative",
        "ci_low",
        "ci_high",
        "excludes_zero",
    )
    rows = []
    for d in differences:
        m = d["metric"]
        relative = d.get("relative")
        rows.append(
            [
                sim_text(m, lang),
                _plain(d["champion"], m),
                _plain(d["challenger"], m),
                _signed(d["difference"], m),
                f"{relative:+.1%}" if relative is not None else "—",
                _signed(d["ci_low"], m),
                _signed(d["ci_high"], m),
                sim_text("yes" if d["excludes_zero"] else "no", lang),
            ]
        )
    return {"headers": [sim_text(k, lang) for k in keys], "rows": rows, "left": 1, "caption": None}


def verdict(differences: list[dict[str, Any]], lang: str) -> str:
    """One sentence: how much more (or less) the challenger recovers, whether its CI excludes
    0, at what extra cost, and the net; then what each extra unit of cost brought, and the
    complaints when they differ."""
    by = {d["metric"]: d for d in differences}
    rec = by.get("recovered")
    if rec is None:
        return ""
    base = rec["champion"]
    share: Callable[[float], str]
    if base:
        rel = f"{abs(rec['difference']) / abs(base):.1%}"

        def share(v: float) -> str:
            return f"{v / abs(base):+.1%}"
    else:
        rel = f"{abs(rec['difference']):,.0f}"

        def share(v: float) -> str:
            return f"{v:+,.0f}"

    cost, net = by.get("cost"), by.get("net")
    words = {
        "more": sim_text("more" if rec["difference"] >= 0 else "less", lang),
        "rel": rel,
        "lo": share(rec["ci_low"]),
        "hi": share(rec["ci_high"]),
        "diff": f"{rec['difference']:+,.0f}",
        "cost": f"{cost['difference']:+,.0f}" if cost else "—",
        "net": f"{net['difference']:+,.0f}" if net else "—",
    }
    key = "verdict_clear" if rec["excludes_zero"] else "verdict_unclear"
    sentence = sim_text(key, lang).format(**words)
    if cost and cost["difference"] > 0 and rec["difference"] > 0:
        ratio = f"{rec['difference'] / cost['difference']:,.2f}"
        sentence += " " + sim_text("verdict_marginal", lang).format(ratio=ratio)
    complaints = by.get("complaints")
    if complaints and (complaints["difference"] or complaints["ci_low"] or complaints["ci_high"]):
        sentence += " " + sim_text("verdict_complaints", lang).format(
            diff=f"{complaints['difference']:+,.0f}",
            lo=f"{complaints['ci_low']:+,.1f}",
            hi=f"{complaints['ci_high']:+,.1f}",
        )
    return sentence


def knobs_table(knobs: dict[str, Any], lang: str) -> dict[str, Any]:
    rows = [[name, _knob(value)] for name, value in knobs.items()]
    headers = [sim_text("setting", lang), sim_text("value", lang)]
    return {"headers": headers, "rows": rows, "left": 2, "caption": None}


def stages_table(daily: pl.DataFrame, arms: list[str], lang: str) -> dict[str, Any] | None:
    """Seconds per stage of the day (world, plan, verify, outcomes …), stages down, arms across."""
    stages = [c for c in daily.columns if c.startswith("seconds_")]
    if not stages:
        return None
    totals = daily.group_by("arm").agg(pl.col(stages).sum())
    per_arm = {r["arm"]: r for r in totals.iter_rows(named=True)}
    rows = [
        [column_header(s, lang), *(f"{per_arm.get(a, {}).get(s) or 0:.2f} s" for a in arms)]
        for s in stages
    ]
    headers = [sim_text("stage", lang), *(arm_name(a, lang) for a in arms)]
    return {"headers": headers, "rows": rows, "left": 1, "caption": None}


def _knob(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
