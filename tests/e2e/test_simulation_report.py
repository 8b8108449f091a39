"""`arrears simulate`'s report.html from a real small simulation (the brief's example against
the mixed portfolio), opened in Chromium with the network cut off: every plot is drawn, the
headings and plot titles read in English and in Chinese, no page error. A screenshot of each
page is kept in $ARREARS_ARTIFACTS (default tests/artifacts/)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from arrears.simulation.report import write_report
from arrears.simulation.run import simulate, write_simulation
from arrears.strategy.load import load_strategy
from browser import ARTIFACTS, chromium

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[2]
START = dt.date(2026, 11, 2)
EN = ("Challenger against champion", "Results per arm", "By bucket", "Compliance")
ZH = ("挑战者与冠军对比", "各组结果", "分账龄段", "合规")
EN_PLOT_TITLE = "Cumulative recovered"
ZH_PLOT_TITLE = "累计回收金额"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """report.html as `write_simulation` writes it (en), and the zh-CN page written again
    from the files the run left (summary.json and the parquet frames)."""
    out = tmp_path_factory.mktemp("simulation") / "out"
    champion = load_strategy(ROOT / "examples/strategies/seed_example.yaml")
    challenger = load_strategy(ROOT / "examples/strategies/mixed_example.yaml")
    sim = simulate(
        [("champion", champion), ("challenger", challenger)],
        accounts=2000,
        days=3,
        seed=7,
        country="CN",
        start=START,
    )
    files = write_simulation(sim, out)
    doc = json.loads(files["summary"].read_text(encoding="utf-8"))
    frames = [pl.read_parquet(files[name]) for name in ("daily", "buckets", "hours")]
    zh = write_report(out / "report-zh-CN.html", doc, *frames, lang="zh-CN")
    return {"en": files["report"], "zh-CN": zh}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


def _open(browser: Any, path: Path) -> tuple[Any, Any, list[str], list[str]]:
    """The page, offline: any request that is not the file itself is refused and recorded."""
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    fetched: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith("file:"):
            request_route.continue_()
        else:
            fetched.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.goto(path.resolve().as_uri())
    return context, page, errors, fetched


@pytest.mark.parametrize(
    ("lang", "headings", "plot_title"), [("en", EN, EN_PLOT_TITLE), ("zh-CN", ZH, ZH_PLOT_TITLE)]
)
def test_the_simulation_report_draws_every_plot_in_chromium(
    reports: dict[str, Path], browser: Any, lang: str, headings: tuple[str, ...], plot_title: str
) -> None:
    html = reports[lang].read_text(encoding="utf-8")
    figures = int(re.search(r'data-figures="(\d+)"', html).group(1))  # type: ignore[union-attr]
    assert figures == 10
    context, page, errors, fetched = _open(browser, reports[lang])
    try:
        page.wait_for_function(
            f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {2 * figures}",
            timeout=60_000,
        )
        # each plot drew its marks: bars, lines or a heatmap's image
        marks = page.eval_on_selector_all(
            ".js-plotly-plot",
            "plots => Object.fromEntries(plots.map(p => [p.id, p.querySelectorAll("
            "'.barlayer .point, .scatterlayer .js-line, .heatmaplayer image').length]))",
        )
        assert len(marks) == figures and all(n > 0 for n in marks.values()), marks
        assert page.locator(".js-plotly-plot .main-svg").count() >= 2 * figures
        # bars and lines were drawn, not only axes
        assert page.locator(".js-plotly-plot .barlayer .point").count() > 20
        assert page.locator(".js-plotly-plot .scatterlayer .js-line").count() >= 4
        assert page.locator(".js-plotly-plot .heatmaplayer image").count() >= 1
        titles = page.locator("h2").all_inner_texts()
        for heading in headings:
            assert heading in titles
        assert page.locator("svg text", has_text=plot_title).count() >= 1
        assert page.locator("p.lead").count() == 1  # the verdict
        assert page.locator(".card.good, .card.bad").count() == 4  # violations, per arm twice
        assert errors == [] and fetched == []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"simulation-report-{lang}.png"
        page.screenshot(path=str(shot), full_page=True)
    finally:
        context.close()
    assert shot.stat().st_size > 100_000
