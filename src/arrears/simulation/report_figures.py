"""The simulation report's plots: one colour per arm (the report's `PALETTE`), its layout
(`_layout`: fonts with Chinese glyphs, white template) and labels in the page's language."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from arrears.analytics.report.figures import FONT, PALETTE, _layout
from arrears.contract.tables import CHANNELS
from arrears.simulation.report_text import arm_name, channel_name, sim_text

RATES: tuple[str, ...] = ("roll_rate", "recovery_rate", "cure_rate")
PROMISES: tuple[str, ...] = ("promises_made", "promises_kept", "promises_broken", "open")
VIOLATION = "#d62728"
# The report's palette without its red, which this page keeps for violations.
ARM_COLOURS: tuple[str, ...] = tuple(c for c in PALETTE if c != VIOLATION)


def colours(arms: Sequence[str]) -> dict[str, str]:
    return {arm: ARM_COLOURS[i % len(ARM_COLOURS)] for i, arm in enumerate(arms)}


def _days(daily: pl.DataFrame, arm: str) -> pl.DataFrame:
    return daily.filter(pl.col("arm") == arm).sort("date")


def _dates(rows: pl.DataFrame) -> list[str]:
    return [d.isoformat() for d in rows.get_column("date").to_list()]


def _day_axis(fig: go.Figure) -> go.Figure:
    fig.update_xaxes(type="category")
    return fig


def cumulative_recovered(daily: pl.DataFrame, arms: Sequence[str], lang: str) -> go.Figure:
    fig = go.Figure()
    for arm, colour in colours(arms).items():
        rows = _days(daily, arm)
        fig.add_trace(
            go.Scatter(
                x=_dates(rows),
                y=rows.get_column("recovered").cum_sum().to_list(),
                mode="lines+markers",
                name=arm_name(arm, lang),
                line={"color": colour},
            )
        )
    fig = _layout(
        fig,
        sim_text("fig_cum_recovered", lang),
        sim_text("date", lang),
        sim_text("amount", lang),
        percent=False,
    )
    return _day_axis(fig)


def daily_bars(
    daily: pl.DataFrame, arms: Sequence[str], column: str, title: str, lang: str
) -> go.Figure:
    fig = go.Figure()
    for arm, colour in colours(arms).items():
        rows = _days(daily, arm)
        fig.add_trace(
            go.Bar(
                x=_dates(rows),
                y=rows.get_column(column).to_list(),
                name=arm_name(arm, lang),
                marker_color=colour,
            )
        )
    fig.update_layout(barmode="group")
    fig = _layout(
        fig, sim_text(title, lang), sim_text("date", lang), sim_text(column, lang), percent=False
    )
    return _day_axis(fig)


def bucket_rates(buckets: pl.DataFrame, arms: Sequence[str], lang: str) -> go.Figure:
    """Roll, recovery and cure rate per bucket, side by side, bars grouped by arm."""
    fig = make_subplots(
        rows=1,
        cols=len(RATES),
        subplot_titles=[sim_text(r, lang) for r in RATES],
        horizontal_spacing=0.06,
    )
    for arm, colour in colours(arms).items():
        rows = buckets.filter(pl.col("arm") == arm)
        for i, rate in enumerate(RATES):
            fig.add_trace(
                go.Bar(
                    x=rows.get_column("bucket").to_list(),
                    y=rows.get_column(rate).to_list(),
                    name=arm_name(arm, lang),
                    legendgroup=arm,
                    showlegend=i == 0,
                    marker_color=colour,
                    hovertemplate="%{x}: %{y:.1%}",
                ),
                row=1,
                col=i + 1,
            )
    fig.update_layout(barmode="group")
    fig = _layout(fig, sim_text("fig_bucket_rates", lang), sim_text("bucket", lang), "")
    fig.update_xaxes(type="category", title_text=sim_text("bucket", lang))
    fig.update_annotations(font={"family": FONT, "size": 13})
    fig.update_layout(margin={"t": 80})
    return fig


def hours_heatmap(hours: pl.DataFrame, arms: Sequence[str], lang: str) -> go.Figure:
    """One heatmap per arm: channels down, local hours 0–23 across, contacts in the cells."""
    used = set(hours.filter(pl.col("contacts") > 0).get_column("channel").to_list())
    channels = [c for c in CHANNELS if c in used] or list(CHANNELS[:1])
    top = max(int(hours.select(pl.col("contacts").max()).item() or 0), 1)
    fig = make_subplots(
        rows=len(arms),
        cols=1,
        shared_xaxes=True,
        subplot_titles=[arm_name(a, lang) for a in arms],
        vertical_spacing=0.12 if len(arms) > 1 else 0.0,
    )
    for i, arm in enumerate(arms):
        cells = {
            (c, h): n
            for c, h, n in hours.filter(pl.col("arm") == arm)
            .select("channel", "local_hour", "contacts")
            .iter_rows()
        }
        z = [[cells.get((c, h), 0) for h in range(24)] for c in channels]
        fig.add_trace(
            go.Heatmap(
                z=z,
                x=list(range(24)),
                y=[channel_name(c, lang) for c in channels],
                text=[[f"{v:,}" if v else "" for v in row] for row in z],
                texttemplate="%{text}",
                textfont={"size": 10},
                colorscale="Blues",
                zmin=0,
                zmax=top,
                showscale=i == 0,
                colorbar={"title": {"text": sim_text("contacts", lang)}, "len": 0.8},
                hovertemplate="%{y} %{x}:00 — %{z:,}<extra></extra>",
            ),
            row=i + 1,
            col=1,
        )
    fig = _layout(fig, sim_text("fig_hours", lang), "", "", percent=False)
    fig.update_xaxes(tickmode="linear", dtick=1, range=[-0.5, 23.5])
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=sim_text("local_hour", lang), row=len(arms), col=1)
    fig.update_layout(height=110 + len(arms) * (70 + 34 * len(channels)))
    fig.update_annotations(font={"family": FONT, "size": 13})
    fig.update_layout(margin={"t": 80})
    return fig


def channel_bars(kpis: dict[str, dict[str, Any]], lang: str) -> go.Figure:
    """Contacts per channel, bars grouped by arm (channels no arm used are left out)."""
    channels = [c for c in CHANNELS if any(k.get(f"contacts_{c}", 0) for k in kpis.values())]
    fig = go.Figure()
    for arm, colour in colours(list(kpis)).items():
        values = [kpis[arm].get(f"contacts_{c}", 0) for c in channels]
        fig.add_trace(
            go.Bar(
                x=[channel_name(c, lang) for c in channels],
                y=values,
                name=arm_name(arm, lang),
                marker_color=colour,
                text=[f"{v:,}" for v in values],
                textposition="outside",
            )
        )
    fig.update_layout(barmode="group")
    return _layout(
        fig,
        sim_text("fig_channels", lang),
        sim_text("channel", lang),
        sim_text("contacts", lang),
        percent=False,
    )


def cost_curve(daily: pl.DataFrame, arms: Sequence[str], lang: str) -> go.Figure:
    """Each arm's path: cumulative cost across, cumulative recovered up, a point per day."""
    fig = go.Figure()
    for arm, colour in colours(arms).items():
        rows = _days(daily, arm)
        fig.add_trace(
            go.Scatter(
                x=rows.get_column("cost").cum_sum().to_list(),
                y=rows.get_column("recovered").cum_sum().to_list(),
                text=_dates(rows),
                mode="lines+markers",
                name=arm_name(arm, lang),
                line={"color": colour},
                hovertemplate="%{text}<br>%{x:,.0f} → %{y:,.0f}<extra></extra>",
            )
        )
    fig = _layout(
        fig,
        sim_text("fig_cost_curve", lang),
        sim_text("cum_cost", lang),
        sim_text("cum_recovered", lang),
        percent=False,
    )
    fig.update_xaxes(rangemode="tozero")
    fig.update_yaxes(rangemode="tozero")
    return fig


