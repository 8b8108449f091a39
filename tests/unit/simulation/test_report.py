"""The simulation's HTML report from small hand-made frames: every section and plot, plotly.js
inline (no CDN), zh-CN and en, the violations warning, a one-arm run, the verdict line."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path
from typing import Any

import plotly.offline
import polars as pl
import pytest

from arrears.simulation.report import write_report
from arrears.simulation.report_tables import verdict

SECTIONS = (
    "comparison",
    "arms",
    "daily",
    "buckets",
    "contacts",
    "cost",
    "promises",
    "compliance",
    "settings",
)
FIGURES = (
    "fig-cum-recovered",
    "fig-daily-recovered",
    "fig-bucket-rates",
    "fig-hours",
    "fig-channels",
    "fig-cost-curve",
    "fig-per-cost",
    "fig-promises",
    "fig-daily-promises",
    "fig-compliance",
)
ZH_LABELS = (
    "<h2>挑战者与冠军对比</h2>",
    "<h2>各组结果</h2>",
    "<h2>分账龄段</h2>",
    "<h2>合规</h2>",
    "冠军策略",
    "挑战者策略",
    "滚动率",
    "回收率",
    "治愈率",
    "单位成本回收",
    "合规违规",
    "人工外呼",
)
ARMS = ("champion", "challenger")
DAYS = [dt.date(2026, 11, 2) + dt.timedelta(days=i) for i in range(3)]


def _kpis(i: int, violations: int = 0) -> dict[str, Any]:
    return {
        "accounts": 1000,
        "days": 3,
        "overdue_start": 2_318_402.16,
        "recovered": 50_000.0 + 10_000 * i,
        "recovered_from_start_book": 40_000.0,
        "recovery_rate": 0.0213 + 0.01 * i,
        "cure_rate": 0.05,
        "cost": 200.0 + 3000 * i,
        "recovered_per_cost": (50_000.0 + 10_000 * i) / (200.0 + 3000 * i),
        "contacts": 500 + 1000 * i,
        "promises_made": 10 + 50 * i,
        "promises_kept": 4 + 10 * i,
        "promises_broken": 2 + 5 * i,
        "complaints": i,
        "rpc": 30 + 100 * i,
        "blocked": 9 + 100 * i,
        "violations": violations,
        "verified": 500 + 1000 * i,
        "contacts_sms": 400,
        "contacts_ivr": 0,
        "contacts_robot_call": 200 * i,
        "contacts_human_call": 100 + 800 * i,
        "contacts_email": 0,
        "contacts_letter": 0,
        "contacts_visit": 0,
    }


def _doc(arms: int = 2, violations: int = 0) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "settings": {
            "accounts": 1000,
            "days": 3,
            "seed": 7,
            "country": "CN",
            "start": "2026-11-02",
            "verify": True,
            "knobs": {"cure_hazard": [0.2, 0.1], "lift_rpc": {"human_call": 2.0}, "rpc_scale": 1},
        },
        "seconds": 1.25,
        "arms": [
            {
                "name": ARMS[i],
                "strategy": ("small-loan-early", "mixed-portfolio")[i],
                "version": (1, 3)[i],
                "kpis": _kpis(i, violations if i == 1 else 0),
            }
            for i in range(arms)
        ],
        "differences": [],
    }
    if arms == 2:
        doc["differences"] = [
            {
                "metric": "recovered",
                "champion": 50_000.0,
                "challenger": 60_000.0,
                "difference": 10_000.0,
                "relative": 0.2,
                "ci_low": 4_000.0,
                "ci_high": 16_000.0,
                "excludes_zero": True,
            },
            {
                "metric": "cost",
                "champion": 200.0,
                "challenger": 3200.0,
                "difference": 3000.0,
                "relative": 15.0,
                "ci_low": 2500.0,
                "ci_high": 3500.0,
                "excludes_zero": True,
            },
            {
                "metric": "net",
                "champion": 49_800.0,
                "challenger": 56_800.0,
                "difference": 7000.0,
                "relative": 0.14,
                "ci_low": 900.0,
                "ci_high": 13_000.0,
                "excludes_zero": True,
            },
            {
                "metric": "contacts",
                "champion": 500.0,
                "challenger": 1500.0,
                "difference": 1000.0,
                "relative": 2.0,
                "ci_low": 950.0,
                "ci_high": 1050.0,
                "excludes_zero": True,
            },
            {
                "metric": "complaints",
                "champion": 0.0,
                "challenger": 1.0,
                "difference": 1.0,
                "relative": None,
                "ci_low": 0.0,
                "ci_high": 3.0,
                "excludes_zero": False,
            },
        ]
    return doc


def _frames(doc: dict[str, Any]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    arms = [a["name"] for a in doc["arms"]]
    violations = {a["name"]: a["kpis"]["violations"] for a in doc["arms"]}
    daily = pl.DataFrame(
        [
            {
                "arm": arm,
                "date": day,
                "recovered": 15_000.0 + 1000 * d + 500 * i,
                "cost": 60.0 + 900 * i,
                "planned": 170 + 300 * i,
                "contacts": 160 + 300 * i,
                "rpc": 10 + 30 * i,
                "promises": 3 + 15 * i,
                "complaints": i if d == 1 else 0,
                "blocked": 3 + 30 * i,
                "violations": violations[arm] if d == 2 else 0,
                "verified": 160 + 300 * i,
                "contacts_sms": 130,
                "contacts_human_call": 30 + 300 * i,
                "seconds_plan": 0.1,
                "seconds_verify": 0.05,
            }
            for i, arm in enumerate(arms)
            for d, day in enumerate(DAYS)
        ]
    )
    buckets = pl.DataFrame(
        [
            {
                "arm": arm,
                "bucket": b,
                "accounts": 500 if b == "M0" else 250,
                "overdue_start": 0.0 if b == "M0" else 2_318_402.16,
                "recovered": 20_000.0 + i,
                "cost": 100.0 * (i + 1),
                "contacts": 100,
                "complaints": 0,
                "overdue_accounts": 0 if b == "M0" else 250,
                "recovery_rate": None if b == "M0" else 0.2134,
                "roll_rate": None if b in ("M0", "M7+") else 0.158,
                "cure_rate": None if b == "M0" else 0.05,
            }
            for i, arm in enumerate(arms)
            for b in ("M0", "M1", "M7+")
        ]
    )
    hours = pl.DataFrame(
        [
            {"arm": arm, "channel": c, "local_hour": h, "contacts": 10 * (i + 1) + h}
            for i, arm in enumerate(arms)
            for c in ("sms", "human_call")
            for h in (9, 18, 20)
        ],
        schema={
            "arm": pl.String,
            "channel": pl.String,
            "local_hour": pl.Int64,
            "contacts": pl.Int64,
        },
    )
    return daily, buckets, hours


def _page(tmp_path: Path, doc: dict[str, Any] | None = None, lang: str = "en") -> str:
    doc = doc if doc is not None else _doc()
    out = write_report(tmp_path / f"report-{lang}.html", doc, *_frames(doc), lang=lang)
    return out.read_text(encoding="utf-8")


def test_the_report_has_every_section_and_plot(tmp_path: Path) -> None:
    html = _page(tmp_path)
    for sid in SECTIONS:
        assert f'<section id="{sid}">' in html, sid
        assert f'href="#{sid}"' in html, sid
    for fid in FIGURES:
        assert f'id="{fid}"' in html, fid
    assert f'data-figures="{len(FIGURES)}"' in html
    assert html.count("Plotly.newPlot(") >= len(FIGURES)
    # the settings in the header: book size, days, seed, country, start, strategies, versions
    header = html[html.index("<header>") : html.index("</header>")]
    for word in ("1,000", "2026-11-02", "CN", "small-loan-early v1", "mixed-portfolio v3"):
        assert word in header, word
    assert re.search(r"Seed: <b>7</b>", header) and re.search(r"Days simulated: <b>3</b>", header)


def test_plotly_js_is_inline_and_nothing_comes_from_a_cdn(tmp_path: Path) -> None:
    html = _page(tmp_path)
    assert plotly.offline.get_plotlyjs()[:500] in html
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, flags=re.I)
    assert '<script src="http' not in html
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.I | re.S)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", markup, flags=re.I)
    assert list(tmp_path.iterdir()) == [tmp_path / "report-en.html"]  # no temp file left


def test_the_comparison_shows_the_cis_and_a_verdict(tmp_path: Path) -> None:
    html = _page(tmp_path)
    comparison = html[html.index('<section id="comparison">') : html.index('<section id="arms">')]
    assert '<p class="lead">The challenger recovers 20.0% more (95 % CI +8.0% to +32.0%, ' in (
        comparison
    )
    assert "at +3,000 cost; net +7,000." in comparison
    assert "Each extra unit of cost brought 3.33 more recovered." in comparison
    assert "Complaints +1 (95 % CI +0.0 to +3.0)." in comparison
    for cell in ("CI excludes 0", "+10,000", "+4,000", "+16,000", "+20.0%", "yes", "no"):
        assert f">{cell}<" in comparison, cell


def test_the_verdict_says_when_the_ci_includes_zero_and_when_the_challenger_recovers_less() -> None:
    doc = _doc()
    unclear = copy.deepcopy(doc["differences"])
    unclear[0] |= {
        "difference": -1000.0,
        "ci_low": -3000.0,
        "ci_high": 500.0,
        "excludes_zero": False,
    }
    line = verdict(unclear, "en")
    assert line.startswith("The challenger recovers 2.0% less, but the 95 % CI (-6.0% to +1.0%)")
    assert "includes 0: no clear difference" in line
    assert verdict(unclear, "zh-CN").startswith("挑战者少回收 2.0%，但 95% 置信区间")
    assert verdict([], "en") == ""


def test_the_zh_page_has_the_chinese_labels(tmp_path: Path) -> None:
    zh = _page(tmp_path, lang="zh-CN")
    en = _page(tmp_path, lang="en")
    assert '<html lang="zh-CN">' in zh and '<html lang="en">' in en
    for label in ZH_LABELS:
        assert label in zh, label
    assert "<title>策略模拟报告 · 2026-11-02</title>" in zh
    assert "挑战者多回收 20.0%（95% 置信区间 +8.0% 至 +32.0%，不含 0）" in zh
    assert "<h2>挑战者与冠军对比</h2>" not in en and "<h2>Challenger against champion</h2>" in en
    assert "Roll rate" in en and "滚动率" not in en


def test_the_bucket_table_is_formatted(tmp_path: Path) -> None:
    html = _page(tmp_path)
    section = html[html.index('<section id="buckets">') : html.index('<section id="contacts">')]
    for header in ("Arm", "Bucket", "Overdue at start", "Roll rate", "Cure rate", "Complaints"):
        assert f">{header}</th>" in section, header
    for cell in ("Champion", "M7+", "2,318,402.16", "21.3%", "15.8%", "5.0%", "—", "20,001.00"):
        assert f">{cell}</td>" in section, cell


def test_violations_show_a_red_warning_and_none_show_a_green_card(tmp_path: Path) -> None:
    bad = _page(tmp_path, _doc(violations=2))
    top = re.search(r'<main>\s*<p class="([^"]+)">([^<]+)</p>', bad)
    assert top is not None
    assert top.group(1) == "warn bad"
    assert top.group(2).startswith("2 compliance violation(s) — must be 0")
    assert "Challenger: 2" in top.group(2)
    cards = re.findall(
        r'<div class="card (\w*)"><div class="v">(\d+)</div>\s*'
        r'<div class="k">Compliance violations \(must be 0\)',
        bad,
    )
    assert ("bad", "2") in cards and ("good", "0") in cards
    good = _page(tmp_path, _doc(violations=0))
    top = re.search(r'<main>\s*<p class="([^"]+)">([^<]+)</p>', good)
    assert top is not None and top.group(1) == "note"
    assert top.group(2).startswith("Compliance: 0 violations; all 2,000 contacts made were")
    assert "warn bad" not in good and 'class="card bad"' not in good


def test_a_one_arm_run_renders_without_a_comparison(tmp_path: Path) -> None:
    html = _page(tmp_path, _doc(arms=1))
    assert '<section id="comparison">' not in html
    assert "One strategy ran: there is no comparison" in html
    assert "Challenger" not in html
    for fid in FIGURES:
        assert f'id="{fid}"' in html, fid


def test_a_run_without_contacts_renders(tmp_path: Path) -> None:
    doc = _doc(arms=1)
    daily, buckets, hours = _frames(doc)
    out = write_report(tmp_path / "r.html", doc, daily, buckets, hours.clear(), "zh-CN")
    assert 'id="fig-hours"' in out.read_text(encoding="utf-8")


def test_an_unknown_language_is_refused(tmp_path: Path) -> None:
    doc = _doc()
    with pytest.raises(ValueError, match="zh-CN"):
        write_report(tmp_path / "r.html", doc, *_frames(doc), lang="fr")
