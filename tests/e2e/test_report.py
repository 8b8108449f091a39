"""`arrears report` and `arrears suggest-timing` on a generated portfolio and a planned day:
one self-contained HTML file in zh-CN or en, opened in Chromium."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console

from arrears.analytics.timing import from_dpd_for, load_suggestions
from arrears.cli.report import run_report, run_suggest_timing
from arrears.generate import generate_portfolio, write_portfolio
from arrears.planning.run import run_plan
from browser import chromium

RUN_DATE = date(2026, 11, 30)
STRATEGY = Path(__file__).parents[2] / "examples" / "strategies" / "mixed_example.yaml"
ARTIFACTS = Path(__file__).parent / "artifacts"
ZH_HEADINGS = ("自然治愈与回收曲线", "拐点与建议入催时点", "迁徙率矩阵", "合规")
EN_HEADINGS = ("Natural-cure and recovery curves", "Migration matrix", "Compliance")


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("report")
    data, runs = root / "data", root / "runs"
    tables = generate_portfolio(accounts=3000, seed=5, country="mixed", as_of=RUN_DATE)
    write_portfolio(tables, data)
    run_plan(data=data, strategy_path=STRATEGY, run_date=RUN_DATE, out=runs / "2026-11-30")
    return data, runs


@pytest.fixture(scope="module")
def reports(folders) -> dict[str, Path]:
    data, runs = folders
    console = Console(record=True, width=120)
    out = data.parent / "out"
    return {
        lang: run_report(console, data, runs, out / f"report-{lang}.html", lang)
        for lang in ("zh-CN", "en")
    }


def test_the_report_is_one_file_that_fetches_nothing(reports):
    for path in reports.values():
        html = path.read_text(encoding="utf-8")
        assert list(path.parent.glob(f"{path.stem}*")) == [path]  # no side files
        tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", html, flags=re.I)
        sources = [t for t in tags if re.search(r"\b(?:src|href)\s*=", t, flags=re.I)]
        assert sources == [], sources
        # Outside the scripts (plotly.js's own code mentions its web site), nothing points
        # to another host.
        markup = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.I | re.S)
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", markup, flags=re.I)
        assert "Plotly.newPlot" in html  # plotly.js itself is inline
        assert len(html) > 1_000_000


def test_the_report_speaks_the_language_asked_for(reports):
    zh = reports["zh-CN"].read_text(encoding="utf-8")
    en = reports["en"].read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in zh and '<html lang="en">' in en
    for heading in ZH_HEADINGS:
        assert f"<h2>{heading}</h2>" in zh
        assert heading not in en
    for heading in EN_HEADINGS:
        assert f"<h2>{heading}</h2>" in en


def test_the_report_re_checks_the_runs_quiet_hours(folders, reports):
    _, runs = folders
    manifest = json.loads((runs / "2026-11-30" / "manifest.json").read_text())
    html = reports["en"].read_text(encoding="utf-8")
    card = re.search(
        r'<div class="card (\w+)"><div class="v">(\d+)</div>\s*'
        r'<div class="k">Quiet-hour violations',
        html,
    )
    assert card is not None
    assert (card.group(1), int(card.group(2))) == (
        "good",
        manifest["compliance"]["quiet_hour_violations"],
    )


def test_an_unknown_language_is_refused(folders, tmp_path):
    data, _ = folders
    with pytest.raises(ValueError, match="zh-CN"):
        run_report(Console(record=True), data, None, tmp_path / "r.html", "fr")


def test_suggest_timing_writes_what_the_assignment_trigger_reads(folders, tmp_path):
    data, runs = folders
    out = tmp_path / "suggestions.json"
    doc = run_suggest_timing(Console(record=True), data, out, 0.5, 7, runs=runs)
    again = load_suggestions(out)
    assert again == json.loads(json.dumps(doc))
    assert {s["segment"] for s in doc["suggestions"]} >= {"m1_cn_cash", "m1_other"}
    for s in doc["suggestions"]:
        assert s["basis"] in ("natural", "uncontacted-estimate", "observed")
        if s["knee_dpd"] is not None:
            low, high = s["band"]
            assert low <= s["knee_dpd"] <= high or s["found_share"] < 1.0
            assert from_dpd_for(again, s["segment"]) == s["from_dpd"] == s["assign"]["from_dpd"]


def test_suggest_timing_is_reproducible_with_the_same_seed(folders):
    data, _ = folders
    a = run_suggest_timing(Console(record=True), data, None, 0.5, 3)
    b = run_suggest_timing(Console(record=True), data, None, 0.5, 3)
    assert a == b


@pytest.mark.browser
def test_the_report_renders_in_chromium_with_chinese_headings(reports):
    executable = chromium()
    from playwright.sync_api import sync_playwright

    html = reports["zh-CN"].read_text(encoding="utf-8")
    figures = int(re.search(r'data-figures="(\d+)"', html).group(1))  # type: ignore[union-attr]
    assert figures >= 8
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report-zh.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(reports["zh-CN"].resolve().as_uri())
            page.wait_for_function(
                f"document.querySelectorAll('.plot-container').length >= {figures}",
                timeout=60_000,
            )
            assert page.locator(".plot-container").count() >= figures
            headings = page.locator("h2").all_inner_texts()
            for heading in ZH_HEADINGS:
                assert heading in headings
            # Plotly drew Chinese axis titles as SVG text.
            assert page.locator("svg text", has_text="逾期天数").count() >= 1
            assert errors == []
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.stat().st_size > 50_000


def test_with_account_snapshots_the_report_reads_history_instead_of_reconstructing(
    folders, tmp_path
):
    data, _ = folders
    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    accounts = pl.read_parquet(copy / "accounts.parquet")
    last_month = date(2026, 10, 31)
    then = accounts.with_columns(
        pl.when(pl.col("due_date") < last_month).then(pl.col("due_date")).alias("due_date")
    )
    pl.concat(
        [
            then.with_columns(pl.lit(last_month).alias("as_of")),
            accounts.with_columns(pl.lit(RUN_DATE).alias("as_of")),
        ]
    ).write_parquet(copy / "account_snapshots.parquet")
    out = run_report(Console(record=True), copy, None, tmp_path / "r.html", "en")
    html = out.read_text(encoding="utf-8")
    assert "Episodes and the migration matrix come from account_snapshots." in html
    assert "Approximate: without snapshots" not in html
    assert "2026-10 → 2026-11" in html


def test_the_report_and_suggest_timing_commands(tmp_path: Path) -> None:
    import subprocess
    import sys

    from arrears.generate.snapshots import generate_history

    data = tmp_path / "history"
    tables = generate_history(accounts=1500, seed=2, country="mixed", as_of=date(2026, 11, 30),
                              days=70)  # fmt: skip
    write_portfolio(tables, data, fmt="parquet")
    arrears = [sys.executable, "-m", "arrears"]
    out = tmp_path / "report.html"
    made = subprocess.run([*arrears, "report", "--data", str(data), "--out", str(out), "--lang",
                           "en"], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert out.stat().st_size > 100_000 and "<html" in out.read_text(encoding="utf-8")[:2000]
    timing = tmp_path / "timing.json"
    cmd = [*arrears, "suggest-timing", "--data", str(data), "--out", str(timing)]
    suggested = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert suggested.returncode == 0, suggested.stderr
    assert json.loads(timing.read_text(encoding="utf-8"))
    bad = subprocess.run([*arrears, "report", "--data", str(data), "--out", str(out), "--lang",
                          "fr"], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert bad.returncode == 2 and "--lang fr" in bad.stderr