def per_cost(buckets: pl.DataFrame, kpis: dict[str, dict[str, Any]], lang: str) -> go.Figure:
    """Recovered per unit of cost per bucket and over the whole book, bars grouped by arm."""
    fig = go.Figure()
    for arm, colour in colours(list(kpis)).items():
        rows = buckets.filter(pl.col("arm") == arm)
        x = [*rows.get_column("bucket").to_list(), sim_text("all", lang)]
        y = [r / c if c else None for r, c in rows.select("recovered", "cost").iter_rows()]
        y.append(kpis[arm].get("recovered_per_cost") or None)
        fig.add_trace(
            go.Bar(
                x=x,
                y=y,
                name=arm_name(arm, lang),
                marker_color=colour,
                text=[f"{v:,.0f}" if v is not None else "" for v in y],
                textposition="outside",
            )
        )
    fig.update_layout(barmode="group")
    fig = _layout(
        fig,
        sim_text("fig_per_cost", lang),
        sim_text("bucket", lang),
        sim_text("recovered_per_cost", lang),
        percent=False,
    )
    fig.update_xaxes(type="category")
    return fig


def promises_bars(kpis: dict[str, dict[str, Any]], lang: str) -> go.Figure:
    fig = go.Figure()
    labels = [sim_text(p, lang) for p in PROMISES]
    for arm, colour in colours(list(kpis)).items():
        k = kpis[arm]
        made = int(k.get("promises_made", 0))
        kept, broken = int(k.get("promises_kept", 0)), int(k.get("promises_broken", 0))
        values = [made, kept, broken, max(made - kept - broken, 0)]
        fig.add_trace(
            go.Bar(
                x=labels,
                y=values,
                name=arm_name(arm, lang),
                marker_color=colour,
                text=[f"{v:,}" for v in values],
                textposition="outside",
            )
        )
    fig.update_layout(barmode="group")
    return _layout(fig, sim_text("fig_promises", lang), "", sim_text("count", lang), percent=False)


