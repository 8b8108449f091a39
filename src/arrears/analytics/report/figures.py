"""The report's plots, built with plotly from the analytics' frames (labels in the report's
language, fonts that have Chinese glyphs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl

from arrears.analytics.curves import ESTIMATE, NATURAL, OBSERVED
from arrears.analytics.report.i18n import text

FONT = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif'
MIN_AT_RISK = 30
DASH: dict[str, str] = {NATURAL: "solid", OBSERVED: "dot", ESTIMATE: "dash"}
PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
)


def _layout(fig: go.Figure, title: str, x: str, y: str, *, percent: bool = True) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01},
        template="plotly_white",
        font={"family": FONT, "size": 13},
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        height=420,
        legend={"font": {"size": 11}},
        xaxis_title=x,
        yaxis_title=y,
    )
    if percent:
        fig.update_yaxes(tickformat=".0%")
    return fig


def curve_name(segment: str, arm: str, label: str, lang: str) -> str:
    return f"{segment} · {arm} · {text(label, lang)}"


def cumulative_figure(
    curves: pl.DataFrame, column: str, lang: str, min_at_risk: int = MIN_AT_RISK
) -> go.Figure:
    """One line per curve: the cumulative share `column` (cured_share or repaid_share), up
    to the last dpd with at least `min_at_risk` episodes at risk (a thin tail is noise)."""
    fig = go.Figure()
    curves = curves.filter(
        (pl.col("at_risk") >= min_at_risk).cum_min().over("segment", "arm", "label")
    )
    segments = sorted(curves.get_column("segment").unique().to_list())
    color = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(segments)}
    for (segment, arm, label), rows in curves.sort("dpd").group_by(
        "segment", "arm", "label", maintain_order=True
    ):
        fig.add_trace(
            go.Scatter(
                x=rows.get_column("dpd").to_list(),
                y=rows.get_column(column).to_list(),
                mode="lines",
                name=curve_name(str(segment), str(arm), str(label), lang),
                line={"color": color[str(segment)], "dash": DASH.get(str(label), "solid")},
            )
        )
    title = text("fig_cured" if column == "cured_share" else "fig_repaid", lang)
    return _layout(fig, title, text("dpd", lang), text("share", lang))


def daily_figure(curves: pl.DataFrame, knees: Sequence[Mapping[str, Any]], lang: str) -> go.Figure:
    """Each segment's basis curve: its daily cure rate, the knee and its band."""
    fig = go.Figure()
    for i, k in enumerate(knees):
        rows = curves.filter((pl.col("segment") == k["segment"]) & (pl.col("label") == k["basis"]))
        if k["basis"] != ESTIMATE:  # natural / observed: pool the arms used
            rows = rows.filter(pl.col("arm").is_in(k["arms"]))
        rows = (
            rows.group_by("dpd")
            .agg((pl.col("daily_rate") * pl.col("episodes")).sum() / pl.col("episodes").sum())
            .sort("dpd")
        )
        knee = k["knee"]
        readable = rows.filter(pl.col("dpd") <= max(knee.horizon, 1))
        color = PALETTE[i % len(PALETTE)]
        name = f"{k['segment']} · {text(k['basis'], lang)}"
        fig.add_trace(
            go.Scatter(
                x=readable.get_column("dpd").to_list(),
                y=readable.get_column("daily_rate").to_list(),
                mode="lines+markers",
                name=name,
                line={"color": color, "dash": DASH.get(k["basis"], "solid")},
            )
        )
        if knee.dpd is not None:
            if knee.low is not None and knee.high is not None:
                fig.add_vrect(
                    x0=knee.low - 0.5,
                    x1=knee.high + 0.5,
                    fillcolor=color,
                    opacity=0.08,
                    line_width=0,
                )
            fig.add_vline(x=knee.dpd, line={"color": color, "dash": "dash", "width": 1})
            fig.add_trace(
                go.Scatter(
                    x=[knee.dpd],
                    y=[knee.peak_rate * knee.share],
                    mode="markers",
                    marker={"symbol": "x", "size": 10, "color": color},
                    name=f"{text('knee', lang)} {k['segment']}: {knee.dpd}",
                )
            )
    return _layout(fig, text("fig_daily", lang), text("dpd", lang), text("daily_rate", lang))


