"""Tables and cards of the report: values formatted for reading, headers translated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
import polars as pl
from markupsafe import Markup

from arrears.analytics.report.i18n import TEXT, text


def fmt(value: Any, column: str) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, float):
        if "rate" in column or "share" in column or column.endswith("per_call"):
            return f"{value:.1%}"
        if column == "cost_per_unit":
            return f"{value:.4f}"
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def header(column: str, lang: str) -> str:
    if column.startswith("recovered_"):
        return f"{text('recovered', lang)} {column.removeprefix('recovered_')}"
    return text(column, lang) if column in TEXT else column


def table(
    frame: pl.DataFrame,
    columns: Sequence[str],
    lang: str,
    *,
    left: int = 1,
    caption: str | None = None,
    translate: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Headers and formatted rows for the template; the values of a `translate` column are
    translated too, as the text of `prefix + value` (labels such as `natural`)."""
    translate = translate or {}
    cols = [c for c in columns if c in frame.columns]
    rows = []
    for record in frame.select(cols).iter_rows(named=True):
        rows.append(
            [
                text(translate[c] + str(record[c]), lang) if c in translate else fmt(record[c], c)
                for c in cols
            ]
        )
    return {
        "headers": [header(c, lang) for c in cols],
        "rows": rows,
        "left": left,
        "caption": caption,
    }


def card(label: str, value: Any, column: str = "rate", cls: str = "") -> dict[str, str]:
    return {"label": label, "value": fmt(value, column), "cls": cls}


def div(fig: go.Figure, div_id: str) -> Markup:
    html = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )
    return Markup(html)


def knee_rows(knees: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    rows = []
    for k in knees:
        knee = k["knee"]
        band = f"{knee.low}–{knee.high}" if knee.low is not None else "—"
        rows.append(
            [
                k["segment"],
                text(k["basis"], lang),
                str(knee.dpd) if knee.dpd is not None else text("no_knee", lang),
                band,
                str(knee.dpd) if knee.dpd is not None else "—",
                f"{knee.episodes:,}",
                f"{k['cured']:,}",
                f"{k['contacted_share']:.1%}",
            ]
        )
    keys = (
        "segment",
        "basis",
        "knee_dpd",
        "band",
        "from_dpd",
        "episodes",
        "cured",
        "contacted_share",
    )
    return {"headers": [text(h, lang) for h in keys], "rows": rows, "left": 2, "caption": None}