def daily_promises(daily: pl.DataFrame, arms: Sequence[str], lang: str) -> go.Figure:
    fig = go.Figure()
    for arm, colour in colours(arms).items():
        rows = _days(daily, arm)
        for column, dash in (("promises", "solid"), ("rpc", "dot")):
            fig.add_trace(
                go.Scatter(
                    x=_dates(rows),
                    y=rows.get_column(column).to_list(),
                    mode="lines+markers",
                    name=f"{arm_name(arm, lang)} · {sim_text(column, lang)}",
                    line={"color": colour, "dash": dash},
                )
            )
    fig = _layout(
        fig,
        sim_text("fig_daily_promises", lang),
        sim_text("date", lang),
        sim_text("count", lang),
        percent=False,
    )
    return _day_axis(fig)


def compliance_daily(daily: pl.DataFrame, arms: Sequence[str], lang: str) -> go.Figure:
    """Blocked contacts per day on top; violations per day below (must stay at 0: red)."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.65, 0.35],
        vertical_spacing=0.14,
        subplot_titles=[
            sim_text("blocked", lang),
            f"{sim_text('violations', lang)} ({sim_text('must_be_zero', lang)})",
        ],
    )
    top = 1
    for arm, colour in colours(arms).items():
        rows = _days(daily, arm)
        fig.add_trace(
            go.Bar(
                x=_dates(rows),
                y=rows.get_column("blocked").to_list(),
                name=arm_name(arm, lang),
                legendgroup=arm,
                marker_color=colour,
            ),
            row=1,
            col=1,
        )
        violations = rows.get_column("violations").to_list()
        top = max(top, *violations) if violations else top
        fig.add_trace(
            go.Bar(
                x=_dates(rows),
                y=violations,
                name=arm_name(arm, lang),
                legendgroup=arm,
                showlegend=False,
                marker_color=[VIOLATION if v else colour for v in violations],
                text=[f"{v:,}" for v in violations],
                textposition="outside",
            ),
            row=2,
            col=1,
        )
    fig.update_layout(barmode="group")
    fig = _layout(fig, sim_text("fig_compliance", lang), "", sim_text("count", lang), percent=False)
    fig.update_yaxes(range=[0, top * 1.3], dtick=max(1, top // 4), row=2, col=1)
    fig.update_yaxes(title_text="", row=2, col=1)
    fig.update_xaxes(type="category")
    fig.update_xaxes(title_text=sim_text("date", lang), row=2, col=1)
    fig.update_annotations(font={"family": FONT, "size": 13})
    fig.update_layout(margin={"t": 80})
    fig.update_layout(height=520)
    return fig