def migration_heatmap(matrix: pl.DataFrame, order: Sequence[str], lang: str) -> go.Figure:
    """The latest month's matrix: share of each from-state's accounts by next state."""
    fig = go.Figure()
    if matrix.height:
        last = matrix.filter(pl.col("month") == matrix.get_column("month").max())
        rows = [s for s in order if s in set(last.get_column("from_state").to_list())]
        cols = [s for s in order if s in set(last.get_column("to_state").to_list())]
        share = {
            (f, t): v for f, t, v in last.select("from_state", "to_state", "share").iter_rows()
        }
        z = [[share.get((f, t)) for t in cols] for f in rows]
        labels = [[f"{v:.1%}" if v is not None else "" for v in row] for row in z]
        fig.add_trace(
            go.Heatmap(
                z=z,
                x=cols,
                y=rows,
                text=labels,
                texttemplate="%{text}",
                colorscale="Blues",
                zmin=0,
                zmax=1,
                showscale=False,
            )
        )
        fig.update_yaxes(autorange="reversed")
        title = (
            f"{text('fig_migration', lang)} {last.item(0, 'month')} → {last.item(0, 'next_month')}"
        )
    else:
        title = text("fig_migration", lang)
    return _layout(fig, title, text("to_state", lang), text("from_state", lang), percent=False)


def recovery_bars(frame: pl.DataFrame, by: str, lang: str) -> go.Figure:
    """Recovery rate per `by` (bucket or vintage), one series per currency."""
    fig = go.Figure()
    for (currency,), rows in frame.group_by("currency", maintain_order=True):
        fig.add_trace(
            go.Bar(
                x=rows.get_column(by).to_list(),
                y=rows.get_column("recovery_rate").to_list(),
                name=str(currency),
            )
        )
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="category")
    key = "fig_recovery_bucket" if by == "bucket" else "fig_recovery_vintage"
    return _layout(fig, text(key, lang), text(by, lang), text("recovery_rate", lang))


def connect_by_channel(frame: pl.DataFrame, lang: str) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=frame.get_column("channel").to_list(),
            y=frame.get_column("connect_rate").to_list(),
            text=[f"{v:.1%}" if v is not None else "" for v in frame.get_column("connect_rate")],
            textposition="outside",
            marker_color=PALETTE[0],
        )
    )
    return _layout(
        fig, text("fig_connect_channel", lang), text("channel", lang), text("connect_rate", lang)
    )


def agents_scatter(agents: pl.DataFrame, lang: str) -> go.Figure:
    """Each agent: connect rate against kept rate, sized by calls, coloured by team."""
    fig = go.Figure()
    for (team,), rows in agents.group_by("team_id", maintain_order=True):
        calls = rows.get_column("calls").to_list()
        top = max(max(calls), 1)
        fig.add_trace(
            go.Scatter(
                x=rows.get_column("connect_rate").to_list(),
                y=rows.get_column("kept_rate").to_list(),
                mode="markers",
                name=str(team),
                text=[f"{a} {n or ''}" for a, n in rows.select("agent_id", "name").iter_rows()],
                marker={"size": [8 + 22 * c / top for c in calls], "opacity": 0.75},
            )
        )
    fig = _layout(
        fig, text("fig_agents", lang), text("connect_rate", lang), text("kept_rate", lang)
    )
    fig.update_xaxes(tickformat=".0%")
    return fig


def blocks_bar(by_rule: pl.DataFrame, lang: str) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=by_rule.get_column("blocked").to_list(),
            y=by_rule.get_column("rule").to_list(),
            orientation="h",
            marker_color=[
                "#d62728" if k == "cap" else "#ff7f0e" if k == "rest" else PALETTE[0]
                for k in by_rule.get_column("kind")
            ],
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _layout(
        fig, text("fig_blocks", lang), text("blocked", lang), text("rule", lang), percent=False
    )
