"""`arrears report`: every analysis of the input folder (and runs) in one HTML file.

`analyse` computes the frames once; `render` lays them out in a language; `build_report`
does both and writes the file. The page is self-contained: plotly.js is inlined
(`plotly.offline.get_plotlyjs`), nothing is fetched from a CDN, so it opens on a machine
with no network and can be mailed as it is.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import plotly.offline
import polars as pl
from jinja2 import Environment
from markupsafe import Markup

from arrears.analytics.inputs import load_inputs
from arrears.analytics.knee import DEFAULT_LEVEL, DEFAULT_WIDTH
from arrears.analytics.report import figures
from arrears.analytics.report.analysis import Analysis, analyse
from arrears.analytics.report.i18n import LANGS, text
from arrears.analytics.report.tables import card, div, knee_rows, table
from arrears.analytics.report.template import PAGE

VINTAGES_SHOWN = 12
AGENTS_SHOWN = 30


def _sections(a: Analysis, lang: str) -> list[dict[str, Any]]:
    def t(key: str) -> str:
        return text(key, lang)

    def section(sid: str, **parts: Any) -> dict[str, Any]:
        base = {
            "id": sid,
            "title": t(f"sec_{sid}"),
            "notes": [],
            "warnings": [],
            "cards": [],
            "figures": [],
            "tables": [],
        }
        return base | parts

    out = [
        section(
            "curves",
            notes=[t("curves_intro")],
            figures=[
                div(figures.cumulative_figure(a.curves, "cured_share", lang), "fig-cured"),
                div(figures.cumulative_figure(a.curves, "repaid_share", lang), "fig-repaid"),
            ],
            tables=[
                table(
                    a.curve_summary,
                    ["segment", "arm", "label", "episodes", "cured", "contacted_share"],
                    lang,
                    left=3,
                    translate={"label": ""},
                )
            ],
        ),
        section(
            "knee",
            notes=[t("knee_intro").format(share=a.share, width=DEFAULT_WIDTH, level=DEFAULT_LEVEL)],
            figures=[div(figures.daily_figure(a.curves, a.knees, lang), "fig-daily")],
            tables=[knee_rows(a.knees, lang)],
        ),
        section(
            "migration",
            notes=[t("migration_intro")],
            warnings=[] if a.migration.complete else [t("migration_approx")],
            figures=[
                div(figures.migration_heatmap(a.migration.matrix, a.states, lang), "fig-migration")
            ],
            tables=[
                table(
                    a.migration.rates,
                    [
                        "month",
                        "from_state",
                        "accounts",
                        "cure_rate",
                        "stay_rate",
                        "roll_rate",
                        "flow_rate",
                        "flow_rate_amount",
                    ],
                    lang,
                    left=2,
                )
            ],
        ),
    ]
    vintages = a.recovery_vintage.filter(
        pl.col("vintage").is_in(
            a.recovery_vintage.get_column("vintage").unique().sort().tail(VINTAGES_SHOWN).implode()
        )
    )
    out.append(
        section(
            "recovery",
            notes=[t("recovery_intro")],
            figures=[
                div(figures.recovery_bars(a.recovery_bucket, "bucket", lang), "fig-rec-bucket"),
                div(figures.recovery_bars(vintages, "vintage", lang), "fig-rec-vintage"),
            ],
            tables=[
                table(
                    a.recovery_bucket,
                    ["bucket", "currency", "episodes", "exposure", "recovered", "recovery_rate"],
                    lang,
                    left=2,
                )
            ],
        )
    )
    total = a.promises_total.row(0, named=True) if a.promises_total is not None else {}
    contact = section(
        "contact",
        cards=[
            card(
                f"{t('connect_rate')}（{t('connect_rate_def')}）"
                if lang == "zh-CN"
                else f"{t('connect_rate')} ({t('connect_rate_def')})",
                a.connect.item(0, "connect_rate"),
            ),
            card(
                f"{t('rpc_rate')}（{t('rpc_rate_def')}）"
                if lang == "zh-CN"
                else f"{t('rpc_rate')} ({t('rpc_rate_def')})",
                a.rpc.item(0, "rpc_rate"),
            ),
            card(t("promise_rate") + f" ({t('promise_rate_def')})", total.get("promise_rate")),
            card(t("kept_rate") + f" ({t('kept_rate_def')})", total.get("kept_rate")),
        ],
        figures=[div(figures.connect_by_channel(a.connect_channel, lang), "fig-connect")],
        tables=[
            table(a.connect_channel, ["channel", "dialled", "connected", "connect_rate"], lang)
        ],
    )
    if a.promises is not None:
        contact["tables"].append(
            table(
                a.promises,
                [
                    "currency",
                    "rpc",
                    "promises",
                    "promise_rate",
                    "kept",
                    "broken",
                    "open",
                    "kept_rate",
                    "amount_promised",
                    "amount_paid",
                ],
                lang,
            )
        )
    out.append(contact)
    out.append(
        section(
            "cost",
            notes=[t("cost_intro")],
            tables=[
                table(
                    a.cost,
                    [
                        "currency",
                        "contacts",
                        "contact_cost",
                        "commission",
                        "cost",
                        "recovered",
                        "cost_per_unit",
                    ],
                    lang,
                )
            ],
        )
    )
    perf = section("performance")
    if a.teams is not None:
        perf["tables"].append(
            table(
                a.teams, _perf_columns(a.teams, "team"), lang, left=3, translate={"kind": "team_"}
            )
        )
    if a.agents is not None and a.agents.height:
        perf["figures"].append(div(figures.agents_scatter(a.agents, lang), "fig-agents"))
        top = a.agents.sort("calls", descending=True).head(AGENTS_SHOWN)
        perf["tables"].append(table(top, _perf_columns(top, "agent"), lang, left=3))
    out.append(perf)
    out.append(_compliance(a, lang, section))
    return out


def _perf_columns(frame: pl.DataFrame, who: str) -> list[str]:
    head = (
        ["team_id", "kind", "name", "agents"] if who == "team" else ["agent_id", "team_id", "name"]
    )
    recovered = sorted(c for c in frame.columns if c.startswith("recovered_"))
    return [
        *head,
        "calls",
        "connect_rate",
        "rpc",
        "rpc_per_call",
        "promises",
        "kept_rate",
        "cases",
        *recovered,
    ]


def _compliance(a: Analysis, lang: str, section: Any) -> dict[str, Any]:
    if a.compliance_runs is None or a.compliance_rules is None:
        return section("compliance", notes=[text("no_runs", lang)])
    runs, rules = a.compliance_runs, a.compliance_rules
    violations = int(runs.get_column("quiet_hour_violations").sum())
    cards = [
        card(
            f"{text('quiet_hour_violations', lang)} ({text('must_be_zero', lang)})",
            violations,
            "count",
            "good" if violations == 0 else "bad",
        ),
        card(text("cap_hits", lang), int(runs.get_column("cap_hits").sum()), "count"),
        card(text("rest_hits", lang), int(runs.get_column("rest_hits").sum()), "count"),
        card(text("blocked", lang), int(runs.get_column("blocked").sum()), "count"),
    ]
    return section(
        "compliance",
        cards=cards,
        figures=[div(figures.blocks_bar(rules, lang), "fig-blocks")] if rules.height else [],
        tables=[
            table(
                runs,
                [
                    "run_date",
                    "contacts_checked",
                    "actions",
                    "blocked",
                    "quiet_hour_violations",
                    "cap_hits",
                    "rest_hits",
                ],
                lang,
            ),
            table(rules, ["rule", "kind", "blocked"], lang, left=2, translate={"kind": "kind_"}),
        ],
    )


def render(a: Analysis, lang: str) -> str:
    """The report page in `lang` (zh-CN or en)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    sections = _sections(a, lang)
    meta = [
        (text("as_of", lang), a.as_of.isoformat()),
        (text("data", lang), a.data.name or str(a.data)),
        (text("accounts", lang), f"{a.accounts:,}"),
        (text("episodes", lang), f"{a.episodes.size:,}"),
        (text("runs", lang), str(a.runs)),
        (text("segments_from", lang), text(f"from_{a.segments_from}", lang)),
    ]
    source = a.episodes.source
    env = Environment(autoescape=True, keep_trailing_newline=True)
    return env.from_string(PAGE).render(
        lang=lang,
        t={"title": text("title", lang)},
        as_of=a.as_of.isoformat(),
        meta=meta,
        sections=sections,
        n_figures=sum(len(s["figures"]) for s in sections),
        source_note=text(f"source_{source}", lang),
        source_warn=source == "ledger",
        plotly_js=Markup(plotly.offline.get_plotlyjs()),
    )


def build_report(
    data: Path,
    runs: Path | None,
    out: Path,
    lang: str,
    *,
    share: float = 0.5,
    seed: int = 7,
    as_of: date | None = None,
) -> Path:
    """Analyse `data` (and `runs`) and write the report to `out`; returns the path."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    inputs = load_inputs(data, runs, as_of)
    page = render(analyse(inputs, data, share=share, seed=seed), lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out
