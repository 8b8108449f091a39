"""The simulation's HTML report: `report.html` in the `--out` folder, readable without the
command line.

It is the `arrears report` page (`analytics.report.template.PAGE`, its cards, tables and
plot layout, plotly.js inlined with `plotly.offline.get_plotlyjs`: nothing is fetched from a
CDN) laid out for a simulation: the settings in the header, the compliance line on top (red
when a contact broke a rule), the verdict and the differences with their 95 % CIs when two
arms ran, KPI cards per arm, then the plots (recovery by day, rates by bucket, contacts by
channel and local hour, cost against recovery, promises, blocks) and the per-bucket table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly.offline
import polars as pl
from jinja2 import Environment
from markupsafe import Markup

from arrears.analytics.report.i18n import LANGS
from arrears.analytics.report.tables import card, div
from arrears.analytics.report.template import PAGE
from arrears.simulation import report_figures as figures
from arrears.simulation import report_tables as tables_
from arrears.simulation.report_text import arm_name, sim_text

DAILY_COLUMNS = ("arm", "date", "recovered", "cost", "contacts", "rpc", "promises", "complaints")
COMPLIANCE_COLUMNS = ("arm", "date", "planned", "contacts", "blocked", "violations", "verified")
BUCKET_COLUMNS = (
    "arm",
    "bucket",
    "accounts",
    "overdue_accounts",
    "overdue_start",
    "recovered",
    "recovery_rate",
    "roll_rate",
    "cure_rate",
    "contacts",
    "cost",
    "complaints",
)


def write_report(
    path: Path,
    doc: dict[str, Any],
    daily: pl.DataFrame,
    buckets: pl.DataFrame,
    hours: pl.DataFrame,
    lang: str = "en",
) -> Path:
    """Write the report of a simulation (`summary.json`'s `doc` and its frames) to `path`."""
    page = render_report(doc, daily, buckets, hours, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path


def render_report(
    doc: dict[str, Any],
    daily: pl.DataFrame,
    buckets: pl.DataFrame,
    hours: pl.DataFrame,
    lang: str = "en",
) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    sections = _sections(doc, daily, buckets, hours, lang)
    note, warn = _compliance_line(doc, lang)
    env = Environment(autoescape=True, keep_trailing_newline=True)
    return env.from_string(PAGE).render(
        lang=lang,
        t={"title": sim_text("title", lang)},
        as_of=doc["settings"]["start"],
        meta=_meta(doc, lang),
        sections=sections,
        n_figures=sum(len(s["figures"]) for s in sections),
        source_note=note,
        source_warn=warn,
        source_bad=warn,
        plotly_js=Markup(plotly.offline.get_plotlyjs()),
    )


def _meta(doc: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    s = doc["settings"]
    meta = [
        (sim_text("accounts", lang), f"{s['accounts']:,}"),
        (sim_text("days", lang), str(s["days"])),
        (sim_text("seed", lang), str(s["seed"])),
        (sim_text("country", lang), str(s["country"])),
        (sim_text("start", lang), str(s["start"])),
    ]
    meta += [(arm_name(a["name"], lang), f"{a['strategy']} v{a['version']}") for a in doc["arms"]]
    meta.append((sim_text("verify", lang), sim_text("on" if s.get("verify") else "off", lang)))
    meta.append((sim_text("seconds", lang), f"{doc.get('seconds', 0):.1f} s"))
    return meta


def _total(doc: dict[str, Any], key: str) -> int:
    return sum(int(a["kpis"].get(key, 0)) for a in doc["arms"])


def _compliance_line(doc: dict[str, Any], lang: str) -> tuple[str, bool]:
    """The line on top: violations (a warning) or that every contact passed the guard."""
    violations = _total(doc, "violations")
    if violations:
        arms = ", ".join(
            f"{arm_name(a['name'], lang)}: {int(a['kpis'].get('violations', 0)):,}"
            for a in doc["arms"]
        )
        return sim_text("violations_warn", lang).format(n=violations, arms=arms), True
    key = "compliance_ok" if doc["settings"].get("verify") else "compliance_unverified"
    return sim_text(key, lang).format(
        verified=_total(doc, "verified"), blocked=_total(doc, "blocked")
    ), False


def _section(sid: str, lang: str, **parts: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": sid,
        "title": sim_text(f"sec_{sid}", lang),
        "lead": None,
        "notes": [],
        "warnings": [],
        "cards": [],
        "card_groups": [],
        "figures": [],
        "tables": [],
    }
    return base | parts


def _sections(
    doc: dict[str, Any],
    daily: pl.DataFrame,
    buckets: pl.DataFrame,
    hours: pl.DataFrame,
    lang: str,
) -> list[dict[str, Any]]:
    arms = [a["name"] for a in doc["arms"]]
    kpis = {a["name"]: a["kpis"] for a in doc["arms"]}
    named = _arm_labels(arms, lang)
    violations = _total(doc, "violations")
    warnings = [_compliance_line(doc, lang)[0]] if violations else []
    out = []
    if doc.get("differences"):
        out.append(
            _section(
                "comparison",
                lang,
                lead=tables_.verdict(doc["differences"], lang),
                notes=[sim_text("comparison_intro", lang)],
                tables=[tables_.differences_table(doc["differences"], lang)],
            )
        )
    notes = [sim_text("arms_intro", lang)]
    if len(arms) == 1:
        notes.append(sim_text("one_arm", lang))
    out.append(
        _section(
            "arms",
            lang,
            notes=notes,
            warnings=warnings,
            card_groups=[_arm_cards(a, lang) for a in doc["arms"]],
            tables=[tables_.kpi_table(kpis, lang)],
        )
    )
    out.append(
        _section(
            "daily",
            lang,
            figures=[
                div(figures.cumulative_recovered(daily, arms, lang), "fig-cum-recovered"),
                div(
                    figures.daily_bars(daily, arms, "recovered", "fig_daily_recovered", lang),
                    "fig-daily-recovered",
                ),
            ],
            tables=[tables_.frame_table(daily, DAILY_COLUMNS, named, lang)],
        )
    )
    out.append(
        _section(
            "buckets",
            lang,
            notes=[sim_text("buckets_intro", lang)],
            figures=[div(figures.bucket_rates(buckets, arms, lang), "fig-bucket-rates")],
            tables=[tables_.frame_table(buckets, BUCKET_COLUMNS, named, lang)],
        )
    )
    out.append(
        _section(
            "contacts",
            lang,
            notes=[sim_text("contacts_intro", lang)],
            figures=[
                div(figures.hours_heatmap(hours, arms, lang), "fig-hours"),
                div(figures.channel_bars(kpis, lang), "fig-channels"),
            ],
        )
    )
    out.append(
        _section(
            "cost",
            lang,
            notes=[sim_text("cost_intro_sim", lang)],
            figures=[
                div(figures.cost_curve(daily, arms, lang), "fig-cost-curve"),
                div(figures.per_cost(buckets, kpis, lang), "fig-per-cost"),
            ],
        )
    )
    out.append(
        _section(
            "promises",
            lang,
            notes=[sim_text("promises_intro", lang)],
            figures=[
                div(figures.promises_bars(kpis, lang), "fig-promises"),
                div(figures.daily_promises(daily, arms, lang), "fig-daily-promises"),
            ],
        )
    )
    out.append(
        _section(
            "compliance",
            lang,
            title=sim_text("sec_compliance", lang),
            notes=[sim_text("compliance_intro", lang)],
            warnings=warnings,
            card_groups=[_compliance_cards(a, lang) for a in doc["arms"]],
            figures=[div(figures.compliance_daily(daily, arms, lang), "fig-compliance")],
            tables=[tables_.frame_table(daily, COMPLIANCE_COLUMNS, named, lang)],
        )
    )
    out.append(_settings(doc, daily, arms, lang))
    return out


def _arm_labels(arms: list[str], lang: str) -> dict[str, str]:
    return {a: arm_name(a, lang) for a in arms}


def _group_title(arm: dict[str, Any], lang: str) -> str:
    return f"{arm_name(arm['name'], lang)} — {arm['strategy']} v{arm['version']}"


def _violations_card(k: dict[str, Any], lang: str) -> dict[str, str]:
    n = int(k.get("violations", 0))
    label = f"{sim_text('violations', lang)} ({sim_text('must_be_zero', lang)})"
    return card(label, n, "count", "good" if n == 0 else "bad")


def _arm_cards(arm: dict[str, Any], lang: str) -> dict[str, Any]:
    k = arm["kpis"]

    def c(key: str, money: bool = False) -> dict[str, str]:
        value = k.get(key)
        return card(
            sim_text(key, lang), round(value) if money and value is not None else value, key
        )

    cards = [
        c("recovered", money=True),
        c("recovery_rate"),
        c("cure_rate"),
        c("cost", money=True),
        c("recovered_per_cost"),
        c("contacts"),
        c("rpc"),
        c("promises_made"),
        c("promises_kept"),
        c("complaints"),
        c("blocked"),
        _violations_card(k, lang),
    ]
    return {"title": _group_title(arm, lang), "cards": cards}


def _compliance_cards(arm: dict[str, Any], lang: str) -> dict[str, Any]:
    k = arm["kpis"]
    cards = [
        _violations_card(k, lang),
        card(sim_text("blocked", lang), k.get("blocked"), "count"),
        card(sim_text("verified", lang), k.get("verified"), "count"),
        card(sim_text("complaints", lang), k.get("complaints"), "count"),
    ]
    return {"title": _group_title(arm, lang), "cards": cards}


def _settings(
    doc: dict[str, Any], daily: pl.DataFrame, arms: list[str], lang: str
) -> dict[str, Any]:
    tables = [tables_.knobs_table(doc["settings"].get("knobs", {}), lang)]
    stages = tables_.stages_table(daily, arms, lang)
    if stages is not None:
        tables.append(stages)
    return _section("settings", lang, notes=[sim_text("settings_intro", lang)], tables=tables)
